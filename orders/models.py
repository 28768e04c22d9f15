"""Orders as the Stores Orders v2 API describes them (DESIGN.md section 2).

Fields that the query language filters or sorts on are real, indexed columns; rarely-read
blobs (media item, options, addresses beyond the name, payment details) are JSON.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Concat, Upper
from django.utils import timezone

from orders.timestamps import MillisecondDateTimeField, ms_now

ORDER_NUMBER_SEQUENCE = "orders_order_number_seq"
ORDER_NUMBER_START = 10001


class PaymentStatus(models.TextChoices):
    PENDING = "PENDING"
    NOT_PAID = "NOT_PAID"
    PAID = "PAID"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    FULLY_REFUNDED = "FULLY_REFUNDED"
    PARTIALLY_PAID = "PARTIALLY_PAID"


# Not paid (yet): the list's "Unpaid" view shows them and "mark paid" accepts them.
UNPAID_STATUSES = (PaymentStatus.NOT_PAID, PaymentStatus.PENDING, PaymentStatus.PARTIALLY_PAID)
# Paid and not fully refunded: a refund may be recorded.
REFUNDABLE_STATUSES = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)

# Accepted on input (it means "not set"), never stored or produced.
UNSPECIFIED_PAYMENT_STATUS = "UNSPECIFIED_PAYMENT_STATUS"


class FulfillmentStatus(models.TextChoices):
    NOT_FULFILLED = "NOT_FULFILLED"
    FULFILLED = "FULFILLED"
    CANCELED = "CANCELED"
    PARTIALLY_FULFILLED = "PARTIALLY_FULFILLED"


class ChannelType(models.TextChoices):
    UNSPECIFIED = "UNSPECIFIED"
    WEB = "WEB"
    POS = "POS"
    EBAY = "EBAY"
    AMAZON = "AMAZON"
    OTHER_PLATFORM = "OTHER_PLATFORM"
    WIX_APP_STORE = "WIX_APP_STORE"
    WIX_INVOICES = "WIX_INVOICES"
    BACKOFFICE_MERCHANT = "BACKOFFICE_MERCHANT"
    WISH = "WISH"


class LineItemType(models.TextChoices):
    PHYSICAL = "PHYSICAL"
    DIGITAL = "DIGITAL"
    CUSTOM_AMOUNT_ITEM = "CUSTOM_AMOUNT_ITEM"


class BuyerIdentityType(models.TextChoices):
    MEMBER = "MEMBER"
    CONTACT = "CONTACT"


class EnteredByIdentityType(models.TextChoices):
    USER = "USER"
    MEMBER = "MEMBER"
    CONTACT = "CONTACT"
    APP = "APP"


class WeightUnit(models.TextChoices):
    KG = "KG"
    LB = "LB"


class ActivityType(models.TextChoices):
    MERCHANT_COMMENT = "MERCHANT_COMMENT"
    ORDER_PLACED = "ORDER_PLACED"
    ORDER_PAID = "ORDER_PAID"
    ORDER_FULFILLED = "ORDER_FULFILLED"
    ORDER_NOT_FULFILLED = "ORDER_NOT_FULFILLED"
    DOWNLOAD_LINK_SENT = "DOWNLOAD_LINK_SENT"
    PICKUP_READY_EMAIL_SENT = "PICKUP_READY_EMAIL_SENT"
    TRACKING_NUMBER_ADDED = "TRACKING_NUMBER_ADDED"
    TRACKING_NUMBER_EDITED = "TRACKING_NUMBER_EDITED"
    TRACKING_LINK_WAS_SET = "TRACKING_LINK_WAS_SET"
    SHIPPING_CONFIRMATION_EMAIL_SENT = "SHIPPING_CONFIRMATION_EMAIL_SENT"
    INVOICE_WAS_SET = "INVOICE_WAS_SET"
    INVOICE_WAS_REMOVED = "INVOICE_WAS_REMOVED"
    INVOICE_WAS_SENT = "INVOICE_WAS_SENT"
    FULFILLER_EMAIL_SENT = "FULFILLER_EMAIL_SENT"
    SHIPPING_ADDRESS_EDITED = "SHIPPING_ADDRESS_EDITED"
    EMAIL_EDITED = "EMAIL_EDITED"
    ORDER_PARTIALLY_PAID = "ORDER_PARTIALLY_PAID"
    # Packdesk additions for owner actions and fulfillment creation and removal (not in the
    # spec's list).
    ORDER_CANCELED = "ORDER_CANCELED"
    ORDER_REFUNDED = "ORDER_REFUNDED"
    FULFILLMENT_CREATED = "FULFILLMENT_CREATED"
    FULFILLMENT_DELETED = "FULFILLMENT_DELETED"
    ORDER_ARCHIVED = "ORDER_ARCHIVED"
    ORDER_UNARCHIVED = "ORDER_UNARCHIVED"


# The spec's activity types: the API shows only these (a client may parse the enum strictly);
# Packdesk's own additions above stay on the dashboard's timeline.
SPEC_ACTIVITY_TYPES = frozenset(
    choice
    for choice in ActivityType.values
    if choice
    not in {
        ActivityType.ORDER_CANCELED,
        ActivityType.ORDER_REFUNDED,
        ActivityType.FULFILLMENT_CREATED,
        ActivityType.FULFILLMENT_DELETED,
        ActivityType.ORDER_ARCHIVED,
        ActivityType.ORDER_UNARCHIVED,
    }
)


class NextOrderNumber(models.Func):
    """`nextval()` of the order number sequence, used as the column's database default."""

    template = f"nextval('{ORDER_NUMBER_SEQUENCE}')"
    output_field = models.BigIntegerField()

    def __init__(self) -> None:
        super().__init__()


