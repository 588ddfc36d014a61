"""The local API Gateway: HTTP in, REST v1 proxy events to the real handlers, their responses back out."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from infra import spec
from local import auth
from local.lambdas import Invocation
from local.rate_limits import SubmissionLimit

log = logging.getLogger("local.gateway")

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
STAGE = "local"
CORS_MAX_AGE_S = 3600
TEXT_TYPES = ("application/json", "application/x-www-form-urlencoded", "application/xml", "application/javascript")
HOP_BY_HOP = frozenset({"connection", "content-length", "keep-alive", "transfer-encoding", "upgrade"})
INTERNAL_ERROR = {"message": "Internal server error"}


# --- Requests and replies ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One HTTP request as the gateway received it."""

    method: str
    target: str  # the request target: path and query, still percent-encoded
    headers: tuple[tuple[str, str], ...]
    body: bytes
    source_ip: str
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def path(self) -> str:
        return unquote(urlsplit(self.target).path) or "/"

    @property
    def query(self) -> str:
        return urlsplit(self.target).query

    def header(self, name: str) -> str | None:
        found = [value for key, value in self.headers if key.lower() == name.lower()]
        return found[-1] if found else None

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


@dataclass(frozen=True)
class Reply:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


def json_reply(status: int, body: Any, headers: Iterable[tuple[str, str]] = ()) -> Reply:
    return Reply(status, (("Content-Type", "application/json"), *headers), json.dumps(body).encode())


def error_reply(status: HTTPStatus, code: str, message: str, headers: Iterable[tuple[str, str]] = ()) -> Reply:
    """The error contract every Talentpool error uses."""
    return json_reply(int(status), {"error": {"code": code, "message": message, "fields": []}}, headers)


def edge_reply(name: str, headers: Iterable[tuple[str, str]] = ()) -> Reply:
    """One of the errors the deployed API answers at the edge, with the same status and body as there."""
    from infra import edge_errors  # pulls in Powertools via talentpool.http: paid on the first error only

    error = getattr(edge_errors, name)
    return json_reply(edge_errors.status_of(error), json.loads(edge_errors.body_of(error)), headers)


# --- Routes ------------------------------------------------------------------------------------------


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


@dataclass(frozen=True)
class RouteMatch:
    route: spec.RouteSpec
    path_parameters: dict[str, str]


@dataclass(frozen=True)
class MethodNotAllowed:
    allowed: tuple[str, ...]


def match_template(template: str, path: str) -> dict[str, str] | None:
    """Path parameters when `path` fits the API Gateway template (`{name}`, greedy `{name+}`), else None."""
    wanted, given = _segments(template), _segments(path)
    params: dict[str, str] = {}
    for index, part in enumerate(wanted):
        if part.startswith("{") and part.endswith("+}"):
            if index >= len(given):
                return None
            params[part[1:-2]] = "/".join(given[index:])
            return params
        if index >= len(given):
            return None
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = given[index]
        elif part != given[index]:
            return None
    return params if len(wanted) == len(given) else None


def _specificity(template: str) -> tuple[int, int]:
    # API Gateway prefers literal segments over variables, and a variable over a greedy one.
    parts = _segments(template)
    return sum(not p.startswith("{") for p in parts), -sum(p.endswith("+}") for p in parts)


class RouteTable:
    """spec.ROUTES, matched the way API Gateway matches resources and methods."""

    def __init__(self, routes: Iterable[spec.RouteSpec]) -> None:
        self._routes = sorted(routes, key=lambda r: _specificity(r.path), reverse=True)
        self.methods = tuple(sorted({r.method for r in self._routes}))

    def resolve(self, method: str, path: str) -> RouteMatch | MethodNotAllowed | None:
        best: str | None = None
        allowed: list[str] = []
        for route in self._routes:
            params = match_template(route.path, path)
            if params is None or (best is not None and route.path != best):
                continue
            best = route.path
            if route.method == method:
                return RouteMatch(route, params)
            allowed.append(route.method)
        return MethodNotAllowed(tuple(sorted(allowed))) if allowed else None


