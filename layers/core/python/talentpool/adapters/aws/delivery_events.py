"""Delivery-event persistence: timeline entries written at most once, with the profile changes they cause.

An entry's key is derived from the SES event, so a redelivered event maps to the same item. Writing it
with `attribute_not_exists` in the same transaction as the profile change makes "record the event" and
"count it in the score" one atomic, exactly-once step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from talentpool.adapters.aws import keys
from talentpool.adapters.aws.candidates import CandidateStore, timeline_item
from talentpool.adapters.aws.schema import PK, SK
from talentpool.adapters.aws.table import Table, TransactionCancelled, Write, is_conditional_failure
from talentpool.models.candidate import Candidate, TimelineEntry

_ABSENT = "attribute_not_exists(pk)"


class DeliveryEventStore:
    def __init__(self, table: Table) -> None:
        self.table = table
        self.candidates = CandidateStore(table)

    def get(self, candidate_id: str) -> Candidate | None:
        return self.candidates.get(candidate_id)

    def timeline_entry(self, candidate_id: str, at: str, entry_id: str) -> TimelineEntry | None:
        return self.candidates.timeline_entry(candidate_id, at, entry_id)

    def record(self, entry: TimelineEntry) -> bool:
        """Put the entry unless it is already there; False when it was (a redelivery)."""
        try:
            self.table.put(timeline_item(entry), condition=_ABSENT)
        except Exception as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def record_with_profile(
        self,
        before: Candidate,
        after: Candidate,
        entry: TimelineEntry,
        *,
        also: Sequence[TimelineEntry] = (),
    ) -> bool:
        """Save the profile (indexes in step) with the entry, once; False when the entry was already recorded.

        Raises VersionConflict when the profile changed since `before` was read: the caller re-reads and retries.
        """
        extra = [Write("Put", _key(item := timeline_item(entry)), item=item, condition=_ABSENT)]
        try:
            self.candidates.save(before, after, also, extra=extra)
        except TransactionCancelled as exc:
            # save() turns the profile's version check into VersionConflict; the only other condition is ours.
            if "ConditionalCheckFailed" in exc.reasons:
                return False
            raise
        return True

    def mark_published(self, entry: TimelineEntry) -> None:
        """Note on the entry that the domain event it announces reached the bus (never recreating an erased one)."""
        try:
            self.table.update(
                keys.timeline_key(entry.candidate_id, entry.at, entry.entry_id),
                "SET #data.#published = :yes",
                condition="attribute_exists(pk)",
                names={"#data": "data", "#published": "published"},
                values={":yes": True},
            )
        except Exception as exc:
            if not is_conditional_failure(exc):
                raise


def _key(item: dict[str, Any]) -> dict[str, str]:
    return {PK: item[PK], SK: item[SK]}
