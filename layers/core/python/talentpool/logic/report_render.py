"""A report's files from its summary: summary.json, three Athena-ready CSVs, and one self-contained HTML page.

The CSVs have a header row and one fact per row, and no date column: the date is the `dt=` partition they are
filed under. The HTML page needs nothing from the network (inline CSS, inline SVG charts, system fonts), so it
opens from a presigned link, a saved file or a printout alike. Colours come from the Okabe-Ito palette, which
stays distinguishable with the common colour-vision deficiencies, and every number a chart shows is also
written on it, so no reading depends on colour or on judging a bar's length.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape

from talentpool.models.reports import (
    FUNNEL_FILE,
    HTML_FILE,
    SEQUENCES_FILE,
    SOURCES_FILE,
    SUMMARY_FILE,
    WINDOW_DAYS,
    Period,
    ReportSummary,
    SequencePerformance,
    SourceRow,
    StepPerformance,
)
from talentpool.spreadsheet import safe_cell

# --- CSV ---------------------------------------------------------------------------------------------------

FUNNEL_HEADER = ("channel", "step", "step_order", "candidates", "conversion_from_previous", "conversion_from_captured")
SOURCES_HEADER = (
    "dimension",
    "value",
    "captured_in_period",
    "captured_last_30_days",
    "captured_all_time",
    "confirmed_all_time",
    "engaged_all_time",
    "applied_all_time",
    "hired_all_time",
    "confirmed_rate",
    "applied_rate",
    "hired_rate",
)
SEQUENCES_HEADER = (
    "sequence_id",
    "step",
    "sent",
    "delivered",
    "opened",
    "clicked",
    "bounced",
    "complained",
    "unsubscribed",
    "open_rate",
    "click_rate",
)
ALL_CHANNELS = "all"  # the funnel's overall rows; never a channel's name (channels are an enum)

Cell = str | int | float | None


def _cell(value: Cell) -> str:
    """Empty for unknown (Athena reads it as NULL), fixed four places for rates, plain integers, and text that
    a spreadsheet cannot run as a formula (a utm_source is whatever the link's author typed)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, int):
        return str(value)
    return safe_cell(value)


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8")


def funnel_rows(summary: ReportSummary) -> list[tuple[Cell, ...]]:
    scopes = [(ALL_CHANNELS, summary.funnel.overall), *summary.funnel.by_channel.items()]
    return [
        (channel, s.step, order, s.candidates, s.from_previous, s.from_captured)
        for channel, steps in scopes
        for order, s in enumerate(steps, start=1)
    ]


def source_rows(summary: ReportSummary) -> list[tuple[Cell, ...]]:
    return [
        (
            r.dimension,
            r.value,
            r.captured_in_period,
            r.captured_in_window,
            r.captured_all_time,
            r.confirmed_all_time,
            r.engaged_all_time,
            r.applied_all_time,
            r.hired_all_time,
            r.confirmed_rate,
            r.applied_rate,
            r.hired_rate,
        )
        for r in summary.sources
    ]


def sequence_rows(summary: ReportSummary) -> list[tuple[Cell, ...]]:
    return [
        (
            sequence.sequence_id,
            "-" if s.step is None else s.step,
            s.sent,
            s.delivered,
            s.opened,
            s.clicked,
            s.bounced,
            s.complained,
            s.unsubscribed,
            s.open_rate,
            s.click_rate,
        )
        for sequence in summary.sequences
        for s in sequence.steps
    ]


def render_files(summary: ReportSummary) -> dict[str, bytes]:
    """Every file of the report, by file name."""
    return {
        SUMMARY_FILE: (summary.model_dump_json(indent=2) + "\n").encode("utf-8"),
        FUNNEL_FILE: to_csv(FUNNEL_HEADER, funnel_rows(summary)),
        SOURCES_FILE: to_csv(SOURCES_HEADER, source_rows(summary)),
        SEQUENCES_FILE: to_csv(SEQUENCES_HEADER, sequence_rows(summary)),
        HTML_FILE: render_html(summary).encode("utf-8"),
    }


# --- words and numbers -------------------------------------------------------------------------------------

CHANNEL_NAMES = {
    "careers_site": "Careers site",
    "job_board": "Job board",
    "social": "Social",
    "referral": "Referral",
    "event": "Event",
    "import": "Import",
    "recruiter": "Recruiter",
    "-": "Unknown",
}
STEP_NAMES = {
    "captured": "Captured",
    "confirmed": "Confirmed",
    "engaged": "Engaged",
    "applied": "Applied",
    "hired": "Hired",
}


def label(value: str, names: dict[str, str] | None = None) -> str:
    """A stored value as a person reads it: careers_site -> Careers site."""
    if names and value in names:
        return names[value]
    text = value.replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else "Unknown"


def num(value: int) -> str:
    return f"{value:,}"


def pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.1f}%"


