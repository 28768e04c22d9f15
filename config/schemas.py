"""The base of every API request body schema: JSON objects only, no unknown keys, no NUL.

Kept apart from config/api.py so that schema modules (orders/schemas.py) and the services that
take their typed values import it without importing the API itself.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import ConfigDict, field_validator, model_validator


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    return False


class InputSchema(Schema):
    """Base of every request body schema: a body part that should be a JSON object must be one,
    and a key the schema does not know is a 400 naming it (not silently ignored).

    (ninja's Schema would otherwise read attributes off a string or list and fill defaults.)
    """

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value):
        """No string anywhere in a body may hold the NUL character: PostgreSQL cannot store
        it, so it is a 400 naming the field rather than a failed write."""
        if _has_nul(value):
            raise ValueError("must not contain the NUL character (\\u0000)")
        return value

    @model_validator(mode="before")
    @classmethod
    def _must_be_object(cls, value):
        if isinstance(value, DjangoGetter):
            value = value._obj
        if not isinstance(value, dict):
            raise ValueError("must be a JSON object")
        return value
