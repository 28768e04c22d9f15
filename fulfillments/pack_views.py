"""The packing station (/pack/): scan an order, check its items, scan the tracking number,
and the next order is ready. Every step is a plain GET or POST form (htmx swaps the station
in place and pushes the URL), and the element to type into next carries `autofocus`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import push_url

from config.http import HtmxHttpRequest
from fulfillments.carriers import OTHER, carrier_name, tracking_number_misread
from fulfillments.forms import PackShipForm, answers_initial, answers_kept
from fulfillments.models import Fulfillment, PackerPreference
from fulfillments.packing import (
    PackList,
    is_counter_sale,
    item_refusal,
    label_doubt,
    moment_said,
    order_for_code,
    pack_list,
    pack_queryset,
    shipment_said,
    shipped_with,
)
from fulfillments.presence import (
    others_packing,
    presence_clear,
    presence_record,
    shipped_before,
)
from fulfillments.services import (
    UNDO_SECONDS,
    ShipmentNeedsConfirmation,
    fulfillment_ship_remaining,
    fulfillment_undo,
    packer_preference_remember,
    pickup_email_note,
    pickup_mark_ready,
    pickup_ready_since,
    shipment_holds,
)
from orders.models import Order
from orders.selectors import store_settings_get
from orders.services import OrderError

PACK = "fulfillments/pack.html"
CAN_PACK = "fulfillments.add_fulfillment"
LAST_SHIPPED = "pack_last_shipped"
# Typed or scanned into the scan box while an undo is offered: focus the Undo button, so one
# more Enter takes the parcel back (Ctrl+Z does it in one key where JavaScript runs).
UNDO_COMMAND = "undo"


def pack_url(number: int, checked: str = "", kept: dict[str, str] | None = None) -> str:
    url = reverse("pack:order", args=[number])
    params = {"checked": checked} if checked else {}
    params |= {name: value for name, value in (kept or {}).items() if value}
    return f"{url}?{urlencode(params)}" if params else url


def _last_shipped(request: HtmxHttpRequest) -> dict[str, Any] | None:
    """The parcel this packer shipped last, while it can still be undone."""
    last = request.session.get(LAST_SHIPPED)
    if not last:
        return None
    age = (timezone.now() - datetime.fromisoformat(last["at"])).total_seconds()
    return last if age <= UNDO_SECONDS else None


def _ship_form_initial(user) -> dict[str, Any]:
    preference = PackerPreference.objects.filter(user=user).first()
    if preference is None:
        return {}
    return {
        "carrier": preference.carrier,
        "carrier_name": preference.carrier_name,
        "link_template": preference.link_template,
    }


def _focus(packing: PackList | None, *, require_check: bool, pickup: bool, ready: bool) -> str:
    """Where the packer types next: the scan box, the tracking box or the pickup step. A
    required item check comes first, except for a pickup order already prepared (ready)."""
    if packing is None or not packing.to_pack or packing.order.is_canceled:
        return "scan"
    if require_check and not packing.complete and not (pickup and ready):
        return "scan"
    return "pickup" if pickup else "tracking"


def _unchecked(packing: PackList, *, when: str = "first") -> str:
    """Why a required item check stops the parcel (empty: every unit is checked)."""
    if not store_settings_get().require_item_scan or packing.complete:
        return ""
    left = packing.units - packing.checked_units
    return f"Check every item {when}: {left} unit{'s' if left != 1 else ''} not scanned."


def _render(
    request: HtmxHttpRequest,
    *,
    packing: PackList | None = None,
    error: str = "",
    notice: str = "",
    ship_form: PackShipForm | None = None,
    confirm: ShipmentNeedsConfirmation | None = None,
    undo_scan: str | None = None,
    focus_undo: bool = False,
    shipped_now: bool = False,
    left: PackList | None = None,
    kept: dict[str, str] | None = None,
    status: int = 200,
    push: str | None = None,
) -> HttpResponse:
    store = store_settings_get()
    order = packing.order if packing is not None else None
    pickup = order.pickup_details if order is not None else None
    counter = order is not None and pickup is None and is_counter_sale(order)
    if counter:
        pickup = {"pickupInstructions": "Point-of-sale order: hand it over at the counter."}
    ready_since = None
    if order is not None and pickup is not None and not counter:
        ready_since = pickup_ready_since(order)
    focus = _focus(
        packing,
        require_check=store.require_item_scan,
        pickup=pickup is not None,
        ready=ready_since is not None,
    )
    if ship_form is not None and ship_form.errors:
        focus = "tracking"
    if confirm is not None:
        focus = "confirm"
    last_shipped = _last_shipped(request)
    if focus_undo and last_shipped is not None:
        focus = "undo"
    if packing is not None and ship_form is None:
        initial = _ship_form_initial(request.user) | (kept or {})
        initial["checked"] = packing.checked_param()
        initial["expected"] = packing.expected_param()
        ship_form = PackShipForm(initial=initial)
    if ship_form is not None and focus == "tracking":
        ship_form.fields["tracking_number"].widget.attrs["autofocus"] = True
    packer = cast(User, request.user)  # permission_required: never anonymous
    others: list = []
    shipments: tuple[list, int] = ([], 0)
    if order is not None:
        shipments = shipped_before(order=order, user=packer)
    # Only a look records the packer on the order (a GET; never the shipping POST, whose
    # statements are capped): the empty scan box clears it.
    if request.method == "GET" and order is not None:
        others = others_packing(order=order, user=packer)
        presence_record(user=packer, order=order)
    elif request.method == "GET":
        presence_clear(user=packer)
    context = {
        "packing": packing,
        "order": order,
        "pickup": pickup,
        "ready_since": ready_since,
        "counter": counter,
        "holds": shipment_holds(order=packing.order) if packing else [],
        "store": store,
        "ship_form": ship_form,
        "other_carrier": OTHER,
        "confirm": confirm,
        "error": error,
        "notice": notice,
        "undo_scan": undo_scan,
        "last_shipped": last_shipped,
        # The parcel's confirmation is announced by the answer that shipped it, not again by
        # every later scan while its Undo stays on screen.
        "shipped_now": shipped_now,
        "focus": focus,
        "left": _left(left),
        "others_packing": others,
        "shipped_before": shipments[0],
        "shipped_earlier": shipments[1],
        # The order's warnings are announced when it opens; a scan's own answer (an item
        # counted, a refusal, the confirmation) is not drowned by them again.
        "announce": not (notice or error or confirm or (ship_form and ship_form.errors)),
        "confirm_back": _confirm_back(packing, ship_form) if confirm is not None else "",
    }
    partial = bool(request.htmx and not request.htmx.history_restore_request)
    context["title"] = f"Packing #{order.number}" if order is not None else "Packing station"
    context["partial"] = partial
    response = render(request, f"{PACK}#station" if partial else PACK, context, status=status)
    if push and request.htmx:
        push_url(response, push)
    return response


def _confirm_back(packing: PackList | None, ship_form: PackShipForm | None) -> str:
    """Where "Don't ship" goes: the tracking box again, with what was scanned in it."""
    if packing is None:
        return ""
    kept = answers_kept(ship_form) if ship_form is not None and ship_form.is_bound else {}
    return pack_url(packing.order.number, packing.checked_param(), kept)


def _left(packing: PackList | None) -> dict[str, Any] | None:
    """The order a scan of another order's slip left behind with units still to pack (its
    checks travel in the link back to it), or None. Said even when nothing of it was
    checked: an order left at a question (Ship anyway?) by a scan typed ahead would
    otherwise stay unshipped unnoticed, its labelled parcel on the bench."""
    if packing is None or not packing.to_pack or packing.order.is_canceled:
        return None
    return {
        "number": packing.order.number,
        "checked": packing.checked_units,
        "units": packing.units,
        "url": pack_url(packing.order.number, packing.checked_param()),
    }


def _open(
    request: HtmxHttpRequest, order: Order, checked: str = "", *, left: PackList | None = None
) -> HttpResponse:
    """Pack mode of `order`: htmx gets it in place with the URL pushed, a plain form a
    redirect to its URL (so a reload shows the order without scanning again). `left` is the
    order being checked when this one's slip was scanned: the station says so."""
    url = pack_url(order.number, checked)
    if request.htmx:
        order = pack_queryset().get(pk=order.pk)
        return _render(request, packing=pack_list(order, checked), left=left, push=url)
    return redirect(url)


