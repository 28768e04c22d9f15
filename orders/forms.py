"""Forms of the order pages. A filter row is one (field, operator, value) of the query
language; its choices come from `orders.query.FIELDS`."""

from __future__ import annotations

from typing import Any

from django import forms

from orders.models import StoreSettings
from orders.query import FIELDS, OPERATOR_LABELS, QueryError, filter_q, value_from_text

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
