"""`talentpool candidates ...`: search the pool, and read, change, move, annotate, export or erase one person."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from talentpool_client import options, render
from talentpool_client.api import JSON, pages
from talentpool_client.cli.context import CliError, Session, session, usage
from talentpool_client.options import FILTERS, PROFILE, Stage

app = typer.Typer(help="Search the pool and work on one candidate.", no_args_is_help=True, rich_markup_mode="markdown")

CandidateId = Annotated[str, typer.Argument(metavar="ID", help="The candidate's id (from search)", show_default=False)]
AsJson = Annotated[bool, typer.Option("--json", help="Print the API's JSON instead of tables")]
Limit = Annotated[int, typer.Option(min=1, max=100, help="Page size (1-100)")]
PAGING_FLAGS = {"limit": "--limit", "cursor": "--cursor"}


def emit_json(data: Any) -> None:
    """JSON on stdout, exactly: no colour, no wrapping, so it pipes into jq."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def show_page_results(
    s: Session, fetch: Callable[[str | None], JSON], *, follow: bool, cursor: str | None, as_json: bool
) -> None:
    """Search results and segment members alike: one page, or every page with --all; a table or JSON."""
    items: list[JSON] = []
    last: JSON = {}
    with s.err.status("Fetching every page…") if follow else nullcontext():
        for page in pages(fetch, follow=follow, cursor=cursor):
            items += page.get("items", [])
            last = page
    next_cursor = last.get("next_cursor")
    if as_json:
        emit_json({"items": items, "next_cursor": next_cursor} if follow else last)
        return
    caption = render.search_caption(len(items), None if follow else last.get("read"), next_cursor)
    s.out.print(render.candidates_table(items, caption=caption))
    if next_cursor:
        s.out.print(f"next cursor: {next_cursor}", soft_wrap=True)  # unwrapped, so it copies whole


AllPages = Annotated[bool, typer.Option("--all", help="Follow the cursor to the last page")]
PageCursor = Annotated[str | None, typer.Option(help="Continue from a previous page's cursor")]


def run_search(
    ctx: typer.Context,
    query: dict[str, Any],
    *,
    limit: int,
    all_pages: bool,
    cursor: str | None,
    as_json: bool,
    flags: dict[str, str] | None = None,
) -> None:
    """`search` and `find`: GET /candidates with the query, one page or all, errors in the command's own flags."""
    s = session(ctx)
    s.flags = {**options.flags(FILTERS), **PAGING_FLAGS, **(flags or {})}
    api = s.api()
    show_page_results(
        s, lambda c: api.search(query, limit=limit, cursor=c), follow=all_pages, cursor=cursor, as_json=as_json
    )


@app.command()
@options.inject(FILTERS, into="filters")
def search(
    ctx: typer.Context,
    filters: dict[str, Any],
    limit: Limit = 25,
    all_pages: AllPages = False,
    cursor: PageCursor = None,
    as_json: AsJson = False,
) -> None:
    """Search candidates; every filter narrows the result.

    Example: talentpool candidates search --skill python --skill go --skills-mode any --min-exp 3 --country PT
    """
    query = options.given(filters)
    run_search(ctx, query, limit=limit, all_pages=all_pages, cursor=cursor, as_json=as_json)


@app.command()
@options.inject(FILTERS, into="filters")
def find(
    ctx: typer.Context,
    text: Annotated[
        str, typer.Argument(metavar="TEXT", help="A full email address, or the start of a name", show_default=False)
    ],
    filters: dict[str, Any],
    limit: Limit = 25,
    all_pages: AllPages = False,
    cursor: PageCursor = None,
    as_json: AsJson = False,
) -> None:
    """Find people by email address (exactly, any case) or by the start of their name (given name first,
    ignoring case and accents); the filters narrow it further. Results show each person's address.

    Example: talentpool candidates find "zoe nan" --country PT
    """
    query = {**options.given(filters), "q": text}
    run_search(ctx, query, limit=limit, all_pages=all_pages, cursor=cursor, as_json=as_json, flags={"q": "TEXT"})


@app.command()
def show(
    ctx: typer.Context,
    candidate_id: CandidateId,
    timeline: Annotated[bool, typer.Option("--timeline", help="Also show the timeline, newest first")] = False,
    timeline_limit: Annotated[int, typer.Option(min=1, max=100, help="Timeline entries to show")] = 25,
    timeline_cursor: Annotated[str | None, typer.Option(help="Continue the timeline from this cursor")] = None,
    as_json: AsJson = False,
) -> None:
    """Show a candidate's profile and status (and, with --timeline, every interaction)."""
    s = session(ctx)
    api = s.api()
    view = api.candidate(candidate_id)
    page = None
    if timeline or timeline_cursor:
        page = api.timeline(candidate_id, limit=timeline_limit, cursor=timeline_cursor)
    if as_json:
        emit_json({**view, "timeline": page} if page is not None else view)
        return
    s.out.print(render.candidate_panels(view))
    if page is not None:
        s.out.print(render.timeline_table(page.get("items", []), next_cursor=page.get("next_cursor")))
        if page.get("next_cursor"):
            s.out.print(f"next cursor: {page['next_cursor']}", soft_wrap=True)


