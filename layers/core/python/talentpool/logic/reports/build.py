"""The report job: read the aggregates for a period, compute every metric, and write the report's five files.

It reads AGG#TOTAL, the thirty AGG#DAY partitions of the trend window, a 30-day slice of AGG#EXPIRY and the
segment and sequence directories (for names): never a candidate, so its cost does not grow with the pool.
Everything here but `run_report` is pure, so the metrics are tested with hand-built aggregates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from talentpool.errors import FieldError, NotFound, ValidationFailed
from talentpool.models import aggregates as agg
from talentpool.models.candidate import Channel, ConsentStatus, Stage
from talentpool.models.reports import (
    EXPIRY_DAYS,
    FUNNEL_FILE,
    HTML_FILE,
    SEQUENCES_FILE,
    SOURCES_FILE,
    SUMMARY_FILE,
    WINDOW_DAYS,
    Activity,
    CaptureTrend,
    Coverage,
    DayCaptures,
    ExpiringConsents,
    ExpiringDay,
    Funnel,
    FunnelStep,
    HistogramBin,
    Period,
    PoolSize,
    ReportDates,
    ReportLinks,
    ReportRequest,
    ReportSummary,
    ReportView,
    ReportWritten,
    SegmentSize,
    SequencePerformance,
    SourceRow,
    StepPerformance,
    TimeToApply,
)
from talentpool.observability import tracer

Counters = Mapping[str, int]  # sort key (metric path) -> count, as one aggregate partition holds them


class AggregateReader(Protocol):
    """The aggregate partitions and the two small directories a report reads (talentpool.adapters.aws.report_data)."""

    def totals(self) -> Counters: ...

    def day(self, day: date) -> Counters: ...

    def expiring(self, first: date, last: date) -> Mapping[date, int]: ...

    def segment_names(self) -> Mapping[str, str]: ...

    def sequence_names(self) -> Mapping[str, str]: ...


class ReportWriter(Protocol):
    """Where a report's files go (talentpool.adapters.aws.reports): the same keys for the same period and date."""

    def write(self, period: Period, report_date: date, files: Mapping[str, bytes]) -> ReportWritten: ...


@dataclass(frozen=True)
class Aggregates:
    """What one report reads: the running totals, each day of the window (a missing day has no counters),
    and active consents by expiry day."""

    totals: Counters
    days: Mapping[date, Counters]
    expiring: Mapping[date, int]


# --- what a run covers -----------------------------------------------------------------------------------


def coverage(request: ReportRequest, *, now: datetime) -> Coverage:
    """The period for a request. Default: yesterday (UTC), because the 06:00 run reports the day that ended.

    A weekly report covers Monday up to its date and is filed under that Monday, so the run after a week
    ends (any day of the next week, with the default date being Sunday) reports the whole week, and a
    re-run during the week overwrites the same report with more days.
    """
    today = now.date()
    last = request.date or today - timedelta(days=1)
    if last > today:
        raise ValidationFailed(
            f"{last.isoformat()} is in the future: a report covers days that have happened",
            [FieldError(["date"], "must be today or earlier (UTC)")],
        )
    start = last - timedelta(days=last.weekday()) if request.period is Period.WEEK else last
    return Coverage(
        period=request.period,
        date=start,
        start=start,
        end=last,
        window_start=last - timedelta(days=WINDOW_DAYS - 1),
        window_end=last,
        generated_at=now,
    )


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def read_aggregates(reader: AggregateReader, cover: Coverage) -> Aggregates:
    """One query for the totals, one per day of the window (the period is inside it), one for expiries."""
    expiry_first = cover.end + timedelta(days=1)
    return Aggregates(
        totals=reader.totals(),
        days={day: reader.day(day) for day in _days(cover.window_start, cover.window_end)},
        expiring=reader.expiring(expiry_first, cover.end + timedelta(days=EXPIRY_DAYS)),
    )


# --- reading counters --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Partition:
    """One partition's counters grouped by metric, parsed once: a report asks each partition for several."""

    by_metric: Mapping[str, list[tuple[list[str], int]]]

    @classmethod
    def of(cls, counters: Counters) -> Partition:
        grouped: dict[str, list[tuple[list[str], int]]] = defaultdict(list)
        for key, count in counters.items():
            name, values = agg.parse_key(key)
            grouped[name].append((values, int(count)))
        return cls(dict(grouped))


EMPTY = Partition({})


def _entries(part: Partition, metric: str) -> Iterable[tuple[list[str], int]]:
    """(dimension values, count) for every counter of `metric` in one partition."""
    return part.by_metric.get(metric, ())


