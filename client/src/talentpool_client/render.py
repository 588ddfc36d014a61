"""How the CLI shows API data and errors: rich tables and panels for people, plain lines for stderr."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from talentpool_client.api import JSON, FieldProblem

NONE = "-"
# Where the API puts a problem (`loc`) starts with where the value travelled; a person only needs the field.
LOC_PREFIXES = frozenset({"query", "params", "body", "path", "header"})


def _text(value: Any) -> str:
    if value is None or value == "" or value == []:
        return NONE
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def when(value: str | None) -> str:
    """An API timestamp (UTC, ISO 8601) as local time to the minute: what a recruiter reads at a glance."""
    if not value:
        return NONE
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone().strftime("%Y-%m-%d %H:%M")


def place(city: str | None, country: str | None) -> str:
    return ", ".join(p for p in (city, country) if p) or NONE


# -- candidates ---------------------------------------------------------------------------------------------------


def candidates_table(items: Sequence[JSON], *, caption: str | None = None) -> Table:
    """Search results: one row per candidate summary. Summaries carry no contact details, except the address
    of a person found with `candidates find`, which gets its own column."""
    table = Table(caption=caption, caption_justify="left", header_style="bold", expand=False)
    table.add_column("ID", no_wrap=True, style="cyan")
    found = any("email" in item for item in items)
    if found:
        table.add_column("Email", overflow="fold")
    table.add_column("Skills", overflow="fold")
    table.add_column("Years", justify="right")
    table.add_column("Location")
    table.add_column("Stage")
    table.add_column("Consent")
    table.add_column("Tags", overflow="fold")
    table.add_column("Engagement", justify="right")
    for item in items:
        table.add_row(
            item.get("candidate_id", NONE),
            *([_text(item.get("email"))] if found else []),
            _text(item.get("skills")),
            _text(item.get("years_experience")),
            place(item.get("city"), item.get("country")),
            _text(item.get("stage")),
            _text(item.get("consent_status")),
            _text(item.get("tags")),
            f"{float(item.get('engagement') or 0):.1f}",
        )
    return table


def search_caption(count: int, read: Mapping[str, Any] | None, next_cursor: str | None) -> str:
    noun = "candidate" if count == 1 else "candidates"
    parts = [f"{count} {noun}"]
    if read:
        parts.append(f"{read.get('items_read', '?')} index entries read via {read.get('index', '?')}")
    if next_cursor:
        parts.append("more pages: --all, or --cursor with the next cursor below")
    return " · ".join(parts)


def _fields(rows: Iterable[tuple[str, Any]]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in rows:
        grid.add_row(label, value if isinstance(value, Text) else Text(_text(value)))
    return grid


def candidate_panels(view: JSON) -> RenderableType:
    """`candidates show`: who they are (contact and profile) and where they stand (stage, consent, source)."""
    c: JSON = view.get("candidate", {})
    location = c.get("location") or {}
    name = " ".join(p for p in (c.get("first_name"), c.get("last_name")) if p) or None
    owner = c.get("owner") or {}
    consent = c.get("consent") or {}
    profile = _fields(
        [
            ("Name", name),
            ("Email", c.get("email")),
            ("Phone", c.get("phone")),
            ("LinkedIn", c.get("linkedin_url")),
            ("Location", place(location.get("city"), location.get("country"))),
            ("Timezone", location.get("timezone")),
            ("Experience", f"{c['years_experience']} years" if c.get("years_experience") is not None else None),
            ("Skills", c.get("skills")),
            ("Desired roles", c.get("desired_roles")),
            ("Interests", c.get("interests")),
        ]
    )
    consent_line = consent.get("status")
    if consent.get("confirmed_at"):
        consent_line = f"{consent_line} (confirmed {when(consent['confirmed_at'])})"
    status = _fields(
        [
            ("Stage", Text(str(c.get("stage", NONE)), style="bold magenta")),
            ("Consent", consent_line),
            ("Source", (c.get("source") or {}).get("channel")),
            ("Owner", f"{owner.get('name')} <{owner.get('email')}>" if owner else None),
            ("Tags", c.get("tags")),
            ("Engagement", f"{float(c.get('engagement') or 0):.1f}"),
            ("Unsubscribed", when(c.get("unsubscribed_at")) if c.get("unsubscribed_at") else None),
            ("Suppressed", c.get("suppression_reason") if c.get("suppressed_at") else None),
            ("Captured", when(c.get("captured_at"))),
            ("Updated", when(c.get("updated_at"))),
            ("ETag", view.get("etag")),
        ]
    )
    title = f"{name or 'Candidate'} · {c.get('candidate_id', '')}"
    return Group(Panel(profile, title=title, title_align="left"), Panel(status, title="Status", title_align="left"))


def timeline_table(items: Sequence[JSON], *, next_cursor: str | None = None) -> Table:
    """Every interaction, newest first, with its facts as key=value."""
    caption = "more: --timeline-cursor with the next cursor below" if next_cursor else None
    table = Table(title="Timeline", title_justify="left", caption=caption, caption_justify="left", header_style="bold")
    table.add_column("When", no_wrap=True)
    table.add_column("What", no_wrap=True, style="green")
    table.add_column("Who")
    table.add_column("Details", overflow="fold")
    for entry in items:
        data = entry.get("data") or {}
        details = ", ".join(f"{k}={_text(v)}" for k, v in data.items() if v not in (None, "", []))
        table.add_row(when(entry.get("at")), str(entry.get("kind", "")), str(entry.get("actor", "")), details)
    return table


# -- segments -----------------------------------------------------------------------------------------------------


def describe_filter(filters: Mapping[str, Any]) -> str:
    """A saved filter in one line, only the parts that narrow it: `skills=python,go (any) · min_experience=3`."""
    parts = []
    for name, value in filters.items():
        if value in (None, [], "") or (name == "skills_mode" and value == "all"):
            continue
        if name == "skills_mode":
            continue  # shown next to the skills it qualifies
        shown = _text(value)
        if name == "skills" and filters.get("skills_mode") == "any":
            shown += " (any)"
        parts.append(f"{name}={shown}")
    return " · ".join(parts) or "everyone"


def segments_table(items: Sequence[JSON]) -> Table:
    table = Table(header_style="bold")
    table.add_column("ID", no_wrap=True, style="cyan")
    table.add_column("Name")
    table.add_column("Filter", overflow="fold")
    table.add_column("Created", no_wrap=True)
    for item in items:
        table.add_row(
            str(item.get("segment_id", "")),
            str(item.get("name", "")),
            describe_filter(item.get("filter") or {}),
            when(item.get("created_at")),
        )
    return table


def segment_panel(segment: JSON) -> Panel:
    rows = [
        ("Name", segment.get("name")),
        ("Description", segment.get("description")),
        ("Filter", describe_filter(segment.get("filter") or {})),
        ("Created", f"{when(segment.get('created_at'))} by {segment.get('created_by', NONE)}"),
    ]
    return Panel(_fields(rows), title=f"Segment {segment.get('segment_id', '')}", title_align="left")


# -- imports ------------------------------------------------------------------------------------------------------


def import_summary(status: JSON) -> Group:
    """The outcome of an import: a heading, then counts, then why the file failed if it did."""
    table = Table(show_header=False)
    table.add_column(style="bold")
    table.add_column()
    state = str(status.get("status", ""))
    table.add_row("Status", Text(state, style="green" if state == "completed" else "red"))
    for label, key in (
        ("Rows", "rows_total"),
        ("Imported", "imported"),
        ("Merged", "merged"),
        ("Rejected", "rejected"),
    ):
        table.add_row(label, str(status.get(key, 0)))
    if status.get("ignored_columns"):
        table.add_row("Ignored columns", ", ".join(status["ignored_columns"]))
    failure = status.get("failure") or {}
    if failure:
        table.add_row("Why it failed", Text(str(failure.get("message", "")), style="red"))
    return Group(Text(f"Import {status.get('import_id', '')}", style="bold"), table)


# -- errors -------------------------------------------------------------------------------------------------------


def field_name(loc: Sequence[str | int], flags: Mapping[str, str]) -> str:
    """Where a problem is, in the user's terms: the CLI flag they typed if we know it, else the dotted field.

    ["query", "params", "min_experience"] and ["filter", "min_experience"] both become `--min-exp`;
    ["location", "country"] becomes `--country` where the command has that flag.
    """
    parts = list(loc)
    while parts and parts[0] in LOC_PREFIXES:
        parts.pop(0)
    known = next((i for i, part in enumerate(parts) if isinstance(part, str) and part in flags), None)
    if known is None:
        return ".".join(str(p) for p in parts) or ".".join(str(p) for p in loc) or "request"
    rest = parts[known + 1 :]
    return flags[str(parts[known])] + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest)


def field_lines(fields: Sequence[FieldProblem], flags: Mapping[str, str]) -> list[str]:
    return [f"  {field_name(f.loc, flags)}: {f.msg}" for f in fields]


# -- reports ------------------------------------------------------------------------------------------------------

CHANNELS = {"careers_site": "Careers site", "job_board": "Job board", "-": "Unknown"}


def _label(value: Any) -> str:
    text = str(value or "")
    return CHANNELS.get(text) or (text.replace("_", " ").capitalize() if text else NONE)


def _count(value: Any) -> str:
    return NONE if value is None else f"{int(value):,}"


def _rate(value: Any) -> str:
    return "n/a" if value is None else f"{float(value) * 100:.1f}%"


def _day(value: Any) -> str:
    try:
        day = datetime.fromisoformat(str(value)).date()
    except ValueError:
        return str(value)
    return f"{day.day} {day:%b %Y}"


def _report_heading(summary: JSON) -> str:
    cover = summary.get("coverage", {})
    kind = "Weekly" if cover.get("period") == "week" else "Daily"
    days = (
        _day(cover.get("end"))
        if cover.get("start") == cover.get("end")
        else (f"{_day(cover.get('start'))} to {_day(cover.get('end'))}")
    )
    return f"{kind} report · {days} (UTC) · generated {when(cover.get('generated_at'))}"


def _key_figures(summary: JSON) -> Table:
    pool, activity, speed = summary.get("pool", {}), summary.get("activity", {}), summary.get("time_to_apply", {})
    period = "this week" if summary.get("coverage", {}).get("period") == "week" else "that day"
    steps: list[JSON] = summary.get("funnel", {}).get("overall", [])
    applied: JSON = next((s for s in steps if s.get("step") == "applied"), {})
    median = speed.get("median_days")
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_column(style="dim")
    table.add_row("Pool", _count(pool.get("total")), f"{_count(pool.get('consent_active'))} with active consent")
    table.add_row(
        "Captured",
        _count(activity.get("captured")),
        f"{period}; {_count(summary.get('captures', {}).get('total'))} in 30 days",
    )
    table.add_row("Confirmed", _count(activity.get("confirmed")), period)
    table.add_row(
        "Applied", _count(applied.get("candidates")), f"all time; {_rate(applied.get('from_captured'))} of captured"
    )
    table.add_row(
        "Capture to applied",
        NONE if median is None else f"{median} days",
        "no applications yet" if median is None else f"median; 90% within {speed.get('p90_days')} days",
    )
    table.add_row("Consents expiring", _count(summary.get("expiring_consents", {}).get("total")), "in the next 30 days")
    return table


def _funnel_table(summary: JSON) -> Table:
    table = Table(title="Funnel, all time", title_justify="left", header_style="bold")
    table.add_column("Step")
    for name in ("Candidates", "Of captured", "Of the step before"):
        table.add_column(name, justify="right")
    for step in summary.get("funnel", {}).get("overall", []):
        table.add_row(
            _label(step.get("step")),
            _count(step.get("candidates")),
            _rate(step.get("from_captured")),
            NONE
            if step.get("from_previous") is None and step.get("step") == "captured"
            else _rate(step.get("from_previous")),
        )
    return table


def _sources_table(summary: JSON) -> Table:
    period = "This week" if summary.get("coverage", {}).get("period") == "week" else "That day"
    table = Table(title="Sources by channel", title_justify="left", header_style="bold")
    table.add_column("Channel")
    for name in (period, "30 days", "All time", "Confirmed", "Applied", "Hired"):
        table.add_column(name, justify="right")
    for row in summary.get("sources", []):
        if row.get("dimension") == "channel":
            table.add_row(
                _label(row.get("value")),
                _count(row.get("captured_in_period")),
                _count(row.get("captured_in_window")),
                _count(row.get("captured_all_time")),
                _rate(row.get("confirmed_rate")),
                _rate(row.get("applied_rate")),
                _rate(row.get("hired_rate")),
            )
    return table


def _steps_table(summary: JSON) -> Table:
    table = Table(title="Step performance, last 30 days", title_justify="left", header_style="bold")
    table.add_column("Sequence")
    table.add_column("Step", justify="right")
    for name in ("Sent", "Delivered", "Open rate", "Click rate", "Bounced", "Unsub."):
        table.add_column(name, justify="right")
    for sequence in summary.get("sequences", []):
        name = sequence.get("name") or sequence.get("sequence_id", NONE)
        for step in sequence.get("steps", []):
            index = step.get("step")
            table.add_row(
                str(name),
                NONE if index is None else str(int(index) + 1),  # stored from 0; people count from 1
                _count(step.get("sent")),
                _count(step.get("delivered")),
                _rate(step.get("open_rate")),
                _rate(step.get("click_rate")),
                _count(step.get("bounced")),
                _count(step.get("unsubscribed")),
            )
    return table


def _segments_table(summary: JSON) -> Table:
    table = Table(title="Saved segments", title_justify="left", header_style="bold")
    table.add_column("Segment")
    table.add_column("Candidates", justify="right")
    table.add_column("ID", style="cyan", no_wrap=True)
    for segment in summary.get("segments", []):
        table.add_row(str(segment.get("name", "")), _count(segment.get("size")), str(segment.get("segment_id", "")))
    return table


def report_view(view: JSON) -> Group:
    """A report's summary as a heading and tables; the HTML page (talentpool report --open) has the charts."""
    summary = view.get("summary", {})
    parts: list[RenderableType] = [Text(_report_heading(summary), style="bold"), _key_figures(summary)]
    parts += [_funnel_table(summary), _sources_table(summary)]
    if summary.get("sequences"):
        parts.append(_steps_table(summary))
    if summary.get("segments"):
        parts.append(_segments_table(summary))
    return Group(*(part for piece in parts for part in (piece, Text(""))))


