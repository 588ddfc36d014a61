"""POST /candidates: careers sites post forms here anonymously; recruiters post sourced candidates with a token."""

from __future__ import annotations

import hashlib
from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from talentpool import errors, http, pages, snapstart
from talentpool.clock import utcnow
from talentpool.config import CaptureEnv, load
from talentpool.logic.capture import CaptureContext, accept_submission, hash_ip
from talentpool.models.candidate import CaptureRequest, CaptureResponse
from talentpool.models.capture_form import form_to_request
from talentpool.models.recruiter import CreatedCandidate, RecruiterCandidateRequest
from talentpool.observability import logger, metrics, tracer
from talentpool.store.candidates import CandidateStore
from talentpool.store.email_limits import MailboxLimit
from talentpool.store.events import EventBus
from talentpool.store.idempotency import persistence
from talentpool.store.submissions import SubmissionStore
from talentpool.store.table import Table

if TYPE_CHECKING:
    from talentpool.auth import Principal

snapstart.restore_uniqueness()  # SnapStart restores this function from a snapshot of its init
ENV = load(CaptureEnv)
TABLE = Table(ENV.table_name)
REPO = CandidateStore(TABLE)
INBOX = SubmissionStore(TABLE, REPO)
LIMIT = MailboxLimit(TABLE)
BUS = EventBus(ENV.event_bus_name)
IDEMPOTENCY = IdempotencyConfig(
    event_key_jmespath="key", payload_validation_jmespath="request", expires_after_seconds=600
)


def careers_page_with_errors(status: HTTPStatus, error: errors.TalentpoolError, fields: Any) -> str:
    return pages.careers_form(
        consent_text_version="",
        submitted=fields,
        errors=error.fields or [errors.FieldError(["form"], error.message)],
    )


app = http.create_app(cors_origin=ENV.cors_origin, html_error_page=careers_page_with_errors)


class CaptureAttempt(BaseModel):
    """One capture as the idempotency utility sees it: a key (header, or the body's digest) and its payload."""

    key: str
    request: CaptureRequest
    source_ip: str
    user_agent: str


@idempotent_function(
    data_keyword_argument="attempt",
    config=IDEMPOTENCY,
    persistence_store=persistence(ENV.table_name, "capture"),
    output_serializer=PydanticSerializer(model=CaptureResponse),
)
def capture_once(attempt: CaptureAttempt) -> CaptureResponse:
    context = CaptureContext(utcnow(), hash_ip(attempt.source_ip, ENV.ip_hash_salt), attempt.user_agent or None)
    return accept_submission(attempt.request, context, allowance=LIMIT, inbox=INBOX, bus=BUS)


@app.post(
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
    meta = http.request_meta(app.current_event.raw_event)
    key = (
        f"header:{idempotency_key}"
        if idempotency_key
        else "body:" + hashlib.sha256(request.model_dump_json().encode()).hexdigest()
    )
    try:
        # A filled honeypot takes this same path: it is answered, timed and limited like anyone else.
        result = capture_once(
            attempt=CaptureAttempt(key=key, request=request, source_ip=meta.source_ip, user_agent=meta.user_agent)
        )
    except IdempotencyValidationError as exc:
        raise errors.Conflict("This Idempotency-Key was already used with a different request") from exc
    except IdempotencyAlreadyInProgressError as exc:
        raise errors.Conflict("The same request is still being processed; retry in a moment") from exc
    if http.wants_html(app):
        return http.redirect(f"{ENV.public_base_url.rstrip('/')}/thanks")
    return http.json_response(HTTPStatus.ACCEPTED, result.model_dump())


# The same path serves recruiters, who send a token. API Gateway cannot put an authorizer on only some
# callers of one method, so this function verifies the Cognito token itself, before anything else.
recruiter_app = http.create_app(cors_origin=ENV.cors_origin)


def authenticate_recruiter(event: dict[str, Any]) -> Principal:
    # Here, not at the top: a careers-site post, the common case, never loads the JWT library or the auth code.
    from talentpool import auth

    bearer = http.header(event, "authorization") or ""
    caller = auth.verify_bearer(bearer, jwks_url=ENV.jwks_url, issuer=ENV.jwt_issuer, audience=ENV.jwt_audience)
    return auth.require(caller)


@recruiter_app.post(
    "/candidates",
    summary="Add a sourced candidate (recruiters)",
    description=(
        "With a recruiter's token: a candidate you sourced. Their channel is recruiter and they have not "
        "consented, so they get the GDPR Art. 14 notice with a link to the preference centre, and no "
        "marketing until they opt in. An address already in the pool, or one that asked to be erased, is a 409."
    ),
    responses={
        201: http.model_response(CreatedCandidate, "Created"),
        401: {"description": "Invalid or expired token"},
        403: {"description": "Not a recruiter"},
        409: {"description": "Already in the pool, or erased at their request"},
        422: {"description": "Validation failed"},
    },
)
def post_sourced_candidate(request: RecruiterCandidateRequest) -> Response[Any]:
    from talentpool.logic.profiles import create_by_recruiter  # only recruiters' posts need it

    caller = recruiter_app.context["principal"]
    candidate = create_by_recruiter(REPO, BUS, request, caller=caller, now=utcnow())
    return http.json_response(HTTPStatus.CREATED, CreatedCandidate(candidate_id=candidate.candidate_id).model_dump())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if http.header(event, "authorization") is not None:
        return http.resolve(recruiter_app, event, context, authenticate=authenticate_recruiter)
    IDEMPOTENCY.register_lambda_context(context)
    return http.resolve(app, event, context, form_adapter=form_to_request)
