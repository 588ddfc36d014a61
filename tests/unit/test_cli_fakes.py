"""Fakes for the CLI's unit tests: a scripted API behind httpx.MockTransport, tokens, and a runner.

No tests here; test_cli_*.py import these. The fake records every request so tests can assert on exactly
what went over the wire (query, body, headers), and answers from routes the test registers.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner, Result

from talentpool_client.cli import app
from talentpool_client.cli.context import Session

ENDPOINT = "http://api.test"
Handler = Callable[[httpx.Request], httpx.Response]


def token(*, expires_in: int = 3600, email: str = "rita@example.com", groups: Sequence[str] = ("recruiters",)) -> str:
    """An unsigned JWT with Cognito-shaped claims: the CLI only reads it, the (fake) API never checks it."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    claims = {"sub": "u-1", "email": email, "cognito:groups": list(groups), "exp": int(time.time()) + expires_in}
    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2ln"


def error(status: int, code: str, message: str, fields: Sequence[tuple[list[Any], str]] = ()) -> httpx.Response:
    body = {"error": {"code": code, "message": message, "fields": [{"loc": loc, "msg": msg} for loc, msg in fields]}}
    return httpx.Response(status, json=body)


@dataclass
class FakeApi:
    """Routes keyed by (method, path); a list of responses is served in order (the last one repeats)."""

    routes: dict[tuple[str, str], list[Handler]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def on(self, method: str, path: str, *answers: httpx.Response | Handler) -> FakeApi:
        handlers = [a if callable(a) else _constant(a) for a in answers]
        self.routes[(method, path)] = handlers
        return self

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = (
            request.method,
            request.url.path if request.url.host == "api.test" else str(request.url.copy_with(query=None)),
        )
        handlers = self.routes.get(key)
        if not handlers:
            return error(404, "not_found", f"no fake route for {key}")
        handler = handlers.pop(0) if len(handlers) > 1 else handlers[0]
        return handler(request)

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    def body(self, method: str, path: str) -> Any:
        (request,) = self.sent(method, path)
        return json.loads(request.content)


def _constant(response: httpx.Response) -> Handler:
    def answer(_: httpx.Request) -> httpx.Response:
        # A fresh Response per call: httpx consumes a response's stream once.
        return httpx.Response(response.status_code, headers=response.headers, content=response.content)

    return answer


@dataclass
class Cli:
    """Runs `talentpool ...` in-process against a FakeApi, with a config file of its own."""

    api: FakeApi
    config_path: Path
    environ: dict[str, str]

    def run(self, *args: str, input: str | None = None) -> Result:
        session = Session(environ=self.environ, transport=httpx.MockTransport(self.api.handle), sleep=lambda _: None)
        return CliRunner().invoke(app, list(args), obj=session, input=input, env={"COLUMNS": "200"})


def cli(tmp_path: Path, api: FakeApi, *, configured: bool = True, access: str | None = None) -> Cli:
    config_path = tmp_path / "config.json"
    environ = {"TALENTPOOL_CONFIG": str(config_path), "HOME": str(tmp_path)}
    if configured:
        environ |= {"TALENTPOOL_ENDPOINT": ENDPOINT, "TALENTPOOL_TOKEN": access or token()}
    return Cli(api, config_path, environ)


def summary(candidate_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "candidate_id": candidate_id,
        "skills": ["python"],
        "years_experience": 5,
        "country": "PT",
        "city": "Lisbon",
        "stage": "lead",
        "tags": [],
        "consent_status": "active",
        "engagement": 1.5,
        "captured_at": "2026-11-01T10:00:00Z",
        **extra,
    }


def view(candidate_id: str, version: int = 1, **fields: Any) -> dict[str, Any]:
    candidate = {
        "candidate_id": candidate_id,
        "email": "ana@example.com",
        "first_name": "Ana",
        "stage": "lead",
        "skills": ["python"],
        "tags": [],
        "consent": {"status": "active"},
        "source": {"channel": "careers_site"},
        "captured_at": "2026-11-01T10:00:00Z",
        "updated_at": "2026-11-01T10:00:00Z",
        **fields,
    }
    return {"candidate": candidate, "etag": f'"v{version}"'}
