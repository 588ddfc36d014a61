"""The report aggregates in the table: applying one stream record's counter update exactly once, and reading.

Exactly once. Each record's update is one TransactWriteItems: a Put of the marker
`STREAMSEEN#<eventID>` (condition attribute_not_exists, expiring after SEEN_FOR) plus the counters' ADDs.
A redelivered record fails the marker's condition and changes nothing. An update over the 100-item
transaction limit (a change that moves many segments) is split into parts of 99 writes, each with its own
marker `STREAMSEEN#<eventID>` / `<part>`; the parts are in a fixed order (sorted counter keys), so a retry
after a part failed skips the parts already applied and applies the rest. The last part's marker is read
first: a record whose every part is applied costs one read and no failed transaction.

Reads (for the report and tests): read_totals, read_day, read_expiry; each is one partition query.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from talentpool.adapters.aws import codec, segments
from talentpool.adapters.aws.schema import PK, SK, TTL_ATTRIBUTE
from talentpool.adapters.aws.table import Table, TransactionCancelled, Write
from talentpool.models import aggregates as agg
from talentpool.models.aggregate_changes import (
    CounterKey,
    CounterUpdate,
    EmailClaim,
    EmailState,
    SeededSegment,
    StreamChange,
)
from talentpool.models.search import Segment

# DynamoDB keeps stream records for 24 hours: a marker that outlives that outlives every redelivery.
SEEN_FOR = timedelta(days=3)
# SES reports opens and clicks for as long as people read their mail; a year and a bit covers nearly all.
EMAIL_CLAIM_FOR = timedelta(days=400)
TRANSACTION_LIMIT = 100
ENTITY = "aggregate"
FUNNEL_SK = "REACHED"
REACHED = "reached"  # the funnel mark's string set of steps
EMAIL_DAY = "day"  # on an email claim: the day (yyyy-mm-dd) every event of the email counts on


def seen_key(event_id: str, part: int = 0) -> dict[str, str]:
    return {PK: f"{agg.SEEN_PREFIX}{event_id}", SK: f"{part:03d}"}


def funnel_key(candidate_id: str) -> dict[str, str]:
    return {PK: f"{agg.FUNNEL_PREFIX}{candidate_id}", SK: FUNNEL_SK}


def email_pk(message_id: str) -> str:
    return f"{agg.EMAIL_PREFIX}{message_id}"


def email_key(claim: EmailClaim) -> dict[str, str]:
    return {PK: email_pk(claim.message_id), SK: claim.event}


def _expiry(now: datetime, ttl: timedelta) -> int:
    return int((now + ttl).timestamp())


def stream_change(record: Mapping[str, Any]) -> StreamChange:
    """A DynamoDB stream record, as Lambda delivers it, with its images as plain values."""
    body = record["dynamodb"]
    keys = codec.from_item(body["Keys"])
    return StreamChange(
        event_id=str(record["eventID"]),
        event_name=record["eventName"],
        pk=str(keys[PK]),
        sk=str(keys.get(SK, "")),
        # Seconds since the epoch; AWS sends whole seconds, moto fractions. Both are DynamoDB's clock.
        at=datetime.fromtimestamp(float(body["ApproximateCreationDateTime"]), UTC),
        old=codec.from_item(body["OldImage"]) if "OldImage" in body else None,
        new=codec.from_item(body["NewImage"]) if "NewImage" in body else None,
    )


def _counter_write(key: CounterKey, delta: int) -> Write:
    return Write(
        "Update",
        {PK: key[0], SK: key[1]},
        update="ADD #n :delta SET #entity = :entity",
        names={"#n": agg.COUNT, "#entity": "entity"},
        values={":delta": delta, ":entity": ENTITY},
    )


def _bookkeeping(update: CounterUpdate, now: datetime) -> list[Write]:
    """The writes besides counter ADDs; they go in the first part, so they happen with its counters."""
    writes: list[Write] = []
    for claim in update.emails:
        # Two reports of one email event racing: the second fails this condition and counts nothing.
        item = {"entity": ENTITY, EMAIL_DAY: claim.day, TTL_ATTRIBUTE: _expiry(now, EMAIL_CLAIM_FOR)}
        writes.append(Write("Put", email_key(claim), item=item, condition="attribute_not_exists(pk)"))
    if update.funnel is not None and update.funnel.forget:
        writes.append(Write("Delete", funnel_key(update.funnel.candidate_id)))
    elif update.funnel is not None and update.funnel.add:
        writes.append(
            Write(
                "Update",
                funnel_key(update.funnel.candidate_id),
                update="ADD #reached :steps SET #entity = :entity",
                names={"#reached": REACHED, "#entity": "entity"},
                values={":steps": set(update.funnel.add), ":entity": ENTITY},
            )
        )
    if update.seed is not None:
        key = (agg.TOTAL_PK, agg.metric_key("segment", update.seed.segment_id))
        item = {agg.COUNT: update.seed.count, agg.SINCE: update.seed.since, "entity": ENTITY}
        writes.append(Write("Put", {PK: key[0], SK: key[1]}, item=item))
    return writes


def transaction_parts(update: CounterUpdate, now: datetime) -> list[list[Write]]:
    """The update's writes in transactions of at most 99 (each also carries its marker), in a fixed order."""
    writes = _bookkeeping(update, now) + [_counter_write(k, d) for k, d in sorted(update.deltas.items())]
    size = TRANSACTION_LIMIT - 1
    return [writes[i : i + size] for i in range(0, len(writes), size)] or [[]]


class AggregateStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    # --- the stream consumer ---------------------------------------------------------------------------

    def seen(self, event_id: str, part: int = 0) -> bool:
        return self.table.get(seen_key(event_id, part)) is not None

    def apply(self, event_id: str, update: CounterUpdate, *, now: datetime) -> bool:
        """Apply `update` once for this stream record. False when an earlier delivery already applied it
        (or another record counted the same email event first)."""
        parts = transaction_parts(update, now)
        if self.seen(event_id, len(parts) - 1):
            return False
        marker = {"entity": ENTITY, TTL_ATTRIBUTE: _expiry(now, SEEN_FOR)}
        applied = False
        for index, writes in enumerate(parts):
            seen = Write("Put", seen_key(event_id, index), item=marker, condition="attribute_not_exists(pk)")
            try:
                self.table.transact([seen, *writes])
            except TransactionCancelled as exc:
                if exc.failed_at(0):
                    continue  # this part was applied by an earlier delivery
                if any(exc.failed_at(1 + n) for n in range(len(update.emails))):
                    return False  # the email's event was counted by another record
                raise
            applied = True
        return applied

    def reached(self, candidate_id: str) -> frozenset[str]:
        item = self.table.get(funnel_key(candidate_id))
        return frozenset(item.get(REACHED, [])) if item else frozenset()

    def email_state(self, message_id: str) -> EmailState:
        """The events of one email counted so far, and their day: one query of its claims."""
        items = list(self.table.query_all(email_pk(message_id), consistent=True))
        days = sorted(str(i[EMAIL_DAY]) for i in items if i.get(EMAIL_DAY))
        return EmailState(day=days[0] if days else None, counted=frozenset(str(i[SK]) for i in items))

    def seeded_segments(self) -> list[SeededSegment]:
        """Saved segments with a counter: the directory (one small partition) joined to their seeds."""
        seeds = {
            agg.parse_key(str(item[SK]))[1][0]: float(item[agg.SINCE])
            for item in self.table.query_all(agg.TOTAL_PK, sk_prefix="segment#", consistent=True)
            if agg.SINCE in item
        }
        listed = (Segment.model_validate(item) for item in self.table.query_all(segments.DIRECTORY, consistent=True))
        return [SeededSegment(s.segment_id, s.filter, seeds[s.segment_id]) for s in listed if s.segment_id in seeds]

    # --- reads ------------------------------------------------------------------------------------------

    def _counters(self, pk: str, **kwargs: Any) -> dict[str, int]:
        return {str(i[SK]): int(i.get(agg.COUNT, 0)) for i in self.table.query_all(pk, **kwargs)}

    def read_totals(self) -> dict[str, int]:
        """AGG#TOTAL: metric path -> count (pool, consent, stage, reached, segment, capture_to_applied)."""
        return self._counters(agg.TOTAL_PK)

    def read_day(self, day: date) -> dict[str, int]:
        """AGG#DAY#<day>: metric path -> count of what happened that UTC day; empty for a quiet day."""
        return self._counters(agg.day_pk(day))

    def read_expiry(self, first: date, last: date) -> dict[date, int]:
        """Active consents by the day they expire, from `first` to `last` inclusive."""
        counters = self._counters(agg.EXPIRY_PK, sk_between=(first.isoformat(), last.isoformat()))
        return {date.fromisoformat(day): n for day, n in counters.items()}


def nonzero(counters: Mapping[str, int]) -> dict[str, int]:
    """Counters without the zeros a decrement leaves behind (an erased candidate's stage, say)."""
    return {key: n for key, n in counters.items() if n}
