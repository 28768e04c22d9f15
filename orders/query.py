"""The orders query language (DESIGN.md section 3): one engine for the API, the pages and the
benchmarks.

A filter is a JSON object in the Stores v2 syntax (`{"number": {"$gt": 10010}}`, `$and`,
`$or`, `$not`), given as a dict or a JSON string; a sort is a list like `[{"number": "desc"}]`.
`build_query()` turns them into a queryset over `visible_orders()` plus paging. Everything it
refuses raises `QueryError`, whose message names the field and lists what is allowed.
How PostgreSQL is steered to a fast plan lives in orders/query_plan.py, counting in
orders/counting.py, and the list page's text input in orders/forms.py.

Every field, its column, operators, value type and sortability live in `FIELDS`; nothing else
in Packdesk knows which operators a field takes.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import CharField, Count, Exists, F, Func, OuterRef, Q, QuerySet, Value
from django.db.models.fields.json import KeyTransform
from django.db.models.fields.reverse_related import ForeignObjectRel
from django.db.models.functions import Coalesce, Lower
from django.db.models.lookups import Contains, Exact, StartsWith

from config.schemas import RepeatedKeyError, loads_strict, unstorable
from orders.models import (
    UNSPECIFIED_PAYMENT_STATUS,
    ChannelType,
    FulfillmentStatus,
    LineItem,
    Order,
    PaymentStatus,
)
from orders.query_plan import date_range_by_number, page_rows
from orders.selectors import visible_orders

DEFAULT_LIMIT = 50
MAX_LIMIT = 100

# Limits that bound what one filter may cost (README "Limits"); past them the filter is a 400.
# Values in one list: $hasSome is one IN (...); $hasAll one grouped subquery whose cost grows
# with the line items matching any of its values (figures in bench/query_limits.py).
MAX_LIST_VALUES = {"$hasSome": 100, "$hasAll": 20}
# Nesting of $and / $or / $not, and conditions (field operators and logical nodes) in all.
MAX_FILTER_DEPTH = 8
MAX_FILTER_NODES = 64
# Offset paging reads and skips every earlier row; deeper pages use keyset cursors (pages)
# or a narrower filter (API).
MAX_OFFSET = 10_000
# Order numbers and other integers are PostgreSQL bigints.
MAX_BIGINT = 2**63 - 1
# Below this many $hasAll values, one EXISTS per value (each an index probe that stops at the
# first page of matches) beats grouping; from it on, one grouped subquery keeps the planner's
# work flat (K EXISTS subqueries made planning alone take seconds at K = 100).
HAS_ALL_GROUPED_FROM = 4

EQ, NE, HAS_SOME, HAS_ALL = "$eq", "$ne", "$hasSome", "$hasAll"
LT, LTE, GT, GTE = "$lt", "$lte", "$gt", "$gte"
CONTAINS, STARTS_WITH = "$contains", "$startsWith"
LOGICAL = ("$and", "$or", "$not")

COMPARE_OPS = (EQ, NE, HAS_SOME, LT, LTE, GT, GTE)
MATCH_OPS = (EQ, NE, HAS_SOME)
LINE_ITEM_OPS = (EQ, NE, HAS_SOME, HAS_ALL)
NAME_OPS = (EQ, NE, HAS_SOME, CONTAINS, STARTS_WITH)
LIST_OPS = (HAS_SOME, HAS_ALL)
RANGE_LOOKUPS = {LT: "lt", LTE: "lte", GT: "gt", GTE: "gte"}

# Value types.
DATETIME, INT, ENUM, UUID, BOOL, STRING = "datetime", "int", "enum", "uuid", "bool", "string"


class QueryError(Exception):
    """A filter, sort or paging the engine refuses. `field` names the offending field (or
    "filter", "sort", "paging.limit", "paging.offset" when no single field is at fault)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Field:
    name: str
    column: str
    operators: tuple[str, ...]
    type: str
    sortable: bool = False
    # On rows related to the order (Order's reverse accessor, e.g. "line_items") rather than
    # on the order: matched with EXISTS subqueries.
    related: str = ""
    nullable: bool = False
    choices: tuple[str, ...] = ()
    label: str = ""
    # A boolean field computed from the order's columns: the condition that it is true.
    condition: Q | None = None
    # An integer field the order JSON shows as a string (numericId: "10012"): a string of
    # digits is taken as the number.
    digit_strings: bool = False

    @property
    def title(self) -> str:
        return self.label or self.name


def _enum(choices, *extra: str) -> tuple[str, ...]:
    return tuple(choices.values) + extra


