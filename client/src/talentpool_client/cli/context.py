"""What every command shares: the configuration, the API client, the consoles, and one way to fail.

A command raises; ReportingGroup (the root group) turns what it raised into one `error: ...` line on stderr, the
field list, a hint where one helps, and the exit code:

    0  success
    1  the operation failed: not found, conflict, forbidden, bad token, network, or a failed import
    2  the command line or the data sent was wrong: usage errors, missing configuration, 400/413/415/422
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any, NoReturn

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from typer._click.exceptions import (
    NoArgsIsHelpError,
    UsageError,
)  # typer vendors click; the pin in pyproject.toml keeps this path
from typer.core import TyperGroup

from talentpool_client import config
from talentpool_client.api import Api, ApiError, Unreachable
from talentpool_client.render import field_lines

CONFIGURE = "talentpool config --endpoint URL --token TOKEN"


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2


# The statuses that mean "what you sent is wrong": fix the input and try again (exit 2, like a usage error).
INPUT_STATUSES = frozenset({400, 413, 415, 422})


class CliError(Exception):
    """A failure the CLI explains itself: the message, detail lines, a hint, and the exit code."""

    def __init__(
        self, message: str, *, lines: Sequence[str] = (), hint: str | None = None, code: ExitCode = ExitCode.FAILED
    ) -> None:
        super().__init__(message)
        self.message = message
        self.lines = list(lines)
        self.hint = hint
        self.code = code


def usage(message: str, hint: str | None = None) -> NoReturn:
    raise CliError(message, hint=hint, code=ExitCode.USAGE)


@dataclass
class Session:
    """Per-invocation state. Tests pass their own (a MockTransport, an environment, no sleeping) as `obj`."""

    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    # Flags of the running command, so a 422 on `min_experience` can say `--min-exp`.
    flags: dict[str, str] = field(default_factory=dict)
    _api: Api | None = None

    @property
    def out(self) -> Console:
        # Built on use, not stored: CliRunner swaps sys.stdout per invocation.
        return Console(highlight=False)

    @property
    def err(self) -> Console:
        # soft_wrap: an error is one line however narrow the terminal, so scripts can grep it.
        return Console(stderr=True, highlight=False, soft_wrap=True)

    def settings(self) -> config.Settings:
        try:
            return config.load(self.environ)
        except config.ConfigProblem as exc:
            raise CliError(str(exc), code=ExitCode.USAGE) from exc

    def api(self) -> Api:
        """The API client for the configured endpoint and token, or a clear 'configure first'."""
        if self._api is None:
            settings = self._fresh(self.settings())
            if not settings.endpoint or not settings.token:
                missing = " and ".join(
                    n for n, v in (("endpoint", settings.endpoint), ("token", settings.token)) if not v
                )
                usage(
                    f"no API {missing} configured",
                    hint=f"run {CONFIGURE} (make run prints a ready line), or set {config.ENDPOINT_ENV} "
                    f"and {config.TOKEN_ENV}",
                )
            self._api = Api(settings.endpoint, settings.token, transport=self.transport)
        return self._api

    def _fresh(self, settings: config.Settings) -> config.Settings:
        """An expired ID token from `talentpool login` is renewed with its refresh token, without a prompt."""
        info = config.token_info(settings.token) if settings.token else None
        usable = info is None or not info.expired(self.now())
        if usable or settings.token_from != str(settings.path) or not settings.refresh_token or not settings.cognito:
            return settings
        from talentpool_client import cognito  # boto3 is slow to import and only needed here

        try:
            token = cognito.refresh(settings.cognito, settings.refresh_token)
        except cognito.SignInFailed:
            return settings  # the 401 that follows says to sign in again
        config.save(
            settings.path,
            endpoint=settings.endpoint,
            token=token,
            cognito=settings.cognito,
            refresh_token=settings.refresh_token,
        )
        return replace(settings, token=token)

    def close(self) -> None:
        if self._api is not None:
            self._api.close()


def session(ctx: typer.Context) -> Session:
    """The invocation's Session (the root callback puts it in ctx.obj)."""
    found = ctx.find_object(Session)
    if found is None:  # pragma: no cover - the root callback always sets one
        raise RuntimeError("no session")
    return found


def explain(exc: ApiError | Unreachable, s: Session) -> CliError:
    """An API failure as the user should read it, with the next step where there is an obvious one."""
    if isinstance(exc, Unreachable):
        return CliError(
            str(exc),
            hint="is the API running (make run) and the endpoint right? Check with: talentpool config --show",
        )
    lines = field_lines(exc.fields, s.flags)
    code = ExitCode.USAGE if exc.status in INPUT_STATUSES else ExitCode.FAILED
    return CliError(exc.message, lines=lines, hint=_hint(exc, s), code=code)


def _hint(exc: ApiError, s: Session) -> str | None:
    if exc.status == 401:
        settings = s.settings()
        info = config.token_info(settings.token) if settings.token else None
        if info and info.expires_at and info.expired(s.now()):
            return (
                f"token expired at {info.expires_at.astimezone():%Y-%m-%d %H:%M}: sign in again (talentpool login), "
                "or run talentpool config --token NEW_TOKEN"
            )
        return (
            "the API did not accept the token: is it for this endpoint? A local runtime signs with a new key each "
            f"time it starts, so use the token it printed. Fix it with {CONFIGURE}"
        )
    if exc.status == 403:
        return "your account is not in a group allowed to do this (erasing needs the admins group)"
    if exc.code == "version_conflict" or (exc.status == 409 and "changed" in exc.message):
        return "someone else changed it since it was read: show it again and repeat your change"
    return None


class ReportingGroup(TyperGroup):
    """The root command group: turns CliError, ApiError and Unreachable into a line on stderr and an exit code."""

    def invoke(self, ctx: Any) -> Any:  # typer.Context; Any because typer types the base as its vendored click's
        try:
            return super().invoke(ctx)
        except (ApiError, Unreachable) as exc:
            report(explain(exc, session(ctx)), session(ctx))
        except CliError as exc:
            report(exc, session(ctx))
        except NoArgsIsHelpError:
            raise  # typer has printed the help: nothing is wrong
        except UsageError as exc:
            # One line like every other error, instead of typer's usage box; the exit code stays 2.
            command = exc.ctx.command_path if exc.ctx is not None else "talentpool"
            report(CliError(exc.format_message(), hint=f"see {command} --help", code=ExitCode.USAGE), session(ctx))
        finally:
            found = ctx.find_object(Session)
            if found is not None:
                found.close()


def report(problem: CliError, s: Session) -> NoReturn:
    err = s.err
    err.print(f"[bold red]error:[/] {escape(problem.message)}")
    for line in problem.lines:
        err.print(escape(line))
    if problem.hint:
        err.print(f"[dim]hint: {escape(problem.hint)}[/]")
    raise typer.Exit(int(problem.code))
