"""The local gateway: route matching, REST v1 proxy events, responses, and what reaches a handler at all."""

from __future__ import annotations

import base64
import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest

from infra import spec
from local import auth
from local.gateway import (
    MAX_BODY_BYTES,
    Gateway,
    GatewayServer,
    LocalRoutes,
    MethodNotAllowed,
    Reply,
    Request,
    RouteMatch,
    RouteTable,
    http_reply,
    json_reply,
    match_template,
    proxy_event,
)
from local.lambdas import Invocation

RECRUITER = spec.RouteSpec("GET", "/candidates/{candidate_id}", "recruiter_api", spec.Auth.RECRUITER)
SEARCH = spec.RouteSpec("GET", "/candidates/search", "recruiter_api", spec.Auth.RECRUITER)
CAPTURE = spec.RouteSpec("POST", "/candidates", "capture", spec.Auth.PUBLIC)
ROUTES = (
    CAPTURE,
    spec.RouteSpec("GET", "/careers", "pages", spec.Auth.PUBLIC),
    RECRUITER,
    SEARCH,
    spec.RouteSpec("GET", "/files/{key+}", "pages", spec.Auth.PUBLIC),
)
ORIGIN = "http://127.0.0.1:3000"


@pytest.fixture(scope="module")
def issuer() -> auth.LocalIssuer:
    return auth.LocalIssuer(issuer="http://127.0.0.1:3000/local-cognito")


class Handlers:
    """Stands in for the Lambda runtime: records what each function was invoked with."""

    def __init__(self, result: Any = None, *, errored: bool = False, raises: bool = False) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.result = result if result is not None else {"statusCode": 200, "body": "ok"}
        self.errored = errored
        self.raises = raises

    def __call__(self, name: str, event: dict[str, Any]) -> Invocation:
        self.calls.append((name, event))
        if self.raises:
            raise RuntimeError("the runtime itself broke")
        return Invocation(json.dumps(self.result), self.errored, "")


def gateway(handlers: Handlers, issuer: auth.LocalIssuer) -> Gateway:
    return Gateway(RouteTable(ROUTES), handlers, issuer, port=3000, account="123456789012", cors_origin=ORIGIN)


def request(method: str, target: str, *, headers: dict[str, str] | None = None, body: bytes = b"") -> Request:
    return Request(method, target, tuple((headers or {}).items()), body, "198.51.100.4")


def body_of(reply: Reply) -> Any:
    return json.loads(reply.body)


# --- matching ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("/candidates", "/candidates", {}),
        ("/candidates", "/candidates/", {}),
        ("/", "/", {}),
        ("/preferences/{token}", "/preferences/abc.def", {"token": "abc.def"}),
        ("/files/{key+}", "/files/a/b/c.txt", {"key": "a/b/c.txt"}),
        ("/preferences/{token}", "/preferences", None),
        ("/preferences/{token}", "/preferences/a/b", None),
        ("/files/{key+}", "/files", None),
        ("/careers", "/thanks", None),
    ],
)
def test_templates_match_like_api_gateway_resources(template: str, path: str, expected: Any) -> None:
    assert match_template(template, path) == expected


def test_a_literal_segment_wins_over_a_path_parameter() -> None:
    found = RouteTable(ROUTES).resolve("GET", "/candidates/search")

    assert isinstance(found, RouteMatch)
    assert found.route == SEARCH
    assert found.path_parameters == {}


def test_a_known_path_with_another_method_lists_the_allowed_ones() -> None:
    assert RouteTable(ROUTES).resolve("GET", "/candidates") == MethodNotAllowed(("POST",))


def test_every_spec_route_is_reachable_at_its_own_path() -> None:
    table = RouteTable(spec.ROUTES)
    for route in spec.ROUTES:
        path = route.path.replace("{", "x").replace("+}", "").replace("}", "")
        found = table.resolve(route.method, path)
        assert isinstance(found, RouteMatch) and found.route == route, route


# --- events ------------------------------------------------------------------------------------------


def test_a_form_post_becomes_a_rest_v1_proxy_event() -> None:
    given = request(
        "POST",
        "/candidates?utm_source=x&tag=a&tag=b&empty=",
        headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "Firefox", "Host": "h:3000"},
        body=b"email=ana%40example.com",
    )
    match = RouteMatch(CAPTURE, {})

    event = proxy_event(given, match, port=3000, account="123456789012")

    assert event["resource"] == "/candidates"
    assert event["path"] == "/candidates"
    assert event["httpMethod"] == "POST"
    assert event["body"] == "email=ana%40example.com"
    assert event["isBase64Encoded"] is False
    assert event["queryStringParameters"] == {"utm_source": "x", "tag": "b", "empty": ""}
    assert event["multiValueQueryStringParameters"]["tag"] == ["a", "b"]
    assert event["pathParameters"] is None
    assert event["headers"]["User-Agent"] == "Firefox"
    assert event["multiValueHeaders"]["Content-Type"] == ["application/x-www-form-urlencoded"]
    assert event["headers"]["X-Forwarded-For"] == "198.51.100.4"
    context = event["requestContext"]
    assert context["identity"]["sourceIp"] == "198.51.100.4"
    assert context["identity"]["userAgent"] == "Firefox"
    assert context["stage"] == "local"
    assert context["resourcePath"] == "/candidates"
    assert context["httpMethod"] == "POST"
    assert context["requestId"]
    assert "authorizer" not in context