def short_day(day: date) -> str:
    return f"{day.day} {day:%b}"


def long_day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{num(count)} {one if count == 1 else (many or one + 's')}"


def step_label(step: int | None) -> str:
    # Steps are stored by index (0 is the first, as the sequences API numbers them); people count from one.
    return "Other" if step is None else f"Step {step + 1}"


# --- SVG ---------------------------------------------------------------------------------------------------

# Okabe & Ito (2008): distinguishable with protanopia, deuteranopia and tritanopia, and in greyscale by
# lightness for the pairs used together here. Yellow is last: it is too light for text on white.
BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION, GREY, YELLOW = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#6E6E6E",
    "#F0E442",
)
SERIES = (BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION, GREY, YELLOW)
INK, MUTED, RULE, GRID, WEEKEND = "#1a1a1a", "#555555", "#9a9a9a", "#e3e3e3", "#f2f2f2"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
WIDTH = 960


def text_width(text: str, size: float) -> float:
    """A generous estimate of rendered width: enough to decide whether a label fits, without a font engine."""
    return len(text) * size * 0.58


def colour(index: int) -> str:
    return SERIES[index % len(SERIES)]


def _attrs(values: dict[str, object]) -> str:
    return "".join(f' {name.rstrip("_").replace("_", "-")}="{escape(str(v))}"' for name, v in values.items())


@dataclass
class Svg:
    """An SVG drawing, built up element by element; every piece of text is escaped."""

    width: int
    height: float
    title: str
    desc: str
    ident: str
    parts: list[str] = field(default_factory=list)

    def rect(self, x: float, y: float, w: float, h: float, fill: str, **attrs: object) -> None:
        self.parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" '
            f'fill="{fill}"{_attrs(attrs)}/>'
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str, **attrs: object) -> None:
        self.parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}"{_attrs(attrs)}/>'
        )

    def text(self, x: float, y: float, content: str, *, size: float = 13, fill: str = INK, **attrs: object) -> None:
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" fill="{fill}"{_attrs(attrs)}>{escape(content)}</text>'
        )

    def spans(self, x: float, y: float, pieces: Sequence[tuple[str, dict[str, object]]]) -> None:
        """One line of differently styled text that flows on its own: no width guessing between the pieces."""
        inner = "".join(f"<tspan{_attrs(attrs)}>{escape(content)}</tspan>" for content, attrs in pieces)
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" fill="{INK}" xml:space="preserve">{inner}</text>')

    def legend(self, x: float, y: float, items: Sequence[tuple[str, str]], max_x: float) -> float:
        """Swatches with their labels in rows from (x, y); returns the y below the last row."""
        cursor, row = x, y
        for fill, name in items:
            width = 18 + text_width(name, 12.5) + 22
            if cursor + width > max_x and cursor > x:
                cursor, row = x, row + 22
            self.rect(cursor, row - 11, 12, 12, fill, stroke=INK, stroke_width="0.5")
            self.text(cursor + 18, row, name, size=12.5)
            cursor += width
        return row + 10

    def empty(self, message: str, top: float, bottom: float) -> None:
        middle = (top + bottom) / 2
        self.rect(0.5, top, self.width - 1, bottom - top, "#fafafa", stroke=GRID, stroke_dasharray="4 4")
        self.text(self.width / 2, middle + 5, message, size=15, fill=MUTED, text_anchor="middle")

    def render(self) -> str:
        title, desc = f"{self.ident}-title", f"{self.ident}-desc"
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height:.0f}" '
            f'width="100%" role="img" aria-labelledby="{title} {desc}" font-family="{FONT}" '
            f'class="chart" id="{self.ident}">'
            f'<title id="{title}">{escape(self.title)}</title><desc id="{desc}">{escape(self.desc)}</desc>'
            + "".join(self.parts)
            + "</svg>"
        )


