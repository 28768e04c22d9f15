"""Fulfillments: which line items of an order shipped together, and how to track them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper

from orders.models import LineItem, Order
from orders.timestamps import MillisecondDateTimeField, ms_now

MAX_FULFILLMENT_LINE_QUANTITY = 100_000
MAX_FULFILLMENT_LINE_ITEMS = 300


class Fulfillment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="fulfillments")
    date_created = MillisecondDateTimeField(default=ms_now)
    tracking_number = models.CharField(max_length=100, blank=True)
    shipping_provider = models.CharField(max_length=100, blank=True)
    tracking_link = models.URLField(max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["order", "date_created", "id"]
        indexes = [
            models.Index(fields=["order", "date_created"], name="fulfillment_order_idx"),
            # The orders list's search finds a tracking number, case-insensitively (iexact).
            models.Index(Upper("tracking_number"), name="fulfillment_tracking_upper_idx"),
            # The home page's per-day and per-packer counts: index-only scans over a window.
            models.Index(
                fields=["date_created"],
                include=["order", "created_by"],
                name="fulfillment_date_idx",
            ),
        ]

    def __str__(self) -> str:
        tracking = self.tracking_number or "no tracking"
        return f"Fulfillment {tracking} ({self.shipping_provider or 'no carrier'})"


class FulfillmentLineItem(models.Model):
    fulfillment = models.ForeignKey(Fulfillment, on_delete=models.CASCADE, related_name="lines")
    line_item = models.ForeignKey(
        LineItem, on_delete=models.CASCADE, related_name="fulfillment_lines"
    )
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["fulfillment", "line_item__index"]
        constraints = [
            models.UniqueConstraint(
                fields=["fulfillment", "line_item"], name="fulfillmentline_unique_line"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=MAX_FULFILLMENT_LINE_QUANTITY),
                name="fulfillmentline_quantity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_item_id} x{self.quantity}"
