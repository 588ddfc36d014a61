"""Errors answered at the edge (WAF, API Gateway) in the same JSON contract and status map as the handlers."""

from __future__ import annotations

import json
from http import HTTPStatus

from talentpool import errors
from talentpool.http import MAX_BODY_BYTES, error_body, status_for


class TooManyRequests(errors.TalentpoolError):
    """WAF and API Gateway throttling (per IP, per stage) produce this; the local gateway's per-IP limit mirrors it.
    The handlers' own 429 is errors.RateLimited (per mailbox)."""

    code = "too_many_requests"


BODY_TOO_LARGE = errors.PayloadTooLarge(f"The request body is over {MAX_BODY_BYTES // 1024} KB")
TOO_MANY_REQUESTS = TooManyRequests("Too many requests: wait a moment and try again")
UNAUTHENTICATED = errors.Unauthenticated("Sign in first: the bearer token is missing, invalid or expired")
FORBIDDEN = errors.Forbidden("Your account may not do this")
# API Gateway reports an unknown path as a missing token (403); to a client it is simply not there.
NO_SUCH_ROUTE = errors.NotFound("There is no such resource")


def status_of(error: errors.TalentpoolError) -> int:
    # talentpool.http owns the error→status map; 429 is the one status only the edge produces.
    if isinstance(error, TooManyRequests):
        return HTTPStatus.TOO_MANY_REQUESTS.value
    return status_for(error).value


def body_of(error: errors.TalentpoolError) -> str:
    return json.dumps(error_body(error))
