"""The one source of the current time, so tests can move it."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def isoformat(moment: datetime) -> str:
    """UTC ISO-8601 with milliseconds and a Z, the format every stored timestamp uses (it sorts as text)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> datetime:
    """The inverse of `isoformat`, tolerant of any ISO-8601 offset."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
