"""A candidate's engagement score as of an instant: the state the score is kept in between events."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from talentpool.clock import isoformat, parse_iso
from talentpool.models.base import Model
from talentpool.models.candidate import Candidate


class Engagement(Model):
    """`score` is valid at `at` and decays from there (logic.people.engagement); `at` is None for a zero score."""

    model_config = ConfigDict(frozen=True)

    score: float = Field(default=0.0, ge=0.0, allow_inf_nan=False)
    at: datetime | None = None


def of(candidate: Candidate) -> Engagement:
    """The candidate's stored score and the instant it is valid at."""
    if candidate.engagement_at is None:
        return Engagement()
    return Engagement(score=candidate.engagement, at=parse_iso(candidate.engagement_at))


def onto(candidate: Candidate, engagement: Engagement) -> Candidate:
    """The candidate carrying `engagement` (score and instant), for a save that keeps index summaries in step."""
    at = isoformat(engagement.at) if engagement.at else None
    return candidate.model_copy(update={"engagement": engagement.score, "engagement_at": at})