@require_safe
@permission_required(CAN_PACK, raise_exception=True)
def station(request: HtmxHttpRequest) -> HttpResponse:
    """The scan box. `?code=` (a number, #number, the slip's barcode or the id) opens the
    order; an unknown code is refused with the box cleared and focused again."""
    code = (request.GET.get("code") or "").strip()
    if not code:
        return _render(request, push=reverse("pack:station") if "code" in request.GET else None)
    if code.lower() == UNDO_COMMAND:
        return _offer_undo(request, push=reverse("pack:station"))
    order = order_for_code(code, pack_queryset())
    if order is None:
        # Most often the label of the parcel just shipped, scanned once more.
        label = shipped_with(code)
        error = (
            f"“{code[:100]}” is a tracking number: {shipment_said(label, request.user)}. "
            "Scan the packing slip of the next order."
            if label is not None
            else f"No order matches “{code[:100]}”. Scan the barcode on the packing slip or "
            "type the order number."
        )
        return _render(
            request,
            error=error,
            status=409 if label is not None else 404,
            push=reverse("pack:station"),
        )
    if request.htmx:
        url = pack_url(order.number)
        return _render(request, packing=pack_list(order), push=url)
    return redirect(pack_url(order.number))


def _offer_undo(
    request: HtmxHttpRequest, *, packing: PackList | None = None, push: str
) -> HttpResponse:
    """The UNDO command: the Undo button gets focus (Enter then undoes), or the packer hears
    that there is nothing left to undo."""
    if _last_shipped(request) is None:
        return _render(
            request,
            packing=packing,
            error="Nothing to undo: the last parcel can be taken back for "
            f"{UNDO_SECONDS // 60} minutes after it ships; delete it on the order page instead.",
            status=409,
            push=push,
        )
    return _render(request, packing=packing, focus_undo=True, push=push)