# shippingInfo.pickupDetails is an object: the buyer collects the order. The home page's
# per-day figures (fulfillments/home/stats.py) test the same in SQL.
PICKUP = Q(
    Exact(
        Coalesce(
            Func(
                KeyTransform("pickupDetails", "shipping_info"),
                function="jsonb_typeof",
                output_field=CharField(),
            ),
            Value(""),
        ),
        "object",
    )
)


FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("number", "number", COMPARE_OPS, INT, sortable=True, label="Number"),
        Field("dateCreated", "date_created", COMPARE_OPS, DATETIME, True, label="Date created"),
        Field("lastUpdated", "last_updated", COMPARE_OPS, DATETIME, True, label="Last updated"),
        Field(
            "paymentStatus",
            "payment_status",
            MATCH_OPS,
            ENUM,
            choices=_enum(PaymentStatus, UNSPECIFIED_PAYMENT_STATUS),
            label="Payment status",
        ),
        Field(
            "fulfillmentStatus",
            "fulfillment_status",
            MATCH_OPS,
            ENUM,
            choices=_enum(FulfillmentStatus),
            label="Fulfillment status",
        ),
        Field("archived", "archived", (EQ, NE), BOOL, label="Archived"),
        Field("id", "id", MATCH_OPS, UUID, label="Order id"),
        Field("buyerInfo.id", "buyer_id", MATCH_OPS, UUID, nullable=True, label="Buyer id"),
        Field(
            "channelInfo.type",
            "channel_type",
            MATCH_OPS,
            ENUM,
            choices=_enum(ChannelType),
            label="Channel",
        ),
        Field(
            "channelInfo.externalOrderId",
            "channel_external_order_id",
            MATCH_OPS,
            STRING,
            label="External order id",
        ),
        Field("enteredBy.id", "entered_by_id", MATCH_OPS, UUID, nullable=True, label="Entered by"),
        Field(
            "lineItems.productId",
            "product_id",
            LINE_ITEM_OPS,
            UUID,
            related="line_items",
            label="Product id",
        ),
        Field(
            "lineItems.name", "name", LINE_ITEM_OPS, STRING, related="line_items", label="Item name"
        ),
        Field(
            "billingInfo.address.fullName",
            "billing_full_name",
            NAME_OPS,
            STRING,
            label="Billing name",
        ),
        # Packdesk's own fields, beyond the spec's table (README "Query language"): what the
        # home page's figures count, so that each links to exactly its orders.
        Field(
            "shippingInfo.pickup",
            "shipping_info",
            (EQ, NE),
            BOOL,
            label="Pickup",
            condition=PICKUP,
        ),
        Field(
            "fulfillments.dateCreated",
            "date_created",
            COMPARE_OPS,
            DATETIME,
            related="fulfillments",
            label="Fulfilled on",
        ),
    )
}

# Another name of a field, not offered by the list page's filter bar: the Order object's
# numericId, "Order's unique numeric ID. Primarily used for sorting and filtering when crawling
# all orders" (the Stores document; Wix's Stores pagination crawls with it). It is the number.
ALIASES: dict[str, Field] = {
    "numericId": Field(
        "numericId",
        "number",
        COMPARE_OPS,
        INT,
        sortable=True,
        label="Numeric id",
        digit_strings=True,
    ),
}
ALIAS_OF = {"numericId": "number"}

SORTABLE = tuple(name for name, f in (FIELDS | ALIASES).items() if f.sortable)
DEFAULT_SORT: list[dict[str, str]] = [{"number": "desc"}]


def _allowed(values) -> str:
    return ", ".join(values)


# ---- Values -----------------------------------------------------------------------------


def _type_error(field: Field, op: str, value: Any, expected: str) -> QueryError:
    return QueryError(
        f"{field.name}: {op} takes {expected}, got {json.dumps(value, default=str)}.",
        field=field.name,
    )


