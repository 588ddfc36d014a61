"""Nothing a client sends makes a route answer 5xx: hostile bodies, wrong content types and empty parameters get a
400, 415 or 422 in the error contract, and a caller a route refuses learns that before anything else (issue 10 §2).
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

from infra import spec
from tests import factories
from tests.integration.helpers import call, header
from tools import openapi

DUMMY_ID = "01M8B9VGHAH080YCQ49MGPAEJE"
# RFC 8058: the one-click POST to the signed URL is the whole request; mail clients may send any body, which is
# set aside unread (functions/self_service), so it cannot be malformed.
ONE_CLICK = ("POST", "/unsubscribe/{token}")
BODY_ROUTES = [r for r in spec.ROUTES if r.method in ("POST", "PUT", "PATCH") and (r.method, r.path) != ONE_CLICK]

MALFORMED: dict[str, bytes] = {
    "nested 10,000 deep": b"[" * 10_000 + b"]" * 10_000,
    "objects nested 10,000 deep": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    "invalid UTF-8": b'{"name": "\xff\xfe\xfd"}',
    "a lone surrogate": b'{"name": "\\ud800", "text": "\\udfff"}',
    "a 5,000-digit integer": b'{"limit": ' + b"9" * 5_000 + b"}",
    "NaN": b'{"limit": NaN}',
    "Infinity": b'{"limit": Infinity}',
    "a duplicate key": b'{"name": "a", "name": "b"}',
    "truncated": b'{"name": "a"',
}
# Well-formed JSON, but not the object every body is: a route that reads a body refuses it, one that takes none
# ignores it; neither fails.
NOT_OBJECTS: dict[str, bytes] = {"a top-level array": b"[1, 2]", "a top-level string": b'"hello"', "a number": b"7"}


def concrete(path: str) -> str:
    return re.sub(r"\{stage\}", "applied", re.sub(r"\{[a-z_]+\}", DUMMY_ID, path))


def event(route: spec.RouteSpec, *, raw: bytes | None = None, **kwargs: Any) -> dict[str, Any]:
    claims = factories.ADMIN if route.auth is spec.Auth.RECRUITER else None
    path = concrete(route.path)
    params = dict(zip(re.findall(r"\{([a-z_]+)\}", route.path), re.findall(r"[^/]+", path)[-99:], strict=False))
    # An API client: the candidate pages answer a browser's errors with pages, and a client's with JSON.
    headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
    built = factories.api_event(route.method, path, claims=claims, resource=route.path, headers=headers, **kwargs)
    built["pathParameters"] = {name: concrete("{" + name + "}") for name in params} or None
    if raw is not None:
        # As the local gateway (and API Gateway for binary types) passes bytes that are not UTF-8 text.
        built["body"] = base64.b64encode(raw).decode()
        built["isBase64Encoded"] = True
        built["headers"]["Content-Type"] = "application/json"
    return built


def error_of(response: dict[str, Any]) -> dict[str, Any]:
    content_type = header(response, "content-type") or ""
    assert content_type.startswith("application/json"), content_type
    error: dict[str, Any] = factories.response_json(response)["error"]
    assert set(error) == {"code", "message", "fields"}
    return error


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_malformed_body_is_a_400_in_the_error_contract_on_every_route(aws, route: spec.RouteSpec) -> None:
    for name, raw in MALFORMED.items():
        response = call(route.function, event(route, raw=raw))

        assert response["statusCode"] == 400, f"{name}: {response['statusCode']} {response.get('body')}"
        assert error_of(response)["code"] == "malformed_request", name


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_json_that_is_not_an_object_is_refused_or_ignored_never_a_5xx(aws, route: spec.RouteSpec) -> None:
    for name, raw in NOT_OBJECTS.items():
        response = call(route.function, event(route, raw=raw))

        assert 400 <= response["statusCode"] < 500, f"{name}: {response['statusCode']} {response.get('body')}"
        error_of(response)


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_an_array_is_never_read_as_the_object_inside_it(aws, route: spec.RouteSpec) -> None:
    # Powertools took the last item of a list for a one-valued body: `[null, null]` started an import.
    for raw in (b"[null, null]", b"[{}]", b"[{}, {}]"):
        response = call(route.function, event(route, raw=raw))

        assert response["statusCode"] == 422, f"{raw!r}: {response['statusCode']} {response.get('body')}"
        assert error_of(response)["fields"] == [{"loc": ["body"], "msg": "must be a JSON object"}]


def test_the_one_click_unsubscribe_sets_any_body_aside(aws) -> None:
    route = next(r for r in spec.ROUTES if (r.method, r.path) == ONE_CLICK)
    without_body = call(route.function, event(route))

    for raw in [*MALFORMED.values(), *NOT_OBJECTS.values()]:
        response = call(route.function, event(route, raw=raw))

        assert (response["statusCode"], error_of(response)) == (without_body["statusCode"], error_of(without_body))


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_a_body_no_route_reads_is_415(aws, route: spec.RouteSpec) -> None:
    for content_type in ("text/plain", "application/xml", "application/json; charset=latin-1", "image/png"):
        built = event(route, body={"name": "x"})
        built["headers"]["Content-Type"] = content_type

        response = call(route.function, built)

        assert response["statusCode"] == 415, content_type
        assert error_of(response)["code"] == "unsupported_media_type"


def _optional_query_parameters() -> list[tuple[spec.RouteSpec, str]]:
    # The committed document (tests/unit/test_openapi.py keeps it current): building one here, at collection, would
    # set its dummy environment for every test after.
    document = json.loads(openapi.OUTPUT.read_text())
    found = []
    for route in spec.ROUTES:
        operation = document["paths"].get(route.path, {}).get(route.method.lower(), {})
        found += [
            (route, p["name"]) for p in operation.get("parameters", []) if p["in"] == "query" and not p["required"]
        ]
    return found


OPTIONAL_QUERY = _optional_query_parameters()


@pytest.mark.parametrize(("route", "name"), OPTIONAL_QUERY, ids=[f"{r.path}?{n}=" for r, n in OPTIONAL_QUERY])
def test_an_empty_optional_query_parameter_is_a_422_naming_it(aws, route: spec.RouteSpec, name: str) -> None:
    response = call(route.function, event(route, query={name: ""}))

    assert response["statusCode"] == 422
    assert ["query", name] in [field["loc"] for field in error_of(response)["fields"]]


ADMIN_ROUTES = [
    ("POST", "/sequences", {"name": 7}),
    ("PUT", f"/sequences/{DUMMY_ID}", {"steps": "none"}),
    ("POST", "/ops/redrive", {"limit": 0}),
]


@pytest.mark.parametrize(("method", "path", "payload"), ADMIN_ROUTES)
def test_a_recruiter_who_is_not_an_admin_gets_403_before_any_422(aws, method: str, path: str, payload: Any) -> None:
    route = next(r for r in spec.ROUTES if r.method == method and concrete(r.path) == path)
    built = factories.api_event(method, path, body=payload, claims=factories.RECRUITER, resource=route.path)
    built["pathParameters"] = {"sequence_id": DUMMY_ID} if "{" in route.path else None

    response = call(route.function, built)

    assert response["statusCode"] == 403
    assert error_of(response) == {
        "code": "forbidden",
        "message": "This needs membership of: admins",
        "fields": [],
    }


def test_the_same_bad_request_from_an_admin_is_the_422(aws) -> None:
    built = factories.api_event("POST", "/sequences", body={"name": 7}, claims=factories.ADMIN)

    response = call("recruiter_api", built)

    assert response["statusCode"] == 422
    assert error_of(response)["code"] == "validation_failed"


def test_a_body_on_a_get_is_set_aside(aws) -> None:
    route = next(r for r in spec.ROUTES if (r.method, r.path) == ("GET", "/segments"))
    built = event(route, raw=b"\xff not json")

    response = call(route.function, built)

    assert response["statusCode"] == 200
    assert json.loads(response["body"])["items"] == []


@pytest.mark.parametrize("floor", [2.8663510358894942e231, -1.0])
def test_an_engagement_floor_no_score_can_reach_is_a_422_not_a_number_dynamodb_cannot_hold(aws, floor: float) -> None:
    body = {"name": "Engaged", "filter": {"min_engagement": floor}}

    response = call("recruiter_api", factories.api_event("POST", "/segments", body=body, claims=factories.ADMIN))

    assert response["statusCode"] == 422
    assert error_of(response)["fields"][0]["loc"] == ["filter", "min_engagement"]


def test_a_tiny_engagement_floor_is_kept_to_the_score_s_four_decimals(aws) -> None:
    body = {"name": "Engaged", "filter": {"min_engagement": 1e-200}}

    response = call("recruiter_api", factories.api_event("POST", "/segments", body=body, claims=factories.ADMIN))

    assert response["statusCode"] == 201
    assert json.loads(response["body"])["filter"]["min_engagement"] == 0
