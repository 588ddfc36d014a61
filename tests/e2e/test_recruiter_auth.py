"""Every recruiter route, through the real local gateway: who gets in, and who gets 401 or 403 before any handler."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from infra import spec
from tests.e2e import local_process
from tests.e2e.local_process import LocalProcess

pytestmark = pytest.mark.slow

RECRUITER_ROUTES = [r for r in spec.ROUTES if r.auth is spec.Auth.RECRUITER]
ROUTE_IDS = [f"{r.method} {r.path}" for r in RECRUITER_ROUTES]
MISSING_ID = "01M8B9VGHAH080YCQ49MGPAEJE"


@pytest.fixture(scope="module")
def runtime() -> Iterator[LocalProcess]:
    running = local_process.start()
    yield running
    running.kill()


def token(runtime: LocalProcess, **claims: Any) -> str:
    with runtime.client as client:
        response = client.post("/_local/token", json=claims)
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def concrete(path: str) -> str:
    """A path with made-up ids: auth is decided before anything looks them up."""
    return re.sub(r"\{stage\}", "applied", re.sub(r"\{[a-z_]+\}", MISSING_ID, path))


def call(runtime: LocalProcess, route: spec.RouteSpec, headers: dict[str, str]) -> httpx.Response:
    with runtime.client as client:
        body = {} if route.method in ("POST", "PUT", "PATCH") else None
        return client.request(route.method, concrete(route.path), headers=headers, json=body)


@pytest.mark.parametrize("route", RECRUITER_ROUTES, ids=ROUTE_IDS)
def test_no_token_is_401(runtime, route):
    response = call(runtime, route, {})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize("route", RECRUITER_ROUTES, ids=ROUTE_IDS)
def test_a_bad_or_expired_token_is_401(runtime, route):
    expired = token(runtime, expires_in=-60)
    tampered = token(runtime)[:-4] + "AAAA"
    for bad in (expired, tampered, "not-a-jwt"):
        assert call(runtime, route, {"Authorization": f"Bearer {bad}"}).status_code == 401


@pytest.mark.parametrize("route", RECRUITER_ROUTES, ids=ROUTE_IDS)
def test_a_token_outside_the_recruiter_groups_is_403(runtime, route):
    outsider = token(runtime, groups=["interns"])
    response = call(runtime, route, {"Authorization": f"Bearer {outsider}"})
    assert response.status_code == 403


@pytest.mark.parametrize("route", RECRUITER_ROUTES, ids=ROUTE_IDS)
def test_headers_imitating_authorizer_claims_are_ignored(runtime, route):
    spoofed = {
        "X-Amzn-Authorizer-Claims": '{"sub": "x", "cognito:groups": "admins"}',
        "requestContext": '{"authorizer": {"claims": {"sub": "x"}}}',
        "X-Cognito-Groups": "admins",
    }
    assert call(runtime, route, spoofed).status_code == 401


def test_a_recruiter_token_gets_through_to_the_handler(runtime):
    good = token(runtime, groups=["recruiters"])
    with runtime.client as client:
        response = client.get(f"/candidates/{MISSING_ID}", headers={"Authorization": f"Bearer {good}"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "candidate_not_found"


def test_erasure_needs_the_admins_group(runtime):
    recruiter = token(runtime, groups=["recruiters"])
    with runtime.client as client:
        response = client.delete(f"/candidates/{MISSING_ID}", headers={"Authorization": f"Bearer {recruiter}"})
    assert response.status_code == 403
