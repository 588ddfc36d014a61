"""Recruiter routes for searching the pool (GET /candidates) and for saved segments."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.request import Request
from pydantic import BaseModel

from talentpool import http
from talentpool.api import deps
from talentpool.auth import Principal
from talentpool.clock import utcnow
from talentpool.composition import recruiter_api as wiring
from talentpool.errors import FieldError, ValidationFailed
from talentpool.logic.people import search, segments
from talentpool.models.search import (
    CandidatePage,
    PageParams,
    SearchParams,
    Segment,
    SegmentCount,
    SegmentList,
    SegmentRequest,
)
from talentpool.observability import logger

router = http.Router()


def known_params(*models: type[BaseModel]) -> Callable[[Request], None]:
    """A dependency that refuses query parameters the route does not define, naming them: a typo such as
    `skill=python` must be a 422, not a silently wider search."""
    allowed = frozenset(name for model in models for name in model.model_fields)

    def check(request: Request) -> None:
        event = request.resolved_event.raw_event
        sent = set(event.get("queryStringParameters") or {}) | set(event.get("multiValueQueryStringParameters") or {})
        unknown = sorted(sent - allowed)
        if unknown:
            raise ValidationFailed(
                f"Unknown query parameter: {', '.join(unknown)}",
                [FieldError(["query", name], "is not a known parameter") for name in unknown],
            )

    return check


Recruiter = Annotated[Principal, Depends(deps.recruiter)]
Index = Annotated[wiring.SearchIndex, Depends(wiring.search_index)]
Segments = Annotated[wiring.SegmentStore, Depends(wiring.segment_store)]
SegmentId = Annotated[str, Path(min_length=1, max_length=64, description="The segment's id")]
SearchQuery = Annotated[None, Depends(known_params(SearchParams))]
PagingQuery = Annotated[None, Depends(known_params(PageParams))]
NoQuery = Annotated[None, Depends(known_params())]

ERRORS: dict[int, OpenAPIResponse] = {
    401: {"description": "No valid token"},
    403: {"description": "Not in an allowed group"},
    422: {"description": "Validation failed, an unknown parameter, or a cursor from another query"},
}
NOT_FOUND: dict[int, OpenAPIResponse] = {404: {"description": "No such segment"}}


def _logged(page: CandidatePage) -> CandidatePage:
    # The read figures are the cost of a query shape: log them (ids and counts only) for tuning.
    logger.info("search", extra={"read": page.read.model_dump()})
    return page


@router.get(
    "/candidates",
    summary="Search the pool",
    description="Candidates matching every filter given, as pseudonymous summaries (no contact details). "
    "One index drives each query (skill, else tag, country, stage, channel, consent), newest first in its "
    "order: skills by years of experience then capture time, the rest by capture time. Pass next_cursor "
    "back as cursor, with the same filters, for the next page. `read` says what the query cost.",
    responses={200: {"description": "A page of summaries"}, **ERRORS},
    tags=["Search"],
)
def search_candidates(
    params: Annotated[SearchParams, Query()], caller: Recruiter, index: Index, _: SearchQuery
) -> CandidatePage:
    return _logged(search.search_page(index, params.as_query(), limit=params.limit, page_cursor=params.cursor))


@router.post(
    "/segments",
    summary="Save a segment",
    description="A named filter (the same filters as GET /candidates, without limit and cursor). It is "
    "evaluated whenever it is read, so its members follow the pool. Segments are campaign audiences.",
    responses={201: http.model_response(Segment, "The saved segment"), **ERRORS},
    tags=["Segments"],
)
def post_segment(request: SegmentRequest, caller: Recruiter, repo: Segments, _: NoQuery) -> Response[Any]:
    segment = segments.create_segment(repo, request, caller=caller, now=utcnow())
    return http.json_response(
        HTTPStatus.CREATED, segment.model_dump(mode="json"), headers={"Location": f"/segments/{segment.segment_id}"}
    )


@router.get(
    "/segments",
    summary="List segments",
    description="Saved segments, newest first. Pass next_cursor back as cursor for more.",
    responses={200: {"description": "A page of segments"}, **ERRORS},
    tags=["Segments"],
)
def get_segments(
    params: Annotated[PageParams, Query()], caller: Recruiter, repo: Segments, _: PagingQuery
) -> SegmentList:
    return segments.list_segments(repo, limit=params.limit, page_cursor=params.cursor)


@router.get(
    "/segments/<segment_id>",
    summary="Get a segment",
    description="The segment's name, description and filter.",
    responses={200: {"description": "The segment"}, **NOT_FOUND, **ERRORS},
    tags=["Segments"],
)
def get_segment(segment_id: SegmentId, caller: Recruiter, repo: Segments, _: NoQuery) -> Segment:
    return segments.get_segment(repo, segment_id)


@router.get(
    "/segments/<segment_id>/candidates",
    summary="Evaluate a segment",
    description="The segment's members now, a page at a time, exactly as GET /candidates with its filter.",
    responses={200: {"description": "A page of summaries"}, **NOT_FOUND, **ERRORS},
    tags=["Segments"],
)
def get_segment_candidates(
    segment_id: SegmentId,
    params: Annotated[PageParams, Query()],
    caller: Recruiter,
    repo: Segments,
    index: Index,
    _: PagingQuery,
) -> CandidatePage:
    page = segments.segment_candidates(repo, index, segment_id, limit=params.limit, page_cursor=params.cursor)
    return _logged(page)


@router.get(
    "/segments/<segment_id>/count",
    summary="Count a segment",
    description="How many candidates match the segment now. Reads the driving index's summaries only; "
    "`read` says how many entries that took.",
    responses={200: {"description": "The count"}, **NOT_FOUND, **ERRORS},
    tags=["Segments"],
)
def get_segment_count(
    segment_id: SegmentId, caller: Recruiter, repo: Segments, index: Index, _: NoQuery
) -> SegmentCount:
    return segments.count_segment(repo, index, segment_id)
