"""docs/openapi.json is generated from the resolvers: it must match them, and document every route fully."""

from __future__ import annotations

import json
import re

import pytest

from infra import spec
from tools import openapi

UNDOCUMENTED = {("GET", "/"), ("GET", "/assets/{name}")}  # the form's alias and static files: not an API


@pytest.fixture(scope="module")
def generated() -> dict:
    return json.loads(openapi.render())


def test_the_committed_document_matches_the_code(generated):
    committed = json.loads(openapi.OUTPUT.read_text())
    assert committed == generated, "docs/openapi.json is stale: run `make openapi` and commit it"


ROUTES = [r for r in spec.ROUTES if (r.method, r.path) not in UNDOCUMENTED]


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r.method} {r.path}" for r in ROUTES])
def test_every_route_is_documented_with_models_and_errors(generated, route):
    operation = generated["paths"][route.path][route.method.lower()]
    assert operation.get("summary"), "a summary"
    assert operation.get("description"), "a description"
    responses = operation["responses"]
    successes = {code: r for code, r in responses.items() if code.startswith("2")}
    assert successes, "a success response"
    for code, response in successes.items():
        if code == "204":
            continue
        content = response.get("content", {})
        assert content, f"{code} names what it returns"
        for media in content.values():
            assert media["schema"].get("title") != "Return", (
                f"{code} has a real model or schema, not Powertools' default"
            )
    errors = [code for code in responses if code.startswith("4")]
    assert errors, "error responses"
    for code in errors:
        assert responses[code]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorResponse"
        }


def test_recruiter_routes_need_the_token_and_public_ones_do_not(generated):
    for route in ROUTES:
        security = generated["paths"][route.path][route.method.lower()].get("security")
        if route.auth is spec.Auth.RECRUITER:
            assert security == [{openapi.SECURITY_SCHEME: []}], f"{route.method} {route.path}"
        elif (route.method, route.path) != ("POST", "/candidates"):
            assert not security, f"{route.method} {route.path}"


def test_every_reference_resolves(generated):
    names = set(re.findall(r"#/components/schemas/([\w.-]+)", json.dumps(generated)))
    assert names <= set(generated["components"]["schemas"])
