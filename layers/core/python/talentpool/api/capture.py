"""POST /candidates from careers sites: forms posted anonymously, answered alike whoever the address belongs to.

Recruiters post sourced candidates to the same path with a token (talentpool.api.sourcing): API Gateway cannot
put an authorizer on only some callers of one method, so the capture function picks the router by the
Authorization header and verifies a recruiter's token itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer

from talentpool import errors, http
from talentpool.clock import utcnow
from talentpool.composition import capture as deps
from talentpool.logic.capture.submissions import CaptureContext, accept_submission, hash_ip
from talentpool.models.base import Model
from talentpool.models.candidate import CaptureRequest, CaptureResponse

router = http.Router()
IDEMPOTENCY = IdempotencyConfig(
    event_key_jmespath="key", payload_validation_jmespath="request", expires_after_seconds=600
)


class CaptureAttempt(Model):
    """One capture as the idempotency utility sees it: a key (header, or the body's digest) and its payload."""

    key: str
    request: CaptureRequest
    source_ip: str
    user_agent: str


def _capture(attempt: CaptureAttempt) -> CaptureResponse:
    env = deps.env()
    context = CaptureContext(utcnow(), hash_ip(attempt.source_ip, env.ip_hash_salt), attempt.user_agent or None)
    return accept_submission(attempt.request, context, allowance=deps.limit(), inbox=deps.inbox(), bus=deps.bus())


@cache
def _capture_once() -> Callable[..., CaptureResponse]:
    """The capture, once per attempt: built on first use (the handler does that at init, for its snapshot)."""
    once = idempotent_function(
        data_keyword_argument="attempt",
        config=IDEMPOTENCY,
        persistence_store=deps.idempotency_records(),
        output_serializer=PydanticSerializer(model=CaptureResponse),
    )
    captured: Callable[..., CaptureResponse] = once(_capture)
    return captured


def warm() -> None:
    _capture_once()


@router.post(
    "/candidates",
    summary="Capture a candidate from a careers form",
    description=(
        "Public. Accepts JSON or a plain HTML form. The answer is the same whether the address is new, already "
        "in the pool or confirmed: a 202 with a random request id, never a candidate id. After the answer, a "
        "new address gets a double opt-in email; an unconfirmed profile takes the new details; a confirmed "
        "profile keeps its details until the address's owner confirms the change through an emailed link. "
        "At most 3 such emails go to one mailbox an hour (plus tags and Gmail dots count as one mailbox): "
        "more gets 429 with Retry-After. Retries with the same Idempotency-Key, or the same body within 10 "
        "minutes, return the first response and change nothing."
    ),
    responses={
        202: http.model_response(CaptureResponse, "Accepted; an email to the address asks its owner to confirm"),
        303: {"description": "Plain form post: redirect to the thank-you page"},
        400: {"description": "Malformed JSON"},
        409: {"description": "This Idempotency-Key was used with another body, or is still being processed"},
        413: {"description": "Body over 64 KB"},
        415: {"description": "Unsupported content type"},
        422: {"description": "Validation failed; `fields` says which"},
        429: {
            "description": "Too many emails to this mailbox in the last hour",
            "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
        },
    },
)
def post_candidate(
    request: CaptureRequest,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> Response[Any]:
    meta = http.request_meta(router.current_event.raw_event)
    key = (
        f"header:{idempotency_key}"
        if idempotency_key
        else "body:" + hashlib.sha256(request.model_dump_json().encode()).hexdigest()
    )
    try:
        # A filled honeypot takes this same path: it is answered, timed and limited like anyone else.
        result = _capture_once()(
            attempt=CaptureAttempt(key=key, request=request, source_ip=meta.source_ip, user_agent=meta.user_agent)
        )
    except IdempotencyValidationError as exc:
        raise errors.Conflict("This Idempotency-Key was already used with a different request") from exc
    except IdempotencyAlreadyInProgressError as exc:
        raise errors.Conflict("The same request is still being processed; retry in a moment") from exc
    if http.wants_html(router):
        return http.redirect(f"{deps.env().public_base_url.rstrip('/')}/thanks")
    return http.json_response(HTTPStatus.ACCEPTED, result.model_dump())
