"""What a report reads from the table: the aggregate partitions, and the names of segments and sequences.

Every read is a key-condition query on a partition whose size depends on how many metrics, days, segments
and sequences there are, never on how many candidates: AGG#TOTAL, one AGG#DAY#<date> per day, a date range
of AGG#EXPIRY, and the SEGMENTS and SEQUENCES directories.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from talentpool.adapters.aws import segments, sequences
from talentpool.adapters.aws.aggregates import AggregateStore
from talentpool.adapters.aws.schema import SK
from talentpool.adapters.aws.table import Table


def _names(items: list[dict[str, Any]]) -> dict[str, str]:
    return {str(item[SK]): str(item.get("name") or item[SK]) for item in items}


class AggregateData:
    """The report's reads; eventually consistent (half the cost), as a report is a snapshot anyway."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.counters = AggregateStore(table)  # the one reader of the counter partitions

    def _all(self, pk: str, **kwargs: Any) -> list[dict[str, Any]]:
        return list(self.table.query_all(pk, **kwargs))

    def totals(self) -> Mapping[str, int]:
        return self.counters.read_totals()

    def day(self, day: date) -> Mapping[str, int]:
        return self.counters.read_day(day)

    def expiring(self, first: date, last: date) -> Mapping[date, int]:
        return self.counters.read_expiry(first, last)

    def segment_names(self) -> Mapping[str, str]:
        return _names(self._all(segments.DIRECTORY))

    def sequence_names(self) -> Mapping[str, str]:
        """Stored sequences only; built-ins that were never edited are named by logic."""
        return _names(self._all(sequences.DIRECTORY_PK))
