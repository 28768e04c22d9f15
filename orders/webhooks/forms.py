"""The form owners register webhook endpoints with (the pages and the admin alike)."""

from __future__ import annotations

from django import forms
from django.core.validators import URLValidator

from orders.webhooks.models import WebhookEndpoint, WebhookEventType, webhook_secret_generate
from orders.webhooks.targets import TargetRefused, target_check_url

SECRET_MIN_LENGTH = 32


class WebhookEndpointForm(forms.ModelForm):
    """The URL must be allowed (orders/webhooks/targets.py). The secret is write-only: it is
    generated when left empty on a new endpoint (then `generated_secret` holds it, for the
    view to show once), kept when left empty on an existing one, and never shown again."""

    url = forms.URLField(
        max_length=2000,
        label="URL",
        validators=[URLValidator(schemes=["http", "https"])],
        assume_scheme="https",
        help_text="Packdesk POSTs each event here as a JWT signed with the secret (HS256). "
        "Only public http(s) addresses, without a user name or password in the URL.",
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
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events", "secret", "active"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.generated_secret = ""
        self.initial["secret"] = ""
        if self.instance.pk:
            help_text = "Leave empty to keep the current secret (it is not shown again)."
        else:
            help_text = "Leave empty to generate one; it is shown once, after saving."
        self.fields[
            "secret"
        ].help_text = (
            f"{help_text} A secret of your own needs at least {SECRET_MIN_LENGTH} characters."
        )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            target_check_url(url)
        except TargetRefused as exc:
            raise forms.ValidationError(str(exc), code="refused") from None
        return url

    def clean_secret(self) -> str:
        secret = self.cleaned_data["secret"].strip()
        if not secret:
            if self.instance.pk:
                return self.instance.secret
            self.generated_secret = webhook_secret_generate()
            return self.generated_secret
        if len(secret) < SECRET_MIN_LENGTH:
            raise forms.ValidationError(
                f"Use at least {SECRET_MIN_LENGTH} characters (this one has {len(secret)}), "
                "or leave it empty to generate one.",
                code="too_short",
            )
        return secret
