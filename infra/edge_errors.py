"""Errors answered at the edge (WAF, API Gateway) in the same JSON contract and status map as the handlers."""

from __future__ import annotations

import json
from collections.abc import Iterable
from http import HTTPStatus

from talentpool import errors
from talentpool.http import MAX_BODY_BYTES, error_body, status_for


class TooManyRequests(errors.TalentpoolError):
    """WAF and API Gateway throttling (per IP, per stage) produce this; the local gateway's per-IP limit mirrors it.
    The handlers' own 429 is errors.RateLimited (per mailbox)."""

    code = "too_many_requests"


class MethodNotAllowed(errors.TalentpoolError):
    """A method the resource does not have (TRACE, HEAD...): the gateway answers, never a function."""

    code = "method_not_allowed"


BODY_TOO_LARGE = errors.PayloadTooLarge(f"The request body is over {MAX_BODY_BYTES // 1024} KB")
TOO_MANY_REQUESTS = TooManyRequests("Too many requests: wait a moment and try again")
UNAUTHENTICATED = errors.Unauthenticated("Sign in first: the bearer token is missing, invalid or expired")
FORBIDDEN = errors.Forbidden("Your account may not do this")
METHOD_NOT_ALLOWED = MethodNotAllowed(
    "This resource does not support that method: the Allow header lists those it does"
)
# API Gateway reports an unknown path as a missing token (403); to a client it is simply not there.
NO_SUCH_ROUTE = errors.NotFound("There is no such resource")


# talentpool.http owns the error→status map; these are the statuses only the edge produces.
EDGE_ONLY_STATUS: dict[type[errors.TalentpoolError], HTTPStatus] = {
    TooManyRequests: HTTPStatus.TOO_MANY_REQUESTS,
    MethodNotAllowed: HTTPStatus.METHOD_NOT_ALLOWED,
}


def status_of(error: errors.TalentpoolError) -> int:
    return EDGE_ONLY_STATUS.get(type(error), status_for(error)).value


def body_of(error: errors.TalentpoolError) -> str:
    return json.dumps(error_body(error))


def allow_header(methods: Iterable[str]) -> str:
    """The Allow header of a 405: the resource's own methods, the same in AWS and in make run."""
    return ", ".join(sorted(set(methods)))