# --- Events ------------------------------------------------------------------------------------------


def is_text(content_type: str | None) -> bool:
    kind = (content_type or "").split(";")[0].strip().lower()
    return kind.startswith("text/") or kind in TEXT_TYPES or kind.endswith(("+json", "+xml"))


def _body(request: Request) -> tuple[str | None, bool]:
    if not request.body:
        return None, False
    if is_text(request.header("Content-Type")):
        try:
            return request.body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(request.body).decode("ascii"), True


def _forwarded_headers(request: Request, port: int) -> list[tuple[str, str]]:
    forwarded_for = request.header("X-Forwarded-For")
    chain = f"{forwarded_for}, {request.source_ip}" if forwarded_for else request.source_ip
    kept = [
        (k, v)
        for k, v in request.headers
        if k.lower() not in ("x-forwarded-for", "x-forwarded-proto", "x-forwarded-port")
    ]
    return [*kept, ("X-Forwarded-For", chain), ("X-Forwarded-Port", str(port)), ("X-Forwarded-Proto", "http")]


def proxy_event(
    request: Request,
    match: RouteMatch,
    *,
    port: int,
    account: str,
    claims: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The API Gateway REST (v1) proxy event for a request. Only `claims` (from a verified token) ever
    becomes `requestContext.authorizer`: nothing a client sends can put claims there."""
    moment = now or datetime.now(UTC)
    headers = _forwarded_headers(request, port)
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers:
        single[name] = value
        multi.setdefault(name, []).append(value)
    pairs = parse_qsl(request.query, keep_blank_values=True)
    query_multi: dict[str, list[str]] = {}
    for name, value in pairs:
        query_multi.setdefault(name, []).append(value)
    body, is_base64 = _body(request)
    user_agent = request.header("User-Agent")
    context: dict[str, Any] = {
        "accountId": account,
        "apiId": "local",
        "domainName": request.header("Host") or f"127.0.0.1:{port}",
        "domainPrefix": "127",
        "extendedRequestId": request.request_id,
        "httpMethod": request.method,
        "identity": {
            "accessKey": None,
            "accountId": None,
            "caller": None,
            "cognitoAuthenticationProvider": None,
            "cognitoAuthenticationType": None,
            "cognitoIdentityId": None,
            "cognitoIdentityPoolId": None,
            "principalOrgId": None,
            "sourceIp": request.source_ip,
            "user": None,
            "userAgent": user_agent,
            "userArn": None,
        },
        "path": request.path,
        "protocol": "HTTP/1.1",
        "requestId": request.request_id,
        "requestTime": moment.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "requestTimeEpoch": int(moment.timestamp() * 1000),
        "resourceId": hashlib.sha256(match.route.path.encode()).hexdigest()[:6],
        "resourcePath": match.route.path,
        "stage": STAGE,
    }
    if claims is not None:
        context["authorizer"] = {"claims": dict(claims)}
    return {
        "resource": match.route.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": single or None,
        "multiValueHeaders": multi or None,
        "queryStringParameters": {k: v[-1] for k, v in query_multi.items()} or None,
        "multiValueQueryStringParameters": query_multi or None,
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": is_base64,
    }


def http_reply(result: Any) -> Reply:
    """A proxy integration result as HTTP; a result API Gateway could not use becomes its 502."""
    if not isinstance(result, Mapping) or not isinstance(result.get("statusCode"), int):
        log.error("malformed Lambda proxy response: %s", type(result).__name__)
        return json_reply(HTTPStatus.BAD_GATEWAY, INTERNAL_ERROR)
    headers: list[tuple[str, str]] = [
        (str(name), str(value))
        for name, values in (result.get("multiValueHeaders") or {}).items()
        for value in (values if isinstance(values, list) else [values])
    ]
    present = {(name.lower(), value) for name, value in headers}
    for name, value in (result.get("headers") or {}).items():
        if (str(name).lower(), str(value)) not in present:
            headers.append((str(name), str(value)))
    raw = result.get("body") or ""
    try:
        body = base64.b64decode(raw, validate=True) if result.get("isBase64Encoded") else str(raw).encode()
    except (binascii.Error, ValueError):
        log.error("Lambda proxy response body is not valid base64")
        return json_reply(HTTPStatus.BAD_GATEWAY, INTERNAL_ERROR)
    return Reply(result["statusCode"], tuple(h for h in headers if h[0].lower() not in HOP_BY_HOP), body)


# --- The gateway -------------------------------------------------------------------------------------

LocalHandler = Callable[[Request], Reply]
Invoke = Callable[[str, dict[str, Any]], Invocation]


class LocalRoutes:
    """Routes that exist only locally (/_local/..., the JWKS): the registry later issues add to."""

    def __init__(self) -> None:
        self._routes: dict[str, dict[str, LocalHandler]] = {}

    def add(self, method: str, path: str, handler: LocalHandler) -> None:
        self._routes.setdefault(path, {})[method.upper()] = handler

    def find(self, method: str, path: str) -> LocalHandler | MethodNotAllowed | None:
        methods = self._routes.get(path.rstrip("/") or "/")
        if methods is None:
            return None
        return methods.get(method) or MethodNotAllowed(tuple(sorted(methods)))

    @property
    def paths(self) -> list[str]:
        return sorted(self._routes)


class Gateway:
    """Decides what each request gets; the HTTP server only moves bytes."""

    def __init__(
        self,
        routes: RouteTable,
        invoke: Invoke,
        issuer: auth.LocalIssuer,
        *,
        port: int,
        account: str,
        cors_origin: str,
        local_routes: LocalRoutes | None = None,
        submission_limit: SubmissionLimit | None = None,
    ) -> None:
        self.routes = routes
        self.local_routes = local_routes or LocalRoutes()
        self._invoke = invoke
        self._issuer = issuer
        self.port = port
        self._account = account
        self._cors_origin = cors_origin
        self._submission_limit = submission_limit

    def handle(self, request: Request) -> Reply:
        try:
            return self._handle(request)
        except Exception:
            log.exception("gateway error on %s %s", request.method, request.path)
            return json_reply(HTTPStatus.BAD_GATEWAY, INTERNAL_ERROR)

    def _handle(self, request: Request) -> Reply:
        if len(request.body) > MAX_BODY_BYTES:
            return edge_reply("BODY_TOO_LARGE")
        local = self.local_routes.find(request.method, request.path)
        if isinstance(local, MethodNotAllowed):
            return method_not_allowed(local)
        if local is not None:
            return local(request)
        if request.method == "OPTIONS":
            return self._preflight(request)
        found = self.routes.resolve(request.method, request.path)
        if found is None:
            return edge_reply("NO_SUCH_ROUTE")
        if isinstance(found, MethodNotAllowed):
            return method_not_allowed(found)
        if (wait := self._over_limit(request, found)) is not None:
            return too_many_requests(wait)
        claims = None
        if found.route.auth is spec.Auth.RECRUITER:
            try:
                claims = auth.authenticate(self._issuer, dict(request.headers))
            except auth.TokenRejected as exc:
                log.info("401 for %s %s: %s", request.method, request.path, exc)
                return edge_reply("UNAUTHENTICATED", [("WWW-Authenticate", 'Bearer realm="talentpool"')])
        event = proxy_event(request, found, port=self.port, account=self._account, claims=claims)
        invocation = self._invoke(found.route.function, event)
        if invocation.errored:
            return json_reply(HTTPStatus.BAD_GATEWAY, INTERNAL_ERROR)
        return http_reply(invocation.json())

    def _over_limit(self, request: Request, found: RouteMatch) -> int | None:
        """Seconds to wait when this is a public submission over its IP's limit (the WAF's job in AWS)."""
        limit = self._submission_limit
        if limit is None or found.route.auth is not spec.Auth.PUBLIC or request.method != "POST":
            return None
        return limit.take(request.source_ip)

    def _preflight(self, request: Request) -> Reply:
        """What the deployed API's CORS preflight answers on every resource: the same origin and methods."""
        if self.routes.resolve("OPTIONS", request.path) is None:
            return edge_reply("NO_SUCH_ROUTE")
        return Reply(
            int(HTTPStatus.NO_CONTENT),
            (
                ("Access-Control-Allow-Origin", self._cors_origin),
                ("Access-Control-Allow-Methods", ",".join(self.routes.methods)),
                ("Access-Control-Allow-Headers", ",".join(spec.CORS_ALLOW_HEADERS)),
                ("Access-Control-Max-Age", str(CORS_MAX_AGE_S)),
                ("Vary", "Origin"),
            ),
        )