def json_object(value: Any) -> dict[str, Any]:
    """A stored JSON value as a dict; anything else (a string or list saved by hand before the
    admin validated addresses) reads as empty rather than breaking every reader."""
    return value if isinstance(value, dict) else {}


def shipment_address_of(shipping: Any) -> dict[str, Any] | None:
    """shippingInfo.shipmentDetails.address of a stored shippingInfo, or None when there is
    none (or it is malformed). With shipping_with_address, the one place that knows the path."""
    address = json_object(json_object(shipping).get("shipmentDetails")).get("address")
    return address if isinstance(address, dict) else None


def shipping_with_address(shipping: Any, address: dict[str, Any]) -> dict[str, Any]:
    """A copy of a shippingInfo whose shipmentDetails.address is `address` (the other
    shipmentDetails keys and shippingInfo keys stay)."""
    info = dict(json_object(shipping))
    info["shipmentDetails"] = {**json_object(info.get("shipmentDetails")), "address": address}
    return info


def money_field(**kwargs) -> models.DecimalField:
    kwargs.setdefault("default", Decimal("0"))
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def buyer_name(row: Any) -> str:
    """The name an order is shown under: the billing name, else the buyer's (`row`: an Order
    or a row of the list with the same columns)."""
    return f"{row.billing_first_name} {row.billing_last_name}".strip() or (
        f"{row.buyer_first_name} {row.buyer_last_name}".strip()
    )


