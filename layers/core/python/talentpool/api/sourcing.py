"""POST /candidates with a recruiter's token: a candidate the recruiter sourced (the capture function serves it).

Apart from the careers sites' route (talentpool.api.capture) so that a careers-site post, the common case, never
loads the recruiter's models and logic: the capture function builds this router's app on the first request
with a token.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header

from talentpool import http
from talentpool.clock import utcnow
from talentpool.composition import capture as deps
from talentpool.logic.people.profiles import create_by_recruiter
from talentpool.models.recruiter import CreatedCandidate, RecruiterCandidateRequest

router = http.Router()


@router.post(
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
def post_sourced_candidate(
    request: RecruiterCandidateRequest,
    # The one POST /candidates operation documents this header for both callers, so both check it alike. A
    # recruiter's retry needs no key: the first post put the address in the pool, so a second is a 409.
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> Response[Any]:
    caller = router.context["principal"]
    candidate = create_by_recruiter(deps.repo(), deps.bus(), request, caller=caller, now=utcnow())
    return http.json_response(HTTPStatus.CREATED, CreatedCandidate(candidate_id=candidate.candidate_id).model_dump())
