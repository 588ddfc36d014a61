"""Opaque, time-sortable identifiers (ULIDs) for candidates, timeline entries, events and runs: the one id module."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32, as ULIDs spell it
_LENGTH = 26
_TIME_CHARS = 10  # the first ten characters are the 48 bits of milliseconds


def ulid(millis: int, rest: int) -> str:
    """The ULID of `millis` (48 bits) followed by `rest` (80 bits): random for new ids, a hash for derived ones."""
    value = (millis << 80) | (rest & ((1 << 80) - 1))
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(_LENGTH)))


def new_id(at_ms: int | None = None) -> str:
    """A 26-character ULID: 48 bits of milliseconds then 80 random bits, so ids sort by creation time."""
    millis = int(time.time() * 1000) if at_ms is None else at_ms
    return ulid(millis, int.from_bytes(os.urandom(10), "big"))


def is_id(value: str) -> bool:
    """Whether `value` has the shape of an id we issue; used to reject junk before touching the table."""
    return len(value) == _LENGTH and all(c in _CROCKFORD for c in value)


def minted_at(identifier: str) -> datetime | None:
    """When a ULID was minted (its first ten characters are the milliseconds); None for an id of another shape."""
    if not is_id(identifier):
        return None
    millis = 0
    for char in identifier[:_TIME_CHARS]:
        millis = millis * 32 + _CROCKFORD.index(char)
    return datetime.fromtimestamp(millis / 1000, UTC)
