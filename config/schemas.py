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
    """Walks the value without recursion, so a filter nested 1,000 deep reaches the query
    language's depth check (a 400) instead of Python's recursion limit (a 500)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
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