def nice_step(value: float, *, smallest: float = 1.0) -> float:
    """`value` rounded up to 1, 2 or 5 times a power of ten, and at least `smallest`."""
    if value <= smallest:
        return smallest
    magnitude = 10 ** math.floor(math.log10(value))
    return float(next(m * magnitude for m in (1, 2, 5, 10) if value <= m * magnitude))


def axis_ticks(highest: float, *, smallest_step: float = 1.0, ticks: int = 4) -> list[float]:
    """Round tick values from 0 to just above `highest`, about `ticks` steps: 0, 10, 20, 30, 40 for 31."""
    step = nice_step(highest / ticks, smallest=smallest_step)
    count = max(1, math.ceil(highest / step))
    return [step * i for i in range(count + 1)]


def _tick_label(value: float) -> str:
    return num(round(value))


def _percent_axis(
    svg: Svg, left: float, right: float, top: float, bottom: float, maximum: float, *, labels: bool = True
) -> None:
    """Vertical gridlines (and their labels, below) for horizontal bars on a scale from 0 to `maximum`."""
    for value in axis_ticks(maximum, smallest_step=0.25):
        x = left + (right - left) * value / maximum
        svg.line(x, top, x, bottom, GRID if value else RULE)
        if labels:
            svg.text(x, bottom + 16, f"{value * 100:.0f}%", size=11.5, fill=MUTED, text_anchor="middle")


def _bar_value(svg: Svg, x: float, y: float, width: float, height: float, text: str, fill: str) -> None:
    """A bar with its value written inside its end when it fits, else just after it."""
    svg.rect(x, y, width, height, fill)
    size = min(12.5, height - 2)
    inside = width > text_width(text, size) + 10 and fill not in (YELLOW, SKY, ORANGE)
    if inside:
        svg.text(x + width - 5, y + height / 2 + size * 0.36, text, size=size, fill="#ffffff", text_anchor="end")
    else:
        svg.text(x + width + 5, y + height / 2 + size * 0.36, text, size=size, fill=INK)


# --- the four charts -----------------------------------------------------------------------------------------


def funnel_chart(summary: ReportSummary) -> str:
    steps = summary.funnel.overall
    row, top = 50, 12
    svg = Svg(
        WIDTH,
        top + row * len(steps) + 8,
        "Funnel: captured to hired, all time",
        "; ".join(
            f"{label(s.step, STEP_NAMES)} {num(s.candidates)} ({pct(s.from_captured)} of captured)" for s in steps
        ),
        "chart-funnel",
    )
    left, right = 130, WIDTH - 230
    widest = max([s.candidates for s in steps] + [1])
    for i, step in enumerate(steps):
        y = top + i * row
        svg.text(left - 12, y + 22, label(step.step, STEP_NAMES), size=14, font_weight="600", text_anchor="end")
        svg.rect(left, y + 4, right - left, 28, "#f4f7fa")
        _bar_value(svg, left, y + 4, (right - left) * step.candidates / widest, 28, num(step.candidates), BLUE)
        if i == 0:  # the first step is the base the others are shares of
            svg.text(right + 16, y + 23, "the base for the rates", size=12, fill=MUTED)
            continue
        svg.text(right + 16, y + 17, f"{pct(step.from_captured)} of captured", size=13, font_weight="600")
        svg.text(right + 16, y + 34, f"{pct(step.from_previous)} of the step before", size=11.5, fill=MUTED)
    return svg.render()