class Order(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.BigIntegerField(unique=True, db_default=NextOrderNumber(), editable=False)
    date_created = MillisecondDateTimeField(default=ms_now, db_index=True)
    last_updated = MillisecondDateTimeField(default=ms_now, db_index=True)

    buyer_id = models.UUIDField(null=True, blank=True, db_index=True)
    buyer_identity_type = models.CharField(
        max_length=16, choices=BuyerIdentityType.choices, default=BuyerIdentityType.CONTACT
    )
    buyer_first_name = models.CharField(max_length=200, blank=True)
    buyer_last_name = models.CharField(max_length=200, blank=True)
    buyer_phone = models.CharField(max_length=50, blank=True)
    buyer_email = models.EmailField(max_length=254, blank=True, db_index=True)

    currency = models.CharField(max_length=3, default="USD")
    weight_unit = models.CharField(max_length=2, choices=WeightUnit.choices, default=WeightUnit.KG)

    subtotal = money_field()
    shipping_total = money_field()
    tax_total = money_field()
    discount_total = money_field()
    total = money_field()
    total_weight = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal("0"))
    total_quantity = models.PositiveIntegerField(default=0)

    # billingInfo.address.fullName is filtered on, so the name is two columns plus a stored
    # "firstName lastName" for the $eq / $contains / $startsWith operators.
    billing_first_name = models.CharField(max_length=200, blank=True)
    billing_last_name = models.CharField(max_length=200, blank=True)
    billing_full_name = models.GeneratedField(
        expression=Concat("billing_first_name", models.Value(" "), "billing_last_name"),
        output_field=models.CharField(max_length=401),
        db_persist=True,
    )
    # The rest of billingInfo.address (country, subdivision, city, zipCode, phone, email,
    # addressLine1, addressLine2, company) in the spec's camelCase.
    billing_address = models.JSONField(default=dict, blank=True)
    # paymentMethod, externalTransactionId, paymentProviderTransactionId,
    # paymentGatewayTransactionId, refundableByPaymentProvider.
    billing_payment = models.JSONField(default=dict, blank=True)
    paid_date = MillisecondDateTimeField(null=True, blank=True)

    # shippingInfo as the spec shows it (deliveryOption, shipmentDetails {address,
    # trackingInfo, ...} or pickupDetails).
    shipping_info = models.JSONField(default=dict, blank=True)

    buyer_note = models.TextField(blank=True)
    read = models.BooleanField(default=False)
    # The status, archived and channel columns have no index of their own: migration 0003's and
    # 0017's composite indexes (status, number) lead with them, and every index is one more
    # write when a fulfilment changes an order's status (orders 0017).
    archived = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)
    payment_status = models.CharField(
        max_length=32, choices=PaymentStatus.choices, default=PaymentStatus.NOT_PAID
    )
    fulfillment_status = models.CharField(
        max_length=32,
        choices=FulfillmentStatus.choices,
        default=FulfillmentStatus.NOT_FULFILLED,
    )

    discount_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    applied_coupon = models.JSONField(null=True, blank=True)

    channel_type = models.CharField(
        max_length=32, choices=ChannelType.choices, default=ChannelType.WEB
    )
    channel_external_order_id = models.CharField(max_length=200, blank=True, db_index=True)
    entered_by_id = models.UUIDField(null=True, blank=True, db_index=True)
    entered_by_identity_type = models.CharField(
        max_length=16, choices=EnteredByIdentityType.choices, blank=True
    )

    cart_id = models.UUIDField(null=True, blank=True)
    checkout_id = models.UUIDField(null=True, blank=True)
    buyer_language = models.CharField(max_length=16, blank=True)
    invoice_info = models.JSONField(null=True, blank=True)
    custom_field = models.JSONField(null=True, blank=True)
    # subscriptionInfo for an order that belongs to a subscription; null (absent) otherwise.
    subscription_info = models.JSONField(null=True, blank=True)

    # Not columns: set on the rows of a list page by orders.selectors.order_list_items.
    items: list[tuple[str, int]]
    items_more: int

    class Meta:
        ordering = ["-number"]
        permissions = [
            ("archive_order", "Can archive and unarchive orders"),
            ("manage_payments", "Can mark orders paid, cancel and refund them"),
            ("edit_buyer_email", "Can change the buyer's email"),
        ]
        indexes = [
            models.Index(fields=["billing_last_name", "billing_first_name"]),
            models.Index(fields=["billing_full_name"], name="orders_order_fullname_idx"),
        ]

    def __str__(self) -> str:
        return f"Order #{self.number}"

    @property
    def buyer_name(self) -> str:
        return buyer_name(self)

    @property
    def shipping(self) -> dict[str, Any]:
        """shippingInfo as a dict, whatever is stored."""
        return json_object(self.shipping_info)

    @property
    def shipment_address(self) -> dict[str, Any]:
        """shippingInfo.shipmentDetails.address as a dict ({} when absent or malformed)."""
        return shipment_address_of(self.shipping_info) or {}

    @property
    def pickup_details(self) -> dict[str, Any] | None:
        """shippingInfo.pickupDetails when the buyer collects the order, else None."""
        pickup = self.shipping.get("pickupDetails")
        return json_object(pickup) if pickup is not None else None

    @property
    def billing_address_fields(self) -> dict[str, Any]:
        """The stored billing address as a dict, whatever is stored."""
        return json_object(self.billing_address)

    @property
    def is_canceled(self) -> bool:
        return self.fulfillment_status == FulfillmentStatus.CANCELED


class LineItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="line_items")
    index = models.PositiveIntegerField()
    # The line item's public UUID (the eCommerce API's `id`/`_id`). Unique within its order
    # only: the spec's examples give line items of different orders the same ids.
    line_id = models.UUIDField(default=uuid.uuid4, editable=False)
    quantity = models.PositiveIntegerField()
    name = models.CharField(max_length=400)
    translated_name = models.CharField(max_length=400, blank=True)
    product_id = models.UUIDField(null=True, blank=True)
    variant_id = models.UUIDField(null=True, blank=True)
    sku = models.CharField(max_length=100, blank=True)
    line_item_type = models.CharField(
        max_length=32, choices=LineItemType.choices, default=LineItemType.PHYSICAL
    )
    price = money_field()
    total_price = money_field()
    tax = money_field()
    discount = money_field()
    tax_included_in_price = models.BooleanField(default=False)
    weight = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    options = models.JSONField(default=list, blank=True)
    custom_text_fields = models.JSONField(default=list, blank=True)
    media_item = models.JSONField(null=True, blank=True)
    fulfiller_id = models.UUIDField(null=True, blank=True)
    tax_group_id = models.UUIDField(null=True, blank=True)
    refunded_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "index"]
        constraints = [
            models.UniqueConstraint(fields=["order", "index"], name="lineitem_unique_order_index"),
            models.UniqueConstraint(
                fields=["order", "line_id"], name="lineitem_unique_order_lineid"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="lineitem_quantity_gte_1"),
            models.CheckConstraint(condition=Q(index__gte=1), name="lineitem_index_gte_1"),
            models.CheckConstraint(
                condition=Q(refunded_quantity__lte=models.F("quantity")),
                name="lineitem_refunded_lte_quantity",
            ),
        ]
        indexes = [
            # Line-item filters are EXISTS subqueries keyed on (value, order).
            models.Index(fields=["product_id", "order"], name="lineitem_product_order_idx"),
            models.Index(fields=["name", "order"], name="lineitem_name_order_idx"),
            # The list's free-text search finds an exact SKU, case-insensitively (sku__iexact).
            models.Index(Upper("sku"), name="lineitem_sku_upper_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.index}. {self.name} x{self.quantity}"

    @property
    def is_shippable(self) -> bool:
        return self.line_item_type == LineItemType.PHYSICAL

    @property
    def fulfillable_quantity(self) -> int:
        return self.quantity - self.refunded_quantity


class Activity(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="activities")
    type = models.CharField(max_length=48, choices=ActivityType.choices)
    timestamp = MillisecondDateTimeField(default=ms_now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["order", "timestamp", "id"]
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["order", "timestamp"], name="activity_order_ts_idx")]

    def __str__(self) -> str:
        return f"{self.type} at {self.timestamp:%Y-%m-%d %H:%M}"


class Refund(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    date_created = MillisecondDateTimeField(default=ms_now)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.CharField(max_length=400, blank=True)
    external_refund = models.BooleanField(default=False)
    # The payment provider's id of the refund transaction (the spec's refunds[] show it).
    payment_provider_transaction_id = models.CharField(max_length=200, blank=True, db_default="")
    # [{"index": 1, "quantity": 1}, ...] when the refund returns line items.
    line_items = models.JSONField(default=list, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["order", "date_created"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} on {self.order_id}"


API_KEY_PREFIX = "pdk_"
# Wix's enteredBy ids are GUIDs; Packdesk's users and API keys have integer keys, so each gets
# a UUID of its own, stable (uuid5 in this namespace): every order one key enters carries the
# same enteredBy.id, which the query language filters on (orders/services.py entered_by).
ENTERED_BY_NAMESPACE = uuid.UUID("d1302b0c-ab6f-4fe8-8227-aaaff85fcab9")


def hash_api_key(raw_key: str) -> str:
    # Keys are 256-bit random tokens, so a fast hash is enough (no dictionary to guard against).
    return hashlib.sha256(raw_key.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def authenticate(self, raw_key: str) -> ApiKey | None:
        if not raw_key or not raw_key.startswith(API_KEY_PREFIX):
            return None
        return (
            self.select_related("user")
            .filter(key_hash=hash_api_key(raw_key), revoked=False, user__is_active=True)
            .first()
        )


class ApiKey(models.Model):
    """An API key acting with the permissions of its user. Only a hash of the key is stored."""

    name = models.CharField(max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)
    revoked = models.BooleanField(default=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def entered_by_id(self) -> uuid.UUID:
        """The enteredBy.id (an APP's) of the orders this key creates."""
        return uuid.uuid5(ENTERED_BY_NAMESPACE, f"api-key:{self.pk}")

    @classmethod
    def generate(cls, *, user, name: str) -> tuple[ApiKey, str]:
        """Create a key for `user`; returns the row and the raw key, which is never stored."""
        raw_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
        key = cls.objects.create(
            user=user, name=name, prefix=raw_key[:12], key_hash=hash_api_key(raw_key)
        )
        return key, raw_key


# ---- Per-store settings ----

STORE_SETTINGS_PK = 1


class StoreSettings(models.Model):
    """The store's own settings: one row (pk 1), created with the defaults on first read.

    Owners change them on /settings/ (permission `orders.change_storesettings`)."""

    store_name = models.CharField(
        max_length=200,
        default="Packdesk store",
        help_text="Printed at the top of packing slips and pick lists.",
    )
    require_item_scan = models.BooleanField(
        default=False,
        help_text="At the packing station, every unit must be scanned (its SKU) before the "
        "parcel can ship.",
    )
    notify_buyer_default = models.BooleanField(
        default=True,
        help_text="Whether “notify the buyer” is ticked by default when a shipment is created.",
    )
    last_updated = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "store settings"
        verbose_name_plural = "store settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(pk=STORE_SETTINGS_PK), name="storesettings_single_row"
            ),
        ]

    def __str__(self) -> str:
        return f"Settings of {self.store_name}"


class SavedView(models.Model):
    """A named state of the orders list (its URL query: filters, sort, search), kept for its
    creator or shared with everyone in the store. Owners (orders.delete_savedview) manage the
    shared ones; anyone deletes their own."""

    name = models.CharField(max_length=60)
    # The list's URL query string without paging (`view=unpaid&q=smith&sort=-dateCreated`).
    query = models.CharField(max_length=4000, blank=True)
    shared = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    created = models.DateTimeField(default=timezone.now)

    # Set by the list view for its tabs: whether it is the view shown, and may be deleted.
    is_current: bool = False
    can_delete: bool = False

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["created_by", "name"], name="savedview_user_name_idx")]

    def __str__(self) -> str:
        return self.name


class IdempotencyKey(models.Model):
    """An API create request's `Idempotency-Key` with its first answer, replayed when the same
    user sends the same key and body again until `expires` (orders/idempotency.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the method, path and (canonical JSON) body the key was first used with.
    request_hash = models.CharField(max_length=64)
    response_body = models.JSONField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotencykey_user_key_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.user_id})"


# ---- Operations (config/ops/): state shared by every process ----


class WorkerHeartbeat(models.Model):
    """One row per kind of background worker. `requested_at` is when a web process last
    queued a heartbeat task; `seen_at` is when a worker last ran one."""

    name = models.CharField(max_length=50, primary_key=True)
    requested_at = models.DateTimeField(null=True)
    seen_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.name}: seen {self.seen_at}"


class ReadPin(models.Model):
    """An API key that wrote recently reads from the primary until `until` (read-your-writes
    with replicas; config/ops/replicas.py). Sessions carry the same pin in a signed
    cookie."""

    subject = models.CharField(max_length=100, primary_key=True)
    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.subject} until {self.until}"
