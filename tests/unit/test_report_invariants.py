"""Property tests: whatever happens to emails and candidates, in whatever order, a report is a funnel.

Random email histories (any subset of SES's events, arriving in any order, reported twice, across midnight
and across the edge of the report's 30-day window) and random candidate journeys go through the real stream
consumer (logic.reports.aggregates, on an in-memory store) and the real report (logic.reports.build). Every report must
then hold: delivered <= sent, opened <= delivered, clicked <= opened, bounced <= sent, complained <= delivered,
for every sequence, step and period; and each funnel step <= the one before, overall, per channel and in
sources.csv.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talentpool.clock import isoformat
from talentpool.logic.reports.build import Aggregates, build_summary, coverage
from talentpool.models import aggregates as agg
from talentpool.models.reports import Period, ReportRequest, ReportSummary, StepPerformance
from talentpool.models.stages import allowed_moves
from tests import stream_records as sr
from tests.unit.test_aggregates import FakeStore, aggregation, change

START = datetime(2026, 9, 1, 12, tzinfo=UTC)
EVENTS = ("sent", "delivered", "opened", "clicked", "bounced", "complained")
SES_KIND = {event: f"email_{event}" for event in EVENTS}
# Each pair (later, earlier): the later event's count may never exceed the earlier one's.
EMAIL_FUNNEL = (("delivered", "sent"), ("opened", "delivered"), ("clicked", "opened"), ("bounced", "sent"))
EMAIL_FUNNEL += (("complained", "delivered"),)

email_history = st.fixed_dictionaries(
    {
        "sequence": st.sampled_from([("welcome", 0), ("welcome", 2), ("nurture-events", 0), (None, None)]),
        "sent_minute": st.integers(0, 60 * 24 * 70),  # anywhere in ten weeks, so also outside the window
        "events": st.lists(
            st.tuples(st.sampled_from(EVENTS), st.integers(0, 60 * 24 * 3)), max_size=8
        ),  # (event, minutes after sending); repeats are SES reporting again
        "sent_recorded": st.booleans(),  # False: a confirmation email, or a send whose outcome was unknown
    }
)
journey = st.fixed_dictionaries(
    {
        "channel": st.sampled_from(["careers_site", "import", "recruiter", "referral"]),
        "confirm_at": st.one_of(st.none(), st.integers(0, 4)),  # the move after which they confirm
        "moves": st.lists(st.integers(0, 9), max_size=6),  # which allowed move to take, step by step
    }
)


def email_records(message: int, history: Mapping[str, Any]) -> list[dict[str, Any]]:
    candidate_id = f"01JCANDIDATE{message:014d}"
    sequence_id, step = history["sequence"]
    ids: dict[str, Any] = {"message_id": f"m{message}"}
    if sequence_id is not None:
        ids |= {"sequence_id": sequence_id, "step": step}
    sent_at = START + timedelta(minutes=history["sent_minute"])
    records = []
    if history["sent_recorded"]:
        records.append(sr.insert(sr.timeline(candidate_id, "email_sent", sent_at, **ids), at=sent_at))
    for event, after in history["events"]:
        at = sent_at + timedelta(minutes=after)
        entry = sr.timeline(candidate_id, SES_KIND[event], at, sent_at=isoformat(sent_at), **ids)
        records.append(sr.insert(entry, at=at))
    return records


def journey_records(number: int, plan: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A candidate's profile changes, in order: captured, then stage moves the API allows, maybe a confirmation."""
    at = START + timedelta(days=number % 60, minutes=number)
    person = sr.candidate(at, source=sr.Source(channel=plan["channel"]))
    records = [sr.insert(sr.profile(person), at=at)]
    for index, choice in enumerate(plan["moves"]):
        at += timedelta(hours=5)
        options = allowed_moves(person.stage)
        after = sr.moved(person, options[choice % len(options)].value, at)
        if plan["confirm_at"] == index:
            after = sr.confirmed(after, at)
        records.append(sr.modify(sr.profile(person), sr.profile(after), at=at))
        person = after
    return records


