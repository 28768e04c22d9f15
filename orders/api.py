"""Stores Orders v2 endpoints under /api/stores/v2/."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["Stores Orders v2"])
