"""Countries (ISO 3166-1 alpha-2) and IANA time zones, read from the pinned tzdata package."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import tzdata  # type: ignore[import-untyped]  # the tz database as data files; it ships no types

# Read as plain files: importlib.resources would add its own imports to every cold start that validates an address.
TZDATA = Path(tzdata.__file__).parent


@cache
def countries() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> English short name, as the tz database lists them."""
    text = (TZDATA / "zoneinfo" / "iso3166.tab").read_text(encoding="utf-8")
    pairs = (line.split("\t", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return {code.strip(): name.strip() for code, name in pairs}


@cache
def timezones() -> frozenset[str]:
    """Every canonical IANA zone name the tz database ships."""
    text = (TZDATA / "zones").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())
