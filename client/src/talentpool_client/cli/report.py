"""`talentpool report`: the latest (or a given day's) report as tables, and its HTML page saved or opened.

The API returns the report's summary with presigned links to its files. The tables come from the summary;
--save downloads report.html through its link (without the bearer token), and --open shows it in a browser,
from the saved file, or from a temporary copy when nothing is saved, so the page still opens after the
15-minute link has expired and the link itself never lands in the browser's history.
"""

from __future__ import annotations

import tempfile
import webbrowser
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from talentpool_client import render
from talentpool_client.api import JSON
from talentpool_client.cli.candidates import AsJson, emit_json
from talentpool_client.cli.context import CliError, Session, session


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def report(
    ctx: typer.Context,
    day: Annotated[
        datetime | None,
        typer.Option("--date", formats=["%Y-%m-%d"], help="The report's date, YYYY-MM-DD (default: the latest)"),
    ] = None,
    week: Annotated[bool, typer.Option("--week", help="The weekly report (--date: the week's Monday)")] = False,
    save: Annotated[
        Path | None, typer.Option(metavar="FILE.html", dir_okay=False, help="Save the HTML report to this file")
    ] = None,
    open_page: Annotated[bool, typer.Option("--open", help="Open the HTML report in a browser")] = False,
    list_dates: Annotated[bool, typer.Option("--list", help="List the dates that have a report")] = False,
    as_json: AsJson = False,
) -> None:
    """Show a report: pool, funnel, sources, step performance and segments.

    Examples: talentpool report · talentpool report --date 2026-11-25 --save report.html · talentpool report --open
    """
    s = session(ctx)
    s.flags = {"date": "--date", "period": "--week"}
    api = s.api()
    period = "week" if week else "day"
    if list_dates:
        listing = api.report_dates(period=period)
        if as_json:
            emit_json(listing)
        elif not listing.get("dates"):
            s.out.print("No reports yet: the first runs at 06:00 UTC (locally: POST /_local/run/report).")
        else:
            s.out.print(render.report_dates_table(listing))
        return
    view = api.report(day.date().isoformat() if day else None, period=period)
    if as_json:
        emit_json(view)
    else:
        s.out.print(render.report_view(view))
    if save or open_page:
        page = fetch_page(s, view, save)
        if open_page:
            webbrowser.open(page.resolve().as_uri())
            if not as_json:
                s.out.print(f"Opened {escape(str(page))}")


def fetch_page(s: Session, view: JSON, save: Path | None) -> Path:
    """Download report.html to `save`, or to a temporary file named for the report."""
    url = (view.get("links") or {}).get("report_html")
    if not url:
        raise CliError("the API returned no link to the HTML report")
    content = s.api().download(str(url))
    target = (
        save or Path(tempfile.gettempdir()) / f"talentpool-report-{view.get('period', 'day')}-{view.get('date')}.html"
    )
    try:
        target.write_bytes(content)
    except OSError as exc:
        raise CliError(f"cannot write {target}: {exc.strerror or exc}") from exc
    if save:
        s.err.print(f"Saved {escape(str(target))} ({len(content):,} bytes)")
    return target
