"""Reading the search indexes: one key-range Query per call on a skill, tag or GSI partition, never a scan."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from talentpool.adapters.aws import keys
from talentpool.adapters.aws.schema import (
    BY_CHANNEL,
    BY_CONSENT,
    BY_COUNTRY,
    BY_NAME,
    BY_STAGE,
    PK,
    SK,
    SUMMARY_ATTRIBUTES,
    GlobalIndex,
)
from talentpool.adapters.aws.table import Table
from talentpool.ids import is_id
from talentpool.models.search import Driver, IndexEntry, IndexPage, Stream

# Partition prefixes of the GSI keys candidates.profile_item() writes; a unit test holds the two together.
GSI_PARTITIONS: dict[Driver, tuple[GlobalIndex, str]] = {
    Driver.STAGE: (BY_STAGE, "STAGE#"),
    Driver.CHANNEL: (BY_CHANNEL, "CHANNEL#"),
    Driver.CONSENT: (BY_CONSENT, "CONSENT#"),
    Driver.COUNTRY: (BY_COUNTRY, "COUNTRY#"),
}
TOP = "~"  # sorts after every digit, letter and '#', so "<prefix>~" closes a range
_SKILL_POSITION = re.compile(r"^(--|\d{2})#[0-9A-Z]{26}$")


@dataclass(frozen=True)
class KeyRange:
    """Where a stream lives: its partition, the sort-key attribute, and the key condition on it."""

    index: GlobalIndex | None
    partition: str
    between: tuple[str, str] | None = None
    prefix: str | None = None

    @property
    def sort_key(self) -> str:
        return self.index.sk if self.index else SK

    def contains(self, position: str) -> bool:
        if self.prefix is not None:
            return position.startswith(self.prefix)
        if self.between is not None:
            return self.between[0] <= position <= self.between[1]
        return True


def key_range(stream: Stream) -> KeyRange:
    """The partition and key condition that hold exactly the entries a stream may return."""
    if stream.driver is Driver.SKILL:
        partition = keys.skill_index_key(stream.value, None, "")[PK]
        if stream.min_years is None and stream.max_years is None:
            return KeyRange(None, partition)
        # "00#" as the floor of an open range leaves out candidates without a figure ("--" sorts first).
        low = keys.experience_key(stream.min_years or 0) + "#"
        high = TOP if stream.max_years is None else keys.experience_key(stream.max_years) + "#" + TOP
        return KeyRange(None, partition, between=(low, high))
    if stream.driver is Driver.NAME:
        return KeyRange(BY_NAME, keys.name_partition(stream.value), prefix=stream.value)
    if stream.driver is Driver.TAG:
        index, partition = None, keys.tag_index_key(stream.value, "")[PK]
    else:
        index, prefix = GSI_PARTITIONS[stream.driver]
        partition = prefix + stream.value
    if stream.driver is Driver.COUNTRY:
        if stream.city is None:
            return KeyRange(index, partition)  # sorted by city first: an id floor cannot narrow it
        city = stream.city + "#"
        if stream.since_id:
            return KeyRange(index, partition, between=(city + stream.since_id, city + TOP))
        return KeyRange(index, partition, prefix=city)
    if stream.since_id:
        return KeyRange(index, partition, between=(stream.since_id, TOP))
    return KeyRange(index, partition)


def is_position(stream: Stream, position: str) -> bool:
    """Whether `position` could have come from this stream: a forged one must not reach DynamoDB, which
    refuses a start key outside the key condition. An address is one read: it never pages."""
    if stream.driver is Driver.EMAIL:
        return False
    if not is_id(_candidate_id(position)) or not key_range(stream).contains(position):
        return False
    if stream.driver is Driver.SKILL:
        return bool(_SKILL_POSITION.match(position))
    if stream.driver in (Driver.COUNTRY, Driver.NAME):
        return True  # "<city>#<id>", "<name>#<id>": the first part is free text
    return is_id(position)


def _candidate_id(position: str) -> str:
    return position.rsplit("#", 1)[-1]


class SearchIndex:
    """The index partitions as sorted runs of summaries (pseudonymous: no contact data is ever read)."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def read(self, stream: Stream, *, after: str | None, limit: int | None) -> IndexPage:
        """One Query, newest first (names: alphabetical), resuming after `after`; `limit=None` reads a full
        1 MB page. An address is two reads: its guard, then the profile it names."""
        if stream.driver is Driver.EMAIL:
            return self._by_email(stream.value)
        where = key_range(stream)
        page = self.table.query(
            where.partition,
            index=where.index.name if where.index else None,
            pk_name=where.index.pk if where.index else PK,
            sk_name=where.sort_key,
            sk_prefix=where.prefix,
            sk_between=where.between,
            forward=stream.driver is Driver.NAME,
            limit=limit,
            start_key=self._start_key(where, after) if after else None,
        )
        entries = [IndexEntry(str(item[where.sort_key]), _summary(item)) for item in page.items]
        last = str(page.last_key[where.sort_key]) if page.last_key else None
        return IndexPage(entries, page.scanned, last)

    def _by_email(self, email: str) -> IndexPage:
        guard = self.table.get(keys.email_guard_key(email))
        profile = self.table.get(keys.candidate_key(str(guard["candidate_id"]))) if guard else None
        entries = [IndexEntry(str(profile["candidate_id"]), _summary(profile))] if profile else []
        return IndexPage(entries, 1 + (guard is not None), None)

    def accepts(self, stream: Stream, position: str) -> bool:
        return is_position(stream, position)

    @staticmethod
    def _start_key(where: KeyRange, position: str) -> dict[str, Any]:
        """ExclusiveStartKey for a position. It need not be an item that exists, so one position resumes
        every stream of a merged read (they share the sort order)."""
        if where.index is None:
            return {PK: where.partition, SK: position}
        return {
            where.index.pk: where.partition,
            where.index.sk: position,
            **keys.candidate_key(_candidate_id(position)),
        }


def _summary(item: dict[str, Any]) -> dict[str, Any]:
    """The summary an entry carries; `email` only where the entry has it (by_name and the profile itself)."""
    return {name: item[name] for name in (*SUMMARY_ATTRIBUTES, "email") if name in item}
