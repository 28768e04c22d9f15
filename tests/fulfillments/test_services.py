"""Fulfillment services (fulfillments/services.py): create, bulk create, update, delete."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from fulfillments.models import Fulfillment, FulfillmentLineItem
from fulfillments.services import (
    LINES_CHANGE_REFUSED,
    LineId,
    fulfillment_bulk_create,
    fulfillment_create,
    fulfillment_delete,
    fulfillment_update,
)
from orders.models import (
    Activity,
    ActivityType,
    FulfillmentStatus,
    LineItemType,
    Order,
)
from orders.services import OrderError
from orders.webhooks.models import WebhookEndpoint, WebhookEvent


def activity_types(order) -> list[str]:
    return list(order.activities.order_by("timestamp", "id").values_list("type", flat=True))


def reload(order) -> Order:
    return Order.objects.get(pk=order.pk)


# ---- Create ----


def test_create_partial_then_full_status_transitions(order_factory, packer):
    order = order_factory(lines=[{"quantity": 3}, {"quantity": 1}])
    first, second = order.line_items.all()
    f1 = fulfillment_create(order=order, lines=[(1, 2)], tracking=None, actor=packer)
    assert reload(order).fulfillment_status == FulfillmentStatus.PARTIALLY_FULFILLED
    assert list(f1.lines.values_list("line_item_id", "quantity")) == [(first.pk, 2)]
    fulfillment_create(
        order=order, lines=[(first, None), (LineId(second.line_id), 1)], actor=packer
    )
    order = reload(order)
    assert order.fulfillment_status == FulfillmentStatus.FULFILLED
    assert activity_types(order)[-1] == ActivityType.ORDER_FULFILLED
    fulfilled = FulfillmentLineItem.objects.filter(line_item=first)
    assert sum(fulfilled.values_list("quantity", flat=True)) == 3


def test_create_known_carrier_generates_link_and_records_activities(order_factory, packer):
    order = order_factory(lines=1)
    f = fulfillment_create(
        order=order,
        lines=[(1, 1)],
        tracking={
            "shippingProvider": "FedEx",
            "trackingNumber": "12 34",
            "trackingLink": "https://evil.example/x",
        },
        actor=packer,
    )
    assert f.tracking_link == (
        "https://www.fedex.com/apps/fedextrack/?action=track&trackingnumber=12%2034"
    )
    assert f.shipping_provider == "FedEx"
    added = order.activities.get(type=ActivityType.TRACKING_NUMBER_ADDED)
    assert added.actor == packer
    assert added.details["trackingNumber"] == "12 34"
    assert order.activities.get(type=ActivityType.TRACKING_LINK_WAS_SET).actor == packer
    assert order.activities.get(type=ActivityType.ORDER_FULFILLED).actor == packer


def test_create_other_carrier_keeps_http_link_only(order_factory, packer):
    order = order_factory(lines=2)
    f = fulfillment_create(
        order=order,
        lines=[(1, 1)],
        tracking={
            "shippingProvider": "Royal Mail",
            "trackingNumber": "RM1",
            "trackingLink": "https://track.example/RM1",
        },
        actor=packer,
    )
    assert f.tracking_link == "https://track.example/RM1"
    with pytest.raises(OrderError) as error:
        fulfillment_create(
            order=order,
            lines=[(2, 1)],
            tracking={"shippingProvider": "x", "trackingNumber": "1", "trackingLink": "ftp://a/b"},
            actor=packer,
        )
    assert error.value.field == "trackingInfo.trackingLink"
    assert error.value.status == 400
    assert order.fulfillments.count() == 1


def test_create_without_number_sets_no_tracking_activity(order_factory, packer):
    order = order_factory(lines=2)
    fulfillment_create(order=order, lines=[(1, 1)], actor=packer)
    assert ActivityType.TRACKING_NUMBER_ADDED not in activity_types(order)
    assert ActivityType.TRACKING_LINK_WAS_SET not in activity_types(order)


def test_create_records_fulfillment_created_every_time(order_factory, packer):
    order = order_factory(lines=2)
    before = set(order.activities.values_list("pk", flat=True))
    plain = fulfillment_create(order=order, lines=[(1, 1)], actor=packer)
    new = order.activities.exclude(pk__in=before)
    assert reload(order).fulfillment_status == FulfillmentStatus.PARTIALLY_FULFILLED
    assert list(new.values_list("type", flat=True)) == [ActivityType.FULFILLMENT_CREATED]
    created = new.get()
    assert created.actor == packer
    assert created.details == {
        "fulfillmentId": str(plain.id),
        "lineItems": [{"index": 1, "quantity": 1}],
    }
    tracked = fulfillment_create(
        order=order,
        lines=[(2, None)],
        tracking={"shippingProvider": "ups", "trackingNumber": "1Z9"},
        actor=packer,
    )
    created = order.activities.filter(type=ActivityType.FULFILLMENT_CREATED)
    assert [a.details["fulfillmentId"] for a in created.order_by("timestamp", "id")] == [
        str(plain.id),
        str(tracked.id),
    ]
    assert order.activities.filter(type=ActivityType.TRACKING_NUMBER_ADDED).count() == 1


def test_create_updates_last_updated(order_factory, packer):
    order = order_factory(lines=1, last_updated=timezone.now() - timedelta(days=3))
    before = reload(order).last_updated
    fulfillment_create(order=order, lines=[(1, 1)], actor=packer)
    assert reload(order).last_updated > before


@pytest.mark.parametrize(
    ("lines", "field", "status"),
    [
        ([], "lineItems", 400),
        ([(9, 1)], "lineItems[0].index", 400),
        ([(LineId(uuid.UUID(int=77)), 1)], "lineItems[0].id", 400),
        ([(1, 0)], "lineItems[0].quantity", 400),
        ([(1, 100_001)], "lineItems[0].quantity", 400),
        ([(1, "2")], "lineItems[0].quantity", 400),
        ([(1, 4)], "lineItems[0].quantity", 400),
        ([(1, 1), (1, 1)], "lineItems[1]", 400),
    ],
)
def test_create_refuses_bad_lines_and_writes_nothing(order_factory, packer, lines, field, status):
    order = order_factory(lines=[{"quantity": 3}])
    with pytest.raises(OrderError) as error:
        fulfillment_create(order=order, lines=lines, actor=packer)
    assert error.value.field == field
    assert error.value.status == status
    assert not Fulfillment.objects.filter(order=order).exists()
    assert activity_types(order) == [ActivityType.ORDER_PLACED]


def test_create_unknown_line_names_it(order_factory, packer):
    order = order_factory(lines=2)
    with pytest.raises(OrderError, match="no line item 7"):
        fulfillment_create(order=order, lines=[(7, 1)], actor=packer)


def test_create_more_than_300_lines_refused(order_factory, packer):
    order = order_factory(lines=1)
    with pytest.raises(OrderError, match="at most 300"):
        fulfillment_create(order=order, lines=[(1, 1)] * 301, actor=packer)


def test_create_over_fulfilment_counting_existing_is_409(order_factory, packer):
    order = order_factory(lines=[{"quantity": 3}])
    fulfillment_create(order=order, lines=[(1, 2)], actor=packer)
    with pytest.raises(OrderError) as error:
        fulfillment_create(order=order, lines=[(1, 2)], actor=packer)
    assert error.value.status == 409
    assert "only 1 left" in error.value.message
    with pytest.raises(OrderError) as error:
        fulfillment_create(order=order, lines=[(1, 4)], actor=packer)
    assert error.value.status == 400
    fulfillment_create(order=order, lines=[(1, 1)], actor=packer)
    with pytest.raises(OrderError, match="already fully fulfilled") as error:
        fulfillment_create(order=order, lines=[(1, None)], actor=packer)
    assert error.value.status == 409
    assert order.fulfillments.count() == 2


def test_create_refunded_quantity_is_not_fulfillable(order_factory, packer):
    order = order_factory(lines=[{"quantity": 3, "refunded_quantity": 1}, {"quantity": 1}])
    with pytest.raises(OrderError, match="after refunds"):
        fulfillment_create(order=order, lines=[(1, 3)], actor=packer)
    fulfillment_create(order=order, lines=[(1, None), (2, 1)], actor=packer)
    assert reload(order).fulfillment_status == FulfillmentStatus.FULFILLED


def test_create_on_canceled_order_is_409_and_changes_nothing(order_factory, packer):
    order = order_factory(lines=1, fulfillment_status=FulfillmentStatus.CANCELED)
    before = reload(order).last_updated
    with pytest.raises(OrderError) as error:
        fulfillment_create(order=order, lines=[(1, 1)], actor=packer)
    assert error.value.status == 409
    order = reload(order)
    assert order.fulfillment_status == FulfillmentStatus.CANCELED
    assert order.last_updated == before
    assert not order.fulfillments.exists()


def test_status_only_physical_items_need_shipping(order_factory, packer):
    order = order_factory(
        lines=[{"quantity": 1}, {"quantity": 2, "line_item_type": LineItemType.DIGITAL}]
    )
    fulfillment_create(order=order, lines=[(1, 1)], actor=packer)
    assert reload(order).fulfillment_status == FulfillmentStatus.FULFILLED


def test_status_nothing_shippable_is_fulfilled(order_factory, packer):
    order = order_factory(
        lines=[
            {"quantity": 1, "line_item_type": LineItemType.DIGITAL},
            {"quantity": 1, "line_item_type": LineItemType.CUSTOM_AMOUNT_ITEM},
        ]
    )
    fulfillment_create(order=order, lines=[(1, 1)], actor=packer)
    assert reload(order).fulfillment_status == FulfillmentStatus.FULFILLED


def test_create_emits_event_when_subscribed(order_factory, packer):
    WebhookEndpoint.objects.create(
        url="https://hooks.example/x", events=["FulfillmentCreated", "FulfillmentDeleted"]
    )
    order = order_factory(lines=2)
    f = fulfillment_create(order=order, lines=[(1, 1)], actor=packer)
    event = WebhookEvent.objects.get(event_type="FulfillmentCreated")
    assert event.payload["fulfillmentId"] == str(f.id)
    assert event.payload["fulfillmentStatus"] == FulfillmentStatus.PARTIALLY_FULFILLED
    fulfillment_delete(order=order, fulfillment_id=f.id, actor=packer)
    deleted = WebhookEvent.objects.get(event_type="FulfillmentDeleted")
    assert deleted.payload["fulfillmentStatus"] == FulfillmentStatus.NOT_FULFILLED


# ---- Bulk ----


def test_bulk_create_each_order_on_its_own(order_factory, packer):
    good = order_factory(lines=2)
    bad = order_factory(lines=1)
    results = fulfillment_bulk_create(
        items=[
            (good.id, [{"lines": [(1, 1)], "tracking": {"trackingNumber": "1"}}]),
            (bad.id, [{"lines": [(1, 1)]}, {"lines": [(1, 1)]}]),
            (uuid.uuid4(), [{"lines": [(1, 1)]}]),
        ],
        actor=packer,
    )
    assert [r.success for r in results] == [True, False, False]
    assert [r.original_index for r in results] == [0, 1, 2]
    assert results[1].error.status == 409
    assert results[2].error.status == 404
    assert len(results[0].fulfillments) == 1
    # The refused order keeps nothing of its first fulfillment.
    assert not bad.fulfillments.exists()
    assert reload(bad).fulfillment_status == FulfillmentStatus.NOT_FULFILLED
    assert reload(good).fulfillment_status == FulfillmentStatus.PARTIALLY_FULFILLED


# ---- Update ----


def test_update_sets_removes_and_keeps_fields(order_factory, packer, owner):
    order = order_factory(lines=2)
    f = fulfillment_create(
        order=order,
        lines=[(1, 1)],
        tracking={"shippingProvider": "usps", "trackingNumber": "111"},
        actor=packer,
    )
    f = fulfillment_update(
        order=order, fulfillment_id=f.id, tracking={"trackingNumber": "222"}, actor=owner
    )
    assert f.shipping_provider == "usps"
    assert f.tracking_link == "https://tools.usps.com/go/TrackConfirmAction.action?tLabels=222"
    edited = order.activities.get(type=ActivityType.TRACKING_NUMBER_EDITED)
    assert edited.actor == owner
    assert edited.details["before"]["trackingNumber"] == "111"
    f = fulfillment_update(
        order=order, fulfillment_id=f.id, tracking={"trackingNumber": None}, actor=owner
    )
    assert (f.tracking_number, f.tracking_link, f.shipping_provider) == ("", "", "usps")


def test_update_other_carrier_link_rules(order_factory, packer):
    order = order_factory(lines=1)
    f = fulfillment_create(
        order=order,
        lines=[(1, 1)],
        tracking={"shippingProvider": "ups", "trackingNumber": "9"},
        actor=packer,
    )
    f = fulfillment_update(
        order=order,
        fulfillment_id=f.id,
        tracking={"shippingProvider": "Local", "trackingLink": "http://local.example/9"},
        actor=packer,
    )
    assert f.tracking_link == "http://local.example/9"
    with pytest.raises(OrderError) as error:
        fulfillment_update(
            order=order,
            fulfillment_id=f.id,
            tracking={"trackingLink": "javascript:alert(1)"},
            actor=packer,
        )
    assert error.value.field == "trackingInfo.trackingLink"
    assert Fulfillment.objects.get(pk=f.pk).tracking_link == "http://local.example/9"


def test_update_refuses_line_changes(order_factory, packer):
    order = order_factory(lines=[{"quantity": 2}])
    f = fulfillment_create(order=order, lines=[(1, 1)], actor=packer)
    with pytest.raises(OrderError) as error:
        fulfillment_update(
            order=order,
            fulfillment_id=f.id,
            tracking={"trackingNumber": "5"},
            lines=[(1, 2)],
            actor=packer,
        )
    assert error.value.message == LINES_CHANGE_REFUSED
    assert Fulfillment.objects.get(pk=f.pk).tracking_number == ""
    same = fulfillment_update(
        order=order,
        fulfillment_id=f.id,
        tracking={"trackingNumber": "5"},
        lines=[(1, 1)],
        actor=packer,
    )
    assert same.tracking_number == "5"


def test_update_unknown_or_foreign_fulfillment(order_factory, packer):
    order = order_factory(lines=1)
    other = order_factory(lines=1)
    f = fulfillment_create(order=other, lines=[(1, 1)], actor=packer)
    with pytest.raises(Fulfillment.DoesNotExist):
        fulfillment_update(order=order, fulfillment_id=f.id, tracking={}, actor=packer)
    with pytest.raises(Fulfillment.DoesNotExist):
        fulfillment_delete(order=order, fulfillment_id=uuid.uuid4(), actor=packer)


# ---- Delete ----


def test_delete_returns_quantities_and_status(order_factory, packer):
    order = order_factory(lines=[{"quantity": 1}, {"quantity": 1}])
    f1 = fulfillment_create(order=order, lines=[(1, 1)], actor=packer)
    f2 = fulfillment_create(order=order, lines=[(2, 1)], actor=packer)
    assert reload(order).fulfillment_status == FulfillmentStatus.FULFILLED
    fulfillment_delete(order=order, fulfillment_id=f2.id, actor=packer)
    assert reload(order).fulfillment_status == FulfillmentStatus.PARTIALLY_FULFILLED
    fulfillment_delete(order=order, fulfillment_id=f1.id, actor=packer)
    order = reload(order)
    assert order.fulfillment_status == FulfillmentStatus.NOT_FULFILLED
    deleted = order.activities.filter(type=ActivityType.FULFILLMENT_DELETED)
    assert deleted.count() == 2
    assert deleted.first().actor == packer
    fulfillment_create(order=order, lines=[(1, 1)], actor=packer)


def test_fulfillment_without_tracking_still_records_an_activity(order_factory, packer):
    from fulfillments.services import fulfillment_create
    from orders.models import ActivityType

    order = order_factory(lines=[{"quantity": 2}])
    fulfillment_create(order=order, lines=[(1, 1)], tracking=None, actor=packer)
    activity = Activity.objects.filter(order=order, type=ActivityType.FULFILLMENT_CREATED).get()
    assert activity.actor == packer
    assert activity.details["lineItems"] == [{"index": 1, "quantity": 1}]
