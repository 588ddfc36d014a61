"""`talentpool config` (endpoint and token) and `talentpool login` (Cognito sign-in for a deployed API)."""

from __future__ import annotations

import dataclasses
import stat
import sys
from datetime import datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from talentpool_client import config
from talentpool_client.cli.context import CliError, ExitCode, Session, session, usage


def register(app: typer.Typer) -> None:
    app.command("config")(configure)
    app.command("login")(login)


def configure(
    ctx: typer.Context,
    endpoint: Annotated[str | None, typer.Option(help="The API base URL, e.g. http://127.0.0.1:3000")] = None,
    token: Annotated[
        str | None, typer.Option(help="A recruiter ID token; `-` reads it from stdin (keeps it out of shell history)")
    ] = None,
    show: Annotated[
        bool, typer.Option("--show", help="Print the endpoint and the token's expiry (never the token)")
    ] = False,
) -> None:
    """Save the API endpoint and token. `make run` prints the line to paste.

    Stored in $TALENTPOOL_CONFIG or ~/.config/talentpool/config.json (mode 0600). TALENTPOOL_ENDPOINT and
    TALENTPOOL_TOKEN override the file.
    """
    s = session(ctx)
    if endpoint is None and token is None:
        _show(s)
        return
    path = config.default_path(s.environ)
    try:
        current = config.load_file(path)
        new_endpoint = config.normalise_endpoint(endpoint) if endpoint is not None else current.endpoint
        new_token = config.normalise_token(_read_token(token)) if token is not None else current.token
    except config.ConfigProblem as exc:
        raise CliError(str(exc), code=ExitCode.USAGE) from exc
    # A token set by hand replaces a signed-in one: its refresh token must not silently swap it back.
    refresh_token = current.refresh_token if token is None else None
    config.save(path, endpoint=new_endpoint, token=new_token, cognito=current.cognito, refresh_token=refresh_token)
    s.out.print(f"Saved to {escape(str(path))}")
    if show:
        _show(s)


def _read_token(value: str) -> str:
    if value != "-":
        return value
    return sys.stdin.readline()


def _show(s: Session) -> None:
    settings = s.settings()
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Config file", _file_line(settings))
    table.add_row("Endpoint", f"{settings.endpoint or 'not set'}  [dim]({escape(settings.endpoint_from)})[/]")
    table.add_row("Token", f"{_token_line(settings.token, s.now())}  [dim]({escape(settings.token_from)})[/]")
    if settings.cognito:
        c = settings.cognito
        refresh = "; renews itself for 30 days" if settings.refresh_token else ""
        table.add_row("Sign-in", f"Cognito client {c.client_id} in {c.region} as {c.username or '?'}{refresh}")
    s.out.print(table)
    if not settings.endpoint or not settings.token:
        s.out.print("Set them with: talentpool config --endpoint URL --token TOKEN")


def _file_line(settings: config.Settings) -> str:
    try:
        mode = stat.S_IMODE(settings.path.stat().st_mode)
    except FileNotFoundError:
        return f"{escape(str(settings.path))} [dim](not created yet)[/]"
    warning = "" if mode & 0o077 == 0 else " [red](readable by others: chmod 600 it)[/]"
    return f"{escape(str(settings.path))} [dim](mode {mode:o})[/]{warning}"


def _token_line(token: str | None, now: datetime) -> str:
    if not token:
        return "not set"
    info = config.token_info(token)
    if info is None:
        return "set, but not a readable JWT"
    who = info.email or "unknown user"
    groups = f", groups {', '.join(info.groups)}" if info.groups else ", no groups"
    if info.expires_at is None:
        return f"{who}{groups}, no expiry"
    left = info.expires_at - now
    minutes = int(abs(left.total_seconds()) // 60)
    span = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    at = f"{info.expires_at.astimezone():%Y-%m-%d %H:%M}"
    if left.total_seconds() <= 0:
        return f"{who}{groups}, [red]expired {at} ({span} ago)[/]"
    return f"{who}{groups}, expires {at} (in {span})"


class TerminalPrompts:
    """Sign-in questions asked at the terminal, hidden where they are secrets."""

    def __init__(self, s: Session) -> None:
        self.s = s

    def new_password(self) -> str:
        self.s.err.print("Your password must be changed at first sign-in.")
        password: str = typer.prompt("New password", hide_input=True, confirmation_prompt=True, err=True)
        return password

    def mfa_code(self) -> str:
        code: str = typer.prompt("Authenticator code", err=True)
        return code.strip()

    def show_mfa_secret(self, secret: str, otpauth_uri: str) -> None:
        self.s.err.print("Multi-factor sign-in is required. Add this secret to your authenticator app:")
        self.s.err.print(f"  {secret}\n  {escape(otpauth_uri)}")


def login(
    ctx: typer.Context,
    client_id: Annotated[str | None, typer.Option(help="The user pool's app client id (stack output)")] = None,
    user_pool_id: Annotated[str | None, typer.Option(help="The user pool's id (stack output UserPoolId)")] = None,
    region: Annotated[str | None, typer.Option(help="The user pool's region (default: from the pool id)")] = None,
    username: Annotated[str | None, typer.Option(help="Your recruiter username (usually your email)")] = None,
    endpoint: Annotated[str | None, typer.Option(help="Also set the API base URL")] = None,
) -> None:
    """Sign in to a deployed Talentpool with Cognito (password, then the authenticator code) and save the token.

    The password is proved with SRP and never sent. Remembers the pool, client id, region and username (never the
    password); the saved refresh token renews the 1-hour ID token by itself.
    """
    from talentpool_client import cognito

    s = session(ctx)
    path = config.default_path(s.environ)
    try:
        current = config.load_file(path)
        new_endpoint = config.normalise_endpoint(endpoint) if endpoint else current.endpoint
    except config.ConfigProblem as exc:
        raise CliError(str(exc), code=ExitCode.USAGE) from exc
    known = current.cognito
    pool_id = user_pool_id or (known.pool_id if known else None)
    pool = config.Cognito(
        client_id=client_id or (known.client_id if known else ""),
        region=region or (known.region if known else "") or (pool_id or "").partition("_")[0],
        username=username or (known.username if known else None),
        pool_id=pool_id,
    )
    if not pool.client_id or not pool.pool_id or not pool.region:
        usage("the first login needs --client-id and --user-pool-id", hint="both are outputs of the deployed stack")
    if not pool.username:
        pool = dataclasses.replace(pool, username=typer.prompt("Username", err=True))
    password: str = typer.prompt("Password", hide_input=True, err=True)
    try:
        tokens = cognito.sign_in(pool, password, TerminalPrompts(s))
    except cognito.SignInFailed as exc:
        raise CliError(f"sign-in failed: {exc}") from exc
    config.save(path, endpoint=new_endpoint, token=tokens.id_token, cognito=pool, refresh_token=tokens.refresh_token)
    s.out.print(f"Signed in as {escape(pool.username or '')}; saved to {escape(str(path))}")
    if not new_endpoint:
        s.out.print("Now set the API URL: talentpool config --endpoint https://…/prod")
