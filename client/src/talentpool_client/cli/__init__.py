"""The `talentpool` command: the root group, and where each command family is registered.

One module per family (setup: config and login; candidates; segments; imports). A new family, such as the
`report` command of the reporting issue, is one module here with its own typer app or command, plus one line
below; its API calls go in talentpool_client.api and its tables in talentpool_client.render.
"""

from __future__ import annotations

import typer

from talentpool_client import __version__
from talentpool_client.cli import candidates, imports, ops, report, segments, setup
from talentpool_client.cli.context import ReportingGroup, Session

app = typer.Typer(
    name="talentpool",
    cls=ReportingGroup,
    help="Work the Talentpool candidate pool from the terminal: search, segment, update, import.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,  # a bug should print a plain traceback, not a page of locals with tokens
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"talentpool {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Work the Talentpool candidate pool from the terminal.

    Start with `talentpool config --endpoint URL --token TOKEN` (make run prints the line to paste).
    Exit codes: 0 done, 1 the operation failed, 2 the command or its input was wrong.
    """
    if not isinstance(ctx.obj, Session):
        ctx.obj = Session()


app.add_typer(candidates.app, name="candidates")
app.add_typer(segments.app, name="segments")
app.add_typer(ops.app, name="ops")
imports.register(app)
report.register(app)
setup.register(app)


def main() -> None:
    """The console script's entry point."""
    app()
