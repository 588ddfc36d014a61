"""Recruiter routes on one candidate: profile, notes, tags, owner, stage, timeline, export and erasure."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from talentpool import http
from talentpool.api import deps
from talentpool.auth import Principal
from talentpool.clock import utcnow
from talentpool.composition import recruiter_api as wiring
from talentpool.logic.people import profiles, stages
from talentpool.logic.privacy import gdpr
from talentpool.models.candidate import Owner, TimelineEntry
from talentpool.models.recruiter import (
    CandidateExport,
    CandidateView,
    NoteRequest,
    ProfilePatch,
    StageRequest,
    TagsRequest,
    TimelinePage,
    etag,
)

router = http.Router()

CandidateId = Annotated[str, Path(min_length=1, max_length=64, description="The candidate's id")]
Recruiter = Annotated[Principal, Depends(deps.recruiter)]
Admin = Annotated[Principal, Depends(deps.admin)]
Repo = Annotated[wiring.CandidateStore, Depends(wiring.candidates)]
Bus = Annotated[wiring.EventBus, Depends(wiring.bus)]
Flows = Annotated[wiring.Workflows, Depends(wiring.workflows)]

ERRORS: dict[int, OpenAPIResponse] = {
    401: {"description": "No valid token"},
    403: {"description": "Not in an allowed group"},
    404: {"description": "No such candidate"},
    422: {"description": "Validation failed; `fields` says which"},
}


def _view(candidate: Any) -> Response[Any]:
    body = {"candidate": candidate.shown(), "etag": etag(candidate)}
    return http.json_response(HTTPStatus.OK, body, headers={"ETag": etag(candidate)})


@router.get(
    "/candidates/<candidate_id>",
    summary="Get a candidate",
    description="The full profile with contact details, consent, source, stage, tags and owner. The ETag "
    "header (also in the body) is what PATCH expects in If-Match.",
    responses={
        200: {
            "description": "The candidate",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CandidateView"}}},
        },
        **ERRORS,
    },
    tags=["Candidates"],
)
def get_candidate(candidate_id: CandidateId, caller: Recruiter, repo: Repo) -> Response[Any]:
    return _view(profiles.get_candidate(repo, candidate_id))


@router.patch(
    "/candidates/<candidate_id>",
    summary="Update a candidate's profile",
    description="Partial update: only the fields sent change, null clears one. Consent, source and email "
    "are not writable here. Send If-Match with the ETag you read; a stale one gets 409.",
    responses={
        200: http.model_response(CandidateView, "The updated candidate"),
        409: {"description": "Changed since read"},
        **ERRORS,
    },
    tags=["Candidates"],
)
def patch_candidate(
    candidate_id: CandidateId,
    patch: ProfilePatch,
    caller: Recruiter,
    repo: Repo,
    bus: Bus,
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=40)] = None,
) -> Response[Any]:
    updated = profiles.update_profile(repo, bus, candidate_id, patch, if_match=if_match, caller=caller, now=utcnow())
    return _view(updated)


@router.post(
    "/candidates/<candidate_id>/notes",
    summary="Add a note",
    description="A private note on the candidate's timeline, attributed to you. Included in their data export.",
    responses={201: http.model_response(TimelineEntry, "The timeline entry"), **ERRORS},
    tags=["Candidates"],
)
def post_note(candidate_id: CandidateId, note: NoteRequest, caller: Recruiter, repo: Repo) -> Response[Any]:
    entry = profiles.add_note(repo, candidate_id, note.text, caller=caller, now=utcnow())
    return http.json_response(HTTPStatus.CREATED, entry.model_dump(mode="json"))


@router.put(
    "/candidates/<candidate_id>/tags",
    summary="Replace a candidate's tags",
    description="Sets the whole tag list (at most 15). Tags are searchable with GET /candidates?tag=.",
    responses={200: http.model_response(CandidateView, "The updated candidate"), **ERRORS},
    tags=["Candidates"],
)
def put_tags(candidate_id: CandidateId, body: TagsRequest, caller: Recruiter, repo: Repo, bus: Bus) -> Response[Any]:
    return _view(profiles.set_tags(repo, bus, candidate_id, body.tags, caller=caller, now=utcnow()))


@router.put(
    "/candidates/<candidate_id>/owner",
    summary="Set the owning recruiter",
    description="The recruiter who owns the relationship. Sequence emails go out in their name, with their "
    "address as Reply-To.",
    responses={200: http.model_response(CandidateView, "The updated candidate"), **ERRORS},
    tags=["Candidates"],
)
def put_owner(candidate_id: CandidateId, owner: Owner, caller: Recruiter, repo: Repo, bus: Bus) -> Response[Any]:
    return _view(profiles.set_owner(repo, bus, candidate_id, owner, caller=caller, now=utcnow()))


@router.post(
    "/candidates/<candidate_id>/stage",
    summary="Move a candidate to another stage",
    description="lead → engaged → nurtured → applied → interviewing → offered → hired, forward only; "
    "rejected or archived from any stage. The change goes on the timeline, ends sequences when the "
    "candidate converts, and sends them a status email unless notify_candidate is false.",
    responses={
        200: http.model_response(CandidateView, "The updated candidate"),
        409: {"description": "Not an allowed move; the error lists the allowed stages"},
        **ERRORS,
    },
    tags=["Candidates"],
)
def post_stage(
    candidate_id: CandidateId, request: StageRequest, caller: Recruiter, repo: Repo, bus: Bus
) -> Response[Any]:
    return _view(stages.change_stage(repo, bus, candidate_id, request, caller=caller, now=utcnow()))


@router.get(
    "/candidates/<candidate_id>/timeline",
    summary="A candidate's timeline",
    description="Every interaction, newest first: captured, resubmitted, confirmed, notes, stage changes, "
    "emails and their delivery events, imports and exports. Pass next_cursor back as cursor for more.",
    responses={200: {"description": "A page of entries"}, **ERRORS},
    tags=["Candidates"],
)
def get_timeline(
    candidate_id: CandidateId,
    caller: Recruiter,
    repo: Repo,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(min_length=1, max_length=600)] = None,
) -> TimelinePage:
    return profiles.timeline_page(repo, candidate_id, limit=limit, page_cursor=cursor)


@router.get(
    "/candidates/<candidate_id>/export",
    summary="Export everything held about a candidate",
    description="GDPR Art. 15/20: profile, consent records, timeline, tags and notes, as JSON. The export "
    "itself goes on the timeline.",
    responses={200: http.model_response(CandidateExport, "The export"), **ERRORS},
    tags=["GDPR"],
)
def get_export(candidate_id: CandidateId, caller: Recruiter, repo: Repo) -> CandidateExport:
    return CandidateExport.model_validate(gdpr.export_candidate(repo, candidate_id, actor=caller.actor, now=utcnow()))


@router.delete(
    "/candidates/<candidate_id>",
    summary="Erase a candidate",
    description="GDPR Art. 17, admins only. Stops their sequences, deletes the profile, email guard, index "
    "items and timeline, and keeps a tombstone with no personal data so an import cannot bring them back.",
    responses={204: {"description": "Erased; there is no body"}, **ERRORS},
    tags=["GDPR"],
)
def delete_candidate(candidate_id: CandidateId, caller: Admin, repo: Repo, bus: Bus, flows: Flows) -> Response[Any]:
    gdpr.erase_candidate(repo, bus, flows, candidate_id, requested_by=caller.actor, now=utcnow())
    return Response(status_code=HTTPStatus.NO_CONTENT, body="")