def _sum_by(part: Partition, metric: str, position: int, **fixed: str) -> dict[str, int]:
    """Counts of `metric` summed by the dimension at `position`, keeping entries whose `fixed` dims match."""
    dims = agg.DAILY[metric] if metric in agg.DAILY else agg.TOTAL[metric]
    out: dict[str, int] = defaultdict(int)
    for values, count in _entries(part, metric):
        if len(values) != len(dims):
            continue  # a key of another shape (written by a newer consumer) is not ours to guess at
        if all(values[dims.index(name)] == wanted for name, wanted in fixed.items()):
            out[values[position]] += count
    return dict(out)


def _merge(parts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for part in parts:
        for key, count in part.items():
            out[key] += count
    return dict(out)


def _ordered(values: Iterable[str], known: Sequence[str]) -> list[str]:
    """Known values in their fixed order (so a channel keeps its colour), then any others alphabetically."""
    present = set(values)
    return [v for v in known if v in present] + sorted(present - set(known))


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole > 0 else None


CHANNELS = [c.value for c in Channel]
STAGES = [s.value for s in Stage]
# Active first: it is the consent that lets us email, the one a reader looks for.
CONSENT = [ConsentStatus.ACTIVE.value, *(s.value for s in ConsentStatus if s is not ConsentStatus.ACTIVE)]


# --- the metrics -------------------------------------------------------------------------------------------


def pool_size(totals: Partition) -> PoolSize:
    consent = _sum_by(totals, "consent", 0)
    stages = _sum_by(totals, "stage", 0)
    return PoolSize(
        total=sum(count for _, count in _entries(totals, "pool")),
        consent_active=consent.get(ConsentStatus.ACTIVE, 0),
        consent={status: consent.get(status, 0) for status in _ordered([*consent, *CONSENT], CONSENT)},
        by_stage={stage: stages.get(stage, 0) for stage in _ordered([*stages, *STAGES], STAGES)},
    )


def _captures_by_channel(part: Partition) -> dict[str, int]:
    return _sum_by(part, "captured", 1, by="channel")


def activity(days: Sequence[Partition]) -> Activity:
    by_channel = _merge(_captures_by_channel(d) for d in days)
    entered = _merge(_sum_by(d, "stage_entered", 0) for d in days)
    emails = _merge(_sum_by(d, "email", 0) for d in days)
    return Activity(
        captured=sum(by_channel.values()),
        captured_by_channel={c: by_channel[c] for c in _ordered(by_channel, CHANNELS)},
        confirmed=sum(sum(_sum_by(d, "confirmed", 0).values()) for d in days),
        erased=sum(count for d in days for _, count in _entries(d, "erased")),
        entered_stage={s: entered[s] for s in _ordered(entered, STAGES)},
        emails={e: emails.get(e, 0) for e in _ordered([*emails, *agg.EMAIL_EVENTS], agg.EMAIL_EVENTS)},
    )


def capture_trend(days: Mapping[date, Partition], window: Sequence[date]) -> CaptureTrend:
    per_day = {day: _captures_by_channel(days.get(day, EMPTY)) for day in window}
    totals = _merge(per_day.values())
    channels = _ordered(totals, CHANNELS)
    return CaptureTrend(
        channels=channels,
        days=[
            DayCaptures(date=day, total=sum(counts.values()), by_channel={c: counts.get(c, 0) for c in channels})
            for day, counts in per_day.items()
        ],
        total=sum(totals.values()),
        by_channel={c: totals[c] for c in channels},
    )


def _reached(totals: Partition) -> dict[str, dict[str, int]]:
    """channel -> funnel step -> candidates who ever reached it."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for step in agg.FUNNEL_STEPS:
        for channel, count in _sum_by(totals, "reached", 1, step=step).items():
            out[channel][step] = count
    return dict(out)


def _funnel_steps(reached: Mapping[str, int]) -> list[FunnelStep]:
    captured = reached.get(agg.FUNNEL_STEPS[0], 0)
    steps: list[FunnelStep] = []
    previous: int | None = None
    for step in agg.FUNNEL_STEPS:
        count = reached.get(step, 0)
        steps.append(
            FunnelStep(
                step=step,
                candidates=count,
                from_previous=None if previous is None else _rate(count, previous),
                from_captured=_rate(count, captured),
            )
        )
        previous = count
    return steps


def funnel(totals: Partition) -> Funnel:
    by_channel = _reached(totals)
    return Funnel(
        steps=list(agg.FUNNEL_STEPS),
        overall=_funnel_steps(_merge(by_channel.values())),
        by_channel={c: _funnel_steps(by_channel[c]) for c in _ordered(by_channel, CHANNELS)},
    )


def _safe_value(value: str) -> str:
    """utm_source is typed by whoever built the link, so it could hold an address: never copy one out."""
    return "(redacted)" if "@" in value or len(value) > 100 else value


def sources(totals: Partition, period: Sequence[Partition], window: Sequence[Partition]) -> list[SourceRow]:
    """One row per channel (captures and all-time conversion) and per utm_source (captures only)."""
    reached = _reached(totals)
    in_period = _merge(_captures_by_channel(d) for d in period)
    in_window = _merge(_captures_by_channel(d) for d in window)
    rows: list[SourceRow] = []
    for channel in _ordered([*reached, *in_window, *in_period], CHANNELS):
        steps = reached.get(channel, {})
        captured = steps.get("captured", 0)
        rows.append(
            SourceRow(
                dimension="channel",
                value=channel,
                captured_in_period=in_period.get(channel, 0),
                captured_in_window=in_window.get(channel, 0),
                captured_all_time=captured,
                confirmed_all_time=steps.get("confirmed", 0),
                engaged_all_time=steps.get("engaged", 0),
                applied_all_time=steps.get("applied", 0),
                hired_all_time=steps.get("hired", 0),
                confirmed_rate=_rate(steps.get("confirmed", 0), captured),
                applied_rate=_rate(steps.get("applied", 0), captured),
                hired_rate=_rate(steps.get("hired", 0), captured),
            )
        )
    utm_period = _merge(_utm(d) for d in period)
    utm_window = _merge(_utm(d) for d in window)
    seen = {v for v in utm_window.keys() | utm_period.keys() if utm_window.get(v) or utm_period.get(v)}
    for value in sorted(seen, key=lambda v: (-utm_window.get(v, 0), v)):
        rows.append(
            SourceRow(
                dimension="utm_source",
                value=value,
                captured_in_period=utm_period.get(value, 0),
                captured_in_window=utm_window.get(value, 0),
            )
        )
    return rows


def _utm(part: Partition) -> dict[str, int]:
    return _merge({_safe_value(v): n} for v, n in _sum_by(part, "captured", 1, by="utm_source").items())


def _step_index(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _performance(step: int | None, events: Mapping[str, int]) -> StepPerformance:
    counts = {event: events.get(event, 0) for event in agg.EMAIL_EVENTS}
    return StepPerformance(
        step=step,
        **counts,
        open_rate=_rate(counts["opened"], counts["delivered"]),
        click_rate=_rate(counts["clicked"], counts["delivered"]),
    )


OUTSIDE_SEQUENCES = "Emails outside sequences"


def sequence_performance(window: Sequence[Partition], names: Mapping[str, str]) -> list[SequencePerformance]:
    """Email events per sequence and step over the window, sequences by name, steps in order; emails sent
    outside any sequence (confirmations, stage emails) come last under the id "-"."""
    counts: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for day in window:
        for values, count in _entries(day, "email"):
            if len(values) == len(agg.DAILY["email"]):
                event, sequence_id, step = values
                counts[sequence_id][step][event] += count
    out: list[SequencePerformance] = []
    for sequence_id, steps in counts.items():
        ordered = sorted(steps.items(), key=lambda item: (_step_index(item[0]) is None, _step_index(item[0]) or 0))
        name = OUTSIDE_SEQUENCES if sequence_id == agg.NONE else names.get(sequence_id)
        out.append(
            SequencePerformance(
                sequence_id=sequence_id,
                name=name,
                steps=[_performance(_step_index(step), events) for step, events in ordered],
                total=_performance(None, _merge(steps.values())),
            )
        )
    return sorted(out, key=lambda s: (s.sequence_id == agg.NONE, (s.name or s.sequence_id).casefold(), s.sequence_id))


def nearest_rank(histogram: Sequence[HistogramBin], numerator: int, denominator: int) -> int | None:
    """The smallest value with at least numerator/denominator of the population at or below it.

    Integer arithmetic on purpose: ceil(0.9 * 70) in floating point is 64, not 63.
    """
    population = sum(b.candidates for b in histogram)
    if population <= 0:
        return None
    rank = max(1, -(-numerator * population // denominator))
    seen = 0
    for bin_ in histogram:
        seen += bin_.candidates
        if seen >= rank:
            return bin_.days
    return histogram[-1].days  # unreachable with non-negative counts; keeps the function total


def time_to_apply(totals: Partition) -> TimeToApply:
    by_days = _sum_by(totals, "capture_to_applied", 0)
    histogram = sorted(
        (HistogramBin(days=int(days), candidates=count) for days, count in by_days.items() if days.isdigit()),
        key=lambda b: b.days,
    )
    histogram = [b for b in histogram if b.candidates > 0]
    return TimeToApply(
        candidates=sum(b.candidates for b in histogram),
        median_days=nearest_rank(histogram, 1, 2),
        p90_days=nearest_rank(histogram, 9, 10),
        histogram=histogram,
    )


def segment_sizes(totals: Partition, names: Mapping[str, str]) -> list[SegmentSize]:
    """Every saved segment (the directory), with its member count; a counter for a deleted segment is left
    out, and a segment nobody has matched yet counts 0."""
    sizes = _sum_by(totals, "segment", 0)
    return sorted(
        (SegmentSize(segment_id=sid, name=name, size=sizes.get(sid, 0)) for sid, name in names.items()),
        key=lambda s: (s.name.casefold(), s.segment_id),
    )


def expiring_consents(expiring: Mapping[date, int], cover: Coverage) -> ExpiringConsents:
    first, last = cover.end + timedelta(days=1), cover.end + timedelta(days=EXPIRY_DAYS)
    by_day = [ExpiringDay(date=d, consents=n) for d, n in sorted(expiring.items()) if first <= d <= last and n > 0]
    return ExpiringConsents(first_day=first, last_day=last, total=sum(d.consents for d in by_day), by_day=by_day)


def build_summary(
    aggregates: Aggregates,
    cover: Coverage,
    *,
    segment_names: Mapping[str, str],
    sequence_names: Mapping[str, str],
) -> ReportSummary:
    """Every metric of the report. A period without any counters is a valid report of zeros."""
    totals = Partition.of(aggregates.totals)
    days = {day: Partition.of(counters) for day, counters in aggregates.days.items()}
    window_days = _days(cover.window_start, cover.window_end)
    window = [days.get(d, EMPTY) for d in window_days]
    period = [days.get(d, EMPTY) for d in _days(cover.start, cover.end)]
    return ReportSummary(
        coverage=cover,
        pool=pool_size(totals),
        activity=activity(period),
        captures=capture_trend(days, window_days),
        funnel=funnel(totals),
        sources=sources(totals, period, window),
        sequences=sequence_performance(window, sequence_names),
        time_to_apply=time_to_apply(totals),
        segments=segment_sizes(totals, segment_names),
        expiring_consents=expiring_consents(aggregates.expiring, cover),
    )


def sequence_names(stored: Mapping[str, str]) -> dict[str, str]:
    """Names of every sequence: the built-ins', overridden by stored versions (an edited built-in)."""
    from talentpool.logic.sequences.builtin import builtin_sequences

    return {**{sid: s.name for sid, s in builtin_sequences().items()}, **stored}


@tracer.capture_method(capture_response=False)  # a span per step; answers may hold PII, so not recorded
def run_report(
    reader: AggregateReader, writer: ReportWriter, request: ReportRequest, *, now: datetime
) -> ReportWritten:
    """Compute the report for `request` and write its files; re-running writes the same keys again."""
    from talentpool.views import (
        report as report_render,
    )  # here, so the recruiter API (which reads reports) never loads it

    cover = coverage(request, now=now)
    summary = build_summary(
        read_aggregates(reader, cover),
        cover,
        segment_names=reader.segment_names(),
        sequence_names=sequence_names(reader.sequence_names()),
    )
    return writer.write(cover.period, cover.date, report_render.render_files(summary))


# --- reading reports (the recruiter API) ---------------------------------------------------------------------


class ReportNotFound(NotFound):
    code = "report_not_found"


class ReportArchive(Protocol):
    """Reports already written (talentpool.adapters.aws.reports)."""

    def dates(self, period: Period) -> list[date]: ...

    def read(self, period: Period, report_date: date, name: str) -> bytes | None: ...

    def link(self, period: Period, report_date: date, name: str, *, now: datetime) -> tuple[str, datetime]: ...


def list_reports(archive: ReportArchive, period: Period) -> ReportDates:
    return ReportDates(period=period, dates=archive.dates(period))


def get_report(archive: ReportArchive, period: Period, report_date: date, *, now: datetime) -> ReportView:
    """The summary of one report, with a link to each of its files (valid for 15 minutes)."""
    raw = archive.read(period, report_date, SUMMARY_FILE)
    if raw is None:
        noun = "weekly report filed under" if period is Period.WEEK else "report for"
        raise ReportNotFound(f"There is no {noun} {report_date.isoformat()}")
    urls = {name: archive.link(period, report_date, name, now=now) for name in _LINKED}
    return ReportView(
        period=period,
        date=report_date,
        summary=ReportSummary.model_validate_json(raw),
        links=ReportLinks(
            **{field: urls[name][0] for name, field in _LINKED.items()},
            expires_at=min(expires for _, expires in urls.values()),
        ),
    )


def latest_report(archive: ReportArchive, period: Period, *, now: datetime) -> ReportView:
    dates = archive.dates(period)
    if not dates:
        raise ReportNotFound("There is no weekly report yet" if period is Period.WEEK else "There is no report yet")
    return get_report(archive, period, dates[0], now=now)


_LINKED = {
    SUMMARY_FILE: "summary_json",
    FUNNEL_FILE: "funnel_csv",
    SOURCES_FILE: "sources_csv",
    SEQUENCES_FILE: "sequences_csv",
    HTML_FILE: "report_html",
}
