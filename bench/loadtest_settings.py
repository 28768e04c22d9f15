"""Production settings plus the stock admin baseline (bench/stock_admin.py) for `make loadtest`."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.stock_admin"

# Shipment emails are sent by the tasks worker beside the server; under load it would otherwise
# try an SMTP server on localhost for every fulfillment and compete for the CPU being measured.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
