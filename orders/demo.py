"""Demo data: the orders of the spec documents. (Placeholder; filled by the seed work.)"""

from __future__ import annotations


def load_spec_orders() -> dict:
    raise NotImplementedError
