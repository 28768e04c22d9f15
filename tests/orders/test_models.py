"""Database rules of the order models: constraints, the number sequence, generated columns."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from fulfillments.models import Fulfillment, FulfillmentLineItem
from orders.models import ORDER_NUMBER_SEQUENCE, ORDER_NUMBER_START, LineItem, Order

pytestmark = pytest.mark.django_db


def integrity_error(make) -> IntegrityError:
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        make()
    return caught.value


def test_first_order_number_on_a_fresh_sequence_is_10001():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT start_value, increment_by FROM pg_sequences WHERE sequencename = %s",
            [ORDER_NUMBER_SEQUENCE],
        )
        assert cursor.fetchone() == (10001, 1)
        # What a fresh database does: the sequence at its start. The restart is rolled back
        # with the test's transaction.
        cursor.execute(f"ALTER SEQUENCE {ORDER_NUMBER_SEQUENCE} RESTART")
    assert ORDER_NUMBER_START == 10001
    assert Order.objects.create().number == 10001
    assert Order.objects.create().number == 10002


def test_order_numbers_increase_and_are_unique():
    numbers = [Order.objects.create().number for _ in range(5)]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 5
    first = Order.objects.get(number=numbers[0])
    error = integrity_error(lambda: Order.objects.create(number=first.number))
    assert "number" in str(error)


def test_line_item_quantity_must_be_at_least_one(order_factory):
    order = order_factory(lines=1)
    error = integrity_error(
        lambda: LineItem.objects.create(order=order, index=2, quantity=0, name="Nothing")
    )
    assert "lineitem_quantity_gte_1" in str(error)


def test_line_item_index_is_unique_per_order(order_factory):
    order, other = order_factory(lines=1), order_factory(lines=0)
    error = integrity_error(
        lambda: LineItem.objects.create(order=order, index=1, quantity=1, name="Twice")
    )
    assert "lineitem_unique_order_index" in str(error)
    # The same index in another order is fine.
    assert LineItem.objects.create(order=other, index=1, quantity=1, name="Elsewhere").pk


def test_line_item_index_starts_at_one(order_factory):
    order = order_factory(lines=0)
    error = integrity_error(
        lambda: LineItem.objects.create(order=order, index=0, quantity=1, name="Zero")
    )
    assert "lineitem_index_gte_1" in str(error)


def test_line_id_is_unique_per_order_only(order_factory):
    """The eCommerce examples give line items of different orders the same ids."""
    line_id = uuid.UUID("00000000-0000-0000-0000-000000000001")
    first, second = order_factory(lines=0), order_factory(lines=0)
    LineItem.objects.create(order=first, index=1, quantity=1, name="A", line_id=line_id)
    LineItem.objects.create(order=second, index=1, quantity=1, name="B", line_id=line_id)
    error = integrity_error(
        lambda: LineItem.objects.create(order=first, index=2, quantity=1, name="C", line_id=line_id)
    )
    assert "lineitem_unique_order_lineid" in str(error)


def test_refunded_quantity_cannot_exceed_quantity(order_factory):
    order = order_factory(lines=0)
    error = integrity_error(
        lambda: LineItem.objects.create(
            order=order, index=1, quantity=1, refunded_quantity=2, name="Over"
        )
    )
    assert "lineitem_refunded_lte_quantity" in str(error)


@pytest.mark.parametrize("quantity", [0, 100_001])
def test_fulfillment_line_quantity_is_1_to_100000(order_factory, quantity):
    order = order_factory(lines=1)
    fulfillment = Fulfillment.objects.create(order=order)
    line = order.line_items.get()
    error = integrity_error(
        lambda: FulfillmentLineItem.objects.create(
            fulfillment=fulfillment, line_item=line, quantity=quantity
        )
    )
    assert "fulfillmentline_quantity_range" in str(error)


def test_billing_full_name_is_stored_first_space_last(order_factory):
    order = order_factory(first_name="Jane", last_name="Doe")
    assert Order.objects.filter(billing_full_name="Jane Doe").get() == order
    order.billing_last_name = "Smith"
    order.save(update_fields=["billing_last_name"])
    assert Order.objects.values_list("billing_full_name", flat=True).get(pk=order.pk) == (
        "Jane Smith"
    )


def test_money_is_decimal(order_factory):
    order = order_factory(lines=[{"price": Decimal("19.99"), "quantity": 3}])
    order.refresh_from_db()
    assert order.total == Decimal("59.97")
    assert isinstance(order.line_items.get().price, Decimal)


def test_deleting_an_order_removes_its_rows(order_factory):
    order = order_factory(lines=2)
    fulfillment = Fulfillment.objects.create(order=order)
    FulfillmentLineItem.objects.create(
        fulfillment=fulfillment, line_item=order.line_items.first(), quantity=1
    )
    order.delete()
    assert not LineItem.objects.filter(order_id=order.pk).exists()
    assert not Fulfillment.objects.filter(pk=fulfillment.pk).exists()
