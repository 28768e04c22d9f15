"""The order page, which composes an order with its fulfillments: what it shows (rows, forms)
and how its views answer (the page, an htmx partial, or a redirect after a change). The order
page's views (orders/views.py, fulfillments/views.py) and the orders list's bulk controls use it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from config.http import HtmxHttpRequest
from fulfillments.carriers import CARRIER_CHOICES
from fulfillments.forms import (
    BULK_CARRIER_CHOICES,
    LineFulfilForm,
    MultiFulfilForm,
    ShipAllForm,
    TrackingForm,
    answers_initial,
    answers_kept,
)
from fulfillments.models import MAX_FULFILLMENT_LINE_QUANTITY
from fulfillments.packing import is_counter_sale, remaining_param
from fulfillments.presence import others_packing
from fulfillments.printing import MAX_PICK_ORDERS, MAX_SLIPS
from fulfillments.selectors import order_page_queryset, order_rows
from fulfillments.services import pickup_ready_since_from, shipment_holds
from fulfillments.timeline import timeline
from orders.forms import EmailForm, ShippingAddressForm
from orders.models import Order
from orders.selectors import NOTIFY_DEFAULT_COLUMN, order_or_404

PAGE = "orders/detail.html"


@dataclass
class OrderPageState:
    """What one request adds to the order page: a bound form with its errors, or which inline
    form is open. The defaults show the plain page."""

    # A line's "add tracking" form with errors: (line index, form).
    line_form: tuple[int, LineFulfilForm] | None = None
    multi_form: MultiFulfilForm | None = None
    # The fulfillment whose tracking is being edited (and its bound form, if any).
    editing: uuid.UUID | None = None
    edit_form: TrackingForm | None = None
    # The fulfillment whose deletion is being confirmed (and why a delete was refused).
    confirming: uuid.UUID | None = None
    delete_error: str = ""
    show_email_form: bool = False
    email_form: EmailForm | None = None
    show_address_form: bool = False
    address_form: ShippingAddressForm | None = None
    # "Ship all remaining" with errors, or waiting for the confirmation an unpaid or archived
    # order needs (its message); a refused pickup step.
    ship_all_form: ShipAllForm | None = None
    ship_all_confirm: str = ""
    pickup_error: str = ""
    # The bound line, several-lines or edit form waits for "Ship anyway" (its question): its
    # tracking number is most likely not the parcel's label (packing.label_doubt).
    label_confirm: str = ""
    # After a change: focus the next open tracking box.
    focus_next: bool = False
    # After archiving or unarchiving: focus the button that takes it back.
    focus_archive: bool = False


def focus_field(form, preferred: str | None = None) -> None:
    """Put `autofocus` on the form's first field with an error, else on `preferred`, else on
    its first visible field: after an htmx swap focus lands where the person types next."""
    names = [name for name in form.fields if not form[name].is_hidden]
    errored = [name for name in names if name in form.errors]
    target = (errored or ([preferred] if preferred in names else names) or [None])[0]
    if target is not None:
        form.fields[target].widget.attrs["autofocus"] = True


def _ship_all_back(number: int, form: ShipAllForm) -> str:
    """Where "Don't ship" goes: the order page with the ship-all form as it was sent."""
    notify = form.add_prefix("notify")
    params = answers_kept(form) | {notify: "1" if form.data.get(notify) else "0"}
    return f"{reverse('orders:detail', args=[number])}?{urlencode(params)}"


def _ship_all_kept(request: HtmxHttpRequest) -> dict[str, Any]:
    """The ship-all answers "Don't ship" brought back (a GET), or {}."""
    if request.method != "GET" or "all-notify" not in request.GET:
        return {}
    kept = answers_initial(ShipAllForm, request.GET, prefix="all")
    return kept | {"notify": request.GET.get("all-notify") == "1"}


def order_page_context(
    request: HtmxHttpRequest, order: Order, state: OrderPageState | None = None
) -> dict[str, Any]:
    """Everything the order page shows, from an order fetched with order_page_queryset()."""
    state = state or OrderPageState()
    line_rows, fulfillment_rows = order_rows(order)
    can_add = request.user.has_perm("fulfillments.add_fulfillment")
    open_order = not order.is_canceled
    bound_index, bound_form = state.line_form or (None, None)
    for row in line_rows:
        # A line shows its "add tracking" form with errors (`form`), or blank (`blank_form`,
        # written out by the template without building a form object per line).
        row.form = bound_form if row.item.index == bound_index else None
        # Digital and custom-amount lines never go into a parcel: no tracking form.
        row.blank_form = (
            row.form is None and can_add and open_order and row.remaining > 0 and row.shippable
        )
        row.autofocus = False
    fulfillable = [row for row in line_rows if row.remaining > 0 and row.shippable]
    if state.focus_next:
        # After a change, focus the next open tracking box (the first line still to ship).
        following = next((row for row in line_rows if row.blank_form), None)
        if following is not None:
            following.autofocus = True
    notify = (
        getattr(order, NOTIFY_DEFAULT_COLUMN) if can_add and open_order and fulfillable else False
    )
    ship_all_form = state.ship_all_form
    shown = remaining_param(fulfillable)
    if ship_all_form is None and can_add and open_order and fulfillable:
        kept = _ship_all_kept(request)
        initial = {"notify": notify, "expected": shown} | kept
        ship_all_form = ShipAllForm(prefix="all", initial=initial)
        if kept:
            focus_field(ship_all_form, "tracking_number")
    elif ship_all_form is not None:
        # A form sent back (errors, a confirmation) carries what this page shows now.
        data = dict(ship_all_form.data.items())
        data[ship_all_form.add_prefix("expected")] = shown
        ship_all_form.data = data
    multi_form = state.multi_form
    if multi_form is None and can_add and open_order and fulfillable:
        multi_form = MultiFulfilForm(
            prefix="multi", line_rows=fulfillable, initial={"notify": notify}
        )
    for frow in fulfillment_rows:
        if state.editing and frow.fulfillment.id == state.editing:
            frow.edit_form = state.edit_form or TrackingForm(
                prefix="edit", initial=TrackingForm.initial_for(frow.fulfillment)
            )
        frow.confirming = bool(state.confirming and frow.fulfillment.id == state.confirming)
        if frow.edit_form is not None and not state.label_confirm:
            focus_field(frow.edit_form, "tracking_number")
    shipping = order.shipping
    shipping_address = order.shipment_address
    email_form = state.email_form
    if state.show_email_form and email_form is None:
        email_form = EmailForm(prefix="email", initial={"email": order.buyer_email})
    address_form = state.address_form
    if state.show_address_form and address_form is None:
        address_form = ShippingAddressForm(
            prefix="address", initial=ShippingAddressForm.initial_for(shipping_address or {})
        )
    for form, preferred in (
        (email_form, None),
        (address_form, None),
        (multi_form if state.multi_form else None, "tracking_number"),
        (bound_form, "tracking_number"),
    ):
        # A question's "Ship anyway" button takes the focus instead (autofocus).
        if form is not None and not state.label_confirm:
            focus_field(form, preferred)
    if ship_all_form is not None and ship_all_form.errors:
        focus_field(ship_all_form)
    open_row = state.editing or state.confirming
    # Someone shipping from here while a packer has the order open at the station would make
    # two parcels: a look at the page (a GET) says who has it open (one query).
    at_station = []
    if request.method == "GET" and can_add and open_order and fulfillable:
        at_station = others_packing(order=order, user=cast(User, request.user))
    return {
        "focus_archive": state.focus_archive,
        "at_station": at_station,
        "order": order,
        "line_rows": line_rows,
        "fulfillment_rows": fulfillment_rows,
        "multi_form": multi_form,
        "ship_all_form": ship_all_form,
        "ship_all_units": sum(row.remaining for row in fulfillable),
        "ship_holds": shipment_holds(order=order) if ship_all_form is not None else [],
        "ship_all_confirm": state.ship_all_confirm,
        "ship_all_back": (
            _ship_all_back(order.number, ship_all_form)
            if state.ship_all_confirm and ship_all_form is not None
            else ""
        ),
        "pickup_error": state.pickup_error,
        "label_confirm": state.label_confirm,
        "counter_sale": is_counter_sale(order),
        "ready_since": pickup_ready_since_from(order.activities.all()),
        "shipping_address": shipping_address or {},
        "pickup": shipping.get("pickupDetails"),
        "billing_address": order.billing_address_fields,
        "timeline": timeline(order.activities.all()),
        "line_by_index": {row.item.index: row.item for row in line_rows},
        # For the hand-written blank line forms (fulfillments/_line_fields_blank.html).
        "carrier_choices": CARRIER_CHOICES,
        "default_carrier": TrackingForm.base_fields["carrier"].initial,
        "max_quantity": MAX_FULFILLMENT_LINE_QUANTITY,
        "notify_default": notify,
        "email_form": email_form,
        "address_form": address_form,
        "delete_error": state.delete_error,
        # The fulfillment row being edited or confirmed, for its partial.
        "frow": next((f for f in fulfillment_rows if f.fulfillment.id == open_row), None),
    }


def order_page_response(
    request: HtmxHttpRequest,
    number: int,
    state: OrderPageState | None = None,
    *,
    partial: str = "order-body",
) -> HttpResponse:
    """The order page, or only `partial` of it for an htmx request."""
    order = order_or_404(number, order_page_queryset())
    context = order_page_context(request, order, state)
    if state and (state.editing or state.confirming) and context["frow"] is None:
        raise Http404("No such fulfillment")
    template = f"{PAGE}#{partial}" if request.htmx else PAGE
    return render(request, template, context)


def order_page_done(
    request: HtmxHttpRequest, number: int, message: str, state: OrderPageState | None = None
) -> HttpResponse:
    """After a successful change: the fresh page body for htmx (with the message; `state`,
    by default the focus on the next open tracking box), else a redirect to the order page
    (POST/redirect/GET)."""
    messages.success(request, message)
    if request.htmx:
        return order_page_response(request, number, state or OrderPageState(focus_next=True))
    return redirect("orders:detail", number=number)


def list_print_limits() -> dict[str, int]:
    """How many orders the orders list's print links take from the current view."""
    return {"max_slips": MAX_SLIPS, "max_pick": MAX_PICK_ORDERS}


def bulk_carrier_choices() -> list[tuple[str, str]]:
    """The carriers the orders list's "Fulfil selected" controls offer."""
    return BULK_CARRIER_CHOICES
