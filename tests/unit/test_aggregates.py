"""Aggregates logic: what each stream record adds to the report counters, and its event-log line (no AWS)."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from talentpool.adapters.aws.aggregates import stream_change, transaction_parts
from talentpool.clock import isoformat
from talentpool.models import aggregates as agg
from talentpool.models.aggregate_changes import (
    CounterUpdate,
    EmailClaim,
    EmailState,
    EventLine,
    SeededSegment,
    StreamChange,
)
from talentpool.models.candidate import Location, Source
from talentpool.models.search import CandidateFilter
from tests import stream_records as sr

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
DAY0 = agg.day_pk(T0.date())
PII = ("ana.silva@example.com", "Ana", "Silva", "+351 912 345 678")


def change(raw: dict[str, Any]) -> StreamChange:
    """Through the same parser the handler uses: DynamoDB JSON in, plain values out."""
    return stream_change(raw)


class FakeStore:
    """The consumer's store port in memory: counters, markers, funnel marks and email claims."""

    def __init__(self, segments: list[SeededSegment] | None = None) -> None:
        self.counters: dict[tuple[str, str], int] = {}
        self.applied: set[str] = set()
        self.funnel: dict[str, frozenset[str]] = {}
        self.claims: set[EmailClaim] = set()
        self.segments = segments or []
        self.segment_reads = 0

    def seen(self, event_id: str) -> bool:
        return event_id in self.applied

    def seeded_segments(self) -> list[SeededSegment]:
        self.segment_reads += 1
        return list(self.segments)

    def reached(self, candidate_id: str) -> frozenset[str]:
        return self.funnel.get(candidate_id, frozenset())

    def email_state(self, message_id: str) -> EmailState:
        mine = [c for c in self.claims if c.message_id == message_id]
        return EmailState(day=min((c.day for c in mine), default=None), counted=frozenset(c.event for c in mine))

    def apply(self, event_id: str, update: CounterUpdate, *, now: datetime) -> bool:
        if event_id in self.applied:
            return False
        self.applied.add(event_id)
        for key, delta in update.deltas.items():
            self.counters[key] = self.counters.get(key, 0) + delta
        if update.funnel and update.funnel.forget:
            self.funnel.pop(update.funnel.candidate_id, None)
        elif update.funnel:
            self.funnel[update.funnel.candidate_id] = self.reached(update.funnel.candidate_id) | update.funnel.add
        self.claims.update(update.emails)
        if update.seed:
            self.counters[(agg.TOTAL_PK, f"segment#{update.seed.segment_id}")] = update.seed.count
        return True

    def nonzero(self) -> dict[tuple[str, str], int]:
        return {k: n for k, n in self.counters.items() if n}


