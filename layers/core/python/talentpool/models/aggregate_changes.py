"""What the stream consumer works with: a change to one item, the counter update it causes, its log line.

Plain frozen dataclasses: logic (talentpool.logic.reports.aggregates) computes them from stream images, the store
(talentpool.adapters.aws.aggregates) writes them, and neither needs the other to describe them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from talentpool.models.search import CandidateFilter

EventName = Literal["INSERT", "MODIFY", "REMOVE"]
CounterKey = tuple[str, str]  # (pk, sk) of one counter item


@dataclass(frozen=True)
class StreamChange:
    """One stream record: an item's images before and after, and when DynamoDB made the change.

    `at` is the record's ApproximateCreationDateTime (whole seconds in AWS): DynamoDB's own clock, the one
    that orders changes against a segment's seeding.
    """

    event_id: str
    event_name: EventName
    pk: str
    sk: str
    at: datetime
    old: Mapping[str, Any] | None = None
    new: Mapping[str, Any] | None = None

    @property
    def image(self) -> Mapping[str, Any]:
        """The item as it is now, or as it was before a REMOVE."""
        return self.new if self.new is not None else (self.old or {})


@dataclass(frozen=True)
class SeededSegment:
    """A saved segment whose counter exists: changes made after `since` (epoch seconds) move it."""

    segment_id: str
    filter: CandidateFilter
    since: float


@dataclass(frozen=True)
class FunnelMark:
    """A change to the funnel steps a candidate has reached: steps to add, or forget them (erasure)."""

    candidate_id: str
    add: frozenset[str] = frozenset()
    forget: bool = False


@dataclass(frozen=True)
class EmailClaim:
    """One event of one email, counted at most once (the first open, the first click), on the email's day."""

    message_id: str
    event: str
    day: str = ""  # yyyy-mm-dd: the day every event of this email counts on


@dataclass(frozen=True)
class EmailState:
    """What is counted of one email so far: its events, and the day they count on (None before the first)."""

    day: str | None = None
    counted: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SegmentSeed:
    """A new segment's counter: its members as the index showed them at `since`."""

    segment_id: str
    count: int
    since: float


@dataclass(frozen=True)
class CounterUpdate:
    """Everything one stream record changes in the aggregates, applied once (see store.aggregates)."""

    deltas: Mapping[CounterKey, int] = field(default_factory=dict)
    funnel: FunnelMark | None = None
    emails: tuple[EmailClaim, ...] = ()
    seed: SegmentSeed | None = None

    @property
    def empty(self) -> bool:
        """Nothing to write: no marker is needed either, as there is nothing to count twice."""
        funnel = self.funnel is not None and (bool(self.funnel.add) or self.funnel.forget)
        return not self.deltas and not funnel and self.seed is None


@dataclass(frozen=True)
class EventLine:
    """One line of the event log: pseudonymous ids and facts, never contact data or free text.

    Fields and their order are models.aggregates.EVENT_LOG_COLUMNS (a unit test holds them together).
    """

    event_id: str
    at: str
    kind: str
    candidate_id: str | None  # None on the line that records an erasure: it must not name who was erased
    channel: str | None = None
    stage_from: str | None = None
    stage_to: str | None = None
    sequence_id: str | None = None
    step: int | None = None
    country: str | None = None

    @property
    def day(self) -> str:
        """The dt= partition: the UTC date of `at` (stored times are UTC ISO 8601)."""
        return self.at[:10]
