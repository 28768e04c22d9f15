"""The form owners register webhook endpoints with."""

from __future__ import annotations

from django import forms
from django.core.validators import URLValidator

from orders.webhooks.models import WebhookEndpoint, WebhookEventType, webhook_secret_generate


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(
        max_length=2000,
        label="URL",
        validators=[URLValidator(schemes=["http", "https"])],
        assume_scheme="https",
        help_text="Packdesk POSTs each event here as a JWT signed with the secret (HS256).",
    )
    events = forms.MultipleChoiceField(
        choices=WebhookEventType.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Events",
    )
    secret = forms.CharField(
        max_length=200,
        required=False,
        label="Signing secret",
        help_text="Leave empty to generate one.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events", "secret", "active"]

    def clean_secret(self) -> str:
        return self.cleaned_data["secret"].strip() or webhook_secret_generate()