def report_dates_table(listing: JSON) -> Table:
    period = "week of" if listing.get("period") == "week" else "day"
    table = Table(header_style="bold")
    table.add_column("Date")
    table.add_column("Covers")
    for value in listing.get("dates", []):
        table.add_row(str(value), f"{period} {_day(value)}")
    return table


def failures_table(listing: JSON) -> Table:
    """What failed for good, newest last, with each queue's depth in the caption."""
    depths = ", ".join(f"{name} {count}" for name, count in sorted((listing.get("queues") or {}).items()) if count)
    table = Table(caption=f"In the queues: {depths}" if depths else "Every failure queue is empty")
    for column in ("consumer", "failed at", "source", "error", "id"):
        table.add_column(column)
    for failure in listing.get("failures") or []:
        table.add_row(
            _text(failure.get("consumer")),
            when(failure.get("failed_at")),
            _text(failure.get("source")),
            _text(failure.get("error")),
            _text(failure.get("failure_id")),
        )
    return table


def redrive_table(result: JSON) -> Table:
    table = Table(caption="replayed: sent where it was going; failed: still in its queue for the next redrive")
    for column in ("consumer", "outcome", "id", "detail"):
        table.add_column(column)
    for item in result.get("replayed") or []:
        table.add_row(
            _text(item.get("consumer")),
            _text(item.get("outcome")),
            _text(item.get("failure_id")),
            _text(item.get("detail")),
        )
    return table
