"""The local gateway's per-IP limit on public submissions: counted per client, sliding, and switchable off."""

from __future__ import annotations

import json

import pytest

from infra import spec
from local import auth
from local.gateway import Gateway, Request, RouteTable
from local.rate_limits import DEFAULT_PER_MINUTE, SubmissionLimit, per_minute_from
from tests.unit.test_local_gateway import ORIGIN, ROUTES, Handlers


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def issuer() -> auth.LocalIssuer:
    return auth.LocalIssuer(issuer="http://127.0.0.1:3000/local-cognito")


def post(ip: str = "198.51.100.4", target: str = "/candidates") -> Request:
    return Request("POST", target, (("Content-Type", "application/json"),), b"{}", ip)


def limited(issuer: auth.LocalIssuer, limit: SubmissionLimit, handlers: Handlers) -> Gateway:
    routes = RouteTable(ROUTES)
    return Gateway(routes, handlers, issuer, port=3000, account="1", cors_origin=ORIGIN, submission_limit=limit)


def test_the_submission_over_the_limit_gets_429_with_retry_after_and_reaches_no_function(issuer) -> None:
    # Given a limit of 3 a minute, and 3 sign-ups from one address
    clock, handlers = Clock(), Handlers({"statusCode": 202, "body": "{}"})
    gateway = limited(issuer, SubmissionLimit(3, clock=clock), handlers)
    assert [gateway.handle(post()).status for _ in range(3)] == [202, 202, 202]

    # When a fourth comes 20 seconds later
    clock.now += 20
    refused = gateway.handle(post())

    # Then it is refused in the error contract, says when to retry, and capture never ran for it
    assert refused.status == 429
    assert dict(refused.headers)["Retry-After"] == "40"
    assert json.loads(refused.body)["error"]["code"] == "too_many_requests"  # as the WAF answers in AWS
    assert len(handlers.calls) == 3


def test_the_window_slides_and_each_ip_has_its_own(issuer) -> None:
    clock, handlers = Clock(), Handlers({"statusCode": 202, "body": "{}"})
    gateway = limited(issuer, SubmissionLimit(2, clock=clock), handlers)
    gateway.handle(post())
    clock.now += 30
    gateway.handle(post())

    assert gateway.handle(post()).status == 429
    assert gateway.handle(post(ip="203.0.113.9")).status == 202  # another client is not affected
    clock.now += 31  # the first has left the minute
    assert gateway.handle(post()).status == 202
    assert gateway.handle(post()).status == 429


def test_pages_and_recruiter_routes_are_not_submissions(issuer) -> None:
    clock, handlers = Clock(), Handlers()
    gateway = limited(issuer, SubmissionLimit(1, clock=clock), handlers)
    gateway.handle(post())

    assert gateway.handle(Request("GET", "/careers", (), b"", "198.51.100.4")).status == 200
    assert gateway.handle(Request("GET", "/candidates/01ABC", (), b"", "198.51.100.4")).status == 401


def test_without_a_limit_nothing_is_refused(issuer) -> None:
    handlers = Handlers({"statusCode": 202, "body": "{}"})
    gateway = Gateway(RouteTable(ROUTES), handlers, issuer, port=3000, account="1", cors_origin=ORIGIN)
    assert {gateway.handle(post()).status for _ in range(DEFAULT_PER_MINUTE + 5)} == {202}


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, DEFAULT_PER_MINUTE),
        ({"TALENTPOOL_RATE_LIMITS": "off"}, None),
        ({"TALENTPOOL_RATE_LIMITS": "OFF", "TALENTPOOL_SUBMISSIONS_PER_MINUTE": "5"}, None),
        ({"TALENTPOOL_SUBMISSIONS_PER_MINUTE": "5"}, 5),
        ({"TALENTPOOL_RATE_LIMITS": "on", "TALENTPOOL_SUBMISSIONS_PER_MINUTE": " 120 "}, 120),
    ],
)
def test_the_limit_is_configured_by_the_environment(environ, expected) -> None:
    assert per_minute_from(environ) == expected


@pytest.mark.parametrize(
    "environ",
    [
        {"TALENTPOOL_RATE_LIMITS": "maybe"},
        {"TALENTPOOL_SUBMISSIONS_PER_MINUTE": "0"},
        {"TALENTPOOL_SUBMISSIONS_PER_MINUTE": "x"},
    ],
)
def test_a_bad_setting_stops_the_start_with_a_reason(environ) -> None:
    with pytest.raises(ValueError, match="TALENTPOOL_"):
        per_minute_from(environ)


def test_idle_clients_are_forgotten() -> None:
    clock = Clock()
    limit = SubmissionLimit(30, clock=clock)
    for n in range(999):
        limit.take(f"10.0.{n // 250}.{n % 250}")
    clock.now += 61
    limit.take("10.9.9.9")  # the thousandth check sweeps
    assert list(limit._seen) == ["10.9.9.9"]


def test_the_spec_routes_it_guards_are_the_public_posts() -> None:
    guarded = sorted(f"{r.method} {r.path}" for r in spec.ROUTES if r.auth is spec.Auth.PUBLIC and r.method == "POST")
    assert guarded == [
        "POST /candidates",
        "POST /confirm",
        "POST /preferences/{token}",
        "POST /unsubscribe/{token}",
    ]
