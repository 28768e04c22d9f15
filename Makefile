# Packdesk: `make run` sets up and serves the dashboard, `make test` sets up and runs every test.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_ORDERS ?= 2000
BENCH_ORDERS ?= 1000000
CHROMIUM ?= /usr/bin/chromium

# The first Python 3.12+ on PATH (pyenv shims honour .python-version).
BOOTSTRAP_PYTHON := $(shell for c in python$$(cat .python-version 2>/dev/null) python3.13 python3.12 python3 python; do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then command -v $$c; break; fi; done)

.PHONY: setup run serve loadtest test lint format bench chromium axe sdk screenshots

$(VENV)/.installed: pyproject.toml
	@test -n "$(BOOTSTRAP_PYTHON)" || { echo "Python 3.12+ not found (install it or use pyenv)"; exit 1; }
	test -x $(PY) || $(BOOTSTRAP_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed
	DJANGO_DEBUG=1 $(PY) manage.py migrate --no-input -v 0

# The task worker (webhook delivery) and the webhook sweeper run beside the web server and
# stop when it exits.
run: setup
	DJANGO_DEBUG=1 $(PY) manage.py seed_orders --orders $(DEMO_ORDERS) --if-empty
	DJANGO_DEBUG=1 $(PY) manage.py create_demo_users
	DJANGO_DEBUG=1 $(PY) manage.py tasks_worker & worker=$$!; \
	DJANGO_DEBUG=1 $(PY) manage.py deliver_webhooks --every 60 & sweeper=$$!; \
	trap 'kill $$worker $$sweeper 2>/dev/null' EXIT; \
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# Production settings, gunicorn sized from the CPU count, the tasks worker and the webhook
# sweeper; Ctrl-C stops them all (config/ops/serve.py).
serve: $(VENV)/.installed
	$(PY) -m config.ops.serve --host $(HOST) --port $(PORT)

chromium:
	@test -x $(CHROMIUM) || { \
		echo "Installing Debian's chromium for the browser tests"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# axe-core for the browser tests' accessibility gate (tests/browser/a11y.py), pinned by
# tests/browser/axe/package-lock.json and installed from the npm registry into a git-ignored folder.
AXE_JS := tests/browser/axe/node_modules/axe-core/axe.min.js
$(AXE_JS): tests/browser/axe/package.json tests/browser/axe/package-lock.json
	@command -v npm >/dev/null || { \
		echo "Installing Debian's npm for the accessibility tests"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm >/dev/null; }
	cd tests/browser/axe && npm ci --no-audit --no-fund --silent
	touch $@

axe: $(AXE_JS)

# Wix's JavaScript SDK for tests/sdk/test_wix_sdk.py, pinned by tests/sdk/package-lock.json and
# installed from the npm registry into a git-ignored folder.
WIX_SDK := tests/sdk/node_modules/@wix/ecom/package.json
$(WIX_SDK): tests/sdk/package.json tests/sdk/package-lock.json $(AXE_JS)
	cd tests/sdk && npm ci --no-audit --no-fund --silent
	touch $@

sdk: $(WIX_SDK)

# The lint (style, import contracts, types) runs first, so CI (.ci/run calls `make test`)
# enforces it too.
test: lint chromium $(AXE_JS) $(WIX_SDK)
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

# Load over real HTTP (bench/loadtest.py): `make serve` on the benchmark database, locust at
# 8, 32 and 64 users (LOADTEST_SECONDS each), results in bench/results/loadtest-N.md.
loadtest: $(VENV)/.installed
	$(PY) bench/loadtest.py --orders $(BENCH_ORDERS) $(LOADTEST_ARGS)

# A separate database (.pgdata-bench/) seeded with BENCH_ORDERS orders once, then reused.
bench: $(VENV)/.installed
	$(PY) bench/run.py --orders $(BENCH_ORDERS) $(BENCH_ARGS)

# ruff; import-linter's contracts (pyproject.toml: apps build one way, no cycles, no views
# module imports another); mypy with django-stubs on config/ orders/ fulfillments/. mypy loads
# the settings, so it gets a database URL that is never connected to (no embedded server start).
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DATABASE_URL=postgresql://lint@127.0.0.1:1/lint $(VENV)/bin/mypy

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The README's screenshots (static/screenshots/*.png) of the list and the order page at 390 and
# 1440 px, from demo orders in a throwaway test database.
screenshots: $(VENV)/.installed chromium
	$(PY) -m pytest tests/browser/readme_screenshots.py -p no:xdist -q
