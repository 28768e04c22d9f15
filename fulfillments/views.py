"""Fulfillment forms of the order page and the bulk fulfil of the orders list.

Each POST view validates a form and calls one service. Success: a redirect to the order page
with a message (htmx: the fresh page body). Refusal: the page again with the error next to
its field, nothing changed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import OuterRef, Subquery, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from config.http import HtmxHttpRequest
from fulfillments.forms import (
    BulkFulfilForm,
    LineFulfilForm,
    MultiFulfilForm,
    ShipAllForm,
    TrackingForm,
)
from fulfillments.models import Fulfillment, FulfillmentLineItem
from fulfillments.packing import item_refusal, label_doubt
from fulfillments.pages import OrderPageState, order_page_done, order_page_response
from fulfillments.selectors import line_rows_of
from fulfillments.services import (
    LabelSuspect,
    ShipmentNeedsConfirmation,
    fulfillment_bulk_create,
    fulfillment_create,
    fulfillment_delete,
    fulfillment_ship_remaining,
    fulfillment_update,
    pickup_email_note,
    pickup_mark_ready,
    shipment_holds,
)
from orders.models import LineItem, Order
from orders.selectors import order_or_404, visible_orders
from orders.services import OrderError

TRACKING_FIELDS = {
    "trackingInfo.trackingNumber": "tracking_number",
    "trackingInfo.trackingLink": "tracking_link",
    "trackingInfo.shippingProvider": "carrier_name",
}


def _order(number: int) -> Order:
    return order_or_404(number, visible_orders().only("pk", "number"))


def _form_field(error: OrderError, line_fields: list[str | None] | None = None) -> str | None:
    """The form field an OrderError names, or None for a form-wide error."""
    if error.field in TRACKING_FIELDS:
        return TRACKING_FIELDS[error.field]
    if error.line is not None and line_fields is not None and error.line < len(line_fields):
        return line_fields[error.line]
    return None


def _label_question(
    form: TrackingForm, number: int, user, *, holds: bool = False, editing: uuid.UUID | None = None
) -> str:
    """What to ask before shipping under the form's tracking number when it is most likely
    not the parcel's label (packing.label_doubt, as the packing station asks), with the
    order's holds (unpaid, archived) when `holds`; "" when confirmed or nothing to ask. One
    of the order's own SKUs is refused (OrderError on the number), as the station refuses it.
    The number the fulfillment being edited (`editing`) already has never asks. Two queries
    when nothing is asked."""
    code = _label_to_check(form)
    if not code or not (doubt := label_doubt(code, number=number, user=user)):
        return ""
    order = order_or_404(number, visible_orders())
    if editing is not None:
        current = order.fulfillments.filter(id=editing).values_list("tracking_number", flat=True)
        if code.lower() == (current.first() or "").strip().lower():
            return ""
    if order.line_items.filter(sku__iexact=code).exists():
        raise OrderError(item_refusal(code), field="trackingInfo.trackingNumber")
    reasons = [doubt, *(shipment_holds(order=order) if holds else [])]
    return ShipmentNeedsConfirmation(order=order, reasons=reasons).message


def _label_to_check(form: TrackingForm) -> str:
    """The form's tracking number, to check before shipping under it; "" when there is none
    or the person confirmed this very number."""
    data = form.cleaned_data
    code = data.get("tracking_number") or ""
    asked = data.get("asked") or ""
    if not code or (data.get("confirm") and (not asked or asked.lower() == code.lower())):
        return ""
    return code


def _ship_unless_asked(
    ship: Callable[..., Any], form: TrackingForm, number: int, user, *, holds: bool = False
) -> str:
    """Run `ship` (a create service taking `label_check`) with the form's number checked under
    the order's lock, at no statement of its own; when the number is doubtful nothing is
    written and the question to ask is returned (_label_question; "" when it shipped)."""
    try:
        ship(label_check=_label_to_check(form))
    except LabelSuspect:
        if question := _label_question(form, number, user, holds=holds):
            return question
        ship()  # the fuller check found nothing to ask after all
    return ""


def _backed_out(request: HtmxHttpRequest, form: TrackingForm) -> bool:
    """ "Don't ship" (or Escape) on a confirmation: the form comes back as it was typed,
    unconfirmed, with nothing shipped."""
    if request.POST.get(form.add_prefix("back")) is None:
        return False
    data = request.POST.copy()
    for name in ("confirm", "asked", "back"):
        data.pop(form.add_prefix(name), None)
    form.data = data
    return True


@require_POST
@permission_required("fulfillments.add_fulfillment", raise_exception=True)
def line_fulfil(request: HtmxHttpRequest, number: int, index: int) -> HttpResponse:
    """Add a tracking number to one line item for a quantity. The service finds the order and
    the line under the order's lock (nothing is read before it); an unknown order or line is
    a 404, a line that needs no shipping an error on the form."""
    form = LineFulfilForm(request.POST, prefix=f"line-{index}")
    if not form.is_valid() or _backed_out(request, form):
        _line_or_404(number, index)
    else:
        ship = partial(
            fulfillment_create,
            number=number,
            lines=[(index, form.cleaned_data["quantity"])],
            tracking=form.tracking(),
            actor=request.user,
            notify=form.cleaned_data["notify"],
            shippable_only=True,
        )
        try:
            if question := _ship_unless_asked(ship, form, number, request.user):
                _line_or_404(number, index)
                state = OrderPageState(line_form=(index, form), label_confirm=question)
                return order_page_response(request, number, state)
        except Order.DoesNotExist:
            raise Http404("No such order") from None
        except OrderError as error:
            if error.field == "lineItems[0].index":
                raise Http404(f"Order #{number} has no line item {index}.") from None
            form.add_error(_form_field(error, ["quantity"]), error.message)
        else:
            return order_page_done(request, number, f"Line {index} fulfilled.")
    return order_page_response(request, number, OrderPageState(line_form=(index, form)))


def _line_or_404(number: int, index: int) -> None:
    """Http404 unless the visible order `number` has a line item `index` (one query)."""
    line = LineItem.objects.filter(order=OuterRef("pk"), index=index).values("pk")[:1]
    order = order_or_404(
        number, visible_orders().only("pk", "number").annotate(line=Subquery(line))
    )
    if order.line is None:  # type: ignore[attr-defined]
        raise Http404(f"Order #{number} has no line item {index}.")


@require_POST
@permission_required("fulfillments.add_fulfillment", raise_exception=True)
def lines_fulfil(request: HtmxHttpRequest, number: int) -> HttpResponse:
    """Fulfil several line items with one tracking number. The lines ticked are taken from
    the form as posted and checked by the service under the order's lock (nothing is read
    before it); a refusal shows the page again, its form over the order's lines as they are
    now, with the error."""
    posted = MultiFulfilForm(request.POST, prefix="multi", line_rows=_posted_rows(request.POST))
    refused: OrderError | None = None
    question = ""
    backed_out = _backed_out(request, posted)
    if not backed_out and posted.is_valid():
        lines = posted.lines()
        ship = partial(
            fulfillment_create,
            number=number,
            lines=lines,
            tracking=posted.tracking(),
            actor=request.user,
            notify=posted.cleaned_data["notify"],
            shippable_only=True,
        )
        try:
            question = _ship_unless_asked(ship, posted, number, request.user)
        except Order.DoesNotExist:
            raise Http404("No such order") from None
        except OrderError as error:
            refused = error
        if not question and not refused:
            indexes = [str(index) for index, _ in lines]
            done = " and ".join(
                [", ".join(indexes[:-1]), indexes[-1]] if len(indexes) > 1 else indexes
            )
            noun = "Lines" if len(indexes) > 1 else "Line"
            return order_page_done(request, number, f"{noun} {done} fulfilled.")
    line_rows = line_rows_of(number)
    if not line_rows:
        raise Http404("No such order")
    form = MultiFulfilForm(
        posted.data,
        prefix="multi",
        line_rows=[row for row in line_rows if row.remaining > 0 and row.shippable],
    )
    if form.is_valid() and refused is not None:
        names: list[str | None] = [f"qty_{index}" for index, _ in posted.lines()]
        name = _form_field(refused, names)
        form.add_error(name if name in form.fields else None, refused.message)
    state = OrderPageState(multi_form=form, label_confirm=question)
    return order_page_response(request, number, state)


@dataclass
class _PostedLine:
    """A line of the multi-line form as posted: only its index is known before the lock."""

    index: int
    remaining: int = 1

    @property
    def item(self) -> _PostedLine:
        return self


def _posted_rows(data) -> list[_PostedLine]:
    """The lines a posted multi-line form names (`multi-pick_N` / `multi-qty_N`)."""
    indexes = set()
    for key in data:
        name = key.removeprefix("multi-")
        for field in ("pick_", "qty_"):
            if name.startswith(field) and name[len(field) :].isdecimal():
                indexes.add(int(name[len(field) :]))
    return [_PostedLine(index) for index in sorted(indexes)]


@require_POST
@permission_required("fulfillments.add_fulfillment", raise_exception=True)
def ship_all(request: HtmxHttpRequest, number: int) -> HttpResponse:
    """Ship every remaining shippable unit with one tracking number. An unpaid or archived
    order comes back with the reason and a confirm button (the form posted again with
    `all-confirm`)."""
    form = ShipAllForm(request.POST, prefix="all")
    if form.is_valid():
        ship = partial(
            fulfillment_ship_remaining,
            number=number,
            tracking=form.tracking(),
            actor=request.user,
            confirmed=form.cleaned_data["confirm"],
            notify=form.cleaned_data["notify"],
            expected=form.cleaned_data["expected"],
        )
        try:
            if question := _ship_unless_asked(ship, form, number, request.user, holds=True):
                state = OrderPageState(ship_all_form=form, ship_all_confirm=question)
                return order_page_response(request, number, state)
        except Order.DoesNotExist:
            raise Http404("No such order") from None
        except ShipmentNeedsConfirmation as hold:
            state = OrderPageState(ship_all_form=form, ship_all_confirm=hold.message)
            return order_page_response(request, number, state)
        except OrderError as error:
            form.add_error(_form_field(error), error.message)
        else:
            return order_page_done(request, number, "Everything remaining has shipped.")
    return order_page_response(request, number, OrderPageState(ship_all_form=form))


@require_POST
@permission_required("fulfillments.add_fulfillment", raise_exception=True)
def pickup_ready(request: HtmxHttpRequest, number: int) -> HttpResponse:
    """A pickup order is ready: the buyer is emailed the pickup instructions (queued for the
    tasks worker; the timeline shows when it is sent)."""
    order = _order(number)
    try:
        queued = pickup_mark_ready(order=order, actor=request.user)
    except OrderError as error:
        return order_page_response(request, number, OrderPageState(pickup_error=error.message))
    return order_page_done(request, number, f"Ready for pickup: {pickup_email_note(queued)}.")


@require_POST
@permission_required("fulfillments.add_fulfillment", raise_exception=True)
def picked_up(request: HtmxHttpRequest, number: int) -> HttpResponse:
    """The buyer collected the order: every remaining unit is fulfilled, no carrier."""
    try:
        fulfillment_ship_remaining(
            number=number,
            tracking=None,
            actor=request.user,
            confirmed=request.POST.get("confirm") == "on",
        )
    except Order.DoesNotExist:
        raise Http404("No such order") from None
    except ShipmentNeedsConfirmation as hold:
        return order_page_response(request, number, OrderPageState(ship_all_confirm=hold.message))
    except OrderError as error:
        return order_page_response(request, number, OrderPageState(pickup_error=error.message))
    return order_page_done(request, number, "Picked up: the order is fulfilled.")


@require_http_methods(["GET", "POST"])
@permission_required("fulfillments.change_fulfillment", raise_exception=True)
def tracking_edit(request: HtmxHttpRequest, number: int, fulfillment_id: uuid.UUID) -> HttpResponse:
    """GET: the fulfillment's tracking form (htmx: its row). POST: save it."""
    if request.method == "GET":
        state = OrderPageState(editing=fulfillment_id)
        return order_page_response(request, number, state, partial="fulfillment-row")
    order = _order(number)
    form = TrackingForm(request.POST, prefix="edit")
    if _backed_out(request, form):
        form.is_valid()
    elif form.is_valid():
        # A known carrier's link follows its number; another carrier's is the form's field.
        tracking = form.tracking()
        try:
            if question := _label_question(form, number, request.user, editing=fulfillment_id):
                state = OrderPageState(
                    editing=fulfillment_id, edit_form=form, label_confirm=question
                )
                return order_page_response(request, number, state)
            fulfillment_update(
                order=order, fulfillment_id=fulfillment_id, tracking=tracking, actor=request.user
            )
        except Fulfillment.DoesNotExist:
            return _fulfillment_gone(request, number)
        except OrderError as error:
            form.add_error(_form_field(error), error.message)
        else:
            return order_page_done(request, number, "Tracking updated.")
    state = OrderPageState(editing=fulfillment_id, edit_form=form)
    return order_page_response(request, number, state)


