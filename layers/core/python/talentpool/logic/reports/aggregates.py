"""Report aggregates from the table's stream: what each change adds to the counters, and its event-log line.

The functions at the top are pure: one stream record's images in, a CounterUpdate and EventLines out.
`Aggregation` runs them over one batch, with the few reads they need (the saved segments, once per batch;
a candidate's funnel steps; whether an email event was already counted), and applies each update once
through the store, which makes it idempotent on the record's eventID (store/aggregates.py).

Counters are gauges or events. Gauges (pool, consent, stage, segment membership, consent expiry) are
`gauges(new) - gauges(old)`, so an insert, a change and an erasure are one rule. Events (captures,
confirmations, stage moves, funnel steps, email events) are counted on the UTC day the thing happened, by
the item's own timestamp, never the day the stream was read. models/aggregates.py says what each means.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from talentpool.clock import isoformat, parse_iso
from talentpool.logic.people.search import IndexReader, count_matching, matches
from talentpool.logic.sending.delivery_events import is_self_service_link
from talentpool.models import aggregates as agg
from talentpool.models.aggregate_changes import (
    CounterKey,
    CounterUpdate,
    EmailClaim,
    EmailState,
    EventLine,
    FunnelMark,
    SeededSegment,
    SegmentSeed,
    StreamChange,
)
from talentpool.models.base import Model
from talentpool.models.candidate import ConsentStatus, Stage, TimelineKind
from talentpool.models.search import CandidateSummary, Segment
from talentpool.ports.item_kinds import IDEMPOTENCY_PREFIX

PROFILE = "candidate"  # the `entity` of the items this consumer reads
TIMELINE = "timeline"
SEGMENT = "segment"

CAPTURED, CONFIRMED, ENGAGED, APPLIED, HIRED = agg.FUNNEL_STEPS
# The funnel step each stage stands for. Steps after `captured` and `confirmed` are ordered: reaching one
# reaches those before it, because the funnel may be skipped through (a lead can apply straight away).
STAGE_STEPS = (ENGAGED, APPLIED, HIRED)
_STAGE_STEP: dict[str, str] = {
    Stage.ENGAGED: ENGAGED,
    Stage.NURTURED: ENGAGED,
    Stage.APPLIED: APPLIED,
    Stage.INTERVIEWING: APPLIED,
    Stage.OFFERED: APPLIED,
    Stage.HIRED: HIRED,
}

# Timeline kinds that count, and the email event each is.
EMAIL_EVENT_OF_KIND: dict[str, str] = {
    TimelineKind.EMAIL_SENT: "sent",
    TimelineKind.EMAIL_DELIVERED: "delivered",
    TimelineKind.EMAIL_OPENED: "opened",
    TimelineKind.EMAIL_CLICKED: "clicked",
    TimelineKind.EMAIL_BOUNCED: "bounced",
    TimelineKind.EMAIL_COMPLAINED: "complained",
    TimelineKind.UNSUBSCRIBED: "unsubscribed",
}
# What each email event shows happened before it: a delivered email was sent, an opened one delivered, a click
# is an open (with images blocked no open is reported), a complaint comes from a delivered email. Counting
# the implied events with the event keeps a report's emails a funnel: delivered <= sent, opened <= delivered,
# clicked <= opened, whatever order the events arrive in and even for an email whose `email_sent` entry was
# never written (the confirmation email, a send whose outcome was unknown).
IMPLIED_EVENTS: dict[str, tuple[str, ...]] = {
    "sent": (),
    "delivered": ("sent",),
    "opened": ("delivered", "sent"),
    "clicked": ("opened", "delivered", "sent"),
    "bounced": ("sent",),
    "complained": ("delivered", "sent"),
}
# Each of these counts at most once per email (SES reports every open), all on the day the email was sent.
ONCE_PER_EMAIL = frozenset(IMPLIED_EVENTS)


class Outcome(StrEnum):
    IGNORED = "ignored"  # not something reports count, including the consumer's own items
    UNCHANGED = "unchanged"  # a relevant record that moves no counter
    COUNTED = "counted"
    DUPLICATE = "duplicate"  # counted before: a redelivery
    IN_FLIGHT = "in_flight"  # the record this very call is handling, delivered again from inside our write


class MalformedRecord(ValueError):
    """A stream image this consumer cannot read. The message names fields, never their values (PII)."""


# --- reading images ------------------------------------------------------------------------------------


class _Source(Model):
    channel: str
    utm_source: str | None = None


class _Consent(Model):
    status: str
    confirmed_at: str | None = None
    given_at: str | None = None


class _Location(Model):
    country: str | None = None


class ProfileFacts(Model):
    """The few profile attributes aggregates use; everything else in the image (contact data) is dropped."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    candidate_id: str
    stage: str
    source: _Source
    consent: _Consent
    location: _Location | None = None
    captured_at: str
    updated_at: str

    @property
    def channel(self) -> str:
        return self.source.channel

    @property
    def country(self) -> str | None:
        return self.location.country if self.location else None


