"""HTTP edge shared by every API function: the resolver, request facts, and the one error-to-status map."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.depends import (
    DependencyResolutionError,
    DependencyTree,
    build_dependency_tree,
    solve_dependencies,
)
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from talentpool import errors
from talentpool.limits import LIMITS, parse_json
from talentpool.observability import logger

MAX_BODY_BYTES = LIMITS.body_bytes
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
HTML_CONTENT_TYPE = "text/html"
# Content in a GET or DELETE request has no defined meaning (RFC 9110): it is set aside, never read.
METHODS_WITHOUT_BODY = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})

# The only place a status code is chosen for an error; order matters, subclasses first.
STATUS_BY_ERROR: tuple[tuple[type[errors.TalentpoolError], HTTPStatus], ...] = (
    (errors.MalformedRequest, HTTPStatus.BAD_REQUEST),
    (errors.Unauthenticated, HTTPStatus.UNAUTHORIZED),
    (errors.Forbidden, HTTPStatus.FORBIDDEN),
    (errors.InvalidToken, HTTPStatus.FORBIDDEN),
    (errors.NotFound, HTTPStatus.NOT_FOUND),
    (errors.Conflict, HTTPStatus.CONFLICT),
    (errors.PayloadTooLarge, HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
    (errors.UnsupportedMediaType, HTTPStatus.UNSUPPORTED_MEDIA_TYPE),
    (errors.ValidationFailed, HTTPStatus.UNPROCESSABLE_ENTITY),
    (errors.RateLimited, HTTPStatus.TOO_MANY_REQUESTS),
)

# The app resolving the request on this thread. Lambda runs one event per environment and process; the local
# runtime runs several environments of one function as threads of one process, sharing the api modules' routers.
_resolving: ContextVar[APIGatewayRestResolver | None] = ContextVar("talentpool_resolving", default=None)
_current_event: ContextVar[Any] = ContextVar("talentpool_current_event", default=None)
_lambda_context: ContextVar[Any] = ContextVar("talentpool_lambda_context", default=None)


class Router(APIGatewayRouter):
    """A router whose request state (current event, context, Lambda context) is that of the app resolving now.

    Powertools points a router at the last app that included it. Two environments of one function in one
    process (the local runtime) would then read each other's event and principal; here each reads its own.
    """

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]

    @property
    def api_resolver(self) -> Any:
        return _resolving.get() or self._included_by

    @api_resolver.setter
    def api_resolver(self, value: Any) -> None:
        self._included_by = value


# Renders an error as an HTML page for a browser that posted a plain form: (status, error, submitted fields).
HtmlErrorPage = Callable[[HTTPStatus, errors.TalentpoolError, Mapping[str, list[str]]], str]


@dataclass(frozen=True)
class RequestMeta:
    """Facts about the caller that logic may record (hashed or truncated first), never the raw event."""

    source_ip: str
    user_agent: str
    request_id: str


def status_for(error: errors.TalentpoolError) -> HTTPStatus:
    for error_type, status in STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return status
    return HTTPStatus.BAD_REQUEST


def error_body(error: errors.TalentpoolError) -> dict[str, Any]:
    """The error contract: {"error": {"code", "message", "fields": [{"loc", "msg"}]}}, and "details" where
    a route documents more (the run that already exists, for a campaign send)."""
    body: dict[str, Any] = {
        "code": error.code,
        "message": error.message,
        "fields": [field.as_dict() for field in error.fields],
    }
    if error.details:
        body["details"] = error.details
    return {"error": body}


def validation_error(raw_errors: list[Any]) -> errors.TalentpoolError:
    """Turn Powertools/pydantic validation errors into ours; malformed JSON is a 400, not a 422."""
    if any(e.get("type") == "json_invalid" for e in raw_errors):
        return errors.MalformedRequest("The request body is not valid JSON")
    fields = [
        errors.FieldError(_location(e.get("loc", ())), _message(e), kind=str(e.get("type", "")), ctx=e.get("ctx"))
        for e in raw_errors
    ]
    return errors.ValidationFailed("Some fields are missing or not valid", fields)


def _location(loc: Any) -> list[str | int]:
    """Where the problem is, as a client names it: a body field path, or ["query", name]."""
    parts = list(loc) if isinstance(loc, list | tuple) else [str(loc)]
    if parts[:1] == ["body"]:
        parts = parts[1:]
    if parts[:2] == ["query", "params"]:
        # Query parameters validated as one model: Powertools nests them under the model's argument name.
        parts = ["query", *parts[2:]]
    return [p if isinstance(p, int) else str(p) for p in parts] or ["body"]


def _message(raw: Mapping[str, Any]) -> str:
    kind = raw.get("type", "")
    if kind == "missing":
        return "this is required"
    if kind == "extra_forbidden":
        return "this is not a known field"
    message = str(raw.get("msg", "is not valid"))
    return message.removeprefix("Value error, ")


def body_bytes(event: Mapping[str, Any]) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body)
        except ValueError:
            return body.encode()
    return body.encode() if isinstance(body, str) else bytes(body)


def header(event: Mapping[str, Any], name: str) -> str | None:
    """A request header, case-insensitively, as API Gateway passes headers through unchanged."""
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name.lower():
            return str(value)
    return None


def is_form(event: Mapping[str, Any]) -> bool:
    return (header(event, "content-type") or "").lower().startswith(FORM_CONTENT_TYPE)


def wants_html(app: APIGatewayRestResolver | APIGatewayRouter) -> bool:
    """True when a browser posted a plain HTML form (no JavaScript): it gets pages and redirects, not JSON."""
    return bool(app.context.get("wants_html"))


def request_meta(event: Mapping[str, Any]) -> RequestMeta:
    context = event.get("requestContext") or {}
    identity = context.get("identity") or {}
    return RequestMeta(
        source_ip=str(identity.get("sourceIp") or ""),
        user_agent=(str(identity.get("userAgent") or header(event, "user-agent") or ""))[:256],
        request_id=str(context.get("requestId") or ""),
    )


def form_fields(event: Mapping[str, Any]) -> dict[str, list[str]]:
    from urllib.parse import parse_qs

    return parse_qs(body_bytes(event).decode("utf-8", "replace"), keep_blank_values=True)


def json_response(status: HTTPStatus | int, body: Any, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        status_code=int(status),
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body, separators=(",", ":")),
        headers=headers or {},
    )


def html_response(status: HTTPStatus | int, html: str, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        status_code=int(status),
        content_type=f"{HTML_CONTENT_TYPE}; charset=utf-8",
        body=html,
        headers={**SECURITY_HEADERS, **(headers or {})},
    )


def redirect(location: str) -> Response[Any]:
    """303 See Other: the browser follows with a GET, so a refresh never re-posts the form."""
    return Response(status_code=HTTPStatus.SEE_OTHER, headers={"Location": location}, body="")


SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
        "form-action 'self'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class Resolver(APIGatewayRestResolver):
    """Powertools' REST resolver, knowing the media types its errors come in, for the OpenAPI document.

    Powertools keeps the event being resolved on a class attribute, one per process. Here it is per thread of
    execution, so that environments running at once in one process (the local runtime) never read each
    other's event: the body a request is validated against is always its own.
    """

    def __init__(self, *, error_media_types: tuple[str, ...], cors: CORSConfig | None) -> None:
        super().__init__(enable_validation=True, cors=cors, json_body_deserializer=parse_json)
        self.error_media_types = error_media_types

    @property
    def current_event(self) -> Any:
        return _current_event.get()

    @current_event.setter
    def current_event(self, value: Any) -> None:
        _current_event.set(value)

    @property
    def lambda_context(self) -> Any:
        return _lambda_context.get()

    @lambda_context.setter
    def lambda_context(self, value: Any) -> None:
        _lambda_context.set(value)

    def _to_proxy_event(self, event: dict[str, Any]) -> Any:
        proxy = super()._to_proxy_event(event)
        _current_event.set(proxy)
        return proxy

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        # Scoped to this call, so a request resolved inside another (on the same thread) leaves the outer one's.
        outer = (_current_event.set(None), _lambda_context.set(context))
        try:
            return super().resolve(event, context)
        finally:
            _current_event.reset(outer[0])
            _lambda_context.reset(outer[1])


def prime(app: APIGatewayRestResolver) -> None:
    """Build now what the first request would: each route's parameters and body model.

    Powertools analyses a route on its first request, and pydantic builds a model's validator on first use
    (talentpool.models.base). The functions behind the gateway that run with SnapStart call this at the end of
    their initialisation, so the work is in the snapshot instead of in the first request after every restore.
    """
    for route in (*app._static_routes, *app._dynamic_routes):
        _ = (route.dependant, route.body_field)


def create_app(*, cors_origin: str | None = None, html_error_page: HtmlErrorPage | None = None) -> Resolver:
    """A resolver with validation on and every error mapped to the contract in one place."""
    cors = CORSConfig(allow_origin=cors_origin, allow_headers=["Idempotency-Key"]) if cors_origin else None
    # With an error page, a person in a browser gets errors as pages; an API client, and every error answered
    # before routing (size, content type, malformed body), still gets JSON.
    media = (content_types.APPLICATION_JSON, *((HTML_CONTENT_TYPE,) if html_error_page else ()))
    app = Resolver(error_media_types=media, cors=cors)

    def respond(error: errors.TalentpoolError) -> Response[Any]:
        status = status_for(error)
        if status in REQUEST_COMPLAINTS:
            # Powertools validates a request before it solves the route's dependencies, where the group check
            # is: a caller the route refuses learns that, and nothing about what was wrong with the request.
            refusal = refusal_of_caller(app)
            if refusal is not None:
                error, status = refusal, status_for(refusal)
        if html_error_page is not None and wants_html(app):
            page = html_error_page(status, error, app.context.get("form_fields") or {})
            return html_response(status, page, error.headers)
        return json_response(status, error_body(error), error.headers)

    translations: dict[type[Exception], Callable[[Any], errors.TalentpoolError]] = {
        errors.TalentpoolError: lambda error: error,
        RequestValidationError: lambda error: validation_error(list(error.errors())),
        RequestUnsupportedContentType: lambda _: errors.UnsupportedMediaType(
            "Send application/json or application/x-www-form-urlencoded"
        ),
        NotFoundError: lambda _: errors.NotFound("No such resource"),
    }
    for exception_type, translate in translations.items():
        app.exception_handler(exception_type)(lambda exc, translate=translate: respond(translate(exc)))
    return app


# Statuses that describe the request rather than the caller; a refused caller never sees them.
REQUEST_COMPLAINTS = frozenset(
    {HTTPStatus.BAD_REQUEST, HTTPStatus.UNSUPPORTED_MEDIA_TYPE, HTTPStatus.UNPROCESSABLE_ENTITY}
)


def refusal_of_caller(app: APIGatewayRestResolver) -> errors.TalentpoolError | None:
    """The 401 or 403 one of the matched route's dependencies gives this caller, if any.

    Each dependency is solved on its own, so that one refusing the request (an unknown query parameter) cannot
    hide one refusing the caller. Dependencies are cheap factories and checks: solving them twice is harmless.
    """
    route = app.context.get("_route")
    if route is None or not route.has_dependencies:
        return None
    for dependency in build_dependency_tree(route.func).dependencies:
        try:
            solve_dependencies(
                dependant=DependencyTree(dependencies=[dependency]),
                request=app.request,
                dependency_overrides=app.dependency_overrides or None,
            )
        except DependencyResolutionError as exc:
            if isinstance(exc.__cause__, errors.Unauthenticated | errors.Forbidden):
                return exc.__cause__
    return None


FormAdapter = Callable[[Mapping[str, list[str]]], dict[str, Any]]


def resolve(
    app: APIGatewayRestResolver,
    event: dict[str, Any],
    context: Any,
    *,
    form_adapter: FormAdapter | None = None,
    authenticate: Callable[[dict[str, Any]], Any] | None = None,
) -> dict[str, Any]:
    """Run the resolver. Oversized bodies are refused first, so size wins over any other complaint.

    With a `form_adapter`, an urlencoded body is turned into the JSON the route's model expects, so one
    model validates both; a browser without JavaScript is remembered so it gets HTML back.
    """
    if authenticate is not None:
        # Before anything else looks at the request: an unauthenticated caller learns nothing about validation.
        try:
            app.append_context(principal=authenticate(event))  # type: ignore[no-untyped-call]
        except errors.TalentpoolError as error:
            return _early_error(error)
    if len(body_bytes(event)) > MAX_BODY_BYTES:
        logger.info("request body over limit", extra={"limit": MAX_BODY_BYTES})
        return _early_error(errors.PayloadTooLarge(f"The request body is over {MAX_BODY_BYTES // 1024} KB"))
    if str(event.get("httpMethod", "")).upper() in METHODS_WITHOUT_BODY:
        event = {**event, "body": None, "isBase64Encoded": False}
    try:
        event = _readable_body(event, accept_form=form_adapter is not None)
    except errors.TalentpoolError as error:
        return _early_error(error)
    if form_adapter is not None and is_form(event):
        fields = form_fields(event)
        app.append_context(  # type: ignore[no-untyped-call]
            form_fields=fields,
            wants_html="application/json" not in (header(event, "accept") or "").lower(),
        )
        event = _with_json_body(event, form_adapter(fields))
    resolving = _resolving.set(app)
    try:
        return app.resolve(event, context)
    finally:
        _resolving.reset(resolving)


def _readable_body(event: dict[str, Any], *, accept_form: bool) -> dict[str, Any]:
    """The event with its body checked: a content type the route reads, in UTF-8, and for JSON a document within
    the limits (parsed by the same decoder Powertools then uses). The body is handed on as text.

    Raises UnsupportedMediaType (415), MalformedRequest (400) or, for JSON that is not an object, ValidationFailed
    (422): in front of Powertools' validation, which would otherwise fail on such a body with an exception, and
    the function with a 5xx.
    """
    raw = body_bytes(event)
    if not raw:
        return event
    media_type, _, parameters = (header(event, "content-type") or content_types.APPLICATION_JSON).partition(";")
    media_type = media_type.strip().lower()
    accepted = {content_types.APPLICATION_JSON} | ({FORM_CONTENT_TYPE} if accept_form else set())
    if media_type not in accepted or _charset(parameters) not in ("", "utf-8"):
        raise errors.UnsupportedMediaType(f"Send {' or '.join(sorted(accepted))}, in UTF-8")
    if media_type == content_types.APPLICATION_JSON and not isinstance(parse_json(raw), dict | None):
        # Powertools reads a list where it wants one value as repeated values and keeps the last: `[{...}]` or
        # `[null, null]` would pass for the object (or the absent body) inside it.
        raise errors.ValidationFailed(
            "The request body must be a JSON object", [errors.FieldError(["body"], "must be a JSON object")]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.MalformedRequest("The request body is not valid UTF-8") from None
    return {**event, "body": text, "isBase64Encoded": False}


def _charset(parameters: str) -> str:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return ""


def _early_error(error: errors.TalentpoolError) -> dict[str, Any]:
    """An error response for a request refused before routing (size, content type, a malformed body)."""
    return {
        "statusCode": int(status_for(error)),
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": json.dumps(error_body(error)),
        "isBase64Encoded": False,
    }


def _with_json_body(event: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    def replace(headers: Mapping[str, Any] | None, value: Any) -> dict[str, Any]:
        kept = {k: v for k, v in (headers or {}).items() if k.lower() != "content-type"}
        return {**kept, "Content-Type": value}

    return {
        **event,
        "body": json.dumps(body),
        "isBase64Encoded": False,
        "headers": replace(event.get("headers"), content_types.APPLICATION_JSON),
        "multiValueHeaders": replace(event.get("multiValueHeaders"), [content_types.APPLICATION_JSON]),
    }


def model_response(model: type[Any], description: str) -> OpenAPIResponse:
    """An OpenAPI response documenting the JSON model a route sends back (for routes returning Response)."""
    return {"description": description, "content": {"application/json": {"model": model}}}


def html_page(description: str) -> OpenAPIResponse:
    """An OpenAPI response for a route that answers with an HTML page."""
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def page_or_json(description: str, json_schema: dict[str, Any]) -> OpenAPIResponse:
    """An OpenAPI response for a route that answers a browser with a page and an API client with JSON."""
    return {
        "description": description,
        "content": {"text/html": {"schema": {"type": "string"}}, "application/json": {"schema": json_schema}},
    }