def test_a_request_without_query_or_body_has_nulls_where_api_gateway_puts_them() -> None:
    event = proxy_event(request("GET", "/thanks"), RouteMatch(CAPTURE, {}), port=3000, account="1")

    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False


def test_a_binary_body_is_base64_encoded() -> None:
    raw = bytes(range(256))
    given = request("POST", "/candidates", headers={"Content-Type": "application/octet-stream"}, body=raw)

    event = proxy_event(given, RouteMatch(CAPTURE, {}), port=3000, account="1")

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw


def test_path_parameters_are_decoded() -> None:
    found = RouteTable(ROUTES).resolve("GET", request("GET", "/candidates/01%20AB").path)

    assert isinstance(found, RouteMatch)
    assert found.path_parameters == {"candidate_id": "01 AB"}


# --- responses ---------------------------------------------------------------------------------------


def test_headers_and_multi_value_headers_merge_like_api_gateway() -> None:
    reply = http_reply(
        {
            "statusCode": 303,
            "headers": {"Location": "/thanks", "Content-Type": "text/html"},
            "multiValueHeaders": {"Content-Type": ["text/html"], "Set-Cookie": ["a=1", "b=2"]},
            "body": "",
            "isBase64Encoded": False,
        }
    )

    assert reply.status == 303
    assert sorted(reply.headers) == [
        ("Content-Type", "text/html"),
        ("Location", "/thanks"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
    ]


def test_a_base64_body_is_decoded() -> None:
    reply = http_reply({"statusCode": 200, "body": base64.b64encode(b"\x00\xff").decode(), "isBase64Encoded": True})

    assert reply.body == b"\x00\xff"


@pytest.mark.parametrize("result", [None, "text", {"body": "no status"}, {"statusCode": "200"}])
def test_a_malformed_proxy_response_is_api_gateways_502(result: Any) -> None:
    reply = http_reply(result)

    assert reply.status == 502
    assert body_of(reply) == {"message": "Internal server error"}


# --- the gateway -------------------------------------------------------------------------------------


def test_a_public_route_reaches_its_function_with_no_authorizer(issuer: auth.LocalIssuer) -> None:
    handlers = Handlers({"statusCode": 202, "multiValueHeaders": {"X-A": ["1"]}, "body": "{}"})

    reply = gateway(handlers, issuer).handle(
        request("POST", "/candidates", headers={"Authorization": f"Bearer {issuer.mint()}"})
    )

    assert reply.status == 202
    assert ("X-A", "1") in reply.headers
    [(name, event)] = handlers.calls
    assert name == "capture"
    assert "authorizer" not in event["requestContext"]


def test_a_recruiter_route_without_a_token_is_401_before_any_handler_runs(issuer: auth.LocalIssuer) -> None:
    handlers = Handlers()
    spoofed = {
        "X-Amzn-Authorizer-Claims": json.dumps({"cognito:groups": "admins"}),
        "cognito:groups": "admins",
        "requestContext": json.dumps({"authorizer": {"claims": {"sub": "me"}}}),
    }

    reply = gateway(handlers, issuer).handle(request("GET", "/candidates/01AB", headers=spoofed))

    assert reply.status == 401
    assert body_of(reply)["error"]["code"] == "unauthenticated"
    assert handlers.calls == []


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer "],
)
def test_a_recruiter_route_with_a_bad_token_is_401(issuer: auth.LocalIssuer, authorization: str) -> None:
    handlers = Handlers()

    reply = gateway(handlers, issuer).handle(
        request("GET", "/candidates/01AB", headers={"Authorization": authorization})
    )

    assert reply.status == 401
    assert handlers.calls == []


def test_an_expired_token_is_401(issuer: auth.LocalIssuer) -> None:
    handlers = Handlers()
    token = issuer.mint(expires_in=-60)

    reply = gateway(handlers, issuer).handle(
        request("GET", "/candidates/01AB", headers={"Authorization": f"Bearer {token}"})
    )

    assert reply.status == 401
    assert handlers.calls == []


