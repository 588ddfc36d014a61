"""Domain events published on the talentpool bus. They carry ids and facts, never an address or a name."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import ConfigDict, Field

from talentpool.ids import new_id
from talentpool.models.base import Model
from talentpool.models.candidate import Channel, Stage


class EventType(StrEnum):
    """The bus's detail-types: PascalCase, past tense. Rules in infra/spec.py match these values."""

    SUBMISSION_RECEIVED = "SubmissionReceived"
    CANDIDATE_CAPTURED = "CandidateCaptured"
    CANDIDATE_CONFIRMED = "CandidateConfirmed"
    CANDIDATE_UPDATED = "CandidateUpdated"
    STAGE_CHANGED = "StageChanged"
    CANDIDATE_ERASED = "CandidateErased"
    CANDIDATE_UNSUBSCRIBED = "CandidateUnsubscribed"
    CANDIDATE_SUPPRESSED = "CandidateSuppressed"
    EMAIL_SENT = "EmailSent"
    ENROLLMENT_REQUESTED = "EnrollmentRequested"


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

    detail_type: ClassVar[str] = EventType.SUBMISSION_RECEIVED

    submission_id: str


class CandidateCaptured(DomainEvent):
    detail_type: ClassVar[str] = EventType.CANDIDATE_CAPTURED

    channel: Channel
    merged: bool
    confirmation_requested: bool
    notice_requested: bool = Field(default=False, description="Sourced without consent: send the Art. 14 notice")
    change_requested: bool = Field(
        default=False, description="New details for a proven address are held: ask its owner to confirm them"
    )


class CandidateConfirmed(DomainEvent):
    detail_type: ClassVar[str] = EventType.CANDIDATE_CONFIRMED

    channel: Channel


class CandidateUpdated(DomainEvent):
    detail_type: ClassVar[str] = EventType.CANDIDATE_UPDATED

    fields: list[str] = Field(description="Names of the fields that changed, never their values")


class StageChanged(DomainEvent):
    detail_type: ClassVar[str] = EventType.STAGE_CHANGED

    from_stage: Stage
    to_stage: Stage
    job_ref: str | None = None
    notify_candidate: bool = True
    timeline_entry_id: str = Field(description="The stage_changed entry, which holds the reason and feedback")


class CandidateErased(DomainEvent):
    detail_type: ClassVar[str] = EventType.CANDIDATE_ERASED

    requested_by: str = Field(description="'candidate' or 'recruiter:<id>'")


class CandidateUnsubscribed(DomainEvent):
    detail_type: ClassVar[str] = EventType.CANDIDATE_UNSUBSCRIBED

    via: Literal["one_click", "preferences", "recruiter"]


class CandidateSuppressed(DomainEvent):
    detail_type: ClassVar[str] = EventType.CANDIDATE_SUPPRESSED

    reason: Literal["bounce", "complaint", "reject"]


class EmailSent(DomainEvent):
    """An email went out. Marketing emails name their sequence (or campaign) and step."""

    detail_type: ClassVar[str] = EventType.EMAIL_SENT

    message_id: str
    kind: Literal["marketing", "transactional"]
    sequence_id: str | None = None
    sequence_version: int | None = None
    step: int | None = None
    campaign_run_id: str | None = None


class EnrollmentRequested(DomainEvent):
    """A recruiter enrolled the candidate in a sequence; a rule starts the engage execution."""

    detail_type: ClassVar[str] = EventType.ENROLLMENT_REQUESTED

    sequence_id: str
    requested_by: str