class _Entry(Model):
    candidate_id: str
    kind: str
    at: str
    data: dict[str, Any] = Field(default_factory=dict)


M = TypeVar("M", bound=BaseModel)


def read_image(model: type[M], image: Mapping[str, Any]) -> M:
    """`image` as `model`; a failure says which fields were wrong, without quoting what they held."""
    try:
        return model.model_validate(image)
    except ValidationError as exc:
        problems = ", ".join(f"{'.'.join(map(str, e['loc']))}: {e['type']}" for e in exc.errors(include_url=False))
        raise MalformedRecord(f"{model.__name__}: {problems}") from None


def relevance(change: StreamChange) -> str | None:
    """Which kind of record this is for aggregates: a profile, a new timeline entry, a new segment; or None.

    The consumer's own items come back to it through the stream: ignoring them is what stops it recursing.
    """
    if agg.is_aggregate_key(change.pk) or change.pk.startswith(IDEMPOTENCY_PREFIX):
        return None
    entity = change.image.get("entity")
    if entity == PROFILE:
        return PROFILE
    if entity in (TIMELINE, SEGMENT) and change.event_name == "INSERT":
        return str(entity)
    return None


# --- profiles: gauges, events, funnel --------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 Aug + 6 = 28/29 Feb)."""
    from calendar import monthrange

    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def consent_expiry(profile: ProfileFacts, months: int) -> date | None:
    """When active consent lapses: `months` after it was confirmed (or given, for consent recorded active)."""
    if profile.consent.status != ConsentStatus.ACTIVE:
        return None
    start = profile.consent.confirmed_at or profile.consent.given_at
    return add_months(parse_iso(start).date(), months) if start else None


def _total(metric: str, *dimensions: str | int | None) -> CounterKey:
    return (agg.TOTAL_PK, agg.metric_key(metric, *dimensions))


def _daily(day: date, metric: str, *dimensions: str | int | None) -> CounterKey:
    return (agg.day_pk(day), agg.metric_key(metric, *dimensions))


def _day(stamp: str) -> date:
    return parse_iso(stamp).date()


def gauges(
    profile: ProfileFacts | None, summary: CandidateSummary | None, segments: Iterable[SeededSegment], months: int
) -> dict[CounterKey, int]:
    """What one candidate in this state contributes to the running totals; nothing for no candidate."""
    if profile is None or summary is None:
        return {}
    out = {
        _total("pool", "total"): 1,
        _total("consent", profile.consent.status): 1,
        _total("stage", profile.stage): 1,
    }
    expiry = consent_expiry(profile, months)
    if expiry is not None:
        out[(agg.EXPIRY_PK, expiry.isoformat())] = 1
    for segment in segments:
        if matches(segment.filter, summary):
            out[_total("segment", segment.segment_id)] = 1
    return out


def funnel_steps(profile: ProfileFacts | None) -> frozenset[str]:
    """The funnel steps this state shows the candidate has reached.

    Each step implies the ones before it, so each step's count is at most the previous one's: someone who
    went further (a sourced lead who applied without ever confirming an address) has passed `confirmed` too.
    """
    if profile is None:
        return frozenset()
    steps = {CAPTURED}
    if profile.consent.confirmed_at:
        steps.add(CONFIRMED)
    step = _STAGE_STEP.get(profile.stage)
    if step is not None:
        steps.add(CONFIRMED)
        steps.update(STAGE_STEPS[: STAGE_STEPS.index(step) + 1])
    return frozenset(steps)


def steps_gained(change: StreamChange) -> frozenset[str]:
    """Funnel steps the new image shows and the old one did not: reached now, unless reached before (only
    the candidate's funnel mark can tell, so a caller reads it when this is not empty)."""
    if change.new is None:
        return frozenset()
    old = funnel_steps(read_image(ProfileFacts, change.old) if change.old is not None else None)
    return funnel_steps(read_image(ProfileFacts, change.new)) - old


