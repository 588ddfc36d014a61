"""The report's charts as inline SVG: a small drawing kit (every piece of text escaped) and one function per chart.

Colours come from the Okabe-Ito palette, which stays distinguishable with the common colour-vision
deficiencies, and every number a chart shows is also written on it, so no reading depends on colour or on
judging a bar's length.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from talentpool.models.reports import WINDOW_DAYS, ReportSummary, SequencePerformance
from talentpool.views.report_words import CHANNEL_NAMES, STEP_NAMES, label, num, pct, plural, short_day, step_label

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
