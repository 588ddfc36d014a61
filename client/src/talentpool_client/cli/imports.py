"""`talentpool import FILE.csv` and `talentpool import-status ID`: upload, follow with a progress bar, summarise.

The API hands out a presigned upload URL; the upload itself starts the importer. The CLI then polls
GET /imports/{id}, shows rows processed against rows total, and finally writes the rejected rows
(row, column, reason) next to the file, so they can be fixed and imported again.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from talentpool_client import render
from talentpool_client.api import JSON, Api
from talentpool_client.cli.context import CliError, ExitCode, Session, session

FINISHED = frozenset({"completed", "failed"})
FIRST_POLL_S = 0.5
MAX_POLL_S = 3.0
ERRORS_SHOWN = 5
DEFAULT_TIMEOUT_S = 20 * 60  # the importer's own limit is one 15-minute Lambda run

Wait = Annotated[bool, typer.Option("--wait/--no-wait", help="Follow the import until it finishes")]
Timeout = Annotated[int, typer.Option(min=1, help="Stop waiting after this many seconds")]


def register(app: typer.Typer) -> None:
    app.command("import")(import_file)
    app.command("import-status")(import_status)


def import_file(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE.csv",
            exists=True,
            dir_okay=False,
            readable=True,
            help="A UTF-8 CSV with a header row",
            show_default=False,
        ),
    ],
    wait: Wait = True,
    notes: Annotated[str | None, typer.Option(help="Where the list came from, for your team")] = None,
    timeout: Timeout = DEFAULT_TIMEOUT_S,
) -> None:
    """Import candidates from a CSV: upload it, follow the progress, then summarise.

    Rejected rows are written to FILE.rejected.csv (row, column, reason). Exits 1 if the import failed.
    Columns and aliases: docs/imports.md.
    """
    s = session(ctx)
    s.flags = {"notes": "--notes"}
    api = s.api()
    content = file.read_bytes()
    started = api.start_import(notes)
    import_id = str(started["import_id"])
    api.upload(
        started["upload_url"],
        content,
        method=started.get("upload_method", "PUT"),
        headers=started.get("upload_headers") or {"Content-Type": "text/csv"},
    )
    if not wait:
        s.out.print(f"Uploaded {escape(file.name)} as import {import_id}")
        s.out.print(f"Follow it with: talentpool import-status {import_id} --wait")
        return
    finish(s, api, import_id, rejected_to=rejected_path(file), timeout=timeout)


def import_status(
    ctx: typer.Context,
    import_id: Annotated[str, typer.Argument(metavar="IMPORT_ID", help="The import's id", show_default=False)],
    wait: Wait = False,
    rejected: Annotated[Path | None, typer.Option(help="Write the rejected rows to this CSV file")] = None,
    timeout: Timeout = DEFAULT_TIMEOUT_S,
) -> None:
    """Show an import's progress or result (with --wait, follow it until it finishes)."""
    s = session(ctx)
    api = s.api()
    if wait:
        finish(s, api, import_id, rejected_to=rejected, timeout=timeout)
        return
    status = api.import_status(import_id)
    if status.get("status") not in FINISHED:
        s.out.print(f"{status.get('status')}: {status.get('rows_processed', 0)} of {status.get('rows_total', 0)} rows")
        return
    summarise(s, status, rejected_to=rejected)


def rejected_path(file: Path) -> Path:
    """people.csv → people.rejected.csv, beside it."""
    stem = file.stem if file.suffix.lower() == ".csv" else file.name
    return file.with_name(f"{stem}.rejected.csv")


def finish(s: Session, api: Api, import_id: str, *, rejected_to: Path | None, timeout: int) -> None:
    try:
        status = follow(s, api, import_id, timeout)
    except KeyboardInterrupt:
        s.err.print(f"Stopped waiting; the import goes on. Follow it with: talentpool import-status {import_id} --wait")
        raise typer.Exit(130) from None
    summarise(s, status, rejected_to=rejected_to)


def follow(s: Session, api: Api, import_id: str, timeout: float) -> JSON:
    """Poll until the import finishes, with a live bar of rows processed (on stderr: stdout is the summary)."""
    deadline = time.monotonic() + timeout
    delay = FIRST_POLL_S
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=s.err, transient=False) as progress:
        task = progress.add_task("waiting for the upload to start the import", total=None)
        while True:
            status = api.import_status(import_id)
            state = str(status.get("status"))
            total = int(status.get("rows_total") or 0) or None  # unknown until the importer has read the file
            progress.update(task, total=total, completed=int(status.get("rows_processed") or 0), description=state)
            if state in FINISHED:
                return status
            if time.monotonic() >= deadline:
                raise CliError(
                    f"import {import_id} is still {state} after {timeout:g} s",
                    hint=f"it goes on without us: talentpool import-status {import_id} --wait",
                )
            s.sleep(delay)
            delay = min(delay * 1.5, MAX_POLL_S)


def summarise(s: Session, status: JSON, *, rejected_to: Path | None) -> None:
    """The result table, a few of the row errors, the rejected-rows file; exit 1 when the import failed."""
    s.out.print(render.import_summary(status))
    errors = status.get("errors") or []
    for error in errors[:ERRORS_SHOWN]:
        where = f"row {error.get('row')}" + (f", {error['column']}" if error.get("column") else "")
        s.out.print(f"  {escape(where)}: {escape(str(error.get('reason', '')))}")
    if len(errors) > ERRORS_SHOWN:
        s.out.print(f"  … and {len(errors) - ERRORS_SHOWN} more")
    if errors and rejected_to is not None:
        write_rejected(rejected_to, errors)
        s.out.print(f"Rejected rows: {escape(str(rejected_to))}")
    if status.get("errors_not_listed"):
        s.out.print(f"{status['errors_not_listed']} more rejected rows are counted but not listed by the API")
    if status.get("status") == "failed":
        failure = status.get("failure") or {}
        raise CliError(f"the import failed: {failure.get('message', 'no reason given')}", code=ExitCode.FAILED)


def write_rejected(path: Path, errors: list[JSON]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["row", "column", "reason"])
        writer.writerows(
            [e.get("row"), safe_cell(str(e.get("column") or "")), safe_cell(str(e.get("reason", "")))] for e in errors
        )


# A column is the header as the uploaded file spelt it ("=E-mail" still means email), so it may start a
# formula. The same rule as the server's reports (talentpool/spreadsheet.py); the CLI ships without the layer.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """The cell with a leading apostrophe when a spreadsheet would run it as a formula (OWASP)."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value