class NoIndex:
    def read(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("no segment is created in this test")

    def accepts(self, *args: Any) -> bool:
        return False


def aggregation(store: FakeStore, now: datetime = T0) -> Any:
    from talentpool.logic.reports.aggregates import Aggregation, Settings

    return Aggregation(store, NoIndex(), Settings(consent_months=24), now=lambda: now)


def handle(store: FakeStore, *raws: dict[str, Any]) -> tuple[list[str], list[EventLine]]:
    run = aggregation(store)
    outcomes = [run.handle(change(raw)).value for raw in raws]
    return outcomes, run.lines


# --- profiles --------------------------------------------------------------------------------------------


def test_a_capture_counts_by_channel_utm_and_country_on_its_day_and_joins_the_totals():
    store = FakeStore()
    ana = sr.candidate(T0)

    outcomes, lines = handle(store, sr.insert(sr.profile(ana), at=T0 + timedelta(days=3)))

    assert outcomes == ["counted"]
    assert store.nonzero() == {
        (DAY0, "captured#channel#careers_site"): 1,
        (DAY0, "captured#utm_source#linkedin"): 1,
        (DAY0, "captured#country#PT"): 1,
        (agg.TOTAL_PK, "pool#total"): 1,
        (agg.TOTAL_PK, "consent#pending"): 1,
        (agg.TOTAL_PK, "stage#lead"): 1,
        (agg.TOTAL_PK, "reached#captured#careers_site"): 1,
    }, "the day is the capture's own, not the day the stream was read"
    [line] = lines
    assert (line.kind, line.at, line.candidate_id, line.channel, line.country, line.stage_to) == (
        "captured",
        isoformat(T0),
        ana.candidate_id,
        "careers_site",
        "PT",
        "lead",
    )


def test_a_capture_without_utm_or_country_counts_them_as_none():
    store = FakeStore()
    ana = sr.candidate(T0, location=None, source=Source(channel="event"))

    handle(store, sr.insert(sr.profile(ana), at=T0))

    assert store.counters[(DAY0, f"captured#utm_source#{agg.NONE}")] == 1
    assert store.counters[(DAY0, f"captured#country#{agg.NONE}")] == 1


def test_confirmation_counts_once_per_day_moves_consent_and_sets_the_expiry_24_months_on():
    store = FakeStore()
    ana = sr.candidate(T0)
    later = T0 + timedelta(days=1, hours=2)
    yes = sr.confirmed(ana, later)

    _, lines = handle(store, sr.insert(sr.profile(ana), at=T0), sr.modify(sr.profile(ana), sr.profile(yes), at=later))

    day1 = agg.day_pk(later.date())
    assert store.counters[(day1, "confirmed#careers_site")] == 1
    assert store.counters[(agg.TOTAL_PK, "consent#pending")] == 0
    assert store.counters[(agg.TOTAL_PK, "consent#active")] == 1
    assert store.counters[(agg.TOTAL_PK, "reached#confirmed#careers_site")] == 1
    assert store.counters[(agg.EXPIRY_PK, "2028-11-03")] == 1
    assert [line.kind for line in lines] == ["captured", "confirmed"]
    assert store.funnel[ana.candidate_id] == {"confirmed"}


def test_confirming_again_after_a_withdrawal_is_a_confirmation_but_not_a_second_funnel_step():
    store = FakeStore()
    ana = sr.candidate(T0)
    store.funnel[ana.candidate_id] = frozenset({"confirmed"})  # confirmed once, unsubscribed, signed up again
    again = sr.confirmed(ana, T0 + timedelta(hours=1))

    handle(store, sr.modify(sr.profile(ana), sr.profile(again), at=T0))

    assert store.counters[(DAY0, "confirmed#careers_site")] == 1
    assert (agg.TOTAL_PK, "reached#confirmed#careers_site") not in store.counters


def test_a_lead_applying_straight_away_has_been_confirmed_and_engaged_too_and_the_wait_is_counted_once():
    store = FakeStore()
    ana = sr.candidate(T0)
    applied_at = T0 + timedelta(days=12, hours=5)
    applied = sr.moved(ana, "applied", applied_at)

    _, lines = handle(store, sr.modify(sr.profile(ana), sr.profile(applied), at=applied_at))

    day = agg.day_pk(applied_at.date())
    assert store.nonzero() == {
        (day, "stage_exited#lead#careers_site"): 1,
        (day, "stage_entered#applied#careers_site"): 1,
        (agg.TOTAL_PK, "stage#lead"): -1,
        (agg.TOTAL_PK, "stage#applied"): 1,
        (agg.TOTAL_PK, "reached#confirmed#careers_site"): 1,
        (agg.TOTAL_PK, "reached#engaged#careers_site"): 1,
        (agg.TOTAL_PK, "reached#applied#careers_site"): 1,
        (agg.TOTAL_PK, "capture_to_applied#0012"): 1,
    }, "each funnel step implies those before it, so no step ever counts more than the one before"
    [line] = lines
    assert (line.kind, line.stage_from, line.stage_to) == ("stage_changed", "lead", "applied")


def test_re_entering_the_funnel_moves_stages_but_reaches_nothing_again():
    store = FakeStore()
    ana = sr.moved(sr.candidate(T0), "nurtured", T0)
    store.funnel[ana.candidate_id] = frozenset({"engaged", "applied"})  # applied, then rejected, now nurtured
    again = sr.moved(ana, "interviewing", T0 + timedelta(days=1))

    handle(store, sr.modify(sr.profile(ana), sr.profile(again), at=T0))

    assert not [k for k in store.nonzero() if k[1].startswith(("reached#", "capture_to_applied#"))]
    assert store.counters[(agg.TOTAL_PK, "stage#interviewing")] == 1


def test_erasure_counts_on_the_day_it_happened_and_takes_the_candidate_out_of_every_total():
    store = FakeStore()
    ana = sr.candidate(T0)
    yes = sr.confirmed(ana, T0)
    erased_at = T0 + timedelta(days=40)
    store.funnel[ana.candidate_id] = frozenset({"confirmed"})

    _, lines = handle(
        store,
        sr.insert(sr.profile(ana), at=T0),
        sr.modify(sr.profile(ana), sr.profile(yes), at=T0),
        sr.remove(sr.profile(yes), at=erased_at),
    )

    assert store.counters[(agg.day_pk(erased_at.date()), "erased")] == 1
    for gauge in ("pool#total", "consent#active", "stage#lead"):
        assert store.counters[(agg.TOTAL_PK, gauge)] == 0
    assert store.counters[(agg.EXPIRY_PK, "2028-11-02")] == 0
    assert store.counters[(agg.TOTAL_PK, "reached#captured#careers_site")] == 1, "the funnel records history"
    assert ana.candidate_id not in store.funnel, "the funnel mark goes with the profile"
    assert lines[-1].kind == "erased" and lines[-1].at.startswith(erased_at.date().isoformat())
    assert lines[-1].candidate_id is None, "the erasure's own line must not name who was erased"


def test_a_new_confirmation_date_moves_the_consent_expiry():
    store = FakeStore()
    yes = sr.confirmed(sr.candidate(T0), T0)
    store.funnel[yes.candidate_id] = frozenset({"confirmed"})
    consent = yes.consent.model_copy(update={"confirmed_at": "2027-01-31T10:00:00.000Z"})
    again = yes.model_copy(update={"consent": consent, "updated_at": "2027-01-31T10:00:00.000Z"})

    handle(store, sr.modify(sr.profile(yes), sr.profile(again), at=T0))

    assert store.nonzero() == {(agg.EXPIRY_PK, "2028-11-02"): -1, (agg.EXPIRY_PK, "2029-01-31"): 1}


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2026, 11, 2), 24, date(2028, 11, 2)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
    ],
)
def test_consent_lasts_whole_months_clamped_to_the_months_end(day, months, expected):
    from talentpool.logic.reports.aggregates import add_months

    assert add_months(day, months) == expected


