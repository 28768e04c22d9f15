"""The Django admin for support: orders with their lines, fulfillments and activity.

Built to stay usable at a million orders: no full COUNT per page (estimated above a threshold),
searches that hit indexes (a number is an exact match, an email a prefix, a name the stored full
name), and inlines whose fulfilled quantities come from one aggregate query.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, TypedDict

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html

import orders.user_admin  # noqa: F401  (users and role groups within the role rules)
from config.ops.replicas import reads_from_replica
from fulfillments.models import Fulfillment, FulfillmentLineItem
from orders.counting import count_estimated
from orders.models import Activity, ApiKey, LineItem, Order, Refund, StoreSettings
from orders.payments.admin import PaymentActionsAdminMixin
from orders.search import order_search_q
from orders.selectors import store_settings_get
from orders.services import ADMIN_EDITABLE_FIELDS as EDITABLE_FIELDS
from orders.services import (
    OrderError,
    address_clean,
    order_set_archived,
    order_update_from_admin,
    shipping_info_clean,
    store_settings_update,
)

NOT_DELETED_MESSAGE = (
    "Order #{number} was not deleted: orders are never deleted, so that the sale, its "
    "fulfillments, refunds and history stay on record. To take it out of the open lists, "
    'archive it on <a href="{url}">its order page</a> or with the "Archive selected orders" '
    "action of the orders list."
)

# The header and the tab title name the product, not the framework.
admin.site.site_header = "Packdesk admin"
admin.site.site_title = "Packdesk admin"


class _Fulfilled(TypedDict):
    fulfilled_qty: int


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    # A line item annotated with its fulfilled quantity (LineItemInline.get_queryset).
    LineWithFulfilled = WithAnnotations[LineItem, _Fulfilled]


class EstimatedCountPaginator(Paginator):
    """Counts exactly up to COUNT_EXACT_UP_TO rows, and trusts the planner's estimate above.

    An exact COUNT(*) over a million orders costs a scan on every page view; above the limit
    the page numbers are approximate, which nobody paging a million rows will notice.
    """

    @cached_property
    def count(self) -> int:
        assert isinstance(self.object_list, QuerySet)
        return count_estimated(self.object_list)[0]


def fulfilled_quantity_subquery():
    return Coalesce(
        Subquery(
            FulfillmentLineItem.objects.filter(line_item=OuterRef("pk"))
            .values("line_item")
            .annotate(total=Sum("quantity"))
            .values("total")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


class ReadOnlyTabularInline(admin.TabularInline):
    """A table of related rows the admin shows and never adds, changes or deletes: they change
    only through the services (the order page, the API), which keep the order's rules."""

    extra = 0
    can_delete = False
    template = "admin/edit_inline/tabular_readonly.html"

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class LineItemInline(ReadOnlyTabularInline):
    model = LineItem
    fields = (
        "index",
        "name",
        "sku",
        "line_item_type",
        "quantity",
        "refunded_quantity",
        "fulfilled",
        "remaining",
        "price",
        "total_price",
    )
    ordering = ("index",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(fulfilled_qty=fulfilled_quantity_subquery())

    # A line that was not read by get_queryset (an inline form the change form sent back
    # tampered with, shown again beside the form's errors) has neither figure: shown as "-".

    @admin.display(description="Fulfilled")
    def fulfilled(self, item: LineWithFulfilled) -> int | None:
        return getattr(item, "fulfilled_qty", None)

    @admin.display(description="Remaining")
    def remaining(self, item: LineWithFulfilled) -> int | None:
        fulfilled = getattr(item, "fulfilled_qty", None)
        if fulfilled is None or item.quantity is None:
            return None
        return max(item.fulfillable_quantity - fulfilled, 0)


class FulfillmentInline(ReadOnlyTabularInline):
    model = Fulfillment
    fields = ("date_created", "shipping_provider", "tracking_number", "tracking_link", "items")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("lines__line_item")

    @admin.display(description="Line items")
    def items(self, fulfillment: Fulfillment) -> str:
        return ", ".join(
            f"#{line.line_item.index} {line.line_item.name} x{line.quantity}"
            for line in fulfillment.lines.all()
        )


class ActivityInline(ReadOnlyTabularInline):
    model = Activity
    fields = ("timestamp", "type", "actor", "details")
    ordering = ("-timestamp",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class RefundInline(ReadOnlyTabularInline):
    model = Refund
    fields = ("date_created", "amount", "reason", "actor")


class OrderAdminForm(forms.ModelForm):
    """Support edits addresses as JSON; they must follow the API's address rules, so that no
    edit can store something the pages and the API cannot show."""

    class Meta:
        model = Order
        # The admin shows the rest read-only (get_readonly_fields).
        fields = EDITABLE_FIELDS

    def clean_billing_address(self) -> dict:
        value = self.cleaned_data.get("billing_address")
        try:
            address = address_clean(value, field="billing_address")
        except OrderError as error:
            raise forms.ValidationError(error.message) from None
        if "fullName" in address:
            raise forms.ValidationError(
                "The billing name is edited in the first and last name fields, not here."
            )
        return address

    def clean_shipping_info(self) -> dict:
        try:
            info = self.cleaned_data.get("shipping_info")
            return shipping_info_clean(info, field="shipping_info")
        except OrderError as error:
            raise forms.ValidationError(error.message) from None


@admin.register(Order)
class OrderAdmin(PaymentActionsAdminMixin, admin.ModelAdmin):
    form = OrderAdminForm
    list_display = (
        "number",
        "date_created",
        "buyer",
        "buyer_email",
        "total",
        "currency",
        "payment_status",
        "fulfillment_status",
        "channel_type",
        "archived",
    )
    list_filter = ("payment_status", "fulfillment_status", "channel_type", "archived")
    search_fields = ("number", "billing_full_name", "buyer_email")
    search_help_text = "An order number, a buyer's email (or its start), or part of a name."
    ordering = ("-number",)
    list_per_page = 50
    show_full_result_count = False
    # Counts beside each filter choice would scan every order on every page view.
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    date_hierarchy = None
    inlines = (LineItemInline, FulfillmentInline, RefundInline, ActivityInline)
    actions = [*PaymentActionsAdminMixin.actions, "archive_orders", "unarchive_orders"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "number",
                    "id",
                    "date_created",
                    "last_updated",
                    "payment_status",
                    "fulfillment_status",
                    "archived",
                    "channel_type",
                    "channel_external_order_id",
                )
            },
        ),
        (
            "Buyer",
            {
                "fields": (
                    "buyer_first_name",
                    "buyer_last_name",
                    "buyer_email",
                    "buyer_phone",
                    "buyer_note",
                )
            },
        ),
        (
            "Billing",
            {
                "fields": (
                    "billing_first_name",
                    "billing_last_name",
                    "billing_address",
                    "billing_payment",
                    "paid_date",
                )
            },
        ),
        ("Shipping", {"fields": ("shipping_info",)}),
        (
            "Totals",
            {
                "fields": (
                    "currency",
                    "subtotal",
                    "shipping_total",
                    "tax_total",
                    "discount_total",
                    "total",
                    "total_quantity",
                )
            },
        ),
    )

    def changelist_view(self, request, extra_context=None):
        # Browsing reads a replica when there is one; actions (POST) lock and write the primary.
        if request.method == "GET":
            return reads_from_replica(super().changelist_view)(request, extra_context)
        return super().changelist_view(request, extra_context)

    def get_readonly_fields(self, request, obj=None):
        every = [field.name for field in Order._meta.concrete_fields]
        return [name for name in every if name not in EDITABLE_FIELDS]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(hidden=False)

    def has_add_permission(self, request) -> bool:
        # Orders come from the store (API); the admin edits, it does not create.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Not even for owners: Django's delete would erase the sale with its line items,
        # fulfillments, refunds, activity and webhook events, with no order lock, no record
        # and no event, which no page and no API of the product does. Orders are archived.
        return False

    def has_archive_permission(self, request) -> bool:
        return request.user.has_perm("orders.archive_order")

    def delete_view(self, request, object_id, extra_context=None):
        """The delete address opened anyway (a bookmark, an old link, a stale form): whoever
        may delete orders is shown the order again with why not and where archiving is;
        others are refused as before."""
        if not request.user.has_perm("orders.delete_order"):
            raise PermissionDenied
        order = self.get_object(request, unquote(object_id))
        if order is None:
            self.message_user(request, "There is no such order.", messages.WARNING)
            return redirect("admin:orders_order_changelist")
        url = reverse("orders:detail", args=[order.number])
        self.message_user(
            request,
            format_html(NOT_DELETED_MESSAGE, number=order.number, url=url),
            messages.WARNING,
        )
        return redirect("admin:orders_order_change", order.pk)

    @admin.action(description="Archive selected orders", permissions=["archive"])
    def archive_orders(self, request, queryset) -> None:
        archive = functools.partial(order_set_archived, archived=True)
        self._each(request, queryset, archive, "archived")

    @admin.action(description="Unarchive selected orders", permissions=["archive"])
    def unarchive_orders(self, request, queryset) -> None:
        archive = functools.partial(order_set_archived, archived=False)
        self._each(request, queryset, archive, "unarchived")

    @admin.display(description="Buyer", ordering="billing_last_name")
    def buyer(self, order: Order) -> str:
        return order.buyer_name

    def get_search_results(self, request, queryset, search_term):
        """Index-friendly search: a number matches exactly, an email by prefix, else the name."""
        if not search_term.strip():
            return queryset, False
        return queryset.filter(order_search_q(search_term)), False

    def save_model(self, request, obj: Order, form, change: bool) -> None:
        changed = {
            name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE_FIELDS
        }
        if changed:
            order_update_from_admin(order=obj, changes=changed, actor=request.user)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created", "last_used", "revoked")
    list_filter = ("revoked",)
    search_fields = ("name", "user__username", "prefix")
    list_select_related = ("user",)
    readonly_fields = ("prefix", "created", "last_used", "entered_by")
    fields = ("name", "user", "revoked", "prefix", "created", "last_used", "entered_by")

    @admin.display(description="enteredBy.id of its orders")
    def entered_by(self, obj: ApiKey) -> str:
        """What orders created with this key show as enteredBy.id (an APP), to filter by."""
        return str(obj.entered_by_id) if obj.pk else "-"

    def get_readonly_fields(self, request, obj=None):
        # A key acts as its user: moving it to another user would hand over that user's powers.
        if obj is not None:
            return (*self.readonly_fields, "user")
        return self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A key acts with its user's permissions: only a superuser may create a superuser's.
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = User.objects.filter(is_superuser=False, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj: ApiKey, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key, raw_key = ApiKey.generate(user=obj.user, name=obj.name)
        obj.pk = key.pk
        obj.prefix, obj.key_hash, obj.created = key.prefix, key.key_hash, key.created
        self.message_user(
            request,
            f"API key created. Copy it now, it will not be shown again: {raw_key}",
            messages.WARNING,
        )


@admin.register(StoreSettings)
class StoreSettingsAdmin(admin.ModelAdmin):
    """The single settings row (also editable on /settings/); saved through the service."""

    fields = ("store_name", "require_item_scan", "notify_buyer_default")
    list_display = ("store_name", "require_item_scan", "notify_buyer_default", "last_updated")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        # One row: go straight to it (created with the defaults on first visit).
        row = store_settings_get()
        return redirect("admin:orders_storesettings_change", row.pk)

    def save_model(self, request, obj: StoreSettings, form, change: bool) -> None:
        store_settings_update(
            store_name=obj.store_name,
            require_item_scan=obj.require_item_scan,
            notify_buyer_default=obj.notify_buyer_default,
            actor=request.user,
        )
