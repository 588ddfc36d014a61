"""Timeline entries written by the system itself (a sequence, a campaign), one way."""

from __future__ import annotations

from datetime import datetime

from talentpool.clock import isoformat
from talentpool.ids import new_id
from talentpool.models.candidate import TimelineEntry, TimelineKind

SEQUENCE_ACTOR = "sequence"


def timeline_entry(candidate_id: str, kind: TimelineKind, now: datetime, **data: object) -> TimelineEntry:
    """A timeline entry written by the sequence itself; `data` holds ids and facts (None values left out)."""
    return TimelineEntry(
        entry_id=new_id(),
        candidate_id=candidate_id,
        kind=kind,
        at=isoformat(now),
        actor=SEQUENCE_ACTOR,
        data={k: v for k, v in data.items() if v is not None},
    )