def test_segment_membership_follows_each_change_after_the_segment_was_seeded():
    python_pt = SeededSegment("SEG1", CandidateFilter(skills=["python"], country="PT"), since=T0.timestamp())
    engaged_only = SeededSegment("SEG2", CandidateFilter(stage="engaged"), since=T0.timestamp())
    store = FakeStore([python_pt, engaged_only])
    ana = sr.candidate(T0)
    in_berlin = ana.model_copy(update={"location": Location(city="Berlin", country="DE"), "version": 2})

    handle(
        store,
        sr.insert(sr.profile(ana), at=T0 + timedelta(seconds=1)),
        sr.modify(sr.profile(ana), sr.profile(in_berlin), at=T0 + timedelta(seconds=2)),
    )

    assert store.counters[(agg.TOTAL_PK, "segment#SEG1")] == 0  # joined, then left
    assert (agg.TOTAL_PK, "segment#SEG2") not in store.counters


def test_changes_before_a_segment_was_seeded_are_already_in_its_seed():
    seeded_later = SeededSegment(
        "SEG1", CandidateFilter(skills=["python"]), since=(T0 + timedelta(minutes=5)).timestamp()
    )
    store = FakeStore([seeded_later])

    handle(store, sr.insert(sr.profile(sr.candidate(T0)), at=T0))

    assert (agg.TOTAL_PK, "segment#SEG1") not in store.counters