def _packing_for(number: int, checked: str) -> PackList:
    order = pack_queryset().filter(number=number).first()
    if order is None:
        raise Http404("No such order")
    return pack_list(order, checked)


@require_safe
@permission_required(CAN_PACK, raise_exception=True)
def pack_order(request: HtmxHttpRequest, number: int) -> HttpResponse:
    """Pack mode. `?code=` is a scan: one of the order's SKUs counts a unit off (refused
    loudly when it is not in the order or every unit is checked), another order's code
    opens that order. `?checked=` carries the item check."""
    checked = request.GET.get("checked", "")
    packing = _packing_for(number, checked)
    code = (request.GET.get("code") or "").strip()
    if not code:
        kept = answers_initial(PackShipForm, request.GET)
        notice = ""
        if kept.get("tracking_number"):
            notice = (
                f"Not shipped. Tracking number {kept['tracking_number']} is kept: correct it, "
                "or press Enter to be asked again."
            )
        return _render(request, packing=packing, kept=kept, notice=notice)
    if code.lower() == UNDO_COMMAND and code.lower() not in packing.skus:
        return _offer_undo(request, packing=packing, push=pack_url(number, checked))
    line, refusal = packing.scan(code)
    if line is not None:
        new_checked = packing.checked_param()
        if not request.htmx:
            return redirect(pack_url(number, new_checked))
        return _render(
            request,
            packing=packing,
            notice=f"{line.item.name}: {line.checked} of {line.remaining} checked.",
            undo_scan=packing.undo_param(line),
            push=pack_url(number, new_checked),
        )
    if code.lower() not in packing.skus:
        other = order_for_code(code)
        if other is not None and other.pk != packing.order.pk:
            return _open(request, other, left=packing)
        if other is not None:
            return _render(request, packing=packing, push=pack_url(number, checked))
    if unchecked := _unchecked(packing, when="before the tracking number"):
        # Most often the parcel label, scanned before the items: say what comes first.
        refusal = f"{refusal} {unchecked}"
    return _render(
        request, packing=packing, error=refusal, status=409, push=pack_url(number, checked)
    )


def _label_doubted(scanned: str, packing: PackList, user) -> ShipmentNeedsConfirmation | None:
    """A code that is most likely not this parcel's label (packing.label_doubt) ships only
    after the packer confirms; the confirmation covers the order's own holds (unpaid,
    archived) too. The order's own SKUs are refused before this (_not_a_tracking_number)."""
    order = packing.order
    if not (doubt := label_doubt(scanned, number=order.number, user=user)):
        return None
    return ShipmentNeedsConfirmation(order=order, reasons=[doubt, *shipment_holds(order=order)])


def _not_a_tracking_number(scanned: str, packing: PackList) -> str:
    """Why a code scanned into the tracking box is not the parcel's label ("" when it may
    be): an item of the order, this order's slip, or another order's slip (the packer
    reached for the next order before shipping this one)."""
    number = packing.order.number
    if scanned.strip().lower() in packing.all_skus:
        return item_refusal(scanned)
    other = order_for_code(scanned)
    if other is None:
        return ""
    if other.pk == packing.order.pk:
        return f"“{scanned}” is the order number, not a tracking number: scan the parcel label."
    return (
        f"“{scanned}” is order #{other.number}'s number, not a tracking number: order "
        f"#{number} is not shipped yet. Scan its parcel label, or press Escape to leave it."
    )


