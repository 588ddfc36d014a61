"""`talentpool ops ...`: the operator's view of work that failed for good, and its replay (admins)."""

from __future__ import annotations

from typing import Annotated

import typer

from talentpool_client import render
from talentpool_client.cli.candidates import AsJson, emit_json
from talentpool_client.cli.context import session

app = typer.Typer(
    help="Operations (admins): what failed for good and why, and replaying it once the cause is fixed.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
Count = Annotated[int, typer.Option(min=1, max=1000, help="At most this many (1-1000)")]


@app.command()
def failures(ctx: typer.Context, limit: Count = 100, as_json: AsJson = False) -> None:
    """List what failed for good: the consumer, when, where it came from and the error. Changes nothing."""
    s = session(ctx)
    s.flags = {"limit": "--limit"}
    listing = s.api().failures(limit=limit)
    if as_json:
        emit_json(listing)
        return
    s.out.print(render.failures_table(listing))


@app.command()
def redrive(
    ctx: typer.Context,
    queue: Annotated[str | None, typer.Option(help="Only this consumer's queue (as `ops failures` names it)")] = None,
    limit: Count = 100,
    as_json: AsJson = False,
) -> None:
    """Replay what failed to where it was going, once; a replay that fails stays in its queue. Safe to repeat.

    Example: talentpool ops redrive --queue notify
    """
    s = session(ctx)
    s.flags = {"queue": "--queue", "limit": "--limit"}
    result = s.api().redrive(queue=queue, limit=limit)
    if as_json:
        emit_json(result)
        return
    s.out.print(render.redrive_table(result))
    if any(item.get("outcome") == "failed" for item in result.get("replayed") or []):
        raise typer.Exit(1)
