"""Forms of the order pages: the list's filter rows, the buyer email and shipping address
edits, and the store settings. A filter row is one (field, operator, value) of the query
language; its choices come from `orders.query.FIELDS`."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

from django import forms
from django.utils import timezone
from django.utils.safestring import SafeString

from orders.models import StoreSettings, json_object
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
    UUID,
    Field,
    QueryError,
    filter_q,
)
from orders.selectors import product_names

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


# The filter bar's field menu: what staff filter by first, internal ids under "More".
MAIN_FIELDS = (
    "number",
    "dateCreated",
    "lastUpdated",
    "paymentStatus",
    "fulfillmentStatus",
    "billingInfo.address.fullName",
    "lineItems.name",
    "channelInfo.type",
    "archived",
    "shippingInfo.pickup",
    "fulfillments.dateCreated",
)
FIELD_LABELS = {"lineItems.name": "Product", "lineItems.productId": "Product id"}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name) or FIELDS[name].title


FIELD_CHOICES = [
    ("", "Field…"),
    *[(name, field_label(name)) for name in MAIN_FIELDS],
    ("More (internal ids)", [(n, field_label(n)) for n in FIELDS if n not in MAIN_FIELDS]),
]

# Operators the filter bar adds on top of the query language, translated by FilterRowForm
# into the language's own operators: a product name "contains" (matched against the product
# catalogue, then `$hasSome` of those names) and a date "during" a preset period.
DURING = "$during"
UI_OPERATORS = {
    CONTAINS: ("lineItems.name",),
    DURING: ("dateCreated", "lastUpdated", "fulfillments.dateCreated"),
}
ROW_OPERATOR_LABELS = {**OPERATOR_LABELS, DURING: "during"}
OPERATOR_CHOICES = [("", "Operator…")] + [
    (op[1:], label) for op, label in ROW_OPERATOR_LABELS.items()
]
# What a new filter row on a field starts with: names match anywhere, dates by period.
DEFAULT_OPERATORS = {
    "billingInfo.address.fullName": CONTAINS,
    "lineItems.name": CONTAINS,
    "dateCreated": DURING,
    "lastUpdated": DURING,
    "fulfillments.dateCreated": DURING,
}


def row_operators(name: str) -> tuple[str, ...]:
    """The operators a filter row offers for field `name`, the default first."""
    ops = list(FIELDS[name].operators)
    ops += [op for op, names in UI_OPERATORS.items() if name in names and op not in ops]
    default = DEFAULT_OPERATORS.get(name)
    return (default, *[op for op in ops if op != default]) if default else tuple(ops)


# The filter row menus' data attributes, worked out once (every list page renders them).
FIELD_DEFAULT_OPS = {name: row_operators(name)[0][1:] for name in FIELDS}
OPERATOR_FIELDS = {
    op[1:]: " ".join(name for name in FIELDS if op in row_operators(name))
    for op in ROW_OPERATOR_LABELS
}


class MemoRender:
    """A widget rendered once per (name, value, attributes) and process when `memo_ok(value)`:
    Django renders every widget through its form templates (~0.2 ms for a text box, ~1 ms for
    a menu whose options are each an include), and the list page shows the same empty boxes
    and menus on every full page load. Other values are rendered every time, so the memo
    stays small (at most MAX_MEMO_MENUS entries per class)."""

    rendered: ClassVar[dict[tuple, SafeString]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.rendered = {}

    def memo_ok(self, value: Any) -> bool:
        return value in ("", None)

    def render(self, name, value, attrs=None, renderer=None):
        if not self.memo_ok(value):
            return super().render(name, value, attrs, renderer)  # type: ignore[misc]
        built = self.build_attrs(self.attrs, attrs)  # type: ignore[attr-defined]
        key = (name, value or "", tuple(sorted(built.items())), type(renderer))
        html = self.rendered.get(key)
        if html is None:
            html = super().render(name, value, attrs, renderer)  # type: ignore[misc]
            if len(self.rendered) < MAX_MEMO_MENUS:
                self.rendered[key] = html
        return html


class FixedMenu(MemoRender, forms.Select):
    """A menu whose choices never change: memoised for its empty value and every choice
    (values outside the choices, from a hand-made URL, are rendered every time)."""

    def memo_ok(self, value: Any) -> bool:
        return value in ("", None) or str(value) in {str(v) for v, _ in self._flat()}

    def _flat(self) -> list[tuple[Any, Any]]:
        flat: list[tuple[Any, Any]] = []
        for value, label in self.choices:
            flat += label if isinstance(label, list | tuple) else [(value, label)]
        return flat


class BlankTextInput(MemoRender, forms.TextInput):
    """A text box, memoised while empty."""


class BlankTextarea(MemoRender, forms.Textarea):
    """A text area, memoised while empty."""


# At most this many rendered menus kept per menu class (65 filter rows x their values fit).
MAX_MEMO_MENUS = 2048


class FieldSelect(FixedMenu):
    """Each field option names its default operator (`data-default-op`) for the page's script."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value:
            option["attrs"]["data-default-op"] = FIELD_DEFAULT_OPS[value]
        return option


