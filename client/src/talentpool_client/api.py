"""The recruiter API over HTTP: one method per route, JSON in and out, errors as ApiError or Unreachable."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from talentpool_client import __version__

JSON = dict[str, Any]
DEFAULT_TIMEOUT_S = 30.0
USER_AGENT = f"talentpool-cli/{__version__}"


@dataclass(frozen=True)
class FieldProblem:
    """One entry of the error contract's `fields`: where (loc) and what is wrong (msg)."""

    loc: tuple[str | int, ...]
    msg: str


@dataclass
class ApiError(Exception):
    """The API answered with an error: the contract's `{"error": {code, message, fields}}`, or its nearest."""

    status: int
    code: str
    message: str
    fields: list[FieldProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        """Parse the error body. Anything that is not our contract (API Gateway's own `{"message": ...}`, a proxy's
        HTML page) still becomes a readable error rather than a traceback."""
        try:
            body = response.json()
        except ValueError:
            body = None
        detail = body.get("error") if isinstance(body, dict) else None
        if isinstance(detail, dict):
            return cls(
                status=response.status_code,
                code=str(detail.get("code") or "error"),
                message=str(detail.get("message") or _reason(response.status_code)),
                fields=[_field(f) for f in detail.get("fields") or [] if isinstance(f, dict)],
            )
        message = body.get("message") if isinstance(body, dict) else None
        return cls(
            status=response.status_code, code="http_error", message=str(message or _reason(response.status_code))
        )


def _field(raw: Mapping[str, Any]) -> FieldProblem:
    loc = raw.get("loc") or []
    return FieldProblem(loc=tuple(loc) if isinstance(loc, list) else (str(loc),), msg=str(raw.get("msg", "")))


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


@dataclass
class Unreachable(Exception):
    """No HTTP answer at all: refused, unresolvable, timed out, TLS. `url` is where we tried."""

    url: str
    reason: str

    def __str__(self) -> str:
        return f"cannot reach {self.url}: {self.reason}"


def _describe(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time (timed out)"
    if isinstance(exc, httpx.ConnectError):
        text = str(exc)
        if "refused" in text.lower():
            return "connection refused"
        return text or "cannot connect"
    return str(exc) or type(exc).__name__


class Api:
    """A recruiter session against one endpoint with one ID token."""

    def __init__(
        self,
        endpoint: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.endpoint = endpoint
        self._transport = transport
        self._timeout = timeout
        self._http = httpx.Client(
            base_url=endpoint,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json", "User-Agent": USER_AGENT},
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- plumbing ----------------------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One call; a non-2xx answer raises ApiError, no answer raises Unreachable."""
        try:
            response = self._http.request(method, path, params=_query(params), json=json, headers=headers)
        except httpx.TransportError as exc:
            raise Unreachable(self.endpoint, _describe(exc)) from exc
        if response.is_error:
            raise ApiError.from_response(response)
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> JSON:
        body: JSON = self.request(method, path, **kwargs).json()
        return body

    def upload(self, url: str, content: bytes, *, method: str = "PUT", headers: Mapping[str, str]) -> None:
        """Send a file to a presigned URL. A separate client: the bearer token must never go to the bucket (and
        S3 refuses a request that carries two kinds of authentication)."""
        try:
            with httpx.Client(timeout=max(self._timeout, 300.0), transport=self._transport) as plain:
                response = plain.request(method, url, content=content, headers=dict(headers))
        except httpx.TransportError as exc:
            raise Unreachable(str(httpx.URL(url).copy_with(query=None)), _describe(exc)) from exc
        if response.is_error:
            raise ApiError(response.status_code, "upload_failed", _s3_message(response))

    # -- candidates --------------------------------------------------------------------------------------------

    def search(self, filters: Mapping[str, Any], *, limit: int | None = None, cursor: str | None = None) -> JSON:
        return self._json("GET", "/candidates", params={**filters, "limit": limit, "cursor": cursor})

    def add_candidate(self, body: Mapping[str, Any]) -> JSON:
        return self._json("POST", "/candidates", json=dict(body))

    def candidate(self, candidate_id: str) -> JSON:
        return self._json("GET", f"/candidates/{_segment(candidate_id)}")

    def update(self, candidate_id: str, patch: Mapping[str, Any], *, if_match: str | None) -> JSON:
        headers = {"If-Match": if_match} if if_match else None
        return self._json("PATCH", f"/candidates/{_segment(candidate_id)}", json=dict(patch), headers=headers)

    def move_stage(self, candidate_id: str, body: Mapping[str, Any]) -> JSON:
        return self._json("POST", f"/candidates/{_segment(candidate_id)}/stage", json=dict(body))

    def add_note(self, candidate_id: str, text: str) -> JSON:
        return self._json("POST", f"/candidates/{_segment(candidate_id)}/notes", json={"text": text})

    def set_tags(self, candidate_id: str, tags: Sequence[str]) -> JSON:
        return self._json("PUT", f"/candidates/{_segment(candidate_id)}/tags", json={"tags": list(tags)})

    def set_owner(self, candidate_id: str, owner: Mapping[str, str]) -> JSON:
        return self._json("PUT", f"/candidates/{_segment(candidate_id)}/owner", json=dict(owner))

    def timeline(self, candidate_id: str, *, limit: int | None = None, cursor: str | None = None) -> JSON:
        params = {"limit": limit, "cursor": cursor}
        return self._json("GET", f"/candidates/{_segment(candidate_id)}/timeline", params=params)

    def export(self, candidate_id: str) -> JSON:
        return self._json("GET", f"/candidates/{_segment(candidate_id)}/export")

    def erase(self, candidate_id: str) -> None:
        self.request("DELETE", f"/candidates/{_segment(candidate_id)}")

    # -- segments ----------------------------------------------------------------------------------------------

    def create_segment(self, name: str, filters: Mapping[str, Any], description: str | None) -> JSON:
        return self._json("POST", "/segments", json={"name": name, "filter": dict(filters), "description": description})

    def segments(self, *, limit: int | None = None, cursor: str | None = None) -> JSON:
        return self._json("GET", "/segments", params={"limit": limit, "cursor": cursor})

    def segment(self, segment_id: str) -> JSON:
        return self._json("GET", f"/segments/{_segment(segment_id)}")

    def segment_candidates(self, segment_id: str, *, limit: int | None = None, cursor: str | None = None) -> JSON:
        params = {"limit": limit, "cursor": cursor}
        return self._json("GET", f"/segments/{_segment(segment_id)}/candidates", params=params)

    def segment_count(self, segment_id: str) -> JSON:
        return self._json("GET", f"/segments/{_segment(segment_id)}/count")

    # -- imports -----------------------------------------------------------------------------------------------

    def start_import(self, notes: str | None) -> JSON:
        return self._json("POST", "/imports", json={"notes": notes} if notes else {})

    def import_status(self, import_id: str) -> JSON:
        return self._json("GET", f"/imports/{_segment(import_id)}")

    # -- reports -----------------------------------------------------------------------------------------------

    def report_dates(self, *, period: str = "day") -> JSON:
        return self._json("GET", "/reports", params={"period": period})

    def report(self, report_date: str | None = None, *, period: str = "day") -> JSON:
        """One report's summary and links; the latest when no date is given."""
        path = f"/reports/{_segment(report_date)}" if report_date else "/reports/latest"
        return self._json("GET", path, params={"period": period})

    def failures(self, *, limit: int = 100) -> JSON:
        return self._json("GET", "/ops/failures", params={"limit": limit})

    def redrive(self, *, queue: str | None, limit: int) -> JSON:
        body: dict[str, Any] = {"limit": limit} | ({"queue": queue} if queue else {})
        return self._json("POST", "/ops/redrive", json=body)

    def download(self, url: str) -> bytes:
        """Fetch a presigned link. Like upload, without the bearer token: S3 refuses two authentications."""
        try:
            with httpx.Client(timeout=self._timeout, transport=self._transport) as plain:
                response = plain.get(url)
        except httpx.TransportError as exc:
            raise Unreachable(str(httpx.URL(url).copy_with(query=None)), _describe(exc)) from exc
        if response.is_error:
            raise ApiError(response.status_code, "download_failed", _s3_message(response, "download"))
        return response.content


def pages(fetch: Callable[[str | None], JSON], *, follow: bool, cursor: str | None = None) -> Iterator[JSON]:
    """Each page in turn; with follow, keep passing next_cursor back until the API says there is no more."""
    while True:
        page = fetch(cursor)
        yield page
        cursor = page.get("next_cursor")
        if not follow or not cursor:
            return


QueryPairs = list[tuple[str, str | int | float | bool | None]]


def _query(params: Mapping[str, Any] | None) -> QueryPairs | None:
    """Query pairs without the unset ones; lists repeat the name (the API accepts `skills=a&skills=b`)."""
    if not params:
        return None
    pairs: QueryPairs = []
    for name, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        pairs += [(name, _text(v)) for v in values if v is not None]
    return pairs


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(getattr(value, "value", value))  # enums go as their value


def _segment(identifier: str) -> str:
    """An id as one path segment: a stray `/` or `?` must not reach another route."""
    return quote(identifier, safe="")


def _s3_message(response: httpx.Response, action: str = "upload") -> str:
    """S3 answers errors in XML: pick out <Code> and <Message> rather than print a page of it."""
    code = re.search(r"<Code>([^<]*)</Code>", response.text)
    message = re.search(r"<Message>([^<]*)</Message>", response.text)
    if code or message:
        parts = [m.group(1) for m in (code, message) if m]
        return f"the {action} was refused: " + ": ".join(parts)
    return f"the {action} was refused ({response.status_code} {_reason(response.status_code)})"
