"""Request and response schemas of the Stores Orders v2 API: the shapes, types and limits.

The schemas carry every shape check (types, lengths that fit the columns, enums, UUIDs, email
and URL forms, no unknown keys); the services get typed values and apply the domain rules
(what the spec's notes require together, what the order's state allows).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Field, Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    PlainValidator,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
)

from config.schemas import InputSchema, whole_number
from orders.models import (
    UNSPECIFIED_PAYMENT_STATUS,
    BuyerIdentityType,
    ChannelType,
    FulfillmentStatus,
    LineItemType,
    PaymentStatus,
    WeightUnit,
)

MAX_LINE_ITEMS = 300
# numeric(14, 2) money and numeric(12, 3) weights: what the columns hold.
MONEY_LIMIT = Decimal("1e12")
WEIGHT_LIMIT = Decimal("1e9")


def Text(limit: int):
    return Annotated[str, StringConstraints(max_length=limit)]


def _email(value: str) -> str:
    value = value.strip()
    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise ValueError(f"not a valid email address: {value!r}") from None
    return value


def _http_url(value: str) -> str:
    if not value.lower().startswith(("http://", "https://")):
        raise ValueError("must be an http:// or https:// URL")
    return value


def _amount_pattern(digits: int, places: int | None = None) -> str:
    """A non-negative decimal with at most `digits` digits before the point and `places` after
    it, trailing zeros aside (no sign, no exponent, no leading zeros): exactly the strings below
    10^digits that the column holds without rounding (any number of places when None)."""
    decimals = "[0-9]+" if places is None else f"[0-9]{{1,{places}}}0*"
    return rf"^(0|[1-9][0-9]{{0,{digits - 1}}})(\.{decimals})?$"


# numeric(14, 2) money and numeric(12, 3) weights.
MONEY_DIGITS, MONEY_PLACES = 12, 2
WEIGHT_DIGITS, WEIGHT_PLACES = 9, 3
MONEY_PATTERN = _amount_pattern(MONEY_DIGITS, MONEY_PLACES)  # below MONEY_LIMIT
WEIGHT_PATTERN = _amount_pattern(WEIGHT_DIGITS, WEIGHT_PLACES)  # below WEIGHT_LIMIT


def _amount_schema(pattern: str, limit: Decimal, places: int) -> dict[str, Any]:
    return {
        "anyOf": [
            {"type": "string", "pattern": pattern},
            {"type": "number", "minimum": 0, "exclusiveMaximum": int(limit)},
        ],
        "description": f'A decimal string such as "10.00" (or a JSON number), below {limit:f}, '
        f"with at most {places} decimal places",
    }


def _amount(value: Any, digits: int, places: int) -> str:
    """A JSON number, or its text as the spec writes amounts; in both, 0 <= amount < 10^digits,
    with no more decimal places than the column keeps (it would round them silently)."""
    limit = Decimal(10) ** digits
    if isinstance(value, int | float) and not isinstance(value, bool):
        amount = Decimal(str(value))
    elif isinstance(value, str) and re.fullmatch(_amount_pattern(digits), value):
        amount = Decimal(value)
    else:
        raise ValueError('must be a decimal string such as "10.00"')
    if not amount.is_finite() or amount < 0:
        raise ValueError("must be a non-negative amount")
    if amount >= limit:
        raise ValueError(f"must be less than {limit:f}")
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        raise ValueError(f"must have at most {places} decimal places")
    return format(amount, "f")


def _money(value: Any) -> str:
    return _amount(value, MONEY_DIGITS, MONEY_PLACES)


def _weight(value: Any) -> str:
    return _amount(value, WEIGHT_DIGITS, WEIGHT_PLACES)


def _currency(value: str) -> str:
    if len(value) != 3 or not value.isascii() or not value.isalpha():
        raise ValueError("must be an ISO-4217 code such as USD")
    return value.upper()


# The JSON schemas state what the validators check, so the document and the server agree.
Email = Annotated[
    str,
    StringConstraints(max_length=254),
    AfterValidator(_email),
    WithJsonSchema(
        {"type": "string", "maxLength": 254, "anyOf": [{"format": "email"}, {"maxLength": 0}]}
    ),
]
HttpUrl = Annotated[
    str,
    StringConstraints(max_length=2000),
    AfterValidator(_http_url),
    WithJsonSchema(
        {"type": "string", "maxLength": 2000, "pattern": "^[hH][tT][tT][pP][sS]?://[^\\u0000]*$"}
    ),
]
Money = Annotated[
    str,
    PlainValidator(_money),
    WithJsonSchema(_amount_schema(MONEY_PATTERN, MONEY_LIMIT, MONEY_PLACES)),
]
Weight = Annotated[
    str,
    PlainValidator(_weight),
    WithJsonSchema(_amount_schema(WEIGHT_PATTERN, WEIGHT_LIMIT, WEIGHT_PLACES)),
]
# Text limited to what its column holds.
Text16 = Annotated[str, StringConstraints(max_length=16)]
Text32 = Annotated[str, StringConstraints(max_length=32)]
Text50 = Annotated[str, StringConstraints(max_length=50)]
Text100 = Annotated[str, StringConstraints(max_length=100)]
Text200 = Annotated[str, StringConstraints(max_length=200)]
Text400 = Annotated[str, StringConstraints(max_length=400)]
Text500 = Annotated[str, StringConstraints(max_length=500)]
Text2000 = Annotated[str, StringConstraints(max_length=2000)]
Text5000 = Annotated[str, StringConstraints(max_length=5000)]
# Whole numbers within what their columns (or the spec's limits) hold.
Size = Annotated[int, Field(ge=0, le=100_000), BeforeValidator(whole_number)]
LineQuantity = Annotated[int, Field(ge=1, le=100_000), BeforeValidator(whole_number)]
TotalQuantity = Annotated[int, Field(ge=0), BeforeValidator(whole_number)]
Currency = Annotated[
    str, AfterValidator(_currency), WithJsonSchema({"type": "string", "pattern": "^[A-Za-z]{3}$"})
]
# The stored statuses, and Wix's "not set" (taken as NOT_PAID).
PaymentStatusIn = Literal[
    "PENDING",
    "NOT_PAID",
    "PAID",
    "PARTIALLY_REFUNDED",
    "FULLY_REFUNDED",
    "PARTIALLY_PAID",
    "UNSPECIFIED_PAYMENT_STATUS",
]
assert set(get_args(PaymentStatusIn)) == {*PaymentStatus.values, UNSPECIFIED_PAYMENT_STATUS}


# ---- Requests ----


class FullNameIn(InputSchema):
    firstName: Text200 | None = None
    lastName: Text200 | None = None


class StreetIn(InputSchema):
    """Wix's street address: {"number": "525", "name": "5th Avenue"} (and an apartment)."""

    number: Text500 | None = None
    name: Text500 | None = None
    apt: Text500 | None = None