def test_claims_come_only_from_the_verified_token(issuer: auth.LocalIssuer) -> None:
    handlers = Handlers()
    token = issuer.mint(groups=["recruiters"], email="rita@example.com")
    headers = {
        "Authorization": f"Bearer {token}",
        "X-Amzn-Authorizer-Claims": json.dumps({"cognito:groups": "admins"}),
        "cognito:groups": "admins",
        "email": "boss@example.com",
    }

    reply = gateway(handlers, issuer).handle(request("GET", "/candidates/01AB", headers=headers))

    assert reply.status == 200
    [(name, event)] = handlers.calls
    assert name == "recruiter_api"
    claims = event["requestContext"]["authorizer"]["claims"]
    assert claims["cognito:groups"] == "recruiters"
    assert claims["email"] == "rita@example.com"
    assert claims["token_use"] == "id"
    assert all(isinstance(value, str) for value in claims.values())
    assert event["pathParameters"] == {"candidate_id": "01AB"}


def test_unknown_paths_get_404_in_the_error_contract(issuer: auth.LocalIssuer) -> None:
    reply = gateway(Handlers(), issuer).handle(request("GET", "/nowhere"))

    assert reply.status == 404
    error = body_of(reply)["error"]
    assert error["code"] == "not_found"
    assert error["fields"] == []


def test_another_method_on_a_known_path_gets_405(issuer: auth.LocalIssuer) -> None:
    reply = gateway(Handlers(), issuer).handle(request("DELETE", "/candidates"))

    assert reply.status == 405
    assert ("Allow", "POST") in reply.headers
    assert body_of(reply)["error"]["code"] == "method_not_allowed"


def test_a_preflight_is_answered_like_the_deployed_cors_config(issuer: auth.LocalIssuer) -> None:
    handlers = Handlers()

    reply = gateway(handlers, issuer).handle(request("OPTIONS", "/candidates"))

    headers = dict(reply.headers)
    assert reply.status == 204
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in headers["Access-Control-Allow-Methods"].split(",")
    allowed = headers["Access-Control-Allow-Headers"].split(",")
    assert {"Authorization", "Content-Type", "Idempotency-Key", "If-Match"} <= set(allowed)
    assert handlers.calls == []


def test_a_body_over_api_gateways_limit_is_413_without_a_handler(issuer: auth.LocalIssuer) -> None:
    handlers = Handlers()

    reply = gateway(handlers, issuer).handle(request("POST", "/candidates", body=b"x" * (MAX_BODY_BYTES + 1)))

    assert reply.status == 413
    assert body_of(reply)["error"]["code"] == "payload_too_large"
    assert handlers.calls == []


def test_a_function_error_is_api_gateways_502(issuer: auth.LocalIssuer) -> None:
    reply = gateway(Handlers({"errorMessage": "boom"}, errored=True), issuer).handle(request("GET", "/careers"))

    assert reply.status == 502
    assert body_of(reply) == {"message": "Internal server error"}


def test_the_gateway_survives_its_own_failures(issuer: auth.LocalIssuer) -> None:
    reply = gateway(Handlers(raises=True), issuer).handle(request("GET", "/careers"))

    assert reply.status == 502
    assert body_of(reply) == {"message": "Internal server error"}


def test_local_routes_come_first_and_know_their_methods(issuer: auth.LocalIssuer) -> None:
    routes = LocalRoutes()
    routes.add("GET", "/_local/ping", lambda _: json_reply(200, {"pong": True}))
    subject = Gateway(
        RouteTable(ROUTES), Handlers(), issuer, port=3000, account="1", cors_origin=ORIGIN, local_routes=routes
    )

    assert body_of(subject.handle(request("GET", "/_local/ping"))) == {"pong": True}
    assert subject.handle(request("POST", "/_local/ping")).status == 405


# --- HTTP --------------------------------------------------------------------------------------------


@pytest.fixture
def served(issuer: auth.LocalIssuer) -> Iterator[tuple[GatewayServer, Handlers]]:
    handlers = Handlers()
    server = GatewayServer("127.0.0.1", 0)
    server.serve(Gateway(RouteTable(ROUTES), handlers, issuer, port=server.port, account="1", cors_origin=ORIGIN))
    yield server, handlers
    server.stop()


@pytest.mark.parametrize("method", ["TRACE", "HEAD", "CONNECT", "PROPFIND", "BREW"])
def test_a_method_no_route_has_is_405_with_allow_over_http(served, method: str) -> None:
    server, handlers = served
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)

    connection.request(method, "/candidates")
    response = connection.getresponse()
    body = response.read()
    connection.close()

    assert response.status == 405
    assert response.getheader("Allow") == "POST"
    if method != "HEAD":
        assert json.loads(body)["error"]["code"] == "method_not_allowed"
    assert handlers.calls == []