def captures_chart(summary: ReportSummary) -> str:
    trend = summary.captures
    channels = trend.channels
    svg = Svg(
        WIDTH,
        0,
        f"Captures per day by channel, {short_day(summary.coverage.window_start)} to "
        f"{short_day(summary.coverage.window_end)}",
        f"{plural(trend.total, 'candidate')} captured in {WINDOW_DAYS} days: "
        + (", ".join(f"{label(c, CHANNEL_NAMES)} {num(n)}" for c, n in trend.by_channel.items()) or "none"),
        "chart-captures",
    )
    legend = [(colour(i), f"{label(c, CHANNEL_NAMES)}  {num(trend.by_channel[c])}") for i, c in enumerate(channels)]
    left, right = 58, WIDTH - 12
    top = svg.legend(left, 18, legend, right) + 14 if legend else 20
    bottom = top + 250
    svg.height = bottom + 46
    if trend.total == 0:
        svg.empty(f"No candidates captured in the {WINDOW_DAYS} days to {short_day(trend.days[-1].date)}", top, bottom)
        return svg.render()
    ticks = axis_ticks(max(d.total for d in trend.days))
    maximum = ticks[-1]
    slot = (right - left) / len(trend.days)
    bar = slot * 0.74
    for i, day in enumerate(trend.days):
        if day.date.weekday() >= 5:  # weekends shaded: a weekly rhythm is then visible at a glance
            svg.rect(left + i * slot, top, slot, bottom - top, WEEKEND)
    for value in ticks:
        y = bottom - (bottom - top) * value / maximum
        svg.line(left, y, right, y, GRID if value else RULE)
        svg.text(left - 8, y + 4, _tick_label(value), size=11.5, fill=MUTED, text_anchor="end")
    last = len(trend.days) - 1
    for i, day in enumerate(trend.days):
        x = left + i * slot + (slot - bar) / 2
        y = bottom
        for c, channel in enumerate(channels):
            height = (bottom - top) * day.by_channel.get(channel, 0) / maximum
            if height > 0:
                y -= height
                svg.rect(x, y, bar, height, colour(c), stroke="#ffffff", stroke_width="0.6")
        total = num(day.total)
        if day.total and text_width(total, 10.5) <= slot:
            svg.text(x + bar / 2, y - 4, total, size=10.5, fill=INK, text_anchor="middle")
        if (last - i) % 7 == 0:  # a date every week, ending on the report's last day
            svg.line(x + bar / 2, bottom, x + bar / 2, bottom + 4, RULE)
            svg.text(x + bar / 2, bottom + 18, short_day(day.date), size=11.5, fill=MUTED, text_anchor="middle")
    svg.text(
        14,
        (top + bottom) / 2,
        "Candidates captured",
        size=12,
        fill=MUTED,
        text_anchor="middle",
        transform=f"rotate(-90 14 {(top + bottom) / 2:.1f})",
    )
    svg.text((left + right) / 2, bottom + 40, "Day (UTC); weekends shaded", size=12, fill=MUTED, text_anchor="middle")
    return svg.render()


CONVERSION_SERIES = (
    ("confirmed_rate", "Confirmed", SKY),
    ("applied_rate", "Applied", BLUE),
    ("hired_rate", "Hired", GREEN),
)


def conversion_chart(summary: ReportSummary) -> str:
    rows = sorted(
        (r for r in summary.sources if r.dimension == "channel" and (r.captured_all_time or 0) > 0),
        key=lambda r: (-(r.applied_rate or 0), -(r.captured_all_time or 0), r.value),
    )
    svg = Svg(
        WIDTH,
        0,
        "Conversion rate by source channel, all time",
        "Share of captured candidates who confirmed, applied and were hired: "
        + (
            "; ".join(
                f"{label(r.value, CHANNEL_NAMES)}: {pct(r.confirmed_rate)} confirmed, {pct(r.applied_rate)} applied, "
                f"{pct(r.hired_rate)} hired of {num(r.captured_all_time or 0)}"
                for r in rows
            )
            or "no candidates captured yet"
        ),
        "chart-conversion",
    )
    left, right = 170, WIDTH - 70
    top = svg.legend(left, 18, [(fill, f"{name} (% of captured)") for _, name, fill in CONVERSION_SERIES], right) + 12
    if not rows:
        svg.height = top + 140
        svg.empty("No captured candidates yet", top, top + 110)
        return svg.render()
    bar, gap, pad = 13, 3, 12
    row = len(CONVERSION_SERIES) * (bar + gap) + pad
    bottom = top + row * len(rows)
    svg.height = bottom + 28
    _percent_axis(svg, left, right, top, bottom, 1.0)
    for i, source in enumerate(rows):
        y = top + i * row + pad / 2
        svg.text(left - 12, y + 17, label(source.value, CHANNEL_NAMES), size=13.5, font_weight="600", text_anchor="end")
        svg.text(
            left - 12,
            y + 33,
            f"{num(source.captured_all_time or 0)} captured",
            size=11.5,
            fill=MUTED,
            text_anchor="end",
        )
        for s, (attribute, _, fill) in enumerate(CONVERSION_SERIES):
            rate = getattr(source, attribute)
            _bar_value(svg, left, y + s * (bar + gap), (right - left) * min(rate or 0, 1), bar, pct(rate), fill)
    return svg.render()