class VatIdIn(InputSchema):
    """Wix's tax id: {"id": "...", "type": "CPF"}."""

    id: Text500 | None = None
    type: Text500 | None = None


class AddressIn(InputSchema):
    """An address in the spec's shape (billing or shipment)."""

    fullName: FullNameIn | None = None
    country: Text500 | None = None
    subdivision: Text500 | None = None
    city: Text500 | None = None
    zipCode: Text500 | None = None
    phone: Text50 | None = None
    email: Email | None = None
    addressLine1: Text500 | None = None
    addressLine2: Text500 | None = None
    company: Text500 | None = None
    street: StreetIn | Text500 | None = None
    vatId: VatIdIn | Text500 | None = None


class BuyerInfoIn(InputSchema):
    firstName: Text200 | None = None
    lastName: Text200 | None = None
    phone: Text50 | None = None
    email: Email | None = None


class BillingInfoIn(InputSchema):
    address: AddressIn | None = None
    paymentMethod: Text200 | None = None
    externalTransactionId: Text200 | None = None
    paymentProviderTransactionId: Text200 | None = None
    paymentGatewayTransactionId: Text200 | None = None


class ShippingPriceDataIn(InputSchema):
    """The shipping's price, as the spec shows it: {"taxIncludedInPrice": false, "price": "3"}."""

    price: Money | None = None
    taxIncludedInPrice: StrictBool | None = None


