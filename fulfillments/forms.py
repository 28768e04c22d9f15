"""Fulfillment forms: add tracking to a line, fulfil several lines, edit tracking (the order
page), and bulk fulfil from the orders list."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from django import forms

from fulfillments.carriers import (
    CARRIER_CHOICES,
    KNOWN_CARRIER_CHOICES,
    OTHER,
    carrier_of_number,
    link_is_http,
    tracking_number_scanned,
)
from fulfillments.models import MAX_FULFILLMENT_LINE_QUANTITY, Fulfillment
from fulfillments.packing import counts_parse
from fulfillments.services import MAX_BULK_ORDERS
from orders.forms import BlankTextInput, FixedMenu, MemoRender

KNOWN = {value.lower(): value for value, _ in KNOWN_CARRIER_CHOICES}
# The orders list's "Fulfil selected": no carrier or a known one.
BULK_CARRIER_CHOICES = [("", "No carrier"), *KNOWN_CARRIER_CHOICES]


class BlankURLInput(MemoRender, forms.URLInput):
    """A link box, memoised while empty (orders.forms.MemoRender)."""


class TrackingForm(forms.Form):
    """Carrier picker (known carriers plus "other" with a name and a link) and the number.
    The number field submits its form on Enter, so a barcode scanner can fill it. Its widgets
    are memoised while empty (the carrier menu for each carrier): the order page shows two
    such forms, and Django renders each widget through its form templates."""

    carrier = forms.ChoiceField(
        choices=CARRIER_CHOICES, initial="usps", label="Carrier", widget=FixedMenu
    )
    carrier_name = forms.CharField(
        required=False, max_length=100, label="Other carrier's name", widget=BlankTextInput
    )
    tracking_link = forms.URLField(
        required=False,
        max_length=2000,
        assume_scheme="https",
        label="Tracking link (other carrier)",
        widget=BlankURLInput,
    )
    tracking_number = forms.CharField(
        required=False,
        max_length=100,
        label="Tracking number",
        widget=BlankTextInput(attrs={"autocomplete": "off", "enterkeyhint": "send"}),
    )
    # "Ship anyway": the person confirmed what the page asked (a label already on another
    # order's parcel or a product's SKU, packing.label_doubt; an unpaid or archived order).
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # The tracking number the question was about: a different number typed into the box
    # before Enter is checked again, not shipped under that confirmation.
    asked = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def clean_tracking_link(self) -> str:
        link = self.cleaned_data["tracking_link"]
        if link and not link_is_http(link):
            raise forms.ValidationError("Enter an http:// or https:// link.")
        return link

    def clean(self) -> dict[str, Any]:
        # A USPS label's barcode scanned whole carries its routing code: keep the number.
        super().clean()
        data = self.cleaned_data
        if number := data.get("tracking_number"):
            data["tracking_number"] = tracking_number_scanned(number, data.get("carrier"))
        return data

    def tracking(self) -> dict[str, Any]:
        """The trackingInfo for the services (a known carrier's link is generated there)."""
        data = self.cleaned_data
        carrier = data.get("carrier") or ""
        if carrier == OTHER:
            return {
                "shippingProvider": data.get("carrier_name") or "Other",
                "trackingNumber": data.get("tracking_number") or None,
                "trackingLink": data.get("tracking_link") or None,
            }
        return {
            "shippingProvider": carrier,
            "trackingNumber": data.get("tracking_number") or None,
        }

    @classmethod
    def initial_for(cls, fulfillment: Fulfillment) -> dict[str, Any]:
        provider = fulfillment.shipping_provider or ""
        known = KNOWN.get(provider.lower())
        return {
            "carrier": known or OTHER,
            "carrier_name": "" if known else provider,
            "tracking_link": "" if known else fulfillment.tracking_link,
            "tracking_number": fulfillment.tracking_number,
        }


# The answers a confirmation's "Don't ship" carries back into the tracking form it came
# from (the packing station's, the order page's "Ship all remaining"), so backing out keeps
# what was scanned or typed, to correct or confirm.
KEPT_ANSWERS = ("carrier", "carrier_name", "link_template", "tracking_link", "tracking_number")
KEPT_MAX = 2000


def answers_kept(form: forms.Form) -> dict[str, str]:
    """`form`'s tracking answers as it posts them (prefixed names): cleaned where they were
    (a USPS barcode's routing code taken off), else as sent."""
    cleaned = getattr(form, "cleaned_data", {})
    kept = {}
    for name in KEPT_ANSWERS:
        if name in form.fields:
            value = cleaned.get(name) or form.data.get(form.add_prefix(name)) or ""
            if value:
                kept[form.add_prefix(name)] = str(value).strip()[:KEPT_MAX]
    return kept


def answers_initial(form_class: type[forms.Form], query, prefix: str | None = None) -> dict:
    """The initial values of `form_class` that answers_kept carried in `query` (a GET)."""
    initial = {}
    for name in KEPT_ANSWERS:
        key = f"{prefix}-{name}" if prefix else name
        if name in form_class.base_fields and query.get(key):
            initial[name] = query.get(key)[:KEPT_MAX]
    return initial


NOTIFY_LABEL = "Email the buyer the tracking details"


def notify_field() -> forms.BooleanField:
    """The per-request "notify the buyer" choice of the forms that create fulfillments; the
    page ticks it by default as the store's settings say (initial from notify_default())."""
    return forms.BooleanField(required=False, label=NOTIFY_LABEL)


class ShownRemainingField(forms.CharField):
    """What the page showed as remaining to ship ("index:quantity,...", hidden), posted back
    so "ship everything that remains" refuses when the order changed meanwhile and the parcel
    and the record never differ. Cleans to {index: quantity}, or None when nothing was sent."""

    def __init__(self) -> None:
        super().__init__(required=False, max_length=4000, widget=forms.HiddenInput)

    def clean(self, value: Any) -> dict[int, int] | None:
        raw = super().clean(value)
        return counts_parse(raw) if raw else None


def quantity_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(min_value=1, max_value=MAX_FULFILLMENT_LINE_QUANTITY, **kwargs)


class ShipAllForm(TrackingForm):
    """The order page's "Ship all remaining": one tracking number for every remaining
    shippable unit, and the confirmation an unpaid or archived order needs."""

    notify = notify_field()
    expected = ShownRemainingField()


class LineFulfilForm(TrackingForm):
    """Add tracking to one line item for a quantity (defaulting to what remains)."""

    quantity = quantity_field(label="Quantity")
    notify = notify_field()

    field_order = [
        "quantity",
        "carrier",
        "carrier_name",
        "tracking_link",
        "tracking_number",
        "notify",
    ]


class MultiFulfilForm(TrackingForm):
    """Fulfil several lines with one tracking number: a checkbox and a quantity per line."""

    notify = notify_field()

    def __init__(self, *args, line_rows: list[Any], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.line_rows = line_rows
        for row in line_rows:
            index = row.item.index
            self.fields[f"pick_{index}"] = forms.BooleanField(
                required=False, label=f"Fulfil line {index}"
            )
            self.fields[f"qty_{index}"] = quantity_field(
                required=False, initial=max(row.remaining, 1), label=f"Quantity of line {index}"
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        picked = [row for row in self.line_rows if data.get(f"pick_{row.item.index}")]
        if not picked:
            raise forms.ValidationError("Choose at least one line to fulfil.")
        return data

    def lines(self) -> list[tuple[int, int | None]]:
        return [
            (row.item.index, self.cleaned_data.get(f"qty_{row.item.index}"))
            for row in self.line_rows
            if self.cleaned_data.get(f"pick_{row.item.index}")
        ]

    def pick_field(self, index: int) -> forms.BoundField:
        return self[f"pick_{index}"]

    def qty_field(self, index: int) -> forms.BoundField:
        return self[f"qty_{index}"]

    @property
    def rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        """(line row, its checkbox, its quantity) per line, for the template."""
        return [
            (row, self.pick_field(row.item.index), self.qty_field(row.item.index))
            for row in self.line_rows
        ]


class BulkFulfilForm(forms.Form):
    """Fulfil each chosen order's remaining shippable items: repeated `order` ids, a carrier,
    and a tracking number per order (`tracking-<order id>`) or one shared number."""

    order = forms.MultipleChoiceField(choices=(), label="Orders")
    carrier = forms.ChoiceField(choices=BULK_CARRIER_CHOICES, required=False)
    tracking_number = forms.CharField(max_length=100, required=False, label="Shared number")
    confirm = forms.BooleanField(
        required=False, label="Ship unpaid and archived orders too (I checked them)"
    )
    notify = notify_field()

    def __init__(self, data=None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        # Any submitted value is a choice; clean_order checks that each is a UUID.
        values = data.getlist("order") if data is not None else []
        order_field = self.fields["order"]
        assert isinstance(order_field, forms.MultipleChoiceField)
        order_field.choices = [(value, value) for value in values]

    def clean_order(self) -> list[str]:
        ids = []
        for value in self.cleaned_data["order"]:
            try:
                ids.append(str(uuid.UUID(value)))
            except ValueError:
                raise forms.ValidationError(f"Not an order id: {value!r}.") from None
        ids = list(dict.fromkeys(ids))
        if len(ids) > MAX_BULK_ORDERS:
            raise forms.ValidationError(f"Choose at most {MAX_BULK_ORDERS} orders at once.")
        return ids

    def clean(self) -> dict[str, Any]:
        """Each order's own number (`tracking-<id>`) is checked like the shared one; a bad one
        is that order's error (`number_errors`), the others still go ahead."""
        super().clean()
        data = self.cleaned_data
        self.numbers: dict[str, str] = {}
        self.number_errors: dict[str, str] = {}
        field = self.fields["tracking_number"]
        for order_id in data.get("order") or []:
            raw = self.data.get(f"tracking-{order_id}") or ""
            try:
                self.numbers[order_id] = field.clean(raw).strip()
            except forms.ValidationError as error:
                self.number_errors[order_id] = "Tracking number: " + " ".join(error.messages)
        return data

    def number_for(self, order_id: str) -> str:
        own = self.numbers.get(order_id, "")
        return own or self.cleaned_data.get("tracking_number", "").strip()


class PackShipForm(TrackingForm):
    """The packing station's ship step: the carrier (remembered per packer; "other" with a
    link template instead of a link), the scanned tracking number, the item check's state
    and, for an unpaid or archived order, the explicit confirmation."""

    # Declaring a parent's field as None removes it (Django forms); the link comes from
    # link_template.
    tracking_link = None  # type: ignore[assignment]
    link_template = forms.CharField(
        required=False,
        max_length=2000,
        label="Other carrier's tracking link",
        help_text="{number} stands for the tracking number.",
    )
    tracking_number = forms.CharField(
        max_length=100,
        label="Tracking number",
        error_messages={"required": "Scan or type the tracking number."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "enterkeyhint": "send"}),
    )
    checked = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)
    expected = ShownRemainingField()

    field_order = ["carrier", "carrier_name", "link_template", "tracking_number"]

    def clean_link_template(self) -> str:
        link = self.cleaned_data["link_template"].strip()
        if link and not link.lower().startswith(("http://", "https://")):
            raise forms.ValidationError("Enter an http:// or https:// link.")
        return link

    def clean(self) -> dict[str, Any]:
        # The remembered carrier is the last one used; a label only one known carrier
        # prints (UPS's 1Z) ships with that carrier, so the buyer's tracking link works.
        super().clean()
        data = self.cleaned_data
        implied = carrier_of_number(data.get("tracking_number") or "")
        if implied and data.get("carrier") not in (None, OTHER):
            data["carrier"] = implied
        return data

    def tracking(self) -> dict[str, Any]:
        """The trackingInfo for the services; an other carrier's link from its template."""
        tracking = super().tracking()
        template = self.cleaned_data.get("link_template") or ""
        if self.cleaned_data["carrier"] == OTHER:
            number = tracking["trackingNumber"] or ""
            tracking["trackingLink"] = (
                template.replace("{number}", quote(number, safe="")) if template else None
            )
        return tracking