def too_many_requests(wait_s: int) -> Reply:
    """The answer the WAF's rate-based rule gives in AWS, and when to try again."""
    return edge_reply("TOO_MANY_REQUESTS", [("Retry-After", str(wait_s))])


def method_not_allowed(found: MethodNotAllowed) -> Reply:
    from infra.edge_errors import allow_header

    return edge_reply("METHOD_NOT_ALLOWED", [("Allow", allow_header(found.allowed))])


# --- HTTP --------------------------------------------------------------------------------------------


class _BodyTooLarge(Exception):
    pass


class _HttpHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "talentpool-local"
    gateway: Gateway  # set on the subclass the server builds

    def _serve(self) -> None:
        started = time.perf_counter()
        try:
            body = self._read_body()
        except _BodyTooLarge:
            self.close_connection = True  # the rest of the body is never read
            reply = edge_reply("BODY_TOO_LARGE")
        except ValueError:
            self.close_connection = True
            reply = error_reply(HTTPStatus.BAD_REQUEST, "malformed_request", "The request body could not be read")
        else:
            request = Request(
                method=self.command,
                target=self.path,
                headers=tuple((k, v) for k, v in self.headers.items()),
                body=body,
                source_ip=self.client_address[0],
            )
            reply = self.gateway.handle(request)
        self._write(reply)
        log.info(
            "%s %s -> %d (%.0f ms)",
            self.command,
            urlsplit(self.path).path,
            reply.status,
            (time.perf_counter() - started) * 1000,
        )

    def __getattr__(self, name: str) -> Any:
        # http.server answers 501 itself for a method without a do_<METHOD>; every method comes to the gateway
        # instead, which answers one no route has (TRACE, HEAD, PROPFIND...) with 405 and Allow, as AWS does.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunks()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        if length > MAX_BODY_BYTES:
            raise _BodyTooLarge
        return self.rfile.read(length)

    def _read_chunks(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                raise _BodyTooLarge
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _write(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops the SYNs of a burst (50 sign-ups at once) while the accept
    # loop waits for the GIL; the clients then retry a second or more later, or give up.
    request_queue_size = 128

    def __init__(self, host: str, port: int) -> None:
        class GatewayHandler(_HttpHandler):
            pass  # one class per server, so the gateway it serves is never shared between servers

        super().__init__((host, port), GatewayHandler)
        self._handler: type[_HttpHandler] = GatewayHandler
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser that hangs up mid-response is normal; anything else is worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("client %s went away", client_address)
        else:
            log.exception("error serving %s", client_address)

    def serve(self, gateway: Gateway) -> None:
        self._handler.gateway = gateway
        self._thread = threading.Thread(target=self.serve_forever, args=(0.1,), name="gateway", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join(2.0)
        self.server_close()
