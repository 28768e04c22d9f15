"""Links that change a few parameters of the current URL, as `{% querystring %}` writes them.

The list page shows about a dozen such links (quick views, sort headers, Previous and Next at
the top and the bottom); the tag copies and re-encodes the whole query string for each one.
Here the current parameters are encoded once and each link only re-encodes what it changes:
same keys in the same order, same encoding, so the markup is byte for byte the tag's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict


def _encoded(key: str, values: Iterable[Any]) -> list[str]:
    return [urlencode({key: str(value)}) for value in values]


class QueryLinks:
    def __init__(self, params: QueryDict) -> None:
        self.pieces: dict[str, list[str]] = {
            key: _encoded(key, values) for key, values in params.lists()
        }

    def __call__(self, **changes: Any) -> str:
        """`?` and the query string with `changes` applied: None removes a key, a list
        replaces its values (None entries dropped; none left removes it), anything else
        replaces them with itself. As the tag does, a new key goes last."""
        pieces = dict(self.pieces)
        for key, value in changes.items():
            if value is None:
                pieces.pop(key, None)
                continue
            values = (
                [v for v in value if v is not None]
                if isinstance(value, Iterable) and not isinstance(value, str | Mapping)
                else [value]
            )
            if values:
                pieces[key] = _encoded(key, values)
            else:
                pieces.pop(key, None)
        return "?" + "&".join(piece for encoded in pieces.values() for piece in encoded)
