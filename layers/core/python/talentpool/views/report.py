"""A report's files from its summary: summary.json, the three CSVs (talentpool.spreadsheet) and the HTML page
(templates/reports/report.html.j2, with the charts from views/charts.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from markupsafe import Markup

from talentpool import spreadsheet, templating
from talentpool.models.reports import (
    FUNNEL_FILE,
    HTML_FILE,
    SEQUENCES_FILE,
    SOURCES_FILE,
    SUMMARY_FILE,
    WINDOW_DAYS,
    Period,
    ReportSummary,
    SourceRow,
    StepPerformance,
)
from talentpool.views import charts
from talentpool.views.report_words import label, long_day, num, pct, plural, short_day, step_label


def render_files(summary: ReportSummary) -> dict[str, bytes]:
    """Every file of the report, by file name."""
    return {
        SUMMARY_FILE: (summary.model_dump_json(indent=2) + "\n").encode("utf-8"),
        FUNNEL_FILE: spreadsheet.to_csv(spreadsheet.FUNNEL_HEADER, spreadsheet.funnel_rows(summary)),
        SOURCES_FILE: spreadsheet.to_csv(spreadsheet.SOURCES_HEADER, spreadsheet.source_rows(summary)),
        SEQUENCES_FILE: spreadsheet.to_csv(spreadsheet.SEQUENCES_HEADER, spreadsheet.sequence_rows(summary)),
        HTML_FILE: render_html(summary).encode("utf-8"),
    }


@dataclass(frozen=True)
class Kpi:
    name: str
    value: str
    sub: str = ""


@dataclass(frozen=True)
class Table:
    caption: str
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    numeric_from: int = 1


@dataclass(frozen=True)
class Figure:
    heading: str
    chart: Markup
    caption: str
    table: Table | None = None


def period_words(summary: ReportSummary) -> str:
    cover = summary.coverage
    if cover.start != cover.end:
        return f"{short_day(cover.start)} to {short_day(cover.end)}"
    return f"on {short_day(cover.end)}"


def _kpis(summary: ReportSummary) -> list[Kpi]:
    pool, act, tta = summary.pool, summary.activity, summary.time_to_apply
    applied = next((s for s in summary.funnel.overall if s.step == "applied"), None)
    speed = (
        "no applications yet" if tta.median_days is None else f"median; 90% within {plural(tta.p90_days or 0, 'day')}"
    )
    return [
        Kpi("Candidates in the pool", num(pool.total), f"{num(pool.consent_active)} with active consent"),
        Kpi(f"Captured {period_words(summary)}", num(act.captured), f"{num(summary.captures.total)} in 30 days"),
        Kpi(f"Confirmed {period_words(summary)}", num(act.confirmed), "double opt-in completed"),
        Kpi(
            "Applied, all time",
            num(applied.candidates if applied else 0),
            f"{pct(applied.from_captured if applied else None)} of captured",
        ),
        Kpi("Days from capture to applied", "\u2013" if tta.median_days is None else num(tta.median_days), speed),
        Kpi("Consents expiring", num(summary.expiring_consents.total), "in the next 30 days"),
    ]


def _step_counts(performance: StepPerformance) -> list[str]:
    return [
        num(performance.sent),
        num(performance.delivered),
        num(performance.opened),
        num(performance.clicked),
        num(performance.bounced),
        num(performance.complained),
        num(performance.unsubscribed),
        pct(performance.open_rate),
        pct(performance.click_rate),
    ]


SEQUENCE_HEADER = (
    *("Sequence · step", "Sent", "Delivered", "Opened", "Clicked"),
    *("Bounced", "Complaints", "Unsub.", "Open", "Click"),
)


def _sequence_table(summary: ReportSummary) -> Table:
    rows = []
    for sequence in summary.sequences:
        for step in sequence.steps:
            name = charts.sequence_name(sequence) + (f" · {step_label(step.step)}" if step.step is not None else "")
            counts = _step_counts(step)
            if sequence.sequence_id == "-":
                counts[0] = "n/a"  # the confirmation email is counted from delivery on: no `sent` is kept
            rows.append([name, *counts])
    return Table(f"Email events, last {WINDOW_DAYS} days", SEQUENCE_HEADER, rows)


def _expiry_rows(summary: ReportSummary) -> list[list[str]]:
    """Expiring consents in four buckets: a list of thirty days is not readable at a glance."""
    expiring = summary.expiring_consents
    rows = []
    for first, last in ((1, 7), (8, 14), (15, 21), (22, 30)):
        start, end = summary.coverage.end + timedelta(days=first), summary.coverage.end + timedelta(days=last)
        count = sum(d.consents for d in expiring.by_day if start <= d.date <= end)
        rows.append([f"{short_day(start)} \u2013 {short_day(end)}", num(count)])
    return rows


def _source_table(rows: Sequence[SourceRow], dimension: str, limit: int = 15) -> list[list[str]]:
    chosen = [r for r in rows if r.dimension == dimension][:limit]
    return [
        [("(none)" if r.value == "-" else r.value), num(r.captured_in_period), num(r.captured_in_window)]
        for r in chosen
    ]


def _tables(summary: ReportSummary) -> list[Table]:
    pool, tta = summary.pool, summary.time_to_apply
    speed_rows = [["Candidates who applied", num(tta.candidates)]]
    if tta.median_days is not None and tta.p90_days is not None:
        speed_rows += [["Median", plural(tta.median_days, "day")], ["90th percentile", plural(tta.p90_days, "day")]]
    period = period_words(summary)
    return [
        Table("Pool by stage", ["Stage", "Candidates"], [[label(s), num(n)] for s, n in pool.by_stage.items()]),
        Table("Pool by consent", ["Consent", "Candidates"], [[label(s), num(n)] for s, n in pool.consent.items()]),
        Table("Saved segments", ["Segment", "Candidates"], [[s.name, num(s.size)] for s in summary.segments]),
        Table("Consents expiring", ["Days", "Consents"], _expiry_rows(summary)),
        Table(
            "Captures by utm_source (top 15)",
            ["utm_source", period[:1].upper() + period[1:], "30 days"],
            _source_table(summary.sources, "utm_source"),
        ),
        Table("Time from capture to applied", ["", "All time"], speed_rows),
    ]


def _figures(summary: ReportSummary, generated: str) -> list[Figure]:
    cover = summary.coverage
    # Markup: the chart kit escapes every piece of text it draws.
    return [
        Figure(
            "Funnel",
            Markup(charts.funnel_chart(summary)),  # noqa: S704
            f"Candidates who ever reached each step, all time, as of {generated}.",
        ),
        Figure(
            "Captures per day",
            Markup(charts.captures_chart(summary)),  # noqa: S704
            f"New candidates each day of the {WINDOW_DAYS} days to {short_day(cover.window_end)}, stacked by the "
            "channel they came through; the figure above each bar is the day's total.",
        ),
        Figure(
            "Conversion by source",
            Markup(charts.conversion_chart(summary)),  # noqa: S704
            "Of the candidates each channel brought in (all time), the share who confirmed, applied and were hired. "
            "Channels with the best application rate first.",
        ),
        Figure(
            "Step performance",
            Markup(charts.steps_chart(summary)),  # noqa: S704
            f"Opens and clicks per email delivered, each sequence step, over the {WINDOW_DAYS} days to "
            f"{short_day(cover.window_end)}.",
            _sequence_table(summary),
        ),
    ]


def render_html(summary: ReportSummary) -> str:
    cover = summary.coverage
    generated = cover.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    return templating.render_file(
        "reports/report.html.j2",
        kind="weekly" if cover.period is Period.WEEK else "daily",
        covered=f"{long_day(cover.start)} to {long_day(cover.end)}"
        if cover.start != cover.end
        else long_day(cover.end),
        generated=generated,
        kpis=_kpis(summary),
        figures=_figures(summary, generated),
        tables=_tables(summary),
        schema_version=summary.schema_version,
    )