@require_POST
@permission_required(CAN_PACK, raise_exception=True)
def pack_ship(request: HtmxHttpRequest, number: int) -> HttpResponse:
    """Ship every remaining shippable unit with the scanned tracking number, then back to
    the scan box for the next order (with an undo for UNDO_SECONDS)."""
    form = PackShipForm(request.POST)
    checked = request.POST.get("checked", "")
    packing = _packing_for(number, checked)
    if not form.is_valid():
        return _render(request, packing=packing, ship_form=form, status=400)
    tracking = form.tracking()
    scanned = tracking["trackingNumber"]
    if unchecked := _unchecked(packing):
        form.add_error(None, unchecked)
        return _render(request, packing=packing, ship_form=form, status=409)
    if not_tracking := _not_a_tracking_number(scanned, packing):
        form.add_error("tracking_number", not_tracking)
        return _render(request, packing=packing, ship_form=form, status=400)
    shown = form.cleaned_data["expected"]
    confirmed = form.cleaned_data["confirm"]
    if not confirmed and (doubt := _label_doubted(scanned, packing, request.user)):
        return _render(request, packing=packing, ship_form=form, confirm=doubt, status=409)
    try:
        fulfillment = fulfillment_ship_remaining(
            order=packing.order,
            tracking=tracking,
            actor=request.user,
            confirmed=confirmed,
            expected=shown,
        )
    except ShipmentNeedsConfirmation as hold:
        return _render(request, packing=packing, ship_form=form, confirm=hold, status=409)
    except OrderError as error:
        # Another packer may have shipped it meanwhile: show the order as it is now.
        fresh = _packing_for(number, checked)
        if (earlier := _sent_before(fresh, scanned, request.user)) is not None:
            # This very scan went through before: its answer was lost (the network dropped
            # after the commit) and Enter sent it again. The parcel shipped once.
            notice = (
                f"Order #{number} had already shipped with tracking {earlier.tracking_number}: "
                "your scan went through before the connection dropped. Nothing was shipped "
                "twice. Scan the next order."
            )
            return _shipped(request, earlier, number, notice=notice)
        message = error.message
        if shown and not fresh.to_pack and not fresh.order.is_canceled:
            message = _shipped_meanwhile(fresh, request.user)
        return _render(request, packing=fresh, error=message, status=409)
    data = form.cleaned_data
    packer_preference_remember(
        user=request.user,
        carrier=data["carrier"],
        carrier_name=data.get("carrier_name") or "",
        link_template=data.get("link_template") or "",
    )
    return _shipped(request, fulfillment, number)


def _shipped_meanwhile(packing: PackList, user) -> str:
    """The order was shipped while this packer had it open: who shipped it (their username,
    as the order's timeline names them) and when. Prefetched: no query."""
    number = packing.order.number
    fulfillments = list(packing.order.fulfillments.all())
    latest = fulfillments[-1] if fulfillments else None
    if latest is None:
        who = "Someone else shipped"
    elif latest.created_by_id == user.pk:
        who = "You already shipped"
    elif latest.created_by is not None:
        who = f"{latest.created_by.get_username()} shipped"
    else:
        who = "Someone else shipped"
    when = "" if latest is None else f" on {moment_said(latest.date_created)}"
    return (
        f"{who} order #{number}{when} while you were packing it: nothing was shipped twice. "
        "Take this parcel apart, or scan the next order."
    )


def _sent_before(packing: PackList, scanned: str, user) -> Fulfillment | None:
    """The order's latest shipment when this packer made it with this very tracking number
    and nothing is left to pack (a scan sent twice), else None. Prefetched: no query."""
    fulfillments = list(packing.order.fulfillments.all())
    if packing.to_pack or not fulfillments:
        return None
    latest = fulfillments[-1]
    same = latest.tracking_number.strip().upper() == scanned.strip().upper()
    return latest if same and latest.created_by_id == user.pk else None


