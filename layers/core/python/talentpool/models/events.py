"""Domain events published on the talentpool bus. They carry ids and facts, never an address or a name."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from talentpool.ids import new_id
from talentpool.models.candidate import Channel


class DomainEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    detail_type: ClassVar[str]

    id: str = Field(default_factory=new_id, description="Unique per event, for idempotent consumers")
    candidate_id: str
    occurred_at: str


class CandidateCaptured(DomainEvent):
    detail_type: ClassVar[str] = "CandidateCaptured"

    channel: Channel
    merged: bool
    confirmation_requested: bool


class CandidateConfirmed(DomainEvent):
    detail_type: ClassVar[str] = "CandidateConfirmed"

    channel: Channel
