"""Saved segments: the definition by id, and a directory partition that lists them in one query."""

from __future__ import annotations

from typing import Any

from talentpool.adapters.aws.schema import PK, SK
from talentpool.adapters.aws.table import Table, Write
from talentpool.models.search import Segment

DEFINITION = "DEFINITION"
DIRECTORY = "SEGMENTS"  # one small partition: segments are few, and listing them must not scan


def segment_key(segment_id: str) -> dict[str, str]:
    return {PK: f"SEGMENT#{segment_id}", SK: DEFINITION}


def directory_key(segment_id: str) -> dict[str, str]:
    return {PK: DIRECTORY, SK: segment_id}


def _item(segment: Segment, entity: str) -> dict[str, Any]:
    return {**segment.model_dump(mode="json"), "entity": entity}


class SegmentStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def create(self, segment: Segment) -> None:
        """The definition and its directory entry, together: a listed segment can always be opened."""
        self.table.transact(
            [
                Write(
                    "Put",
                    segment_key(segment.segment_id),
                    item=_item(segment, "segment"),
                    condition="attribute_not_exists(pk)",
                ),
                # The directory copies the whole definition (a few hundred bytes) so a listing is one query.
                Write("Put", directory_key(segment.segment_id), item=_item(segment, "segment_directory")),
            ]
        )

    def get(self, segment_id: str) -> Segment | None:
        item = self.table.get(segment_key(segment_id))
        return Segment.model_validate(item) if item else None

    def list(self, *, limit: int, after: str | None) -> tuple[list[Segment], str | None]:
        """Newest first (ids are ULIDs); `after` and the returned position are segment ids."""
        page = self.table.query(
            DIRECTORY,
            forward=False,
            limit=limit,
            start_key=directory_key(after) if after else None,
            consistent=True,
        )
        segments = [Segment.model_validate(item) for item in page.items]
        return segments, (str(page.last_key[SK]) if page.last_key else None)
