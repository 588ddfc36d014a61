"""Domain events published on the talentpool bus. They carry ids and facts, never an address or a name."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import ConfigDict, Field

from talentpool.ids import new_id
from talentpool.models.base import Model
from talentpool.models.candidate import Channel, Stage


class BusEvent(Model):
    """Anything published on the bus: a type, an id for idempotent consumers, and when it happened."""

    model_config = ConfigDict(frozen=True)

    detail_type: ClassVar[str]

    id: str = Field(default_factory=new_id, description="Unique per event, for idempotent consumers")
    occurred_at: str


class DomainEvent(BusEvent):
    """Something that happened to a candidate."""

    candidate_id: str


class SubmissionReceived(BusEvent):
    """A public form was answered and kept; what it leads to is decided after the answer (the intake function).

    No candidate id: whether the address is new, known or confirmed is not known yet, or to anyone outside.
    """

    detail_type: ClassVar[str] = "SubmissionReceived"

    submission_id: str


class CandidateCaptured(DomainEvent):
    detail_type: ClassVar[str] = "CandidateCaptured"

    channel: Channel
    merged: bool
    confirmation_requested: bool
    notice_requested: bool = Field(default=False, description="Sourced without consent: send the Art. 14 notice")
    change_requested: bool = Field(
        default=False, description="New details for a proven address are held: ask its owner to confirm them"
    )


class CandidateConfirmed(DomainEvent):
    detail_type: ClassVar[str] = "CandidateConfirmed"

    channel: Channel


class CandidateUpdated(DomainEvent):
    detail_type: ClassVar[str] = "CandidateUpdated"

    fields: list[str] = Field(description="Names of the fields that changed, never their values")


class StageChanged(DomainEvent):
    detail_type: ClassVar[str] = "StageChanged"

    from_stage: Stage
    to_stage: Stage
    job_ref: str | None = None
    notify_candidate: bool = True
    timeline_entry_id: str = Field(description="The stage_changed entry, which holds the reason and feedback")


class CandidateErased(DomainEvent):
    detail_type: ClassVar[str] = "CandidateErased"

    requested_by: str = Field(description="'candidate' or 'recruiter:<id>'")


class CandidateUnsubscribed(DomainEvent):
    detail_type: ClassVar[str] = "CandidateUnsubscribed"

    via: Literal["one_click", "preferences", "recruiter"]


class CandidateSuppressed(DomainEvent):
    detail_type: ClassVar[str] = "CandidateSuppressed"

    reason: Literal["bounce", "complaint", "reject"]


class EmailSent(DomainEvent):
    """An email went out. Marketing emails name their sequence (or campaign) and step."""

    detail_type: ClassVar[str] = "EmailSent"

    message_id: str
    kind: Literal["marketing", "transactional"]
    sequence_id: str | None = None
    sequence_version: int | None = None
    step: int | None = None
    campaign_run_id: str | None = None


class EnrollmentRequested(DomainEvent):
    """A recruiter enrolled the candidate in a sequence; a rule starts the engage execution."""

    detail_type: ClassVar[str] = "EnrollmentRequested"

    sequence_id: str
    requested_by: str
