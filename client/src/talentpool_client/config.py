"""Where the CLI finds its API endpoint and token: a 0600 JSON file, overridden by environment variables."""

from __future__ import annotations

import base64
import binascii
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CONFIG_ENV = "TALENTPOOL_CONFIG"
ENDPOINT_ENV = "TALENTPOOL_ENDPOINT"
TOKEN_ENV = "TALENTPOOL_TOKEN"  # noqa: S105 - the name of a variable, not a secret
FILE_MODE = 0o600  # the file holds a bearer token: readable by its owner only
DIR_MODE = 0o700
UNSET = "unset"  # where a value came from, when it came from nowhere


class ConfigProblem(Exception):
    """The configuration is missing, unreadable or not valid; the message says how to fix it."""


@dataclass(frozen=True)
class Cognito:
    """What `talentpool login` needs to sign in again: never the password."""

    client_id: str
    region: str
    username: str | None = None
    # The user pool's id (stack output UserPoolId): SRP sign-in signs with the pool's name, the part after "_".
    pool_id: str | None = None


@dataclass(frozen=True)
class Settings:
    """The effective configuration, and where each value came from (for `config --show`)."""

    endpoint: str | None = None
    token: str | None = None
    cognito: Cognito | None = None
    refresh_token: str | None = None
    endpoint_from: str = UNSET
    token_from: str = UNSET
    path: Path = field(default_factory=lambda: default_path(os.environ))


def default_path(environ: Mapping[str, str]) -> Path:
    """$TALENTPOOL_CONFIG, else the XDG config folder (~/.config/talentpool/config.json)."""
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV]).expanduser()
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "talentpool" / "config.json"


def load(environ: Mapping[str, str]) -> Settings:
    """The file's values with TALENTPOOL_ENDPOINT / TALENTPOOL_TOKEN on top; a missing file is no error."""
    settings = load_file(default_path(environ))
    if environ.get(ENDPOINT_ENV):
        endpoint = _from_env(environ, ENDPOINT_ENV, normalise_endpoint)
        settings = replace(settings, endpoint=endpoint, endpoint_from=ENDPOINT_ENV)
    if environ.get(TOKEN_ENV):
        settings = replace(settings, token=_from_env(environ, TOKEN_ENV, normalise_token), token_from=TOKEN_ENV)
    return settings


def _from_env(environ: Mapping[str, str], name: str, normalise: Callable[[str], str]) -> str:
    try:
        return normalise(environ[name])
    except ConfigProblem as exc:
        raise ConfigProblem(f"{name}: {exc}") from exc


def load_file(path: Path) -> Settings:
    """Only what the file holds: what `talentpool config` starts from when it changes one value."""
    stored = _read(path)
    return Settings(
        endpoint=stored.get("endpoint"),
        token=stored.get("token"),
        cognito=_cognito(stored.get("cognito")),
        refresh_token=stored.get("refresh_token"),
        endpoint_from=str(path) if stored.get("endpoint") else UNSET,
        token_from=str(path) if stored.get("token") else UNSET,
        path=path,
    )


def _cognito(raw: Any) -> Cognito | None:
    if not isinstance(raw, dict) or not raw.get("client_id") or not raw.get("region"):
        return None
    return Cognito(
        client_id=str(raw["client_id"]),
        region=str(raw["region"]),
        username=raw.get("username"),
        pool_id=raw.get("pool_id"),
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigProblem(f"cannot read {path}: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigProblem(f"{path} is not valid JSON; fix it or delete it and run talentpool config again") from exc
    if not isinstance(data, dict):
        raise ConfigProblem(f"{path} should hold a JSON object; delete it and run talentpool config again")
    return data


def save(
    path: Path,
    *,
    endpoint: str | None,
    token: str | None,
    cognito: Cognito | None = None,
    refresh_token: str | None = None,
) -> None:
    """Write the file atomically, created 0600 from the start so the token is never readable by others."""
    data: dict[str, Any] = {"endpoint": endpoint, "token": token}
    if cognito is not None:
        # A pool id is stored once known (SRP sign-in needs it); older files without one stay as they were.
        data["cognito"] = {k: v for k, v in asdict(cognito).items() if k != "pool_id" or v is not None}
    if refresh_token is not None:
        data["refresh_token"] = refresh_token
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    # mkstemp creates the file 0600; os.replace swaps it in whole, so a crash never leaves half a file.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({k: v for k, v in data.items() if v is not None}, out, indent=2)
            out.write("\n")
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def normalise_endpoint(value: str) -> str:
    """An http(s) base URL without a trailing slash, or ConfigProblem."""
    endpoint = value.strip().rstrip("/")
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigProblem(f"the endpoint must be an http(s) URL such as http://127.0.0.1:3000, not {value!r}")
    return endpoint


def normalise_token(value: str) -> str:
    """The bare token: people paste it with or without the `Bearer ` prefix."""
    token = value.strip()
    if token.lower().startswith("bearer "):
        token = token[len("bearer ") :].strip()
    if token.count(".") != 2:
        raise ConfigProblem(
            "the token should be a JWT (three dot-separated parts), such as the ID token make run prints"
        )
    return token


@dataclass(frozen=True)
class TokenInfo:
    """What a token says about itself. Read without verifying: the API verifies; this is only for hints."""

    email: str | None
    groups: tuple[str, ...]
    expires_at: datetime | None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


def token_info(token: str) -> TokenInfo | None:
    """The claims the CLI shows (email, groups, expiry), or None when the token cannot be decoded."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return None
    if not isinstance(claims, dict):
        return None
    exp = claims.get("exp")
    groups = claims.get("cognito:groups") or []
    return TokenInfo(
        email=claims.get("email") if isinstance(claims.get("email"), str) else None,
        groups=tuple(str(g) for g in groups) if isinstance(groups, list) else (str(groups),),
        expires_at=datetime.fromtimestamp(exp, UTC) if isinstance(exp, int | float) else None,
    )
