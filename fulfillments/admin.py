"""Fulfillments in the admin: looked up by tracking number; changed only through the order page
and the API, which enforce the fulfillment rules."""

from __future__ import annotations

from django.contrib import admin

from fulfillments.carriers import CARRIER_CHOICES, carrier_q
from fulfillments.models import Fulfillment, FulfillmentLineItem
from orders.admin import EstimatedCountPaginator, ReadOnlyTabularInline


class FulfillmentLineInline(ReadOnlyTabularInline):
    model = FulfillmentLineItem
    fields = ("line_item", "quantity")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("line_item")


class CarrierFilter(admin.SimpleListFilter):
    """The known carriers, without the SELECT DISTINCT over every fulfillment that a plain
    field filter runs on each page."""

    title = "carrier"
    parameter_name = "carrier"

    def lookups(self, request, model_admin):
        return CARRIER_CHOICES

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(carrier_q(value))


@admin.register(Fulfillment)
class FulfillmentAdmin(admin.ModelAdmin):
    list_display = ("tracking_number", "shipping_provider", "order", "date_created", "created_by")
    list_select_related = ("order", "created_by")
    search_fields = ("=tracking_number",)
    search_help_text = "An exact tracking number."
    list_filter = (CarrierFilter,)
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    # The model's ordering follows the order's number through a join; newest first is what
    # support looks for, and it does not sort the whole join at a million orders.
    ordering = ("-date_created",)
    readonly_fields = (
        "order",
        "date_created",
        "tracking_number",
        "shipping_provider",
        "tracking_link",
        "created_by",
    )
    inlines = (FulfillmentLineInline,)

    def get_queryset(self, request):
        # Hidden orders are never shown anywhere (DESIGN.md section 3), their fulfillments neither.
        return super().get_queryset(request).filter(order__hidden=False)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # A delete here would skip fulfillment_delete(): the order's lock, its fulfilment
        # status, the activity, lastUpdated and the webhook event. The order page deletes.
        return False