@require_http_methods(["GET", "POST"])
@permission_required("fulfillments.delete_fulfillment", raise_exception=True)
def fulfillment_remove(
    request: HtmxHttpRequest, number: int, fulfillment_id: uuid.UUID
) -> HttpResponse:
    """GET: the confirmation step (htmx: in the fulfillment's row). POST: delete."""
    if request.method == "GET":
        state = OrderPageState(confirming=fulfillment_id)
        return order_page_response(request, number, state, partial="fulfillment-row")
    order = _order(number)
    try:
        fulfillment_delete(order=order, fulfillment_id=fulfillment_id, actor=request.user)
    except Fulfillment.DoesNotExist:
        return _fulfillment_gone(request, number)
    except OrderError as error:
        state = OrderPageState(confirming=fulfillment_id, delete_error=error.message)
        return order_page_response(request, number, state)
    return order_page_done(request, number, "Fulfillment deleted.")


FULFILLMENT_GONE = (
    "That fulfillment no longer exists: it was deleted after this page was shown (by someone "
    "else, or a second click). Nothing was changed; here is the order as it is now."
)


def _fulfillment_gone(request: HtmxHttpRequest, number: int) -> HttpResponse:
    """A stale edit or delete form (the fulfillment was deleted meanwhile): nothing to do, so
    the order as it is now with a message saying so, instead of a 404 that the page shows as
    "try again", which cannot succeed."""
    messages.warning(request, FULFILLMENT_GONE)
    if request.htmx:
        return order_page_response(request, number)
    return redirect("orders:detail", number=number)


