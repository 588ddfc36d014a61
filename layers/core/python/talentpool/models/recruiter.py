"""Inputs and outputs of the recruiter API's candidate routes."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from talentpool.models.base import Model
from talentpool.models.candidate import (
    MAX_TAGS,
    NOT_BLANK,
    Candidate,
    EmailAddress,
    Interests,
    JsonBool,
    Label,
    LinkedInUrl,
    Location,
    Name,
    Owner,
    Phone,
    PlainText,
    ProfileFields,
    Roles,
    SkillNames,
    Skills,
    Stage,
    Years,
)
from talentpool.models.text import PLAIN_LINES

_STRICT = ConfigDict(extra="forbid", str_max_length=5000)

Tag = Label
Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS), AfterValidator(lambda v: list(dict.fromkeys(v)))]


class ProfilePatch(SkillNames):
    """A partial update: only the fields sent change; null clears one. Email, consent and source are not
    writable here: consent belongs to the candidate, and a new address must be confirmed by its owner.
    Sending `skills` replaces the skills and how they are written (`skill_names`) together."""

    model_config = _STRICT

    first_name: Name | None = None
    last_name: Name | None = None
    phone: Phone | None = None
    location: Location | None = None
    skills: Skills | None = None
    years_experience: Years | None = None
    desired_roles: Roles | None = None
    interests: Interests | None = None
    linkedin_url: LinkedInUrl | None = None


class RecruiterCandidateRequest(ProfileFields):
    """A candidate a recruiter adds (sourced, met at an event...): no consent yet, so an Art. 14 notice goes out."""

    email: EmailAddress
    tags: Tags = Field(default_factory=list)


class NoteRequest(Model):
    model_config = _STRICT

    text: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000), PLAIN_LINES, NOT_BLANK
    ]


class TagsRequest(Model):
    model_config = _STRICT

    tags: Tags


class StageRequest(Model):
    model_config = _STRICT

    stage: Stage
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), PlainText, NOT_BLANK]
    job_ref: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), PlainText, NOT_BLANK]
        | None
    ) = None
    feedback: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), PLAIN_LINES] | None = Field(
        default=None, description="Shared with the candidate in a decision email"
    )
    notify_candidate: JsonBool = Field(default=True, description="Send the stage's status email (opt out per change)")


OwnerRequest = Owner


class CandidateView(Model):
    """A candidate as a recruiter sees it. `etag` is what to send back in If-Match."""

    candidate: Candidate
    etag: str


class TimelinePage(Model):
    items: list[dict[str, Any]]
    next_cursor: str | None = None


class CandidateExport(Model):
    """Everything held about one person (GDPR Art. 15/20)."""

    exported_at: str
    profile: dict[str, Any]
    consent: dict[str, Any] = Field(description="The current consent and every earlier record")
    tags: list[str]
    notes: list[dict[str, Any]]
    timeline: list[dict[str, Any]] = Field(description="Every interaction, oldest first")
    other_records: list[dict[str, Any]] = Field(description="Enrolments and other records about them")


class CreatedCandidate(Model):
    candidate_id: str
    status: str = "notice_pending"


def etag(candidate: Candidate) -> str:
    return f'"v{candidate.version}"'


__all__ = [
    "CandidateExport",
    "CandidateView",
    "CreatedCandidate",
    "EmailAddress",
    "NoteRequest",
    "OwnerRequest",
    "ProfilePatch",
    "RecruiterCandidateRequest",
    "StageRequest",
    "TagsRequest",
    "TimelinePage",
    "etag",
]
