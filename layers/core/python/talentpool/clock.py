"""The one source of the current time, so tests can move it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_source: Callable[[], datetime] | None = None


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (or a test's simulated time, see `override`)."""
    return _source() if _source is not None else datetime.now(UTC)


@contextmanager
def override(source: Callable[[], datetime]) -> Iterator[None]:
    """Make every `utcnow()` read `source` until the block ends.

    Modules import `utcnow` by name, so replacing the attribute would leave some holding the replacement
    after a test; swapping what the one function reads cannot leak.
    """
    global _source
    previous, _source = _source, source
    try:
        yield
    finally:
        _source = previous


def isoformat(moment: datetime) -> str:
    """UTC ISO-8601 with milliseconds and a Z, the format every stored timestamp uses (it sorts as text)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> datetime:
    """The inverse of `isoformat`, tolerant of any ISO-8601 offset."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