STEP_SERIES = (("open_rate", "Open rate", BLUE), ("click_rate", "Click rate", ORANGE))


def _sequences_charted(summary: ReportSummary) -> list[SequencePerformance]:
    return [s for s in summary.sequences if s.sequence_id != "-" and s.total.sent + s.total.delivered > 0]


def sequence_name(sequence: SequencePerformance) -> str:
    return sequence.name or sequence.sequence_id


def steps_chart(summary: ReportSummary) -> str:
    sequences = _sequences_charted(summary)
    svg = Svg(
        WIDTH,
        0,
        f"Step performance per sequence: open and click rates, last {WINDOW_DAYS} days",
        "Per email delivered: "
        + (
            "; ".join(
                f"{sequence_name(q)} {step_label(s.step)}: {pct(s.open_rate)} opened, {pct(s.click_rate)} clicked "
                f"({plural(s.delivered, 'delivered', 'delivered')})"
                for q in sequences
                for s in q.steps
            )
            or f"no sequence emails in the last {WINDOW_DAYS} days"
        ),
        "chart-steps",
    )
    left, right = 170, WIDTH - 70
    top = svg.legend(left, 18, [(fill, f"{name} (per email delivered)") for _, name, fill in STEP_SERIES], right) + 12
    if not sequences:
        svg.height = top + 140
        svg.empty(f"No sequence emails in the {WINDOW_DAYS} days to {short_day(summary.coverage.end)}", top, top + 110)
        return svg.render()
    highest = max((getattr(s, a) or 0) for q in sequences for s in q.steps for a, _, _ in STEP_SERIES)
    maximum = axis_ticks(max(1.0, highest), smallest_step=0.25)[-1]  # over 100% only if repeat opens count
    bar, gap, pad, header = 13, 3, 12, 32
    row = len(STEP_SERIES) * (bar + gap) + pad
    y = top
    for number, sequence in enumerate(sequences):
        svg.spans(
            8,
            y + 20,
            [
                (sequence_name(sequence), {"font_size": 14.5, "font_weight": "700"}),
                (
                    f"   {plural(sequence.total.sent, 'email')} sent, {pct(sequence.total.open_rate)} opened, "
                    f"{pct(sequence.total.click_rate)} clicked",
                    {"font_size": 12, "fill": MUTED},
                ),
            ],
        )
        y += header
        block_bottom = y + row * len(sequence.steps)
        _percent_axis(svg, left, right, y, block_bottom, maximum, labels=number == len(sequences) - 1)
        for step in sequence.steps:
            svg.text(left - 12, y + pad / 2 + 13, step_label(step.step), size=13, font_weight="600", text_anchor="end")
            svg.text(left - 12, y + pad / 2 + 28, f"{num(step.sent)} sent", size=11.5, fill=MUTED, text_anchor="end")
            for s, (attribute, _, fill) in enumerate(STEP_SERIES):
                rate = getattr(step, attribute)
                by = y + pad / 2 + s * (bar + gap)
                _bar_value(svg, left, by, (right - left) * (rate or 0) / maximum, bar, pct(rate), fill)
            y += row
        y += 8
    svg.height = y + 22
    return svg.render()


# --- the page ----------------------------------------------------------------------------------------------

STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #ffffff; color: #1a1a1a; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto,
  "Helvetica Neue", Arial, sans-serif; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
