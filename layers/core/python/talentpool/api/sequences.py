"""Recruiter routes for sequences: definitions and their versions (admins), enrolments (recruiters)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from talentpool import http
from talentpool.api import campaigns, deps
from talentpool.auth import Principal
from talentpool.clock import utcnow
from talentpool.composition import recruiter_api as wiring
from talentpool.logic.sequences import definitions as sequences
from talentpool.models.sequences import (
    EnrollmentRequest,
    EnrollmentResult,
    EnrolmentList,
    EnrolmentView,
    Sequence,
    SequenceDefinition,
    SequenceList,
    sequence_json,
)

router = http.Router()


SequenceId = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$", description="The sequence's id")
]
CandidateId = Annotated[str, Path(min_length=1, max_length=64, description="The candidate's id")]
Recruiter = Annotated[Principal, Depends(deps.recruiter)]
Admin = Annotated[Principal, Depends(deps.admin)]
Sequences = Annotated[wiring.SequenceStore, Depends(wiring.sequence_store)]
Enrolments = Annotated[wiring.EnrolmentStore, Depends(wiring.enrolment_store)]
Candidates = Annotated[wiring.CandidateBatch, Depends(wiring.candidate_batch)]
Bus = Annotated[wiring.EventBus, Depends(wiring.bus)]
Flows = Annotated[wiring.Workflows, Depends(wiring.workflows)]
Members = Annotated[sequences.SegmentMembers, Depends(wiring.segment_members)]
ScheduleSync = Annotated[campaigns.ScheduleSync, Depends(campaigns.schedule_sync)]

AUTH_ERRORS: dict[int, OpenAPIResponse] = {
    401: {"description": "No valid token"},
    403: {"description": "Not in an allowed group"},
}
NOT_FOUND: dict[int, OpenAPIResponse] = {404: {"description": "No such sequence"}}
INVALID: dict[int, OpenAPIResponse] = {
    422: {"description": "Validation failed, e.g. an unknown {{placeholder}}; `fields` names the very field"}
}
DEFINITION_DOC = (
    "A sequence has a kind (engage or nurture), steps ({delay: ISO-8601 duration counted from the previous "
    "send, subject, body, optional html, optional variants by topic}), a send window in the candidate's time "
    "zone, exit rules and a sender. Templates may use {{first_name}}, {{top_skill}}, {{recruiter_name}} and "
    "the other listed placeholders, each with a fallback: {{first_name|there}}. An unknown placeholder is "
    "refused now, never discovered when an email goes out."
)


@router.post(
    "/sequences",
    summary="Create a sequence",
    description=f"Admins only. {DEFINITION_DOC} The new sequence is version 1.",
    responses={201: http.model_response(Sequence, "The stored sequence, version 1"), **AUTH_ERRORS, **INVALID},
    tags=["Sequences"],
)
def post_sequence(
    definition: SequenceDefinition, caller: Admin, store: Sequences, sync_schedule: ScheduleSync
) -> Response[Any]:
    created = sequences.create_sequence(store, definition, caller=caller, now=utcnow())
    sync_schedule(created)  # a nurture campaign's cron becomes its Scheduler schedule
    location = f"/sequences/{created.sequence_id}"
    return http.json_response(HTTPStatus.CREATED, sequence_json(created), headers={"Location": location})


@router.get(
    "/sequences",
    summary="List sequences",
    description="Every sequence and nurture campaign with its current version, the built-in ones included "
    "(the welcome series and one monthly campaign per topic).",
    responses={200: {"description": "The sequences"}, **AUTH_ERRORS},
    tags=["Sequences"],
)
def get_sequences(caller: Recruiter, store: Sequences) -> SequenceList:
    return sequences.list_sequences(store)


@router.get(
    "/sequences/<sequence_id>",
    summary="Get a sequence",
    description="The current version, or an earlier one with ?version=: an enrolment keeps the version it "
    "started with.",
    responses={200: http.model_response(Sequence, "The sequence"), **AUTH_ERRORS, **NOT_FOUND},
    tags=["Sequences"],
)
def get_sequence(
    sequence_id: SequenceId,
    caller: Recruiter,
    store: Sequences,
    version: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> dict[str, Any]:
    return sequence_json(sequences.get_sequence(store, sequence_id, version))


@router.put(
    "/sequences/<sequence_id>",
    summary="Save a new version of a sequence",
    description=f"Admins only. {DEFINITION_DOC} Saving makes the next version; it applies to new enrolments "
    "only, and people already enrolled finish the version they started. The kind cannot change.",
    responses={
        200: http.model_response(Sequence, "The new version"),
        409: {"description": "Someone saved a version at the same time"},
        **AUTH_ERRORS,
        **NOT_FOUND,
        **INVALID,
    },
    tags=["Sequences"],
)
def put_sequence(
    sequence_id: SequenceId,
    definition: SequenceDefinition,
    caller: Admin,
    store: Sequences,
    sync_schedule: ScheduleSync,
) -> dict[str, Any]:
    saved = sequences.update_sequence(store, sequence_id, definition, caller=caller, now=utcnow())
    sync_schedule(saved)  # a new cron, a deactivation or a removed schedule reaches Scheduler at once
    return sequence_json(saved)


@router.post(
    "/sequences/<sequence_id>/enrollments",
    summary="Enrol candidates in a sequence",
    description="Send {candidate_ids: [...]} (at most 500) or {segment_id}. Each eligible candidate gets their "
    "own execution of the sequence, started by an EnrollmentRequested event, so the answer is 202. Skipped, "
    "with the reason: unknown ids, no active consent, unsubscribed, suppressed, in a stage the sequence exits "
    "on, or already enrolled.",
    responses={
        202: http.model_response(EnrollmentResult, "Requested, and who was skipped and why"),
        409: {"description": "The sequence is inactive"},
        **AUTH_ERRORS,
        **NOT_FOUND,
        **INVALID,
    },
    tags=["Sequences"],
)
def post_enrollments(
    sequence_id: SequenceId,
    request: EnrollmentRequest,
    caller: Recruiter,
    store: Sequences,
    candidates: Candidates,
    enrolments: Enrolments,
    bus: Bus,
    members: Members,
) -> Response[Any]:
    result = sequences.enrol(
        store, candidates, enrolments, bus, members, sequence_id, request, caller=caller, now=utcnow()
    )
    return http.json_response(HTTPStatus.ACCEPTED, result.model_dump(mode="json"))


@router.delete(
    "/sequences/<sequence_id>/enrollments/<candidate_id>",
    summary="Stop a candidate's enrolment",
    description="Stops the candidate's execution of the sequence at once (no later email), marks the "
    "enrolment stopped and notes it on their timeline.",
    responses={
        200: http.model_response(EnrolmentView, "The stopped enrolment"),
        404: {"description": "No such candidate, or not running in this sequence"},
        **AUTH_ERRORS,
    },
    tags=["Sequences"],
)
def delete_enrollment(
    sequence_id: SequenceId,
    candidate_id: CandidateId,
    caller: Recruiter,
    candidates: Candidates,
    enrolments: Enrolments,
    flows: Flows,
) -> dict[str, Any]:
    stopped = sequences.stop_enrolment(
        candidates, enrolments, flows, sequence_id, candidate_id, caller=caller, now=utcnow()
    )
    return stopped.model_dump(mode="json", exclude_none=True)


@router.get(
    "/candidates/<candidate_id>/enrollments",
    summary="A candidate's enrolments",
    description="Every sequence the candidate is or was in, newest first: the version, the next step, when "
    "it is planned to go, and the status (running, completed, exited with a reason, stopped or failed).",
    responses={200: {"description": "The enrolments"}, 404: {"description": "No such candidate"}, **AUTH_ERRORS},
    tags=["Sequences"],
)
def get_enrollments(
    candidate_id: CandidateId, caller: Recruiter, candidates: Candidates, enrolments: Enrolments
) -> EnrolmentList:
    return sequences.enrolments_of(candidates, enrolments, candidate_id)
