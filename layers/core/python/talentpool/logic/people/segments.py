"""Saved segments: named filters, evaluated whenever they are read, and the audiences of nurture campaigns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from talentpool import cursor
from talentpool.auth import Principal
from talentpool.clock import isoformat
from talentpool.errors import FieldError, SegmentNotFound, ValidationFailed
from talentpool.ids import is_id, new_id
from talentpool.logic.people.search import IndexReader, count_matching, iter_matching, search_page
from talentpool.models.search import (
    CandidatePage,
    CandidateSummary,
    Segment,
    SegmentCount,
    SegmentList,
    SegmentRequest,
)

LIST_CURSOR_KEYS = frozenset({"segment"})


class SegmentRepository(Protocol):
    def create(self, segment: Segment) -> None: ...

    def get(self, segment_id: str) -> Segment | None: ...

    def list(self, *, limit: int, after: str | None) -> tuple[list[Segment], str | None]: ...


def create_segment(repo: SegmentRepository, request: SegmentRequest, *, caller: Principal, now: datetime) -> Segment:
    segment = Segment(
        **request.model_dump(exclude={"filter"}),
        filter=request.filter,
        segment_id=new_id(),
        created_at=isoformat(now),
        created_by=caller.actor,
    )
    repo.create(segment)
    return segment


def get_segment(repo: SegmentRepository, segment_id: str) -> Segment:
    segment = repo.get(segment_id) if is_id(segment_id) else None
    if segment is None:
        raise SegmentNotFound(f"No segment {segment_id}")
    return segment


def list_segments(repo: SegmentRepository, *, limit: int, page_cursor: str | None) -> SegmentList:
    position = cursor.decode(page_cursor, required_keys=LIST_CURSOR_KEYS)
    if position and not is_id(position["segment"]):
        raise ValidationFailed("The cursor is not valid", [FieldError(["cursor"], "is not a cursor from this listing")])
    segments, last = repo.list(limit=limit, after=position["segment"] if position else None)
    return SegmentList(items=segments, next_cursor=cursor.encode({"segment": last}) if last else None)


def segment_candidates(
    repo: SegmentRepository, reader: IndexReader, segment_id: str, *, limit: int, page_cursor: str | None
) -> CandidatePage:
    """The segment's members now, a page at a time: a campaign send can carry the cursor between tasks."""
    segment = get_segment(repo, segment_id)
    return search_page(reader, segment.filter, limit=limit, page_cursor=page_cursor)


def count_segment(repo: SegmentRepository, reader: IndexReader, segment_id: str) -> SegmentCount:
    segment = get_segment(repo, segment_id)
    count, read = count_matching(reader, segment.filter)
    return SegmentCount(segment_id=segment_id, count=count, read=read)


def evaluate_segment(repo: SegmentRepository, reader: IndexReader, segment_id: str) -> Iterator[CandidateSummary]:
    """Every member's summary, in the segment's index order, read lazily in full pages: a campaign pages
    through it in batches without holding the audience in memory. Raises SegmentNotFound at once."""
    segment = get_segment(repo, segment_id)
    return iter_matching(reader, segment.filter)