def _shipped(
    request: HtmxHttpRequest, fulfillment: Fulfillment, number: int, *, notice: str = ""
) -> HttpResponse:
    """Back to the scan box after a parcel shipped, with its Undo offered for UNDO_SECONDS.
    A number whose check digit fails (UPS, S10, USPS IMpb, DHL Express) was mistyped or
    misread, or is one the check does not know: it ships (a shop's own labels must never be
    refused), and the station says so loudly with the Undo focused (Enter undoes, Escape
    keeps it)."""
    misread = tracking_number_misread(fulfillment.tracking_number, fulfillment.shipping_provider)
    request.session[LAST_SHIPPED] = {
        "fulfillment": str(fulfillment.id),
        "number": number,
        "tracking": fulfillment.tracking_number,
        "carrier": carrier_name(fulfillment.shipping_provider),
        "at": fulfillment.date_created.isoformat(),
        "misread": misread,
    }
    if not request.htmx:
        return redirect("pack:station")
    return _render(
        request,
        notice=notice,
        push=reverse("pack:station"),
        focus_undo=bool(misread),
        shipped_now=not notice,
    )


@require_POST
@permission_required(CAN_PACK, raise_exception=True)
def pack_undo(request: HtmxHttpRequest) -> HttpResponse:
    """Take back the parcel just shipped (its fulfillment is deleted) and reopen the order."""
    last = _last_shipped(request)
    if last is None or last["fulfillment"] != request.POST.get("fulfillment"):
        return _render(
            request,
            error="Nothing to undo: delete the fulfillment on the order page instead.",
            status=409,
        )
    order = pack_queryset().filter(number=last["number"]).first()
    if order is None:
        raise Http404("No such order")
    try:
        fulfillment_undo(order=order, fulfillment_id=last["fulfillment"], actor=request.user)
    except Fulfillment.DoesNotExist:
        request.session.pop(LAST_SHIPPED, None)
        return _render(request, error="That fulfillment no longer exists.", status=409)
    except OrderError as error:
        return _render(request, error=error.message, status=409)
    request.session.pop(LAST_SHIPPED, None)
    packing = _packing_for(last["number"], "")
    if store_settings_get().require_item_scan:
        # It could only ship with every unit checked, and the parcel is still packed: the
        # cursor goes to the tracking box, not back to scanning every item again.
        for line in packing.to_pack:
            line.checked = line.remaining
    notice = f"Undone: order #{last['number']} is open again; scan the right tracking number."
    return _render(
        request,
        packing=packing,
        notice=notice,
        push=pack_url(last["number"], packing.checked_param()),
    )


@require_POST
@permission_required(CAN_PACK, raise_exception=True)
def pack_pickup_ready(request: HtmxHttpRequest, number: int) -> HttpResponse:
    """A pickup order is ready: the buyer gets the pickup instructions by email (after the
    item check, when the store requires it)."""
    checked = request.POST.get("checked", "")
    packing = _packing_for(number, checked)
    if unchecked := _unchecked(packing):
        return _render(request, packing=packing, error=unchecked, status=409)
    try:
        queued = pickup_mark_ready(order=packing.order, actor=request.user)
    except OrderError as error:
        return _render(request, packing=packing, error=error.message, status=409)
    if not request.htmx:
        return redirect(pack_url(number, packing.checked_param()))
    notice = f"Order #{number} is ready for pickup: {pickup_email_note(queued)}."
    # The counts stay on screen: the packer sees the bag that was checked.
    return _render(request, packing=_packing_for(number, checked), notice=notice)


@require_POST
@permission_required(CAN_PACK, raise_exception=True)
def pack_picked_up(request: HtmxHttpRequest, number: int) -> HttpResponse:
    """The buyer collected a pickup order: every remaining unit is fulfilled, no carrier. A
    required item check applies unless the order was prepared (marked ready) already."""
    packing = _packing_for(number, request.POST.get("checked", ""))
    unchecked = _unchecked(packing)
    if unchecked and (is_counter_sale(packing.order) or not pickup_ready_since(packing.order)):
        return _render(request, packing=packing, error=unchecked, status=409)
    try:
        fulfillment_ship_remaining(
            order=packing.order,
            tracking=None,
            actor=request.user,
            confirmed=request.POST.get("confirm") == "on",
        )
    except ShipmentNeedsConfirmation as hold:
        return _render(request, packing=packing, confirm=hold, status=409)
    except OrderError as error:
        return _render(request, packing=_packing_for(number, ""), error=error.message, status=409)
    notice = f"Order #{number} picked up. Scan the next order."
    if not request.htmx:
        return redirect("pack:station")
    return _render(request, notice=notice, push=reverse("pack:station"))
