"""A candidate's engagement score as of an instant: the state the score is kept in between events."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class Engagement(BaseModel):
    """`score` is valid at `at` and decays from there (logic.engagement); `at` is None for a zero score."""

    model_config = ConfigDict(frozen=True)

    score: float = Field(default=0.0, ge=0.0, allow_inf_nan=False)
    at: datetime | None = None