class ShipmentDetailsIn(InputSchema):
    address: AddressIn | None = None
    deliveryOption: Text500 | None = None
    estimatedDeliveryTime: Text500 | None = None
    shippingRegion: Text500 | None = None
    discount: Money | None = None
    tax: Money | None = None
    priceData: ShippingPriceDataIn | None = None


class PickupDetailsIn(InputSchema):
    pickupAddress: AddressIn | None = None
    pickupInstructions: Text2000 | None = None


class ShippingInfoIn(InputSchema):
    deliveryOption: Text500 | None = None
    estimatedDeliveryTime: Text500 | None = None
    shippingRegion: Text500 | None = None
    shipmentDetails: ShipmentDetailsIn | None = None
    pickupDetails: PickupDetailsIn | None = None


class MediaItemIn(InputSchema):
    mediaType: Text32 | None = None
    url: HttpUrl
    width: Size | None = None
    height: Size | None = None
    altText: Text500 | None = None
    id: Text200 | None = None
    externalImageUrl: HttpUrl | None = None


class OptionIn(InputSchema):
    option: Text200
    selection: Text200


class CustomTextFieldIn(InputSchema):
    title: Text200
    value: Text500


class PriceDataIn(InputSchema):
    price: Money | None = None
    totalPrice: Money | None = None
    taxIncludedInPrice: StrictBool | None = None


class LineItemIn(InputSchema):
    quantity: LineQuantity
    name: Annotated[str, StringConstraints(min_length=1, max_length=400, strip_whitespace=True)]
    price: Money | None = None
    totalPrice: Money | None = None
    priceData: PriceDataIn | None = None
    productId: uuid.UUID | None = None
    variantId: uuid.UUID | None = None
    lineItemType: LineItemType | None = None
    options: list[OptionIn] | None = Field(default=None, max_length=100)
    customTextFields: list[CustomTextFieldIn] | None = Field(default=None, max_length=100)
    mediaItem: MediaItemIn | None = None
    sku: Text100 | None = None
    weight: Weight | None = None
    tax: Money | None = None
    discount: Money | None = None
    translatedName: Text400 | None = None
    fulfillerId: uuid.UUID | None = None
    taxGroupId: uuid.UUID | None = None


class TotalsIn(InputSchema):
    subtotal: Money | None = None
    shipping: Money | None = None
    tax: Money | None = None
    discount: Money | None = None
    total: Money | None = None
    weight: Weight | None = None
    quantity: TotalQuantity | None = None


class ChannelInfoIn(InputSchema):
    type: ChannelType | None = None
    externalOrderId: Text200 | None = None


class AppliedCouponIn(InputSchema):
    couponId: uuid.UUID | None = None
    name: Text200 | None = None
    code: Text200 | None = None


class DiscountIn(InputSchema):
    """The order's discount as the spec shows it: {"value": "10.0", "appliedCoupon": {...}}."""

    value: Money | None = None
    appliedCoupon: AppliedCouponIn | None = None


class CustomFieldIn(InputSchema):
    """Wix's custom field a buyer filled in at checkout."""

    value: Text500 | None = None
    title: Text200 | None = None
    translatedTitle: Text200 | None = None


class OrderCreateData(InputSchema):
    """The `order` of a create-order request. Packdesk sets the number, id, dates, activities
    and fulfillment status."""

    lineItems: list[LineItemIn] = Field(..., min_length=1, max_length=MAX_LINE_ITEMS)
    billingInfo: BillingInfoIn | None = None
    shippingInfo: ShippingInfoIn | None = None
    buyerInfo: BuyerInfoIn | None = None
    paymentStatus: PaymentStatusIn | None = Field(
        None, description="UNSPECIFIED_PAYMENT_STATUS is accepted and means NOT_PAID"
    )
    totals: TotalsIn | None = None
    currency: Currency | None = None
    weightUnit: WeightUnit | None = None
    buyerNote: Text5000 | None = None
    channelInfo: ChannelInfoIn | None = None
    buyerLanguage: Text16 | None = None
    subscriptionInfo: dict[str, Any] | None = None
    discount: DiscountIn | None = None
    customField: CustomFieldIn | None = None
    cartId: uuid.UUID | None = None


