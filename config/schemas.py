"""The API's shared schemas: the base of every request body (JSON objects only, no unknown
keys, no NUL, no key named twice in one object) and the one error body every failure answers
with.

Kept apart from config/api.py so that schema modules (orders/schemas.py) and the services that
take their typed values import it without importing the API itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Annotated, Any

from ninja import Field, Schema
from ninja.schema import DjangoGetter
from pydantic import BeforeValidator, ConfigDict, field_validator, model_validator
from pydantic_core import PydanticCustomError

# What PostgreSQL text cannot hold: NUL, and a lone UTF-16 surrogate (JSON may escape one,
# "\ud800", but it is no character and has no UTF-8 form).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(text: str) -> bool:
    return UNSTORABLE.search(text) is not None


def walk(value: Any) -> Iterator[tuple[Any, str]]:
    """Every part of a decoded JSON value with its path from the value (".a[0].b"; "" the
    value itself), without recursion: a body may nest thousands deep, and a filter nested that
    deep must reach the query language's depth check (a 400), not Python's recursion limit."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        node, path = stack.pop()
        yield node, path
        if isinstance(node, dict):
            stack.extend((item, f"{path}.{key}") for key, item in node.items())
        elif isinstance(node, list | tuple):
            stack.extend((item, f"{path}[{index}]") for index, item in enumerate(node))


def unstorable_at(value: Any) -> str | None:
    """The path (see walk) of the first unstorable string in the value, a bad key naming the
    object that holds it; None when there is none."""
    for node, path in walk(value):
        if isinstance(node, str) and unstorable(node):
            return path
        if isinstance(node, dict) and any(isinstance(k, str) and unstorable(k) for k in node):
            return path
    return None


class RepeatedKeyError(ValueError):
    """A JSON object names one key twice. Python's json would keep the last value silently,
    another reader the first: which one the client meant is unknown, so it is refused."""

    def __init__(self, path: str) -> None:
        super().__init__(f"{path} is given more than once in one object; send each key once")
        self.path = path


def loads_strict(text: str | bytes) -> Any:
    """json.loads, refusing an object that repeats a key (RepeatedKeyError, whose `path` names
    it as the API names fields: `query.paging.limit`, `lineItems[0].quantity`)."""
    repeated: list[tuple[dict[str, Any], str]] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for key, value in items:
            if key in obj and not repeated:
                repeated.append((obj, key))
            obj[key] = value
        return obj

    value = json.loads(text, object_pairs_hook=pairs)
    if repeated:
        holder, key = repeated[0]
        raise RepeatedKeyError(_path_of(value, holder, key))
    return value


def _path_of(root: Any, holder: dict[str, Any], key: str) -> str:
    """Where `holder` sits in `root`, with `key` after it: `query.paging.limit`."""
    for node, path in walk(root):
        if node is holder:
            return f"{path}.{key}".lstrip(".")
    return key


def whole_number(value: Any) -> Any:
    """JSON Schema's integer: a number without a fractional part (`1`, also written `1.0`),
    never a string or a boolean (which pydantic's lax mode would turn into a number)."""
    if isinstance(value, bool | str):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Bounds go before the validator, so that they reach the JSON schema as minimum/maximum:
# Annotated[int, Field(ge=1), BeforeValidator(whole_number)].
WholeNumber = Annotated[int, BeforeValidator(whole_number)]


# A string without the NUL character (JSON Schema's statement of the rule below).
NO_NUL_PATTERN = "^[^\\u0000]*$"


def state_no_nul(schema: dict[str, Any]) -> None:
    """Every free-text string property of a request body states, as a pattern, that it may
    not hold NUL; strings with a format, an enum or a pattern of their own exclude it already."""
    stack: list[Any] = list(schema.get("properties", {}).values())
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if node.get("type") == "string" and not {"format", "enum", "const", "pattern"} & set(node):
            node["pattern"] = NO_NUL_PATTERN
        stack.extend(node.get("anyOf", ()))
        stack.append(node.get("items"))


class InputSchema(Schema):
    """Base of every request body schema: a body part that should be a JSON object must be one,
    and a key the schema does not know is a 400 naming it (not silently ignored).

    (ninja's Schema would otherwise read attributes off a string or list and fill defaults.)
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra=state_no_nul)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value):
        """No string anywhere in a body may hold the NUL character: PostgreSQL cannot store
        it, so it is a 400 naming the field rather than a failed write."""
        at = unstorable_at(value)
        if at is not None:
            # `at` names the string inside a free-form value (an address, a filter).
            raise PydanticCustomError(
                "unstorable",
                "must not contain the NUL character (\\u0000) or a lone surrogate "
                "(\\ud800-\\udfff)",
                {"at": at},
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _must_be_object(cls, value):
        if isinstance(value, DjangoGetter):
            value = value._obj
        if not isinstance(value, dict):
            raise ValueError("must be a JSON object")
        return value


class ErrorOut(Schema):
    """Every error the API answers (config/errors.py builds it): a message for people and
    details naming the input at fault."""

    message: str
    details: dict[str, Any] = Field(
        ...,
        description='{"field": "<the first input at fault>", "<each input at fault>": "<why>", '
        '"validationError": {"fieldViolations": [{"field", "description", "violatedRule"}]}} '
        "when input is at fault (a 400; the violations as Wix's standard errors write them); "
        "{} otherwise.",
    )
