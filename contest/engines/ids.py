"""Ids in engine instances: non-empty strings, or integers read as strings."""
from __future__ import annotations

from typing import Any


def read_id(value: Any) -> str | None:
    """The id as a string, or None when the value cannot be one (booleans, blanks, other types)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    return None