class OrderCreateIn(InputSchema):
    order: OrderCreateData


# ---- Responses: the order as orders/serializers.py writes it ----
# Keys whose value would be null are left out of the JSON, so optional here means "may be
# absent". Stored JSON blobs (addresses, shipping, media, options) keep whatever keys they hold.


class FullNameOut(Schema):
    firstName: str
    lastName: str


class BuyerInfoOut(Schema):
    id: uuid.UUID | None = None
    type: BuyerIdentityType | None = None
    identityType: BuyerIdentityType | None = None
    firstName: str | None = None
    lastName: str | None = None
    phone: str | None = None
    email: str | None = None
    contactId: uuid.UUID | None = None


class BillingAddressOut(Schema):
    fullName: FullNameOut | None = Field(None, description="Absent when the order has no name")


class BillingInfoOut(Schema):
    address: BillingAddressOut
    paidDate: datetime | None = None


class TotalsOut(Schema):
    subtotal: str
    shipping: str
    tax: str
    discount: str
    total: str
    weight: str
    quantity: int


class LinePriceDataOut(Schema):
    taxIncludedInPrice: bool
    price: str
    totalPrice: str


class LineItemOut(Schema):
    index: int = Field(..., ge=1)
    quantity: int
    price: str
    name: str
    translatedName: str
    productId: uuid.UUID | None = None
    totalPrice: str
    lineItemType: LineItemType
    options: list[dict[str, Any]]
    customTextFields: list[dict[str, Any]]
    weight: str | None = None
    mediaItem: dict[str, Any] | None = None
    sku: str | None = None
    variantId: uuid.UUID | None = None
    fulfillerId: uuid.UUID | None = None
    discount: str
    tax: str
    taxIncludedInPrice: bool
    taxGroupId: uuid.UUID | None = None
    priceData: LinePriceDataOut
    refundedQuantity: int
    id: uuid.UUID = Field(..., description="The line item's id (the eCommerce API's)")


class ActivityOut(Schema):
    type: str = Field(..., description="One of the spec's 18 activity types")
    timestamp: datetime


class TrackingOut(Schema):
    """Only the fields that are set."""

    trackingNumber: str | None = None
    shippingProvider: str | None = None
    trackingLink: str | None = None


class FulfillmentLineOut(Schema):
    index: int
    quantity: int


class FulfillmentOut(Schema):
    id: uuid.UUID
    dateCreated: datetime
    lineItems: list[FulfillmentLineOut]
    trackingInfo: TrackingOut


class DiscountOut(Schema):
    value: str | None = None
    appliedCoupon: dict[str, Any] | None = None


class ChannelInfoOut(Schema):
    type: ChannelType
    externalOrderId: str | None = None


class EnteredByOut(Schema):
    id: uuid.UUID
    identityType: str


class RefundOut(Schema):
    id: uuid.UUID
    dateCreated: datetime
    amount: str
    reason: str | None = None
    paymentProviderTransactionId: str | None = None
    externalRefund: bool


class OrderOut(Schema):
    """An order in the Stores Orders v2 shape."""

    id: uuid.UUID
    number: int
    dateCreated: datetime
    buyerInfo: BuyerInfoOut
    currency: str
    weightUnit: WeightUnit
    totals: TotalsOut
    billingInfo: BillingInfoOut
    shippingInfo: dict[str, Any]
    buyerNote: str | None = None
    read: bool
    archived: bool
    paymentStatus: PaymentStatus
    fulfillmentStatus: FulfillmentStatus
    lineItems: list[LineItemOut]
    activities: list[ActivityOut]
    invoiceInfo: dict[str, Any] | None = None
    fulfillments: list[FulfillmentOut]
    discount: DiscountOut | None = None
    customField: dict[str, Any] | None = None
    cartId: uuid.UUID | None = None
    buyerLanguage: str | None = None
    channelInfo: ChannelInfoOut
    enteredBy: EnteredByOut | None = None
    lastUpdated: datetime
    subscriptionInfo: dict[str, Any] | None = None
    numericId: str
    refunds: list[RefundOut]
    checkoutId: uuid.UUID | None = None
    isInternalOrderCreate: bool


class OrderResponse(Schema):
    order: OrderOut
