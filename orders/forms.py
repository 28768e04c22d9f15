"""Forms of the order pages. A filter row is one (field, operator, value) of the query
language; its choices come from `orders.query.FIELDS`."""

from __future__ import annotations

from typing import Any

from django import forms

from orders.models import StoreSettings
from orders.query import (
    BOOL,
    CONTAINS,
    DATETIME,
    ENUM,
    EQ,
    FIELDS,
    GT,
    GTE,
    HAS_ALL,
    HAS_SOME,
    INT,
    LIST_OPS,
    LT,
    LTE,
    NE,
    STARTS_WITH,
    Field,
    QueryError,
    filter_q,
)

# ---- Text input: what staff type in a filter row, as the query language's values ----

OPERATOR_LABELS = {
    EQ: "is",
    NE: "is not",
    HAS_SOME: "is any of",
    HAS_ALL: "has all of",
    LT: "before / less than",
    LTE: "at most",
    GT: "after / more than",
    GTE: "at least",
    CONTAINS: "contains",
    STARTS_WITH: "starts with",
}
TRUE_WORDS, FALSE_WORDS = ("true", "yes", "1"), ("false", "no", "0")


def value_from_text(field: Field, op: str, text: str) -> Any:
    """A typed form value as the JSON value the filter language takes: lists are comma
    separated, integers and booleans are converted, digits-only dates are epoch ms. What does
    not convert is passed on as text, so the engine reports the error."""
    if op in LIST_OPS:
        return [value_from_text(field, EQ, part) for part in text.split(",") if part.strip()]
    text = text.strip()
    if field.type in (INT, DATETIME) and text.lstrip("-").isdigit():
        return int(text)
    if field.type == BOOL and text.lower() in TRUE_WORDS + FALSE_WORDS:
        return text.lower() in TRUE_WORDS
    if field.type == ENUM:
        return text.upper()
    return text


FIELD_CHOICES = [("", "Field…")] + [(name, field.title) for name, field in FIELDS.items()]
OPERATOR_CHOICES = [("", "Operator…")] + [(op[1:], label) for op, label in OPERATOR_LABELS.items()]


class OperatorSelect(forms.Select):
    """Each option lists the fields that allow it (`data-fields`), so the page can offer only
    the valid operators for the chosen field; the form checks it anyway."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value:
            op = f"${value}"
            option["attrs"]["data-fields"] = " ".join(
                name for name, field in FIELDS.items() if op in field.operators
            )
        return option


class FilterRowForm(forms.Form):
    """`f`, `op` and `v` repeat in the URL, one triple per row:
    `?f=number&op=gt&v=10010&f=paymentStatus&op=hasSome&v=PAID,PENDING`."""

    f = forms.ChoiceField(choices=FIELD_CHOICES, required=False, label="Field")
    op = forms.CharField(required=False, label="Operator", widget=OperatorSelect)
    v = forms.CharField(required=False, label="Value", max_length=4000)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["op"].widget.choices = OPERATOR_CHOICES
        self.spec: dict[str, Any] | None = None

    @property
    def error_text(self) -> str:
        return " ".join(str(error) for errors in self.errors.values() for error in errors)

    def clean_op(self) -> str:
        op = self.cleaned_data["op"].strip()
        return f"${op.removeprefix('$')}" if op else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        name, op, text = data.get("f"), data.get("op"), data.get("v", "")
        # A row without a field or a value is still being filled in: it filters nothing.
        if not name or not text.strip():
            return data
        field = FIELDS[name]
        if not op:
            op = field.operators[0]
        if op not in field.operators:
            allowed = ", ".join(OPERATOR_LABELS[o] for o in field.operators)
            self.add_error("op", f"{field.title} allows: {allowed}.")
            return data
        spec = {name: {op: value_from_text(field, op, text)}}
        try:
            filter_q(spec)
        except QueryError as exc:
            self.add_error("v", exc.message)
            return data
        self.spec = spec
        return data


class StoreSettingsForm(forms.ModelForm):
    """The owner's settings page; the view saves through `store_settings_update`."""

    class Meta:
        model = StoreSettings
        fields = ["store_name", "require_item_scan", "notify_buyer_default"]
        labels = {
            "store_name": "Store name",
            "require_item_scan": "Packers must scan every item before shipping",
            "notify_buyer_default": "Notify the buyer of a shipment by default",
        }