def whole(value: Any) -> Any:
    """A JSON number without a fractional part as an int (`10012.0` is JSON Schema's integer,
    as in request bodies: config/schemas.py `whole_number`); any other value as it is."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def parse_datetime(value: Any) -> datetime | None:
    """ISO-8601 string (naive means UTC) or epoch milliseconds; None when neither."""
    if isinstance(value, bool):
        return None
    value = whole(value)
    if isinstance(value, int):
        try:
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _scalar(field: Field, op: str, value: Any) -> Any:
    """One value checked and converted for `field`."""
    if value is None:
        if field.nullable and op in (EQ, NE):
            return None
        raise _type_error(field, op, value, f"a {field.type} value (not null)")
    if field.type == INT:
        value = whole(value)
        if field.digit_strings and isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_BIGINT:
            raise _type_error(field, op, value, "an integer (at most 19 digits)")
        return value
    if field.type == DATETIME:
        parsed = parse_datetime(value)
        if parsed is None:
            raise _type_error(
                field, op, value, "an ISO-8601 date string or epoch milliseconds (integer)"
            )
        return parsed
    if field.type == BOOL:
        if not isinstance(value, bool):
            raise _type_error(field, op, value, "true or false")
        return value
    if field.type == ENUM:
        if value not in field.choices:
            raise QueryError(
                f"{field.name}: {json.dumps(value, default=str)} is not a valid value; "
                f"allowed: {_allowed(field.choices)}.",
                field=field.name,
            )
        return value
    if field.type == UUID:
        if not isinstance(value, str):
            raise _type_error(field, op, value, "a UUID string")
        try:
            return uuid.UUID(value)
        except ValueError:
            raise QueryError(
                f"{field.name}: {json.dumps(value)} is not a valid UUID.", field=field.name
            ) from None
    if not isinstance(value, str):
        raise _type_error(field, op, value, "a string")
    if unstorable(value):  # PostgreSQL text cannot hold it: refused here, not by the database
        raise QueryError(
            f"{field.name}: must not contain the NUL character (\\u0000) or a lone surrogate "
            "(\\ud800-\\udfff).",
            field=field.name,
        )
    return value


def _values(field: Field, op: str, value: Any) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise _type_error(field, op, value, f"a non-empty list of {field.type} values")
    if len(value) > MAX_LIST_VALUES[op]:
        raise QueryError(
            f"{field.name}: {op} takes at most {MAX_LIST_VALUES[op]} values, got {len(value)}.",
            field=field.name,
        )
    return [_scalar(field, op, item) for item in value]


# ---- Filter -> Q ------------------------------------------------------------------------


def _related(field: Field, lookups: dict[str, Any]) -> Exists:
    """Orders with at least one related row (of `field.related`) matching every lookup of
    `field.column` (`{"gte": a, "lt": b}`)."""
    relation = Order._meta.get_field(field.related)
    assert isinstance(relation, ForeignObjectRel) and relation.related_model is not None
    rows = relation.related_model._default_manager.order_by()
    return Exists(
        rows.filter(
            **{relation.field.name: OuterRef("pk")},
            **{f"{field.column}__{lookup}": value for lookup, value in lookups.items()},
        )
    )


def _has_all(field: Field, values: list[Any]) -> Q:
    """Orders whose line items cover every value. A few values: one EXISTS each (index probes
    on (value, order)); more: one subquery grouping the matching line items by order."""
    if len(values) < HAS_ALL_GROUPED_FROM:
        condition = Q()
        for value in values:
            condition &= Q(_related(field, {"exact": value}))
        return condition
    covering = (
        LineItem.objects.filter(**{f"{field.column}__in": values})
        .values("order_id")
        .annotate(matched=Count(field.column, distinct=True))
        .filter(matched=len(values))
        .values("order_id")
    )
    return Q(pk__in=covering)


def _condition(field: Field, op: str, raw: Any) -> Q:
    """`field op raw` as a Q; raises QueryError for a disallowed operator or a bad value."""
    if op not in field.operators:
        raise QueryError(
            f"{field.name}: operator {op} is not allowed; allowed: {_allowed(field.operators)}.",
            field=field.name,
        )
    column = field.column
    if field.condition is not None:
        # `$eq true` and `$ne false` want the condition, the others its negation.
        wanted = _scalar(field, op, raw) == (op == EQ)
        return field.condition if wanted else ~field.condition
    if field.related:
        if op == EQ:
            return Q(_related(field, {"exact": _scalar(field, op, raw)}))
        if op == NE:
            return ~Q(_related(field, {"exact": _scalar(field, op, raw)}))
        values = list(dict.fromkeys(_values(field, op, raw)))
        if op == HAS_SOME:
            return Q(_related(field, {"in": values}))
        return _has_all(field, values)
    if op in (HAS_SOME,):
        return Q(**{f"{column}__in": _values(field, op, raw)})
    value = _scalar(field, op, raw)
    if op == EQ:
        return Q(**{f"{column}__isnull": True}) if value is None else Q(**{column: value})
    if op == NE:
        if value is None:
            return Q(**{f"{column}__isnull": False})
        # Django's exclude semantics: NOT (col = v) OR col IS NULL for nullable columns.
        return ~Q(**{column: value})
    if op in RANGE_LOOKUPS:
        return Q(**{f"{column}__{RANGE_LOOKUPS[op]}": value})
    # Case-insensitive matching on lower(column), which the name indexes cover.
    lookup = Contains if op == CONTAINS else StartsWith
    return Q(lookup(Lower(F(column)), value.lower()))


def _field_q(name: str, spec: Any) -> Q:
    field = FIELDS.get(name) or ALIASES.get(name)
    if field is None:
        raise QueryError(
            f"Unknown field {name!r}; allowed fields: {_allowed(FIELDS | ALIASES)} "
            f"(and {_allowed(LOGICAL)}).",
            field=name or "filter",  # an empty key still names where the fault is
        )
    if isinstance(spec, dict):
        if not spec:
            raise QueryError(f"{name}: empty operator object.", field=name)
        condition = Q()
        bounds: dict[str, Any] = {}
        for op, raw in spec.items():
            if not op.startswith("$"):
                raise QueryError(
                    f"{name}: {op!r} is not an operator; allowed: {_allowed(field.operators)}.",
                    field=name,
                )
            if field.related and op in RANGE_LOOKUPS and op in field.operators:
                bounds[RANGE_LOOKUPS[op]] = _scalar(field, op, raw)
            else:
                condition &= _condition(field, op, raw)
        if bounds:
            # One related row within all the bounds ("a fulfillment today"), not one row
            # after the start and another before the end.
            condition &= Q(_related(field, bounds))
        return condition
    return _condition(field, EQ, spec)


def filter_size_check(spec: Any) -> None:
    """Refuse a filter nested deeper than MAX_FILTER_DEPTH or with more than MAX_FILTER_NODES
    conditions, before anything recurses into it (iteratively, so any depth is safe)."""
    stack = [(spec, 1)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        if depth > MAX_FILTER_DEPTH:
            raise QueryError(
                f"The filter is nested more than {MAX_FILTER_DEPTH} levels deep "
                "($and / $or / $not).",
                field="filter",
            )
        children = node if isinstance(node, list) else [node]
        for child in children:
            if not isinstance(child, dict):
                continue
            nodes += len(child)
            if nodes > MAX_FILTER_NODES:
                raise QueryError(
                    f"The filter has more than {MAX_FILTER_NODES} conditions.", field="filter"
                )
            for key, value in child.items():
                if key in LOGICAL:
                    stack.append((value, depth + 1))


def filter_q(spec: Any, *, where: str = "filter") -> Q:
    """A filter object as a Q (no database access). Raises QueryError."""
    if where == "filter":
        filter_size_check(spec)
    if not isinstance(spec, dict):
        raise QueryError(f"{where} must be a JSON object, got {json.dumps(spec)}.", field=where)
    condition = Q()
    for key, value in spec.items():
        if key in ("$and", "$or"):
            if not isinstance(value, list) or not value:
                raise QueryError(f"{key} takes a non-empty list of filter objects.", field=key)
            parts = [filter_q(item, where=key) for item in value]
            if key == "$or" and not all(parts):
                # An empty filter object matches every order, and so does any $or holding one
                # (Django's `q | Q()` would be `q`, dropping the others' matches).
                continue
            combined = parts[0]
            for part in parts[1:]:
                combined = combined & part if key == "$and" else combined | part
            condition &= combined
        elif key == "$not":
            if not isinstance(value, dict) or not value:
                raise QueryError("$not takes a non-empty filter object.", field=key)
            inner = filter_q(value, where=key)
            # The negation of "every order" is none (Django's `~Q()` is still every order).
            condition &= ~inner if inner else Q(pk__in=[])
        else:
            condition &= _field_q(key, value)
    return condition


def parse_json(value: Any, *, where: str) -> Any:
    """Accepts already-decoded JSON or a JSON string (the Stores API sends strings)."""
    if not isinstance(value, str):
        return value
    if not value.strip():
        return None
    try:
        return loads_strict(value)
    except RepeatedKeyError as exc:
        inside = exc.path if exc.path.startswith("[") else f".{exc.path}"
        raise QueryError(f"{where}: {exc}.", field=f"{where}{inside}") from None
    except json.JSONDecodeError as exc:
        raise QueryError(
            f"{where} is not valid JSON: {exc.msg} at {exc.pos}.", field=where
        ) from None
    except RecursionError:
        raise QueryError(
            f"{where} is nested too deeply (at most {MAX_FILTER_DEPTH} levels).", field=where
        ) from None


# ---- Sort and paging --------------------------------------------------------------------


def sort_order(sort: Any) -> list[tuple[str, bool]]:
    """[(field name, descending)], validated; the default when `sort` is empty."""
    sort = parse_json(sort, where="sort")
    if sort in (None, [], {}):
        sort = DEFAULT_SORT
    if isinstance(sort, dict):
        sort = [sort]
    if not isinstance(sort, list):
        raise QueryError(
            'sort must be a list like [{"number": "desc"}]; sortable fields: '
            f"{_allowed(SORTABLE)}.",
            field="sort",
        )
    order: list[tuple[str, bool]] = []
    for item in sort:
        if isinstance(item, str):
            # Wix also accepts [{"fieldName": "number", "order": "DESC"}]; plain names sort asc.
            item = {item: "asc"}
        if (
            isinstance(item, dict)
            and set(item) <= {"fieldName", "order"}
            and isinstance(item.get("fieldName"), str)
        ):
            item = {item["fieldName"]: item.get("order", "asc")}
        if not isinstance(item, dict) or len(item) != 1:
            raise QueryError(
                f'sort items look like {{"number": "desc"}}; got {json.dumps(item)}.', field="sort"
            )
        ((name, direction),) = item.items()
        field = FIELDS.get(name) or ALIASES.get(name)
        if field is None or not field.sortable:
            raise QueryError(
                f"Cannot sort by {name!r}; sortable fields: {_allowed(SORTABLE)}.",
                field=name or "sort",
            )
        if not isinstance(direction, str) or direction.lower() not in ("asc", "desc"):
            raise QueryError(
                f"{name}: sort direction must be asc or desc, got {json.dumps(direction)}.",
                field=name,
            )
        column = field.column  # numericId is number
        if any(FIELDS[earlier].column == column for earlier, _ in order):
            # A later key on the same field never orders anything: the first one decides.
            raise QueryError(
                f"{name}: sorted on more than once; name each field once in sort.", field=name
            )
        order.append((ALIAS_OF.get(name) or name, direction.lower() == "desc"))
    return order


def order_by_args(order: list[tuple[str, bool]]) -> list[str]:
    columns = [("-" if desc else "") + FIELDS[name].column for name, desc in order]
    # Ties break on id, in the direction of the first key (number is unique already).
    if not any(name == "number" for name, _ in order):
        columns.append("-id" if order[0][1] else "id")
    return columns


def paging(limit: Any = DEFAULT_LIMIT, offset: Any = 0) -> tuple[int, int]:
    if limit is None:
        limit = DEFAULT_LIMIT
    if offset is None:
        offset = 0
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise QueryError(
            f"paging.limit must be an integer from 1 to {MAX_LIMIT}, got {json.dumps(limit)}.",
            field="paging.limit",
        )
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET:
        raise QueryError(
            f"paging.offset must be an integer >= 0 and <= {MAX_OFFSET}, got {json.dumps(offset)}; "
            "narrow the filter to reach orders further down.",
            field="paging.offset",
        )
    return limit, offset


@dataclass
class Query:
    """A validated query: `queryset` is filtered and ordered but not sliced."""

    queryset: QuerySet[Order]
    order: list[tuple[str, bool]]
    limit: int
    offset: int

    def page(self) -> list[Order]:
        return page_rows(self.queryset, self.offset, self.offset + self.limit)


def build_query(
    *,
    filter: Any = None,
    sort: Any = None,
    limit: Any = DEFAULT_LIMIT,
    offset: Any = 0,
    base: QuerySet[Order] | None = None,
) -> Query:
    """Validate a filter, sort and paging and return the query. Raises QueryError."""
    spec = parse_json(filter, where="filter")
    condition = Q() if spec in (None, {}) else filter_q(spec)
    order = sort_order(sort)
    limit, offset = paging(limit, offset)
    queryset = (visible_orders() if base is None else base).filter(condition)
    ordering: list[Any] = order_by_args(order)
    if order[0][0] == "number" and _has_date_range(spec):
        ordering = date_range_by_number(queryset, ordering, descending=order[0][1])
    return Query(queryset.order_by(*ordering), order, limit, offset)


RANGE_OPS = {LT, LTE, GT, GTE}


def _has_date_range(spec: Any) -> bool:
    """Whether the (validated) filter limits a date field with a range operator anywhere."""
    if isinstance(spec, list):
        return any(_has_date_range(item) for item in spec)
    if not isinstance(spec, dict):
        return False
    for key, value in spec.items():
        if key in ("$and", "$or", "$not"):
            if _has_date_range(value):
                return True
        elif (
            key in FIELDS
            and FIELDS[key].type == DATETIME
            and isinstance(value, dict)
            and RANGE_OPS & set(value)
        ):
            return True
    return False
