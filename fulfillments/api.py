"""Fulfillment endpoints: the Stores v2 ones under /api/stores/v2/ and the eCommerce ones
under /api/ecom/v1/fulfillments/."""

from __future__ import annotations

from ninja import Router

stores_router = Router(tags=["Stores Orders v2: fulfillments"])
ecom_router = Router(tags=["eCommerce Order Fulfillments"])