def test_saved_segments_are_read_once_per_batch_and_not_at_all_without_profiles():
    store = FakeStore()
    run = aggregation(store)
    for n in range(3):
        run.handle(change(sr.insert(sr.profile(sr.candidate(T0 + timedelta(minutes=n))), at=T0)))
    run.handle(change(sr.insert(sr.timeline("01JCANDIDATE0000000000000", "note", T0, text="x"), at=T0)))

    assert store.segment_reads == 1
    only_timeline = FakeStore()
    handle(only_timeline, sr.insert(sr.timeline("C", "email_sent", T0, sequence_id="s", step=1), at=T0))
    assert only_timeline.segment_reads == 0


@pytest.mark.parametrize(("value", "months"), [(None, 24), ("", 24), ("36", 36)])
def test_consent_months_come_from_the_environment_and_default_to_24(value, months):
    from talentpool.config import AggregatesEnv

    environ = {"TABLE_NAME": "t", "REPORTS_BUCKET": "b", **({"CONSENT_MONTHS": value} if value is not None else {})}

    assert AggregatesEnv.from_environ(environ).consent_months == months


def test_consent_months_must_be_a_sensible_number():
    from pydantic import ValidationError

    from talentpool.config import AggregatesEnv

    with pytest.raises(ValidationError):
        AggregatesEnv.from_environ({"TABLE_NAME": "t", "REPORTS_BUCKET": "b", "CONSENT_MONTHS": "0"})


# --- timeline entries: email events ----------------------------------------------------------------------


def test_email_events_count_per_sequence_and_step_on_the_day_they_happened():
    store = FakeStore()
    sent_at = T0 + timedelta(days=2)
    cid = "01JCANDIDATE0000000000000"

    _, lines = handle(
        store,
        sr.insert(
            sr.timeline(cid, "email_sent", sent_at, sequence_id="welcome", version=1, step=2, message_id="m1"), at=T0
        ),
        sr.insert(sr.timeline(cid, "email_delivered", sent_at, sequence_id="welcome", step=2, message_id="m1"), at=T0),
        sr.insert(sr.timeline(cid, "email_opened", sent_at, sequence_id="welcome", step=2, message_id="m1"), at=T0),
        sr.insert(sr.timeline(cid, "email_sent", sent_at, email="notice", message_id="m2"), at=T0),
        sr.insert(sr.timeline(cid, "unsubscribed", sent_at, via="one_click"), at=T0),
    )

    day = agg.day_pk(sent_at.date())
    assert store.nonzero() == {
        (day, "email#sent#welcome#2"): 1,
        (day, "email#delivered#welcome#2"): 1,
        (day, "email#opened#welcome#2"): 1,
        (day, f"email#sent#{agg.NONE}#{agg.NONE}"): 1,
        (day, f"email#unsubscribed#{agg.NONE}#{agg.NONE}"): 1,
    }
    assert [(line.kind, line.sequence_id, line.step) for line in lines] == [
        ("email_sent", "welcome", 2),
        ("email_delivered", "welcome", 2),
        ("email_opened", "welcome", 2),
        ("email_sent", None, None),
        ("unsubscribed", None, None),
    ]


def test_an_email_opened_twice_counts_once_but_both_opens_are_in_the_log():
    store = FakeStore()
    cid = "01JCANDIDATE0000000000000"
    first = sr.timeline(cid, "email_opened", T0, sequence_id="welcome", step=1, message_id="m1")
    second = sr.timeline(cid, "email_opened", T0 + timedelta(hours=3), sequence_id="welcome", step=1, message_id="m1")

    outcomes, lines = handle(store, sr.insert(first, at=T0), sr.insert(second, at=T0))

    assert outcomes == ["counted", "unchanged"]
    assert store.nonzero() == {
        (DAY0, "email#opened#welcome#1"): 1,
        (DAY0, "email#delivered#welcome#1"): 1,  # an opened email was delivered, and sent
        (DAY0, "email#sent#welcome#1"): 1,
    }
    assert len(lines) == 2