@require_POST
@permission_required("fulfillments.add_fulfillment", raise_exception=True)
def bulk_fulfil(request: HtmxHttpRequest) -> HttpResponse:
    """Fulfil each chosen order's remaining shippable items, each order all or nothing (one
    refused order does not stop the others), and show what happened to each."""
    form = BulkFulfilForm(request.POST)
    results: list[dict[str, Any]] = []
    if form.is_valid():
        order_ids = form.cleaned_data["order"]
        orders = {
            str(o.pk): o for o in visible_orders().filter(pk__in=order_ids).only("pk", "number")
        }
        carrier = form.cleaned_data.get("carrier") or ""
        # Each order's remaining shippable units, through the API's bulk service (each order
        # all or nothing, unpaid or archived ones only when confirmed).
        to_ship: list[str] = []
        for order_id in order_ids:
            order = orders.get(order_id)
            if order is None:
                results.append({"order_id": order_id, "order": None, "error": "Order not found."})
                continue
            result = {
                "order_id": order_id,
                "order": order,
                "tracking_number": form.number_for(order_id),
            }
            if order_id in form.number_errors:
                result["error"] = form.number_errors[order_id]
            else:
                to_ship.append(order_id)
            results.append(result)
        outcomes = fulfillment_bulk_create(
            items=[
                (
                    order_id,
                    [
                        {
                            "remaining": True,
                            "tracking": {
                                "shippingProvider": carrier,
                                "trackingNumber": form.number_for(order_id) or None,
                            },
                        }
                    ],
                )
                for order_id in to_ship
            ],
            actor=request.user,
            notify=form.cleaned_data["notify"],
            confirmed=bool(form.cleaned_data.get("confirm")),
        )
        by_order = {str(result["order_id"]): result for result in results}
        # Units shipped per order, in one query for the whole batch.
        shipped = dict(
            FulfillmentLineItem.objects.filter(
                fulfillment__in=[made for o in outcomes for made in o.fulfillments]
            )
            .values_list("fulfillment__order_id")
            .annotate(units=Sum("quantity"))
        )
        for order_id, outcome in zip(to_ship, outcomes, strict=True):
            result = by_order[order_id]
            if outcome.error is None:
                result["fulfilled"] = shipped.get(outcome.fulfillments[0].order_id, 0)
            elif outcome.error.status == 404:
                result["error"] = "Order not found."
            else:
                result["error"] = outcome.error.message
                if isinstance(outcome.error, ShipmentNeedsConfirmation):
                    result["needs_confirmation"] = True
    status = 200 if form.is_valid() else 400
    succeeded = sum(1 for r in results if not r.get("error"))
    context = {
        "form": form,
        "results": results,
        "succeeded": succeeded,
        "failed": len(results) - succeeded,
        "held": [r for r in results if r.get("needs_confirmation")],
    }
    template = "fulfillments/bulk_result.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context, status=status)