@dataclass(frozen=True)
class _Accumulator:
    """Counter deltas under construction: adding to a key twice sums, and zeros are dropped at the end."""

    values: dict[CounterKey, int]

    def add(self, key: CounterKey, delta: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + delta

    def merge(self, other: Mapping[CounterKey, int], sign: int) -> None:
        for key, delta in other.items():
            self.add(key, sign * delta)

    def result(self) -> dict[CounterKey, int]:
        return {key: delta for key, delta in sorted(self.values.items()) if delta}


def profile_update(
    change: StreamChange,
    *,
    segments: Sequence[SeededSegment],
    reached_before: frozenset[str],
    consent_months: int,
) -> tuple[CounterUpdate, list[EventLine]]:
    """The counters and log lines of one change to a candidate's profile (insert, change or erasure)."""
    old = read_image(ProfileFacts, change.old) if change.old is not None else None
    new = read_image(ProfileFacts, change.new) if change.new is not None else None
    summaries = [read_image(CandidateSummary, i) if i is not None else None for i in (change.old, change.new)]
    # A segment seeded after this change already counted it: only later changes move its counter.
    live = [s for s in segments if change.at.timestamp() > s.since]
    deltas = _Accumulator({})
    deltas.merge(gauges(new, summaries[1], live, consent_months), +1)
    deltas.merge(gauges(old, summaries[0], live, consent_months), -1)
    lines: list[EventLine] = []
    current = new or old
    assert current is not None  # a stream record has at least one image
    line = _line_maker(change.event_id, current)
    if old is None and new is not None:
        day = _day(new.captured_at)
        for dimension, value in zip(
            agg.CAPTURE_DIMENSIONS, (new.channel, new.source.utm_source, new.country), strict=True
        ):
            deltas.add(_daily(day, "captured", dimension, value))
        lines.append(line("captured", new.captured_at, stage_to=new.stage))
    elif new is None and old is not None:
        # An erased profile has no timestamp of its erasure: the change's own time is when it happened. The
        # line says that someone was erased, never who: it would outlive the person's other lines.
        deltas.add(_daily(change.at.date(), "erased"))
        lines.append(line("erased", isoformat(change.at), stage_from=old.stage, candidate_id=None))
    elif old is not None and new is not None:
        day = _day(new.updated_at)
        if old.stage != new.stage:
            deltas.add(_daily(day, "stage_exited", old.stage, new.channel))
            deltas.add(_daily(day, "stage_entered", new.stage, new.channel))
            lines.append(line("stage_changed", new.updated_at, stage_from=old.stage, stage_to=new.stage))
        if old.consent.status != ConsentStatus.ACTIVE and new.consent.status == ConsentStatus.ACTIVE:
            deltas.add(_daily(day, "confirmed", new.channel))
            lines.append(line("confirmed", new.updated_at))
    reached = steps_gained(change) - reached_before
    for step in sorted(reached):
        deltas.add(_total("reached", step, current.channel))
    if APPLIED in reached and new is not None:
        waited = parse_iso(new.updated_at) - parse_iso(new.captured_at)
        deltas.add(_total("capture_to_applied", agg.days_key(waited.days)))
    funnel = _funnel_mark(current.candidate_id, reached, erased=new is None)
    return CounterUpdate(deltas=deltas.result(), funnel=funnel), lines


def _funnel_mark(candidate_id: str, reached: frozenset[str], *, erased: bool) -> FunnelMark | None:
    # `captured` needs no mark: a profile is captured once, by its insert.
    remembered = reached - {CAPTURED}
    if erased:
        return FunnelMark(candidate_id, forget=True)
    return FunnelMark(candidate_id, add=remembered) if remembered else None


def _line_maker(event_id: str, profile: ProfileFacts) -> Callable[..., EventLine]:
    def line(kind: str, at: str, **facts: Any) -> EventLine:
        return EventLine(
            **{
                "event_id": event_id,
                "at": at,
                "kind": kind,
                "candidate_id": profile.candidate_id,
                "channel": profile.channel,
                "country": profile.country,
                **facts,
            }
        )

    return line


# --- timeline entries: email events ----------------------------------------------------------------------


def _email_event(entry: _Entry) -> str | None:
    event = EMAIL_EVENT_OF_KIND.get(entry.kind)
    link = entry.data.get("link")
    if event == "clicked" and isinstance(link, str) and is_self_service_link(link):
        return None  # following our unsubscribe or preferences link is not interest in what we wrote
    return event


def email_message(change: StreamChange) -> str | None:
    """The message id of an email event counted once per email; None for the other entries."""
    entry = read_image(_Entry, change.image)
    message_id = entry.data.get("message_id")
    if _email_event(entry) in ONCE_PER_EMAIL and isinstance(message_id, str) and message_id:
        return message_id
    return None


def _step(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _sent_day(entry: _Entry) -> date:
    """The day the entry's email was sent: SES events carry the send time as `sent_at`, our own entry is it."""
    sent_at = entry.data.get("sent_at")
    return _day(sent_at if isinstance(sent_at, str) and sent_at else entry.at)


def timeline_update(change: StreamChange, *, email: EmailState | None = None) -> tuple[CounterUpdate, list[EventLine]]:
    """The counters and log line of a new timeline entry: email events, unsubscribes; nothing for the rest.

    `email`: what is counted of this entry's email so far (events counted once per email). The entry counts
    its event and the events it implies that are not counted yet, all on the email's day, so a second open
    counts nothing and only the log line remains.
    """
    entry = read_image(_Entry, change.image)
    event = _email_event(entry)
    if event is None:
        return CounterUpdate(), []
    sequence_id = entry.data.get("sequence_id")
    sequence_id = str(sequence_id) if sequence_id not in (None, "") else None
    step = _step(entry.data.get("step"))
    line = EventLine(
        event_id=change.event_id,
        at=entry.at,
        kind=entry.kind if event == "unsubscribed" else f"email_{event}",
        candidate_id=entry.candidate_id,
        sequence_id=sequence_id,
        step=step,
    )
    message_id = email_message(change)
    if message_id is None:
        return CounterUpdate(deltas={_daily(_day(entry.at), "email", event, sequence_id, step): 1}), [line]
    state = email or EmailState()
    day = state.day or _sent_day(entry).isoformat()
    events = [e for e in (event, *IMPLIED_EVENTS[event]) if e not in state.counted]
    deltas = {_daily(date.fromisoformat(day), "email", e, sequence_id, step): 1 for e in events}
    claims = tuple(EmailClaim(message_id, e, day) for e in events)
    return CounterUpdate(deltas=deltas, emails=claims), [line]


# --- one batch -------------------------------------------------------------------------------------------


class AggregateStore(Protocol):
    """What the consumer needs from the table (talentpool.adapters.aws.aggregates.AggregateStore)."""

    def seen(self, event_id: str) -> bool: ...

    def seeded_segments(self) -> list[SeededSegment]: ...

    def reached(self, candidate_id: str) -> frozenset[str]: ...

    def email_state(self, message_id: str) -> EmailState: ...

    def apply(self, event_id: str, update: CounterUpdate, *, now: datetime) -> bool: ...


_in_flight = threading.local()


@contextmanager
def _exclusive(event_id: str) -> Iterator[bool]:
    """True unless this thread is already handling `event_id` further up the stack.

    moto (the local runtime and tests) delivers stream records to the consumer synchronously, inside the
    write that made them, with every record since the last delivery: our own counter write re-delivers the
    record being handled, nested in this very call. In AWS each delivery is its own invocation, so this
    never matches there. Thread-local, because the nesting is in one thread.
    """
    active: set[str] = getattr(_in_flight, "event_ids", None) or set()
    _in_flight.event_ids = active
    if event_id in active:
        yield False
        return
    active.add(event_id)
    try:
        yield True
    finally:
        active.discard(event_id)


@dataclass(frozen=True)
class Settings:
    consent_months: int  # how long confirmed consent lasts (cdk.json retention_months)


class Aggregation:
    """One invocation's work: saved segments read once, each record applied once, log lines collected."""

    def __init__(
        self, store: AggregateStore, index: IndexReader, settings: Settings, now: Callable[[], datetime]
    ) -> None:
        self.store = store
        self.index = index
        self.settings = settings
        self.now = now
        self.lines: list[EventLine] = []
        self.erased: set[str] = set()  # candidates whose profile this batch saw removed: their lines must go
        self._segments: list[SeededSegment] | None = None

    @property
    def segments(self) -> list[SeededSegment]:
        if self._segments is None:
            self._segments = self.store.seeded_segments()
        return self._segments

    def handle(self, change: StreamChange) -> Outcome:
        """Count one stream record, once; its log lines join `lines` only when it was handled."""
        kind = relevance(change)
        if kind is None:
            return Outcome.IGNORED
        if kind == PROFILE and change.new is None:
            # Also when the record was counted before: a redelivered erasure still owes the event log its cleanup.
            self.erased.add(str(change.image.get("candidate_id")))
        with _exclusive(change.event_id) as mine:
            if not mine:
                return Outcome.IN_FLIGHT
            if kind == SEGMENT:
                return self._seed(change)
            if kind == PROFILE:
                update, lines = self._profile(change)
            else:
                update, lines = self._timeline(change)
            outcome = self._apply(change.event_id, update)
            self.lines.extend(lines)
            return outcome

    def _profile(self, change: StreamChange) -> tuple[CounterUpdate, list[EventLine]]:
        gained = steps_gained(change)
        # Only a change that shows a new funnel step needs to know which steps were reached before.
        reached = self.store.reached(str(change.image.get("candidate_id"))) if gained - {CAPTURED} else frozenset()
        return profile_update(
            change, segments=self.segments, reached_before=reached, consent_months=self.settings.consent_months
        )

    def _timeline(self, change: StreamChange) -> tuple[CounterUpdate, list[EventLine]]:
        message_id = email_message(change)
        return timeline_update(change, email=self.store.email_state(message_id) if message_id else None)

    def _apply(self, event_id: str, update: CounterUpdate) -> Outcome:
        if update.empty:
            return Outcome.UNCHANGED
        applied = self.store.apply(event_id, update, now=self.now())
        return Outcome.COUNTED if applied else Outcome.DUPLICATE

    def _seed(self, change: StreamChange) -> Outcome:
        """A new segment: count its members from the index now, and follow every later change."""
        segment = read_image(Segment, change.image)
        if self.store.seen(change.event_id):
            self._segments = None  # re-read: the stored seed is the one that counts
            return Outcome.DUPLICATE
        since = self.now().timestamp()
        count, _ = count_matching(self.index, segment.filter)
        seed = SegmentSeed(segment.segment_id, count, since)
        outcome = self._apply(change.event_id, CounterUpdate(seed=seed))
        if outcome is Outcome.COUNTED:
            others = [s for s in self.segments if s.segment_id != segment.segment_id]
            self._segments = [*others, SeededSegment(segment.segment_id, segment.filter, since)]
        else:
            self._segments = None
        return outcome


def batch_name(event_ids: Sequence[str]) -> str:
    """The event-log object name for a batch: the same records, in the same order, give the same name, so a
    redelivered batch overwrites its own objects instead of adding copies."""
    return hashlib.sha256("\n".join(event_ids).encode()).hexdigest()[:32]


# --- the event log, and erasure ----------------------------------------------------------------------------


class EventLogFiles(Protocol):
    """The event-log objects in the reports bucket (talentpool.adapters.aws.event_log.EventLog)."""

    def write(self, name: str, lines: Sequence[EventLine]) -> list[str]: ...

    def rewrite_without(self, key: str, candidate_id: str) -> None: ...


class EventLogRefs(Protocol):
    """Which objects hold a candidate's lines (talentpool.adapters.aws.event_log.EventLogRefs)."""

    def remember(self, keys_by_candidate: Mapping[str, set[str]]) -> None: ...

    def keys_of(self, candidate_id: str) -> list[str]: ...

    def forget(self, candidate_id: str, keys: Sequence[str]) -> None: ...


def keep_event_log(
    name: str, lines: Sequence[EventLine], erased: Iterable[str], files: EventLogFiles, refs: EventLogRefs
) -> None:
    """Write a batch's lines, and take every line of the candidates it erased out of the log.

    The stream delivers a candidate's changes in order, so when their profile's removal arrives, every line
    about them is in an object already written (its key remembered) or in this batch (dropped here). Each of
    those objects is written again without their lines, so after an erasure no object in the bucket holds
    their id. A key is remembered before its object is written: a reference to an object that never came is
    harmless, an object nobody can find is not.
    """
    gone = set(erased)
    for candidate_id in sorted(gone):
        keys = refs.keys_of(candidate_id)
        for key in keys:
            files.rewrite_without(key, candidate_id)
        refs.forget(candidate_id, keys)
    kept = [line for line in lines if line.candidate_id not in gone]
    keys_by_candidate: dict[str, set[str]] = {}
    for line in kept:
        if line.candidate_id:
            keys_by_candidate.setdefault(line.candidate_id, set()).add(agg.event_log_key(line.day, name))
    refs.remember(keys_by_candidate)
    files.write(name, kept)
