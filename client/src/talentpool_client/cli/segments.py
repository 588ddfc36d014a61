"""`talentpool segments ...`: saved filters (campaign audiences), their members and their size."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from talentpool_client import options, render
from talentpool_client.api import JSON, pages
from talentpool_client.cli.candidates import AsJson, Limit, emit_json, show_page_results
from talentpool_client.cli.context import session, usage
from talentpool_client.options import FILTERS

app = typer.Typer(
    help="Saved segments: named filters, evaluated whenever they are used.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

SegmentId = Annotated[
    str, typer.Argument(metavar="ID", help="The segment's id (from segments list)", show_default=False)
]


@app.command()
@options.inject(FILTERS, into="filters")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="A name your team will recognise", show_default=False)],
    filters: dict[str, Any],
    description: Annotated[str | None, typer.Option(help="What the segment is for")] = None,
    everyone: Annotated[bool, typer.Option("--everyone", help="No filter: the whole pool")] = False,
    as_json: AsJson = False,
) -> None:
    """Save a segment: the same filters as `candidates search`.

    Example: talentpool segments create "Senior Python, Portugal" --skill python --min-exp 5 --country PT
    """
    s = session(ctx)
    s.flags = options.flags(FILTERS)
    query = options.given(filters)
    # Segments are campaign audiences: a forgotten filter would mean mailing the whole pool, so say it aloud.
    if not query and not everyone:
        usage("give at least one filter, e.g. --skill python, or --everyone for the whole pool")
    if query and everyone:
        usage("--everyone takes no filters")
    segment = s.api().create_segment(name, query, description)
    if as_json:
        emit_json(segment)
        return
    s.out.print(
        f"Saved segment {segment.get('segment_id')}: {escape(render.describe_filter(segment.get('filter', {})))}"
    )


@app.command("list")
def list_segments(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Every saved segment, newest first."""
    s = session(ctx)
    api = s.api()
    items: list[JSON] = []
    for page in pages(lambda c: api.segments(cursor=c), follow=True):
        items += page.get("items", [])
    if as_json:
        emit_json({"items": items})
        return
    s.out.print(render.segments_table(items))


@app.command()
def show(
    ctx: typer.Context,
    segment_id: SegmentId,
    candidates: Annotated[bool, typer.Option("--candidates", help="Also list its members now")] = False,
    limit: Limit = 25,
    all_pages: Annotated[bool, typer.Option("--all", help="With --candidates: every page")] = False,
    cursor: Annotated[str | None, typer.Option(help="With --candidates: continue from this cursor")] = None,
    as_json: AsJson = False,
) -> None:
    """Show a segment's filter, and with --candidates its members."""
    s = session(ctx)
    api = s.api()
    if not candidates:
        segment = api.segment(segment_id)
        if as_json:
            emit_json(segment)
        else:
            s.out.print(render.segment_panel(segment))
        return
    if not as_json:
        s.out.print(render.segment_panel(api.segment(segment_id)))
    show_page_results(
        s,
        lambda c: api.segment_candidates(segment_id, limit=limit, cursor=c),
        follow=all_pages,
        cursor=cursor,
        as_json=as_json,
    )


@app.command()
def count(ctx: typer.Context, segment_id: SegmentId, as_json: AsJson = False) -> None:
    """How many candidates the segment matches now."""
    s = session(ctx)
    counted = s.api().segment_count(segment_id)
    if as_json:
        emit_json(counted)
        return
    n = counted.get("count", 0)
    s.out.print(f"{n} candidate{'' if n == 1 else 's'}")
