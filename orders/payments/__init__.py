"""Payments of an order as staff handle them: mark paid, cancel, refund (views, forms, admin
actions); the rules themselves are services in orders/services.py."""
