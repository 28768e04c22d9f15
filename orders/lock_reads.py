"""Lock an order and read, in the locking statement itself, the relations a write needs.

A write locks the order row (SELECT ... FOR UPDATE) and then reads what its rules and its answer
need: the line items with what is fulfilled, the activities, the fulfillments. Each read used
to be a statement of its own; here they are array subqueries of the lock's statement (one JSON
object per row, turned back into model instances and kept as the order's prefetched relations),
so a write pays one round trip for all of them.

Why that is safe: in READ COMMITTED a statement reads one snapshot, taken when it starts. When
the lock has to wait for another transaction, PostgreSQL hands back the order row as that one
committed it, but the subqueries still see the older snapshot, so they could miss what it
wrote (a fulfillment: over-fulfilment). Every change to an order's relations updates the order
row in the same transaction (`last_updated`; DESIGN.md), so the row the lock returns then has
a newer `xmin` than the row the snapshot sees; the statement reads both, and when they differ
the relations are read again in a new statement, which sees every commit before the lock was
granted. Without contention that second read never happens.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import models, transaction
from django.db.models import F, OuterRef, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, JSONObject

from orders.models import Order

# The order row's version as the lock returns it (the newest committed one) and as the
# statement's snapshot sees it; they differ only when the lock waited for another writer.
_LOCKED_XMIN = RawSQL('"orders_order"."xmin"::text', (), output_field=TextField())
_SNAPSHOT_XMIN = RawSQL(
    '(SELECT "o"."xmin"::text FROM "orders_order" "o" WHERE "o"."id" = "orders_order"."id")',
    (),
    output_field=TextField(),
)


@dataclass(frozen=True)
class Related:
    """A relation read with the lock: `name` is the parent's reverse accessor (and prefetch
    cache name), `queryset` the related rows in the order they are wanted (filtered here by
    `link`, the foreign key to the parent), `extra` the names of `queryset` annotations kept
    as attributes, `nested` the relations of each row, read the same way."""

    name: str
    queryset: QuerySet[Any]
    link: str = "order"
    extra: tuple[str, ...] = ()
    nested: tuple[Related, ...] = field(default=())


def _array(relation: Related) -> ArraySubquery:
    """The relation's rows of the outer row (OuterRef "pk") as an array of JSON objects."""
    model = relation.queryset.model
    columns: dict[str, Any] = {}
    for column in model._meta.concrete_fields:
        value: Any = F(column.attname)
        if isinstance(column, models.DecimalField):
            value = Cast(value, TextField())  # as text: a JSON number would come back a float
        columns[column.attname] = value
    for name in relation.extra:
        columns[name] = F(name)
    for child in relation.nested:
        columns[child.name] = _array(child)
    rows = relation.queryset.filter(**{relation.link: OuterRef("pk")})
    return ArraySubquery(rows.values(row=JSONObject(**columns)))


_ARRAYS: dict[Related, ArraySubquery] = {}


def _array_of(relation: Related) -> ArraySubquery:
    """_array(relation), built once per relation (the relations are module constants;
    queries copy an expression when they resolve it)."""
    if relation not in _ARRAYS:
        _ARRAYS[relation] = _array(relation)
    return _ARRAYS[relation]


def _converter(column) -> Callable[[Any], Any] | None:
    """How a column's JSON value becomes its Python value (None: it already is one)."""
    target = column.target_field if column.is_relation else column
    if isinstance(target, models.UUIDField):
        return uuid.UUID
    if isinstance(target, models.DecimalField):
        return Decimal
    if isinstance(target, models.DateTimeField):
        return datetime.fromisoformat  # PostgreSQL's JSON dates are ISO 8601 with an offset
    if isinstance(target, models.DateField):
        return date.fromisoformat
    if isinstance(target, models.JSONField | models.CharField | models.TextField):
        return None
    if isinstance(target, models.IntegerField | models.BooleanField):
        return None
    return target.to_python


_COLUMNS: dict[type[models.Model], list[tuple[str, Callable[[Any], Any] | None]]] = {}


def _columns(model: type[models.Model]) -> list[tuple[str, Callable[[Any], Any] | None]]:
    """(attname, converter) of the model's concrete fields, worked out once per model."""
    if model not in _COLUMNS:
        _COLUMNS[model] = [(c.attname, _converter(c)) for c in model._meta.concrete_fields]
    return _COLUMNS[model]


def _instances(relation: Related, rows: Sequence[Mapping[str, Any]], parent) -> list[Any]:
    model = relation.queryset.model
    columns = _columns(model)
    names = [name for name, _ in columns]
    link = model._meta.get_field(relation.link)
    objects = []
    for row in rows:
        values = [
            row[name] if convert is None or row[name] is None else convert(row[name])
            for name, convert in columns
        ]
        instance = model.from_db(parent._state.db, names, values)
        link.set_cached_value(instance, parent)
        for name in relation.extra:
            setattr(instance, name, row[name])
        for child in relation.nested:
            related_keep(instance, child.name, _instances(child, row[child.name] or [], instance))
        objects.append(instance)
    return objects


def related_keep(instance, name: str, objects: list[Any]) -> None:
    """Keep `objects` as `instance`'s prefetched relation `name`, as prefetch_related would:
    `instance.<name>.all()` then asks nothing."""
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache.pop(name, None)
    queryset = getattr(instance, name).get_queryset()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    cache[name] = queryset


def order_lock(
    *,
    order_id: Any = None,
    number: int | None = None,
    related: Sequence[Related] = (),
    annotations: Mapping[str, Any] | None = None,
) -> Order:
    """Lock the visible order `order_id` (or the one numbered `number`) inside the current
    transaction and return it, with each of `related` kept as a prefetched relation and
    `annotations` as attributes, all in one statement (a second one only after a wait for
    the lock, see the module's docstring).

    Raises Order.DoesNotExist for unknown or hidden orders."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("order_lock() must run inside transaction.atomic()")
    key = {"pk": order_id} if number is None else {"number": number}
    queryset = Order.objects.select_for_update().filter(hidden=False, **key)
    arrays = {f"_related_{relation.name}": _array_of(relation) for relation in related}
    if arrays:
        queryset = queryset.annotate(_locked_xmin=_LOCKED_XMIN, _snapshot_xmin=_SNAPSHOT_XMIN)
    order = queryset.annotate(**arrays, **(annotations or {})).get()
    if not arrays:
        return order
    values: dict[str, Any] = {name: getattr(order, name) for name in arrays}
    if order._locked_xmin != order._snapshot_xmin:  # type: ignore[attr-defined]
        # The lock waited for a writer: read the relations again, now that it has committed.
        values = dict(Order.objects.filter(pk=order.pk).values(**arrays).get())
    for relation in related:
        rows = values[f"_related_{relation.name}"] or []
        related_keep(order, relation.name, _instances(relation, rows, order))
    order._locked_relations = {relation.name for relation in related}  # type: ignore[attr-defined]
    return order


def locked_relations(order: Order) -> set[str]:
    """The relations order_lock() read with `order`'s lock: the services that write to them
    keep them current, so an answer or an event payload may be built from them."""
    return getattr(order, "_locked_relations", set())