@app.command()
@options.inject(PROFILE, into="profile")
def add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(metavar="EMAIL", help="Their email address", show_default=False)],
    profile: dict[str, Any],
    tag: Annotated[list[str] | None, typer.Option(help="A tag (repeatable)", rich_help_panel="Profile")] = None,
) -> None:
    """Add a candidate you sourced. They get the GDPR notice email, and no marketing until they opt in."""
    s = session(ctx)
    s.flags = {**options.flags(PROFILE), "tags": "--tag"}
    body: dict[str, Any] = {"email": email, **options.profile_body(profile)}
    if tag:
        body["tags"] = options.split_values(tag)
    created = s.api().add_candidate(body)
    s.out.print(f"Added {created.get('candidate_id')} ({created.get('status', 'added')})")


UPDATABLE = {
    "first-name": "first_name",
    "last-name": "last_name",
    "phone": "phone",
    "linkedin": "linkedin_url",
    "location": "location",
    "years": "years_experience",
    "skills": "skills",
    "roles": "desired_roles",
    "interests": "interests",
}
EMPTY_LISTS = frozenset({"skills", "desired_roles", "interests"})


@app.command()
@options.inject(PROFILE, into="profile")
def update(
    ctx: typer.Context,
    candidate_id: CandidateId,
    profile: dict[str, Any],
    clear: Annotated[
        list[str] | None,
        typer.Option(help=f"Clear a field: {', '.join(UPDATABLE)} (repeatable)", rich_help_panel="Profile"),
    ] = None,
    if_match: Annotated[
        str | None, typer.Option(help="Only update if it is still this version (the ETag `show` printed)")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Change profile fields; only the ones given change.

    Reads the candidate first and sends its ETag as If-Match, so a change made by someone else in between is a
    conflict, never silently overwritten. Pass --if-match to protect the version you looked at earlier.
    """
    s = session(ctx)
    s.flags = options.flags(PROFILE)
    patch = options.profile_body(profile)
    for name in clear or []:
        if name not in UPDATABLE:
            usage(f"--clear does not know {name!r}; it takes one of: {', '.join(UPDATABLE)}")
        field = UPDATABLE[name]
        patch[field] = [] if field in EMPTY_LISTS else None
    if not patch:
        usage("nothing to update: give at least one field, e.g. --first-name Ana or --skills python,go")
    api = s.api()
    current = api.candidate(candidate_id)
    before: JSON = current.get("candidate", {})
    if isinstance(patch.get("location"), dict):
        # The API replaces `location` whole; merge so --city alone keeps the country and timezone.
        patch["location"] = {**(before.get("location") or {}), **patch["location"]}
    updated = api.update(candidate_id, patch, if_match=if_match or current.get("etag"))
    if as_json:
        emit_json(updated)
        return
    after: JSON = updated.get("candidate", {})
    changed = [name for name in patch if before.get(name) != after.get(name)]
    what = ", ".join(changed) if changed else "nothing changed (the values were already so)"
    s.out.print(f"Updated {escape(candidate_id)}: {what}; now version {escape(str(updated.get('etag')))}")


@app.command()
def stage(
    ctx: typer.Context,
    candidate_id: CandidateId,
    to: Annotated[
        Stage, typer.Argument(metavar="STAGE", help="The new stage", case_sensitive=False, show_default=False)
    ],
    reason: Annotated[str, typer.Option(help="Why (kept on the timeline)", show_default=False)],
    job_ref: Annotated[str | None, typer.Option(help="The job this is about")] = None,
    feedback: Annotated[str | None, typer.Option(help="Shared with the candidate in a decision email")] = None,
    no_email: Annotated[bool, typer.Option("--no-email", help="Do not send the stage's status email")] = False,
) -> None:
    """Move a candidate: lead → engaged → nurtured → applied → interviewing → offered → hired (forward only),
    or to rejected/archived from anywhere."""
    s = session(ctx)
    s.flags = {"stage": "STAGE", "reason": "--reason", "job_ref": "--job-ref", "feedback": "--feedback"}
    body: dict[str, Any] = {"stage": to.value, "reason": reason, "notify_candidate": not no_email}
    body.update({k: v for k, v in (("job_ref", job_ref), ("feedback", feedback)) if v is not None})
    moved = s.api().move_stage(candidate_id, body)
    email = "no status email" if no_email else "the stage's status email goes out, if it has one"
    s.out.print(f"{escape(candidate_id)} is now {moved.get('candidate', {}).get('stage', to.value)} ({email})")


@app.command()
def note(
    ctx: typer.Context,
    candidate_id: CandidateId,
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The note; `-` reads it from stdin", show_default=False)],
) -> None:
    """Add a private note to the candidate's timeline."""
    s = session(ctx)
    s.flags = {"text": "TEXT"}
    body = sys.stdin.read() if text == "-" else text
    if not body.strip():
        usage("the note is empty")
    entry = s.api().add_note(candidate_id, body.strip())
    s.out.print(f"Noted on {escape(candidate_id)}'s timeline ({entry.get('entry_id')})")


@app.command()
def tag(
    ctx: typer.Context,
    candidate_id: CandidateId,
    tags: Annotated[
        list[str] | None, typer.Argument(metavar="TAG...", help="Tags (comma-separated or several)", show_default=False)
    ] = None,
    add: Annotated[bool, typer.Option("--add", help="Add these to the current tags")] = False,
    remove: Annotated[bool, typer.Option("--remove", help="Remove these from the current tags")] = False,
    clear: Annotated[bool, typer.Option("--clear", help="Remove every tag")] = False,
) -> None:
    """Set a candidate's tags (the whole list), or --add / --remove some."""
    s = session(ctx)
    s.flags = {"tags": "TAGS"}
    wanted = options.split_values(tags)
    if sum((add, remove, clear)) > 1:
        usage("choose one of --add, --remove and --clear")
    if clear == bool(wanted):
        usage("give the tags to set, or --clear to remove them all" if not clear else "--clear takes no tags")
    api = s.api()
    if add or remove:
        # The API replaces the whole list: merge with what is there now. (PUT tags takes no If-Match, so a
        # tag someone else adds in this instant could be lost; see docs/cli.md.)
        current = list(api.candidate(candidate_id).get("candidate", {}).get("tags", []))
        wanted = (
            [*current, *(t for t in wanted if t not in current)] if add else [t for t in current if t not in wanted]
        )
    updated = api.set_tags(candidate_id, wanted)
    now = updated.get("candidate", {}).get("tags", [])
    s.out.print(f"{escape(candidate_id)} tags: {escape(', '.join(now)) if now else 'none'}")


@app.command()
def owner(
    ctx: typer.Context,
    candidate_id: CandidateId,
    owner_id: Annotated[str, typer.Option("--id", help="The recruiter's id (their sign-in subject)")],
    name: Annotated[str, typer.Option(help="Their name, as emails are signed")],
    email: Annotated[str, typer.Option(help="Their address; candidates' replies go there")],
) -> None:
    """Set the recruiter who owns the relationship."""
    s = session(ctx)
    s.flags = {"id": "--id", "name": "--name", "email": "--email"}
    s.api().set_owner(candidate_id, {"id": owner_id, "name": name, "email": email})
    s.out.print(f"{escape(candidate_id)} is now owned by {escape(name)} <{escape(email)}>")


@app.command()
def export(
    ctx: typer.Context,
    candidate_id: CandidateId,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to this file (mode 0600)")] = None,
) -> None:
    """Everything held about a candidate (GDPR Art. 15/20), as JSON."""
    s = session(ctx)
    data = s.api().export(candidate_id)
    if output is None:
        emit_json(data)
        return
    _write_private(output, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    counts = ", ".join(f"{len(data.get(k) or [])} {k}" for k in ("timeline", "notes", "tags"))
    s.out.print(f"Exported {escape(candidate_id)} to {escape(str(output))} ({counts})")


def _write_private(path: Path, text: str) -> None:
    """Personal data: the file is created readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(path, 0o600)  # O_CREAT's mode does not apply to a file that already existed


@app.command()
def delete(
    ctx: typer.Context,
    candidate_id: CandidateId,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation")] = False,
) -> None:
    """Erase a candidate for good (GDPR Art. 17; admins only). Asks first unless --yes."""
    s = session(ctx)
    api = s.api()
    if not yes:
        # Name the person in the question: an id alone makes it too easy to erase the wrong one.
        person = api.candidate(candidate_id).get("candidate", {})
        who = " ".join(p for p in (person.get("first_name"), person.get("last_name"), person.get("email")) if p)
        question = f"Erase {candidate_id} ({who}) and everything about them? This cannot be undone"
        if not typer.confirm(question, err=True):
            raise CliError("not erased", hint="pass --yes to erase without the question")
    api.erase(candidate_id)
    s.out.print(f"Erased {escape(candidate_id)}")
