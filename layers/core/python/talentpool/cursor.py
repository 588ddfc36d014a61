"""Opaque pagination cursors: a page's last key, encoded so clients pass it back untouched."""

from __future__ import annotations

import base64
import json
from typing import Any

from talentpool.errors import FieldError, ValidationFailed


def encode(position: dict[str, Any] | None) -> str | None:
    if not position:
        return None
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(cursor: str | None, *, required_keys: frozenset[str]) -> dict[str, str] | None:
    """The position a cursor stands for; a cursor that was not ours, or for another listing, is a 422."""
    if not cursor:
        return None
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError as exc:
        raise _invalid() from exc
    if (
        not isinstance(position, dict)
        or set(position) != required_keys
        or not all(isinstance(v, str) and len(v) < 300 for v in position.values())
    ):
        raise _invalid()
    return position


def _invalid() -> ValidationFailed:
    return ValidationFailed("The cursor is not valid", [FieldError(["cursor"], "is not a cursor from this listing")])