def test_every_event_of_an_email_counts_on_the_day_it_was_sent_so_a_window_never_splits_it():
    # Given an email sent just before midnight, delivered and opened after it
    store = FakeStore()
    cid = "01JCANDIDATE0000000000000"
    sent_at = datetime(2026, 11, 2, 23, 59, 59, 900_000, tzinfo=UTC)
    later = sent_at + timedelta(seconds=1)
    ids = {"sequence_id": "welcome", "step": 0, "message_id": "m1"}

    # When its events arrive, the SES ones carrying the send time
    handle(
        store,
        sr.insert(sr.timeline(cid, "email_sent", sent_at, **ids), at=sent_at),
        sr.insert(sr.timeline(cid, "email_delivered", later, sent_at=isoformat(sent_at), **ids), at=later),
        sr.insert(
            sr.timeline(cid, "email_opened", later + timedelta(days=1), sent_at=isoformat(sent_at), **ids), at=later
        ),
    )

    # Then all of them count on the day it was sent
    day = agg.day_pk(sent_at.date())
    assert store.nonzero() == {
        (day, "email#sent#welcome#0"): 1,
        (day, "email#delivered#welcome#0"): 1,
        (day, "email#opened#welcome#0"): 1,
    }


def test_an_email_with_no_sent_entry_is_counted_sent_by_its_delivery():
    # Given a confirmation email, which its sender records nowhere: only SES's delivery says it went
    store = FakeStore()
    delivered = sr.timeline("C", "email_delivered", T0, email="confirmation", message_id="m9", sent_at=isoformat(T0))

    handle(store, sr.insert(delivered, at=T0))

    assert store.nonzero() == {
        (DAY0, f"email#delivered#{agg.NONE}#{agg.NONE}"): 1,
        (DAY0, f"email#sent#{agg.NONE}#{agg.NONE}"): 1,
    }


def test_a_click_with_images_blocked_is_an_open_and_the_open_reported_later_counts_nothing_new():
    store = FakeStore()
    ids = {"sequence_id": "welcome", "step": 1, "message_id": "m1"}

    outcomes, _ = handle(
        store,
        sr.insert(sr.timeline("C", "email_clicked", T0, link="https://acme.example/jobs", **ids), at=T0),
        sr.insert(sr.timeline("C", "email_opened", T0, **ids), at=T0),
        sr.insert(sr.timeline("C", "email_delivered", T0, **ids), at=T0),
        sr.insert(sr.timeline("C", "email_sent", T0, **ids), at=T0),
    )

    assert outcomes == ["counted", "unchanged", "unchanged", "unchanged"]
    assert store.nonzero() == {(DAY0, f"email#{e}#welcome#1"): 1 for e in ("clicked", "opened", "delivered", "sent")}


def test_a_click_on_our_unsubscribe_link_is_not_a_click():
    store = FakeStore()
    link = "https://talent.example.com/unsubscribe"
    entry = sr.timeline("C", "email_clicked", T0, sequence_id="welcome", step=1, message_id="m1", link=link)

    outcomes, lines = handle(store, sr.insert(entry, at=T0))

    assert outcomes == ["unchanged"] and not store.counters and not lines


def test_other_timeline_entries_and_later_changes_to_entries_count_nothing():
    store = FakeStore()
    note = sr.timeline("C", "note", T0, text="Ana called about the Lisbon role")
    sent = sr.timeline("C", "email_sent", T0, sequence_id="welcome", step=1, message_id="m1")

    outcomes, lines = handle(store, sr.insert(note, at=T0), sr.modify(sent, {**sent, "published": True}, at=T0))

    assert outcomes == ["unchanged", "ignored"] and not store.counters and not lines


# --- what is ignored, and exactly once --------------------------------------------------------------------


@pytest.mark.parametrize(
    "item",
    [
        {"pk": "AGG#TOTAL", "sk": "pool#total", "n": 3, "entity": "aggregate"},
        {"pk": "STREAMSEEN#abc", "sk": "000", "entity": "aggregate"},
        {"pk": "AGG#FUNNEL#C", "sk": "REACHED", "entity": "aggregate"},
        {"pk": "IDEMPOTENCY#capture", "sk": "hash", "data": "{}"},
        {"pk": "EMAIL#ana.silva@example.com", "sk": "GUARD", "candidate_id": "C", "entity": "email_guard"},
        {"pk": "SKILL#python", "sk": "06#C", "entity": "skill_index", "candidate_id": "C"},
    ],
)
def test_the_consumers_own_items_and_everything_not_counted_is_ignored(item):
    store = FakeStore()

    outcomes, lines = handle(store, sr.insert(item, at=T0))

    assert outcomes == ["ignored"] and not store.applied and not lines


