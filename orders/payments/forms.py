"""Forms of the payment actions on an order (refund)."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from orders.forms import BlankTextInput


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0.01"), label="Refund amount"
    )
    # Memoised while empty (orders.forms.MemoRender): the order page shows this form.
    reason = forms.CharField(
        max_length=400, required=False, label="Reason (optional)", widget=BlankTextInput
    )
    payment_provider_transaction_id = forms.CharField(
        max_length=200,
        required=False,
        label="Payment provider's refund id (optional)",
        widget=BlankTextInput,
    )
