"""CSV exports: cells a spreadsheet shows as text and never runs as a formula (OWASP's CSV injection guidance),
the writer, and the report's three Athena-ready files (a header row, one fact per row, no date column: the
date is the `dt=` partition they are filed under).

Excel, LibreOffice and Google Sheets run a cell that starts with `=`, `+`, `-` or `@` as a formula (and some
strip a leading tab or carriage return first), so `=HYPERLINK(...)` typed into a form would be a live link in
a recruiter's report. Such a cell gets a leading apostrophe, which spreadsheets read as "this is text".
Numbers (-3, +1.5e3) are left alone: they are values, not formulas, and a report's numbers must stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from talentpool.models.reports import ReportSummary

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# A lone "-" is how reports write "no value" (and how Athena queries match it); with nothing after the sign
# there is no formula to run.
_NO_VALUE = "-"


def safe_cell(value: str) -> str:
    """The cell as a spreadsheet may open it: prefixed with an apostrophe when it could start a formula."""
    if value.startswith(FORMULA_STARTS) and value != _NO_VALUE and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


# --- The writer -----------------------------------------------------------------------------------------

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


# --- The report's files -----------------------------------------------------------------------------------

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