def test_a_redelivered_record_counts_nothing_but_still_has_its_log_line():
    store = FakeStore()
    raw = sr.insert(sr.profile(sr.candidate(T0)), at=T0)

    first, _ = handle(store, raw)
    before = dict(store.counters)
    second, lines = handle(store, raw)

    assert (first, second) == (["counted"], ["duplicate"])
    assert store.counters == before
    assert [line.kind for line in lines] == ["captured"], "a redelivered batch writes the same log object again"


def test_a_record_delivered_again_from_inside_its_own_handling_is_skipped():
    from talentpool.logic.reports.aggregates import Aggregation, Settings

    raw = sr.insert(sr.profile(sr.candidate(T0)), at=T0)
    nested: list[str] = []

    class ReentrantStore(FakeStore):
        """moto delivers the stream synchronously inside our write: the record comes back mid-apply."""

        def apply(self, event_id: str, update: CounterUpdate, *, now: datetime) -> bool:
            inner = Aggregation(self, NoIndex(), Settings(consent_months=24), now=lambda: now)
            nested.append(inner.handle(change(raw)).value)
            return super().apply(event_id, update, now=now)

    store = ReentrantStore()
    run = Aggregation(store, NoIndex(), Settings(consent_months=24), now=lambda: T0)

    assert run.handle(change(raw)).value == "counted"
    assert nested == ["in_flight"]
    assert store.counters[(agg.TOTAL_PK, "pool#total")] == 1


def test_an_unreadable_image_fails_without_quoting_what_it_held():
    from talentpool.logic.reports.aggregates import MalformedRecord

    broken = {**sr.profile(sr.candidate(T0)), "source": {"utm_source": "ana.silva@example.com"}}

    with pytest.raises(MalformedRecord) as failure:
        aggregation(FakeStore()).handle(change(sr.insert(broken, at=T0)))

    assert "source.channel" in str(failure.value)
    assert not any(value in str(failure.value) for value in PII)


def test_log_lines_hold_ids_and_facts_never_contact_data():
    store = FakeStore()
    ana = sr.candidate(T0)
    yes = sr.confirmed(ana, T0)

    _, lines = handle(
        store,
        sr.insert(sr.profile(ana), at=T0),
        sr.modify(sr.profile(ana), sr.profile(yes), at=T0),
        sr.remove(sr.profile(yes), at=T0),
    )

    text = repr(lines)
    assert not any(value in text for value in PII)
    assert "linkedin" not in text, "utm values are typed by people: they stay out of the log"


def test_event_line_fields_are_the_contracts_columns_in_order():
    assert [f.name for f in fields(EventLine)] == list(agg.EVENT_LOG_COLUMNS)


# --- batches and transactions ----------------------------------------------------------------------------


def test_a_batch_name_depends_on_its_records_and_their_order_only():
    from talentpool.logic.reports.aggregates import batch_name

    assert batch_name(["a", "b"]) == batch_name(["a", "b"])
    assert batch_name(["a", "b"]) != batch_name(["b", "a"])


def test_an_update_over_the_transaction_limit_is_split_in_a_fixed_order():
    deltas = {(agg.TOTAL_PK, f"segment#S{n:03d}"): 1 for n in range(150)}
    update = CounterUpdate(deltas=deltas, emails=(EmailClaim("m1", "opened", "2026-11-02"),))

    parts = transaction_parts(update, T0)

    assert [len(p) for p in parts] == [99, 52]
    assert parts[0][0].key == {"pk": "AGG#EMAIL#m1", "sk": "opened"}, "bookkeeping goes with the first part"
    assert transaction_parts(update, T0) == parts
