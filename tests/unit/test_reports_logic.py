"""Report metrics from hand-built aggregates: every figure checked against what the counters say."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

import pytest

from talentpool.errors import ValidationFailed
from talentpool.logic.reports import build as reports
from talentpool.logic.reports.build import Aggregates, build_summary, coverage, nearest_rank
from talentpool.models.aggregates import EXPIRY_PK, TOTAL_PK, day_pk, metric_key
from talentpool.models.reports import HistogramBin, Period, ReportRequest, ReportSummary, ReportWritten

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # the 06:00 run on Thursday 26 November
D = date(2026, 11, 25)


def k(metric: str, *dims: str | int | None) -> str:
    return metric_key(metric, *dims)


def summary_of(
    totals: Mapping[str, int] | None = None,
    days: Mapping[date, Mapping[str, int]] | None = None,
    expiring: Mapping[date, int] | None = None,
    *,
    request: ReportRequest | None = None,
    segments: Mapping[str, str] | None = None,
    sequences: Mapping[str, str] | None = None,
) -> ReportSummary:
    cover = coverage(request or ReportRequest(), now=NOW)
    return build_summary(
        Aggregates(totals or {}, days or {}, expiring or {}),
        cover,
        segment_names=segments or {},
        sequence_names=sequences or {},
    )


# --- what a run covers ---------------------------------------------------------------------------------------


def test_the_daily_run_reports_yesterday_with_a_thirty_day_window() -> None:
    cover = coverage(ReportRequest(), now=NOW)
    assert (cover.period, cover.date, cover.start, cover.end) == (Period.DAY, D, D, D)
    assert (cover.window_start, cover.window_end) == (D - timedelta(days=29), D)
    assert cover.generated_at == NOW


def test_a_weekly_report_is_filed_under_its_monday_and_covers_the_week_up_to_its_date() -> None:
    # Run on Monday 30 November: yesterday was Sunday, so the whole week of 23 November.
    cover = coverage(ReportRequest(period=Period.WEEK), now=datetime(2026, 11, 30, 6, tzinfo=UTC))
    assert (cover.date, cover.start, cover.end) == (date(2026, 11, 23), date(2026, 11, 23), date(2026, 11, 29))
    # Mid-week with an explicit date: the week so far, under the same Monday.
    cover = coverage(ReportRequest(period=Period.WEEK, date=date(2026, 11, 25)), now=NOW)
    assert (cover.date, cover.start, cover.end) == (date(2026, 11, 23), date(2026, 11, 23), D)


def test_today_may_be_reported_but_not_tomorrow() -> None:
    assert coverage(ReportRequest(date=NOW.date()), now=NOW).end == NOW.date()
    with pytest.raises(ValidationFailed) as raised:
        coverage(ReportRequest(date=NOW.date() + timedelta(days=1)), now=NOW)
    assert raised.value.fields[0].loc == ["date"]


# --- an empty day --------------------------------------------------------------------------------------------


def test_a_day_with_no_data_is_a_valid_report_of_zeros() -> None:
    summary = summary_of()

    assert summary.pool.total == 0 and summary.pool.consent_active == 0
    assert set(summary.pool.by_stage.values()) == {0} and "hired" in summary.pool.by_stage
    assert summary.activity.captured == summary.activity.confirmed == summary.activity.erased == 0
    assert [d.total for d in summary.captures.days] == [0] * 30
    assert summary.captures.days[0].date == D - timedelta(days=29) and summary.captures.days[-1].date == D
    assert [(s.step, s.candidates, s.from_previous, s.from_captured) for s in summary.funnel.overall] == [
        ("captured", 0, None, None),
        ("confirmed", 0, None, None),
        ("engaged", 0, None, None),
        ("applied", 0, None, None),
        ("hired", 0, None, None),
    ]
    assert summary.funnel.by_channel == {} and summary.sources == [] and summary.sequences == []
    assert (summary.time_to_apply.candidates, summary.time_to_apply.median_days) == (0, None)
    assert summary.segments == []
    expiring = summary.expiring_consents
    assert (expiring.first_day, expiring.last_day, expiring.total) == (D + timedelta(1), D + timedelta(30), 0)
    # And it survives the trip through summary.json.
    assert ReportSummary.model_validate_json(summary.model_dump_json()) == summary


# --- the metrics ---------------------------------------------------------------------------------------------


def test_pool_size_counts_total_active_consent_and_every_stage() -> None:
    totals = {
        k("pool", "total"): 10,
        k("consent", "active"): 6,
        k("consent", "pending"): 3,
        k("consent", "withdrawn"): 1,
        k("stage", "lead"): 7,
        k("stage", "applied"): 3,
    }
    pool = summary_of(totals).pool
    assert (pool.total, pool.consent_active) == (10, 6)
    assert list(pool.consent.items()) == [("active", 6), ("pending", 3), ("withdrawn", 1)]
    assert pool.by_stage["lead"] == 7 and pool.by_stage["applied"] == 3 and pool.by_stage["hired"] == 0
    assert list(pool.by_stage)[:3] == ["lead", "engaged", "nurtured"]  # pipeline order, not alphabetical


def test_captures_per_day_by_channel_cover_exactly_the_thirty_days_to_the_report_date() -> None:
    days = {
        D: {k("captured", "channel", "social"): 2, k("captured", "channel", "careers_site"): 5},
        D - timedelta(days=29): {k("captured", "channel", "referral"): 1},
        D - timedelta(days=30): {k("captured", "channel", "referral"): 100},  # outside the window
        D + timedelta(days=1): {k("captured", "channel", "referral"): 100},  # after the report's day
        D - timedelta(days=3): {k("captured", "utm_source", "linkedin"): 9, k("captured", "country", "PT"): 9},
    }
    trend = summary_of(days=days).captures

    assert trend.channels == ["careers_site", "social", "referral"]  # the Channel enum's order: stable colours
    assert trend.total == 8 and trend.by_channel == {"careers_site": 5, "social": 2, "referral": 1}
    assert trend.days[-1].by_channel == {"careers_site": 5, "social": 2, "referral": 0}
    assert trend.days[-1].total == 7 and trend.days[0].total == 1
    assert sum(d.total for d in trend.days[1:-1]) == 0  # utm_source and country are not channels


def test_funnel_conversion_overall_and_by_channel() -> None:
    totals = {
        **{
            k("reached", step, "careers_site"): n
            for step, n in zip(reports.agg.FUNNEL_STEPS, (100, 60, 30, 15, 3), strict=True)
        },
        **{
            k("reached", step, "referral"): n
            for step, n in zip(reports.agg.FUNNEL_STEPS, (20, 18, 12, 8, 2), strict=True)
        },
    }
    funnel = summary_of(totals).funnel

    overall = [(s.step, s.candidates, s.from_previous, s.from_captured) for s in funnel.overall]
    assert overall == [
        ("captured", 120, None, 1.0),
        ("confirmed", 78, 0.65, 0.65),
        ("engaged", 42, 0.5385, 0.35),
        ("applied", 23, 0.5476, 0.1917),
        ("hired", 5, 0.2174, 0.0417),
    ]
    assert list(funnel.by_channel) == ["careers_site", "referral"]
    assert [s.from_captured for s in funnel.by_channel["referral"]] == [1.0, 0.9, 0.6, 0.4, 0.1]


def test_sources_give_captures_for_the_period_and_window_and_conversion_per_channel() -> None:
    totals = {k("reached", "captured", "job_board"): 50, k("reached", "applied", "job_board"): 5}
    days = {
        D: {k("captured", "channel", "job_board"): 4, k("captured", "utm_source", "indeed"): 3},
        D - timedelta(days=1): {
            k("captured", "channel", "job_board"): 6,
            k("captured", "utm_source", "indeed"): 5,
            k("captured", "utm_source", "-"): 1,
            k("captured", "utm_source", "ana@example.com"): 2,  # someone put an address in a link
            k("captured", "utm_source", "stale"): 0,
        },
    }
    rows = {(r.dimension, r.value): r for r in summary_of(totals, days).sources}

    job_board = rows["channel", "job_board"]
    assert (job_board.captured_in_period, job_board.captured_in_window, job_board.captured_all_time) == (4, 10, 50)
    assert (job_board.applied_rate, job_board.confirmed_rate, job_board.hired_rate) == (0.1, 0.0, 0.0)
    indeed = rows["utm_source", "indeed"]
    assert (indeed.captured_in_period, indeed.captured_in_window, indeed.applied_rate) == (3, 8, None)
    assert rows["utm_source", "(redacted)"].captured_in_window == 2
    assert ("utm_source", "ana@example.com") not in rows and ("utm_source", "stale") not in rows
    assert [r.value for r in summary_of(totals, days).sources] == ["job_board", "indeed", "(redacted)", "-"]


def test_activity_sums_the_days_of_a_week() -> None:
    monday = date(2026, 11, 23)
    days = {
        monday - timedelta(days=1): {k("confirmed", "social"): 50},  # the Sunday before: not this week
        monday: {k("confirmed", "social"): 2, k("stage_entered", "applied", "social"): 1, k("erased"): 1},
        D: {
            k("confirmed", "careers_site"): 3,
            k("captured", "channel", "careers_site"): 4,
            k("email", "delivered", "welcome", 0): 7,
        },
    }
    activity = summary_of(days=days, request=ReportRequest(period=Period.WEEK)).activity
    assert (activity.captured, activity.confirmed, activity.erased) == (4, 5, 1)
    assert activity.entered_stage == {"applied": 1}
    assert activity.emails["delivered"] == 7 and activity.emails["sent"] == 0
    assert list(activity.emails) == list(reports.agg.EMAIL_EVENTS)


def test_step_performance_per_sequence_and_step_over_the_window() -> None:
    def events(sequence: str | None, step: int | None, **counts: int) -> dict[str, int]:
        return {k("email", event, sequence, step): n for event, n in counts.items()}

    days = {
        D: {
            **events("welcome", 0, sent=60, delivered=58, opened=29, clicked=4),
            **events("welcome", 1, sent=10, delivered=10, opened=2),
            **events("01ABC", 0, sent=5, delivered=0, bounced=5),
            **events(None, None, delivered=40, opened=30, clicked=20, unsubscribed=2),
        },
        D - timedelta(days=29): events("welcome", 0, sent=40, delivered=40, opened=21, clicked=6, complained=1),
        D - timedelta(days=30): events("welcome", 0, sent=1000, delivered=1000),  # outside the window
    }
    sequences = summary_of(days=days, sequences={"welcome": "Welcome series"}).sequences

    assert [(q.sequence_id, q.name) for q in sequences] == [
        ("01ABC", None),  # no name known: listed by id
        ("welcome", "Welcome series"),
        ("-", "Emails outside sequences"),  # last
    ]
    welcome = sequences[1]
    first, second = welcome.steps
    assert (first.step, first.sent, first.delivered, first.opened, first.clicked, first.complained) == (
        0, 100, 98, 50, 10, 1,
    )  # fmt: skip
    assert (first.open_rate, first.click_rate) == (0.5102, 0.102)
    assert (second.step, second.open_rate, second.click_rate) == (1, 0.2, 0.0)
    assert (welcome.total.sent, welcome.total.delivered, welcome.total.open_rate) == (110, 108, 0.4815)
    bounced = sequences[0].steps[0]
    assert (bounced.bounced, bounced.open_rate, bounced.click_rate) == (5, None, None)  # nothing delivered
    outside = sequences[2].steps[0]
    assert (outside.step, outside.sent, outside.open_rate, outside.unsubscribed) == (None, 0, 0.75, 2)


@pytest.mark.parametrize(
    ("bins", "median", "p90"),
    [
        ([], None, None),
        ([(12, 1)], 12, 12),
        ([(1, 1), (3, 1)], 1, 3),  # nearest rank: half applied within 1 day; nine in ten within 3
        ([(0, 5), (2, 5)], 0, 2),  # same day counts as day 0
        ([(4, 10)], 4, 4),
        ([(1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (6, 1), (7, 1), (8, 1), (9, 1), (10, 1)], 5, 9),
        ([(5, 63), (9, 7)], 5, 5),  # exactly 90% at 5 days: ceil(0.9 * 70) is 63, though in floats it is 64
        ([(5, 62), (9, 8)], 5, 9),
    ],
)
def test_median_and_p90_days_from_capture_to_applied(bins, median, p90) -> None:
    totals = {k("capture_to_applied", f"{days:04d}"): n for days, n in bins}
    speed = summary_of(totals).time_to_apply
    assert (speed.median_days, speed.p90_days) == (median, p90)
    assert speed.candidates == sum(n for _, n in bins)
    assert [(b.days, b.candidates) for b in speed.histogram] == sorted(bins)


def test_nearest_rank_ignores_nothing_and_needs_a_population() -> None:
    assert nearest_rank([], 1, 2) is None
    assert nearest_rank([HistogramBin(days=3, candidates=0)], 1, 2) is None


def test_segment_sizes_are_the_saved_segments_with_their_counters() -> None:
    totals = {k("segment", "S1"): 40, k("segment", "GONE"): 7}
    names = {"S1": "Senior Python", "S2": "alumni"}
    sizes = summary_of(totals, segments=names).segments
    assert [(s.segment_id, s.name, s.size) for s in sizes] == [("S2", "alumni", 0), ("S1", "Senior Python", 40)]


def test_consents_expiring_in_the_thirty_days_after_the_report_date() -> None:
    expiring = {D: 100, D + timedelta(days=1): 2, D + timedelta(days=30): 3, D + timedelta(days=31): 100}
    result = summary_of(expiring=expiring).expiring_consents
    assert result.total == 5
    assert [(d.date, d.consents) for d in result.by_day] == [(D + timedelta(days=1), 2), (D + timedelta(days=30), 3)]


# --- the run -----------------------------------------------------------------------------------------------------


class FakeData:
    """Aggregates by partition, and a record of which partitions were read."""

    def __init__(self, partitions: dict[str, dict[str, int]]) -> None:
        self.partitions = partitions
        self.read: list[str] = []

    def totals(self) -> Mapping[str, int]:
        self.read.append(TOTAL_PK)
        return self.partitions.get(TOTAL_PK, {})

    def day(self, day: date) -> Mapping[str, int]:
        self.read.append(day_pk(day))
        return self.partitions.get(day_pk(day), {})

    def expiring(self, first: date, last: date) -> Mapping[date, int]:
        self.read.append(f"{EXPIRY_PK} {first}..{last}")
        return {}

    def segment_names(self) -> Mapping[str, str]:
        return {}

    def sequence_names(self) -> Mapping[str, str]:
        return {"welcome": "Welcome, as edited"}


class FakeWriter:
    def __init__(self) -> None:
        self.written: list[tuple[Period, date, dict[str, bytes]]] = []

    def write(self, period: Period, report_date: date, files: Mapping[str, bytes]) -> ReportWritten:
        self.written.append((period, report_date, dict(files)))
        return ReportWritten(bucket="b", period=period, date=report_date, prefix="p/", keys=sorted(files))


def test_a_run_reads_the_totals_thirty_days_and_the_expiry_slice_then_writes_five_files() -> None:
    data = FakeData({day_pk(D): {k("email", "sent", "welcome", 0): 1, k("email", "delivered", "welcome", 0): 1}})
    writer = FakeWriter()

    written = reports.run_report(data, writer, ReportRequest(), now=NOW)

    assert written.keys == sorted(["summary.json", "funnel.csv", "sources.csv", "sequences.csv", "report.html"])
    assert data.read[0] == TOTAL_PK and data.read[-1] == f"{EXPIRY_PK} 2026-11-26..2026-12-25"
    assert data.read[1:-1] == [day_pk(D - timedelta(days=n)) for n in range(29, -1, -1)]
    period, report_date, files = writer.written[0]
    assert (period, report_date) == (Period.DAY, D)
    summary = ReportSummary.model_validate_json(files["summary.json"])
    # A stored sequence's name wins over the built-in's.
    assert summary.sequences[0].name == "Welcome, as edited"


def test_built_in_sequences_are_named_when_no_version_is_stored() -> None:
    assert reports.sequence_names({})["welcome"] == "Welcome series"
    assert reports.sequence_names({"welcome": "Hello"})["welcome"] == "Hello"
