"""Opaque, time-sortable identifiers (ULIDs) for candidates, timeline entries and events."""

from __future__ import annotations

import os
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id(at_ms: int | None = None) -> str:
    """A 26-character ULID: 48 bits of milliseconds then 80 random bits, so ids sort by creation time."""
    millis = int(time.time() * 1000) if at_ms is None else at_ms
    value = (millis << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def is_id(value: str) -> bool:
    """Whether `value` has the shape of an id we issue; used to reject junk before touching the table."""
    return len(value) == 26 and all(c in _CROCKFORD for c in value)
