"""Sequences: timed, personal email series. Engage runs per candidate; nurture is a campaign to a segment."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from talentpool import templating
from talentpool.models.candidate import Stage, Topic

# What a marketing template may say. {{name|fallback}} covers a missing value; anything else is refused on save.
MARKETING_PLACEHOLDERS = frozenset(
    {
        "first_name",
        "last_name",
        "top_skill",
        "skills",
        "desired_role",
        "city",
        "country",
        "years_experience",
        "recruiter_name",
        "company_name",
        "topic",
    }
)
MAX_STEPS = 20

_STRICT = ConfigDict(extra="forbid")
Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
Html = Annotated[str, StringConstraints(min_length=1, max_length=50_000)]


class SequenceKind(StrEnum):
    ENGAGE = "engage"
    NURTURE = "nurture"


def check_template(text: str, where: str) -> str:
    try:
        templating.check(text, MARKETING_PLACEHOLDERS)
    except templating.UnknownPlaceholder as exc:
        known = ", ".join(sorted(MARKETING_PLACEHOLDERS))
        raise ValueError(f"{where} uses unknown placeholders: {exc}; known: {known}") from exc
    return text


class Content(BaseModel):
    """One email's words: a subject, a plain-text body and optionally HTML (else made from the text)."""

    model_config = _STRICT

    subject: Subject
    body: Body
    html: Html | None = None

    @model_validator(mode="after")
    def _known_placeholders(self) -> Content:
        check_template(self.subject, "subject")
        check_template(self.body, "body")
        if self.html:
            check_template(self.html, "html")
        return self


class SequenceStep(Content):
    """A step: wait `delay` after the previous send (or after enrolment), then send this content.

    `variants` replaces the content for candidates interested in a topic (the first of their interests that
    has a variant wins), so one step can speak to career-advice readers and job seekers differently.
    """

    delay: timedelta = Field(description="ISO-8601 duration, e.g. P3D or PT12H")
    variants: dict[Topic, Content] = Field(default_factory=dict)

    @field_validator("delay")
    @classmethod
    def _delay_in_range(cls, value: timedelta) -> timedelta:
        if value < timedelta(0) or value > timedelta(days=365):
            raise ValueError("must be between P0D and P365D")
        return value


class QuietHours(BaseModel):
    model_config = _STRICT

    start_hour: Annotated[int, Field(ge=0, le=23)]
    end_hour: Annotated[int, Field(ge=1, le=24)]


class SendWindow(BaseModel):
    """When mail may arrive, in the candidate's own time zone: hours, weekdays (0 = Monday), quiet hours."""

    model_config = _STRICT

    start_hour: Annotated[int, Field(ge=0, le=23)] = 9
    end_hour: Annotated[int, Field(ge=1, le=24)] = 18
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    quiet_hours: list[QuietHours] = Field(default_factory=list)

    @model_validator(mode="after")
    def _sensible(self) -> SendWindow:
        if self.end_hour <= self.start_hour:
            raise ValueError("end_hour must be after start_hour")
        if not self.weekdays:
            raise ValueError("at least one weekday is needed")
        self.weekdays = sorted(set(self.weekdays))
        return self


DEFAULT_EXIT_STAGES = [Stage.APPLIED, Stage.INTERVIEWING, Stage.OFFERED, Stage.HIRED, Stage.REJECTED]


class ExitRules(BaseModel):
    """When a candidate leaves the sequence. The defaults are the respectful ones."""

    model_config = _STRICT

    unsubscribed: bool = True
    suppressed: bool = True
    consent_withdrawn: bool = True
    stages: list[Stage] = Field(default_factory=lambda: list(DEFAULT_EXIT_STAGES))


class Sender(BaseModel):
    """From: the owning recruiter's name at the verified address; Reply-To: the recruiter themself."""

    model_config = _STRICT

    use_owner: bool = True
    from_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None


class SequenceDefinition(BaseModel):
    """What recruiters write (POST/PUT /sequences). Saving a change makes a new version."""

    model_config = _STRICT

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    description: Annotated[str, StringConstraints(max_length=1000)] | None = None
    kind: SequenceKind
    steps: Annotated[list[SequenceStep], Field(min_length=1, max_length=MAX_STEPS)]
    send_window: SendWindow = Field(default_factory=SendWindow)
    exit_rules: ExitRules = Field(default_factory=ExitRules)
    sender: Sender = Field(default_factory=Sender)
    # Nurture campaigns only: what they are about, who they go to, and when (EventBridge cron).
    topic: Topic | None = None
    audience_segment_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    schedule: Annotated[str, StringConstraints(pattern=r"^cron\([^)]{9,100}\)$")] | None = None
    active: bool = True

    @model_validator(mode="after")
    def _kind_fields(self) -> SequenceDefinition:
        if self.kind is SequenceKind.ENGAGE and (self.topic or self.audience_segment_id or self.schedule):
            raise ValueError("topic, audience_segment_id and schedule are for nurture campaigns only")
        if self.kind is SequenceKind.NURTURE and self.topic is None:
            raise ValueError("a nurture campaign needs a topic")
        return self


class Sequence(SequenceDefinition):
    """A stored version of a sequence."""

    model_config = ConfigDict(extra="ignore")

    sequence_id: str
    version: int
    created_at: str
    updated_at: str
    updated_by: str = "system"
    builtin: bool = False

    def step(self, index: int) -> SequenceStep | None:
        return self.steps[index] if 0 <= index < len(self.steps) else None


def sequence_json(sequence: Sequence) -> dict[str, Any]:
    return sequence.model_dump(mode="json", exclude_none=True)


EnrolmentStatus = Literal["running", "completed", "exited", "stopped", "failed"]