class OperatorSelect(FixedMenu):
    """Each option lists the fields that allow it (`data-fields`), so the page can offer only
    the valid operators for the chosen field; the form checks it anyway. A URL may name an
    operator as the query language does (`op=$eq`, which the form accepts): the menu shows
    it chosen all the same."""

    @staticmethod
    def plain(value: Any) -> Any:
        return value.removeprefix("$") if isinstance(value, str) else value

    def memo_ok(self, value: Any) -> bool:
        return super().memo_ok(self.plain(value))

    def render(self, name, value, attrs=None, renderer=None):
        return super().render(name, self.plain(value), attrs, renderer)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value:
            option["attrs"]["data-fields"] = OPERATOR_FIELDS[value]
        return option


class FixedChoiceField(forms.ChoiceField):
    """A choice field whose choices never change: a form's copy of it (Django deep-copies
    every field per form) shares them instead of copying 40-odd nested tuples each time."""

    def __deepcopy__(self, memo: dict) -> FixedChoiceField:
        # Field's copy (the widget, the error messages), without ChoiceField's of the choices.
        return forms.Field.__deepcopy__(self, memo)


class FilterRowForm(forms.Form):
    """`f`, `op` and `v` repeat in the URL, one triple per row:
    `?f=number&op=gt&v=10010&f=paymentStatus&op=hasSome&v=PAID,PENDING`.

    Dates take a day (2026-11-29, in the store's time zone; "after" a day starts the next
    day), an ISO-8601 time or epoch milliseconds, and `during` takes a period (today,
    yesterday, last 7 days, this month, last month). Errors speak of the field by its label."""

    f = FixedChoiceField(choices=FIELD_CHOICES, required=False, label="Field", widget=FieldSelect)
    op = forms.CharField(required=False, label="Operator", widget=OperatorSelect)
    v = forms.CharField(required=False, label="Value", max_length=4000, widget=BlankTextInput)

    def __init__(self, *args, row: int = 0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The row's place among the rows the page submitted: ids and htmx's swaps use it.
        self.row = row
        self.fields["op"].widget.choices = OPERATOR_CHOICES
        # The row's error element always exists (htmx refills it), so the controls point at it.
        for name in ("f", "op", "v"):
            self.fields[name].widget.attrs["aria-describedby"] = f"error-row-{row}"
        self.spec: dict[str, Any] | None = None

    @property
    def error_text(self) -> str:
        return " ".join(str(error) for errors in self.errors.values() for error in errors)

    def clean_op(self) -> str:
        op = self.cleaned_data["op"].strip()
        return f"${op.removeprefix('$')}" if op else ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        name, op, text = data.get("f"), data.get("op"), data.get("v", "")
        # A row without a field or a value is still being filled in: it filters nothing.
        if not name or not text.strip():
            return data
        field = FIELDS[name]
        allowed_ops = row_operators(name)
        if not op:
            op = allowed_ops[0]
        label = field_label(name)
        if op not in allowed_ops:
            allowed = ", ".join(ROW_OPERATOR_LABELS[o] for o in allowed_ops)
            self.add_error("op", f"{label} can be: {allowed}.")
            return data
        try:
            spec = row_spec(name, op, text)
            filter_q(spec)
        except QueryError as exc:
            self.add_error("v", human_error(label, field, exc))
            return data
        self.spec = spec
        return data


def row_spec(name: str, op: str, text: str) -> dict[str, Any]:
    """The query-language filter for one filter row (raises QueryError on a bad value)."""
    field = FIELDS[name]
    if op == CONTAINS and name == "lineItems.name":
        needle = text.strip().lower()
        names = [n for n in product_names() if needle in n.lower()]
        # No product matches: a name no line item has, so the row matches no order.
        return {name: {HAS_SOME: names or [text.strip()]}}
    if field.type == DATETIME:
        return date_spec(name, op, text)
    return {name: {op: value_from_text(field, op, text)}}


PERIODS = {
    "today": "today",
    "yesterday": "yesterday",
    "last7days": "last 7 days",
    "thismonth": "this month",
    "lastmonth": "last month",
}


def period_range(period: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) of a named period in the store's (current) time zone."""
    zone = timezone.get_current_timezone()
    now = (now or timezone.now()).astimezone(zone)
    today = datetime.combine(now.date(), time(), tzinfo=zone)
    key = "".join(period.lower().split())
    if key == "today":
        return today, _day_after(today)
    if key == "yesterday":
        return _day_after(today, -1), today
    if key == "last7days":
        return _day_after(today, -6), _day_after(today)
    first = today.replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    if key == "thismonth":
        return first, next_first
    if key == "lastmonth":
        return (first - timedelta(days=1)).replace(day=1), first
    raise QueryError(f"Choose a period: {', '.join(PERIODS.values())}.", field="period")


def _day_after(day: datetime, days: int = 1) -> datetime:
    # Through the calendar date, so a daylight-saving change keeps midnight at midnight.
    return datetime.combine(day.date() + timedelta(days=days), time(), tzinfo=day.tzinfo)


def date_spec(name: str, op: str, text: str) -> dict[str, Any]:
    """A date row: a period, a calendar day (a whole day for is / is not, the day's end for
    after / at most), or an exact time passed on to the engine."""
    text = text.strip()
    if op == DURING:
        start, end = period_range(text)
        return {name: {GTE: start.isoformat(), LT: end.isoformat()}}
    try:
        day = date.fromisoformat(text)
    except ValueError:
        field = FIELDS[name]
        return {name: {op: value_from_text(field, op, text)}}
    start = datetime.combine(day, time(), tzinfo=timezone.get_current_timezone())
    end = _day_after(start)
    whole_day = {GTE: start.isoformat(), LT: end.isoformat()}
    if op == EQ:
        return {name: whole_day}
    if op == NE:
        return {"$not": {name: whole_day}}
    bound = {LT: start, GTE: start, GT: end, LTE: end}.get(op)
    if bound is None:
        raise QueryError("Give one date.")
    # After a day (or at most a day) means from (or before) the start of the next one.
    op = {GT: GTE, LTE: LT}.get(op, op)
    return {name: {op: bound.isoformat()}}


HUMAN_TYPES = {
    INT: "a whole number, like 10012",
    DATETIME: "a date like 2026-11-29, or a period for “during”",
    UUID: "an id like 8c2f6a1e-3b5d-4e7f-9a0b-1c2d3e4f5a6b",
    BOOL: "yes or no",
}


def human_error(label: str, field, exc: QueryError) -> str:
    """The engine's message (written for API callers) in the filter bar's words."""
    if exc.field == "period":
        return exc.message
    if field.type in HUMAN_TYPES:
        return f"{label} needs {HUMAN_TYPES[field.type]}."
    if field.type == ENUM:
        return f"{label} is one of: {', '.join(field.choices)}."
    return exc.message.replace(f"{field.name}:", f"{label}:")


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


# ---- The order page's email and shipping address edits (orders.services) ----


class EmailForm(forms.Form):
    email = forms.EmailField(max_length=254, label="Buyer email")


class ShippingAddressForm(forms.Form):
    first_name = forms.CharField(max_length=200, required=False, label="First name")
    last_name = forms.CharField(max_length=200, required=False, label="Last name")
    company = forms.CharField(max_length=200, required=False)
    address_line1 = forms.CharField(max_length=300, label="Address line 1")
    address_line2 = forms.CharField(max_length=300, required=False, label="Address line 2")
    city = forms.CharField(max_length=200)
    subdivision = forms.CharField(max_length=100, required=False, label="State / region")
    zip_code = forms.CharField(max_length=30, required=False, label="ZIP / postal code")
    country = forms.CharField(max_length=100)
    phone = forms.CharField(max_length=50, required=False)

    KEYS = {
        "company": "company",
        "address_line1": "addressLine1",
        "address_line2": "addressLine2",
        "city": "city",
        "subdivision": "subdivision",
        "zip_code": "zipCode",
        "country": "country",
        "phone": "phone",
    }

    def address(self) -> dict[str, Any]:
        """The spec-shaped address change: every field the form edits, a blank one as None
        (removed); fields the form does not edit (email) are left as they are."""
        data = self.cleaned_data
        address: dict[str, Any] = {
            "fullName": {"firstName": data["first_name"], "lastName": data["last_name"]}
        }
        for name, key in self.KEYS.items():
            address[key] = data.get(name) or None
        return address

    @classmethod
    def initial_for(cls, address: dict[str, Any]) -> dict[str, Any]:
        name = json_object(address.get("fullName"))
        initial = {"first_name": name.get("firstName", ""), "last_name": name.get("lastName", "")}
        for field, key in cls.KEYS.items():
            initial[field] = address.get(key, "")
        return initial
