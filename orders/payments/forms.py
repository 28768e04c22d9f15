"""Forms of the payment actions on an order (refund)."""

from __future__ import annotations

from decimal import Decimal

from django import forms


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0.01"), label="Refund amount"
    )
    reason = forms.CharField(max_length=400, required=False, label="Reason (optional)")
    payment_provider_transaction_id = forms.CharField(
        max_length=200, required=False, label="Payment provider's refund id (optional)"
    )