main { max-width: 1000px; margin: 0 auto; padding: 28px 20px 40px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 0 0 2px; }
h3 { font-size: 15px; margin: 0 0 6px; }
figure h3 { margin-top: 18px; }
.meta, figcaption, .note { color: #555555; font-size: 13px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin: 20px 0 8px; }
.kpi { border: 1px solid #d9d9d9; border-radius: 8px; padding: 10px 12px; }
.kpi .value { font-size: 26px; font-weight: 700; line-height: 1.15; font-variant-numeric: tabular-nums; }
.kpi .name { font-size: 13px; color: #444444; }
.kpi .sub { font-size: 12px; color: #666666; }
figure, section.tables { margin: 28px 0 0; break-inside: avoid; page-break-inside: avoid; }
.chart-frame, .frame { overflow-x: auto; }
.chart-frame { margin-top: 8px; }
figure svg { display: block; height: auto; min-width: 640px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 18px 28px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 4px 8px 4px 0; border-bottom: 1px solid #e3e3e3; }
th { font-weight: 600; border-bottom-color: #9a9a9a; }
td.n, th.n { text-align: right; }
footer { margin-top: 32px; border-top: 1px solid #d9d9d9; padding-top: 10px; }
@page { size: A4 landscape; margin: 10mm; }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  figure, section.tables, .kpis, tr { break-inside: avoid; page-break-inside: avoid; }
}
"""


def _kpi(name: str, value: str, sub: str = "") -> str:
    sub_html = f'<div class="sub">{escape(sub)}</div>' if sub else ""
    value_html = f'<div class="value">{escape(value)}</div><div class="name">{escape(name)}</div>'
    return f'<div class="kpi">{value_html}{sub_html}</div>'


def period_words(summary: ReportSummary) -> str:
    cover = summary.coverage
    if cover.start != cover.end:
        return f"{short_day(cover.start)} to {short_day(cover.end)}"
    return f"on {short_day(cover.end)}"


def _kpis(summary: ReportSummary) -> str:
    pool, act, tta = summary.pool, summary.activity, summary.time_to_apply
    applied = next((s for s in summary.funnel.overall if s.step == "applied"), None)
    speed = (
        "no applications yet" if tta.median_days is None else f"median; 90% within {plural(tta.p90_days or 0, 'day')}"
    )
    tiles = [
        _kpi("Candidates in the pool", num(pool.total), f"{num(pool.consent_active)} with active consent"),
        _kpi(f"Captured {period_words(summary)}", num(act.captured), f"{num(summary.captures.total)} in 30 days"),
        _kpi(f"Confirmed {period_words(summary)}", num(act.confirmed), "double opt-in completed"),
        _kpi(
            "Applied, all time",
            num(applied.candidates if applied else 0),
            f"{pct(applied.from_captured if applied else None)} of captured",
        ),
        _kpi("Days from capture to applied", "\u2013" if tta.median_days is None else num(tta.median_days), speed),
        _kpi("Consents expiring", num(summary.expiring_consents.total), "in the next 30 days"),
    ]
    return f'<section class="kpis" aria-label="Key figures">{"".join(tiles)}</section>'


def _table(caption: str, header: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int = 1) -> str:
    def cells(tag: str, values: Sequence[str]) -> str:
        return "".join(
            f"<{tag}{' class=n' if i >= numeric_from else ''}>{escape(v)}</{tag}>" for i, v in enumerate(values)
        )

    body = "".join(f"<tr>{cells('td', r)}</tr>" for r in rows) or (
        f'<tr><td colspan="{len(header)}" class="note">None</td></tr>'
    )
    table = (
        f'<div class="frame"><table><thead><tr>{cells("th", header)}</tr></thead><tbody>{body}</tbody></table></div>'
    )
    return f"<div><h3>{escape(caption)}</h3>{table}</div>"


def _figure(heading: str, chart: str, caption: str, extra: str = "") -> str:
    # On a phone a chart scrolls sideways rather than shrinking its labels below reading size.
    frame = f'<div class="chart-frame">{chart}</div>'
    return f"<figure><h2>{escape(heading)}</h2><figcaption>{escape(caption)}</figcaption>{frame}{extra}</figure>"


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


def _sequence_table(summary: ReportSummary) -> str:
    rows = []
    for sequence in summary.sequences:
        for step in sequence.steps:
            name = sequence_name(sequence) + (f" · {step_label(step.step)}" if step.step is not None else "")
            counts = _step_counts(step)
            if sequence.sequence_id == "-":
                counts[0] = "n/a"  # the confirmation email is counted from delivery on: no `sent` is kept
            rows.append([name, *counts])
    header = [
        "Sequence · step",
        "Sent",
        "Delivered",
        "Opened",
        "Clicked",
        "Bounced",
        "Complaints",
        "Unsub.",
        "Open",
        "Click",
    ]
    return _table(f"Email events, last {WINDOW_DAYS} days", header, rows)


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


def _tables(summary: ReportSummary) -> str:
    pool = summary.pool
    stage_rows = [[label(stage), num(n)] for stage, n in pool.by_stage.items()]
    consent_rows = [[label(status), num(n)] for status, n in pool.consent.items()]
    segment_rows = [[s.name, num(s.size)] for s in summary.segments]
    tta = summary.time_to_apply
    speed_rows = [["Candidates who applied", num(tta.candidates)]]
    if tta.median_days is not None and tta.p90_days is not None:
        speed_rows += [["Median", plural(tta.median_days, "day")], ["90th percentile", plural(tta.p90_days, "day")]]
    period = period_words(summary)
    pieces = [
        _table("Pool by stage", ["Stage", "Candidates"], stage_rows),
        _table("Pool by consent", ["Consent", "Candidates"], consent_rows),
        _table("Saved segments", ["Segment", "Candidates"], segment_rows),
        _table("Consents expiring", ["Days", "Consents"], _expiry_rows(summary)),
        _table(
            "Captures by utm_source (top 15)",
            ["utm_source", period[:1].upper() + period[1:], "30 days"],
            _source_table(summary.sources, "utm_source"),
        ),
        _table("Time from capture to applied", ["", "All time"], speed_rows),
    ]
    heading = "<h2>Pool, segments and sources</h2>"
    return f'<section class="tables">{heading}<div class="grid">{"".join(pieces)}</div></section>'


def render_html(summary: ReportSummary) -> str:
    cover = summary.coverage
    kind = "Weekly" if cover.period is Period.WEEK else "Daily"
    covered = f"{long_day(cover.start)} to {long_day(cover.end)}" if cover.start != cover.end else long_day(cover.end)
    generated = cover.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    figures = [
        _figure(
            "Funnel",
            funnel_chart(summary),
            f"Candidates who ever reached each step, all time, as of {generated}.",
        ),
        _figure(
            "Captures per day",
            captures_chart(summary),
            f"New candidates each day of the {WINDOW_DAYS} days to {short_day(cover.window_end)}, stacked by the "
            "channel they came through; the figure above each bar is the day's total.",
        ),
        _figure(
            "Conversion by source",
            conversion_chart(summary),
            "Of the candidates each channel brought in (all time), the share who confirmed, applied and were hired. "
            "Channels with the best application rate first.",
        ),
        _figure(
            "Step performance",
            steps_chart(summary),
            f"Opens and clicks per email delivered, each sequence step, over the {WINDOW_DAYS} days to "
            f"{short_day(cover.window_end)}.",
            _sequence_table(summary),
        ),
    ]
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Talentpool {kind.lower()} report: {escape(covered)}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<header>
<h1>Talentpool {kind.lower()} report</h1>
<p class="meta">{escape(covered)} (UTC) · generated {escape(generated)} · running totals as of then</p>
</header>
{_kpis(summary)}
{"".join(figures)}
{_tables(summary)}
<footer class="note">
<p>Counts only: this report holds no candidate's name, address or other personal data, only totals and the
names of saved segments and sequences. Rates are shares of the step's base (captured candidates, or emails
delivered); "n/a" means there was nothing to divide by. Median and 90th percentile are whole days: half (nine in
ten) of the candidates who applied did so within that many days of being captured.</p>
<p>Report schema version {summary.schema_version}. Data files: summary.json, funnel.csv, sources.csv, sequences.csv.</p>
</footer>
</main>
</body>
</html>
"""
