"""Production settings plus the stock admin baseline (bench/stock_admin.py) for `make loadtest`."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.stock_admin"