def report(store: FakeStore, last_day: date) -> ReportSummary:
    by_partition: dict[str, dict[str, int]] = {}
    for (pk, sk), count in store.counters.items():
        by_partition.setdefault(pk, {})[sk] = count
    days = {
        date.fromisoformat(pk.removeprefix(agg.DAY_PREFIX)): c for pk, c in by_partition.items() if agg.DAY_PREFIX in pk
    }
    now = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), UTC)
    return build_summary(
        Aggregates(by_partition.get(agg.TOTAL_PK, {}), days, {}),
        coverage(ReportRequest(period=Period.WEEK), now=now),
        segment_names={},
        sequence_names={},
    )


def email_rows(summary: ReportSummary) -> Iterable[tuple[str, Mapping[str, int]]]:
    yield "activity", summary.activity.emails
    for sequence in summary.sequences:
        rows: list[StepPerformance] = [*sequence.steps, sequence.total]
        for row in rows:
            yield f"{sequence.sequence_id} step {row.step}", row.model_dump(include=set(EVENTS))


def assert_a_funnel(summary: ReportSummary) -> None:
    for where, counts in email_rows(summary):
        for later, earlier in EMAIL_FUNNEL:
            assert counts[later] <= counts[earlier], f"{where}: {later} {counts[later]} > {earlier} {counts[earlier]}"
    for scope, steps in [("overall", summary.funnel.overall), *summary.funnel.by_channel.items()]:
        counts = [s.candidates for s in steps]
        assert counts == sorted(counts, reverse=True), f"funnel {scope}: {counts}"
        assert all(s.from_previous is None or s.from_previous <= 1 for s in steps), scope
    for row in summary.sources:
        if row.dimension == "channel":
            steps = [row.captured_all_time, row.confirmed_all_time, row.engaged_all_time, row.applied_all_time]
            steps.append(row.hired_all_time)
            assert steps == sorted(steps, reverse=True), f"sources {row.value}: {steps}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    histories=st.lists(email_history, max_size=12),
    journeys=st.lists(journey, max_size=6),
    order=st.randoms(use_true_random=False),
    redelivered=st.booleans(),
    last_day=st.integers(0, 75),
)
def test_every_report_is_a_funnel_whatever_order_events_arrive_in(
    histories: list[dict[str, Any]],
    journeys: list[dict[str, Any]],
    order: Any,
    redelivered: bool,
    last_day: int,
) -> None:
    # Given email events in any order (SES promises none), and candidates moving through the funnel
    emails = [r for n, history in enumerate(histories) for r in email_records(n, history)]
    order.shuffle(emails)
    profiles = [r for n, plan in enumerate(journeys) for r in journey_records(n, plan)]
    records = emails + profiles
    if redelivered:
        records += records[: len(records) // 2]  # a retried batch: the same stream records again

    # When the stream consumer counts them and a report is built for any week
    store = FakeStore()
    run = aggregation(store)
    for raw in records:
        run.handle(change(raw))
    summary = report(store, (START + timedelta(days=last_day)).date())

    # Then the report reads as a funnel everywhere
    assert_a_funnel(summary)


def test_the_edge_of_the_window_never_splits_an_email():
    # Given an email sent on the last day before the window and delivered and opened on its first day
    store = FakeStore()
    history = {"sequence": ("welcome", 1), "sent_minute": 0, "events": [("delivered", 60 * 13), ("opened", 60 * 14)]}
    run = aggregation(store)
    for raw in email_records(1, {**history, "sent_recorded": True}):
        run.handle(change(raw))

    # When the report's window starts the day after it was sent
    summary = report(store, START.date() + timedelta(days=30))

    # Then the email is wholly outside: no delivery or open without its send
    assert summary.activity.emails["delivered"] == summary.activity.emails["sent"] == 0
    assert all(s.total.delivered <= s.total.sent for s in summary.sequences)
