"""Sequences: timed, personal email series. Engage runs per candidate; nurture is a campaign to a segment."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from talentpool import templating
from talentpool.clock import parse_iso
from talentpool.models.base import Model
from talentpool.models.candidate import NOT_A_BOOLEAN, NOT_BLANK, JsonBool, Stage, Topic

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
FromName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NOT_BLANK]
Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NOT_BLANK]
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
    except templating.TemplateInvalid as exc:
        raise ValueError(f"{where} has a {exc}") from exc
    return text


class Content(Model):
    """One email's words: a subject, a plain-text body and optionally HTML (else made from the text)."""

    model_config = _STRICT

    subject: Subject
    body: Body
    html: Html | None = None

    @field_validator("subject", "body", "html")
    @classmethod
    def _known_placeholders(cls, value: str | None, info: ValidationInfo) -> str | None:
        # A field validator, not a model one, so the 422 names the very field: steps.2.subject.
        return check_template(value, str(info.field_name)) if value is not None else None


def _iso_delay(value: Any) -> Any:
    """A duration as text, within the document's pattern: pydantic would also take a number of seconds, or true."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str) or not DELAY_PATTERN.match(value):
        raise ValueError("must be between P0D and P365D, written like P3D, PT12H or P1DT12H")
    return value.strip()


# Days 0-364 with hours, minutes and seconds below a day, or P365D (which pydantic writes back as P1Y).
_HMS = r"(?:[0-9]|1[0-9]|2[0-3])H(?:(?:[0-9]|[1-5][0-9])M)?(?:(?:[0-9]|[1-5][0-9])S)?"
_MS = r"(?:[0-9]|[1-5][0-9])M(?:(?:[0-9]|[1-5][0-9])S)?|(?:[0-9]|[1-5][0-9])S"
_TIME = rf"T(?:{_HMS}|{_MS})"
_DAYS = r"(?:[0-9]|[1-9][0-9]|[12][0-9]{2}|3[0-5][0-9]|36[0-4])D"
DELAY_PATTERN = re.compile(rf"^P(?:{_DAYS}(?:{_TIME})?|365D|1Y|{_TIME})$")
Delay = Annotated[
    timedelta, BeforeValidator(_iso_delay), WithJsonSchema({"type": "string", "pattern": DELAY_PATTERN.pattern})
]


class SequenceStep(Content):
    """A step: wait `delay` after the previous send (or after enrolment), then send this content.

    `variants` replaces the content for candidates interested in a topic (the first of their interests that
    has a variant wins), so one step can speak to career-advice readers and job seekers differently.
    """

    delay: Delay = Field(description="ISO-8601 duration from P0D to P365D, e.g. P3D, PT12H or P1DT12H")
    variants: dict[Topic, Content] = Field(default_factory=dict)


DEFAULT_START_HOUR, DEFAULT_END_HOUR = 9, 18
StartHour = Annotated[int, Field(ge=0, le=23), NOT_A_BOOLEAN]
EndHour = Annotated[int, Field(ge=1, le=24), NOT_A_BOOLEAN]


class QuietHours(Model):
    model_config = _STRICT

    start_hour: StartHour
    end_hour: EndHour


def _end_after_start() -> dict[str, Any]:
    """_sensible's end_hour > start_hour in JSON Schema, which cannot compare two fields: one branch per start hour,
    and one for an absent (default) start; an absent end_hour is the default end."""
    branches: list[dict[str, Any]] = [
        {
            "required": ["start_hour"] + (["end_hour"] if start >= DEFAULT_END_HOUR else []),
            "properties": {"start_hour": {"const": start}, "end_hour": {"minimum": start + 1}},
        }
        for start in range(24)
    ]
    absent = {"not": {"required": ["start_hour"]}, "properties": {"end_hour": {"minimum": DEFAULT_START_HOUR + 1}}}
    return {"anyOf": [*branches, absent]}


class SendWindow(Model):
    """When mail may arrive, in the candidate's own time zone: hours, weekdays (0 = Monday), quiet hours."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_end_after_start())

    start_hour: StartHour = DEFAULT_START_HOUR
    end_hour: EndHour = DEFAULT_END_HOUR
    weekdays: list[Annotated[int, Field(ge=0, le=6), NOT_A_BOOLEAN]] = Field(
        default_factory=lambda: [0, 1, 2, 3, 4], json_schema_extra={"minItems": 1}
    )
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


class ExitRules(Model):
    """When a candidate leaves the sequence. The defaults are the respectful ones.

    Unsubscribing, suppression and withdrawn consent always end every sequence: the law and the mailbox
    providers require it, so those three can be stated but never turned off. The stages are the choice.
    """

    model_config = _STRICT

    unsubscribed: Literal[True] = Field(default=True, description="Always true: an unsubscribe ends every sequence")
    suppressed: Literal[True] = Field(default=True, description="Always true: a bounce or complaint ends everything")
    consent_withdrawn: Literal[True] = Field(default=True, description="Always true: no consent, no marketing")
    stages: list[Stage] = Field(default_factory=lambda: list(DEFAULT_EXIT_STAGES))


class Sender(Model):
    """From: the owning recruiter's name at the verified address; Reply-To: the recruiter themself."""

    model_config = _STRICT

    use_owner: JsonBool = True
    from_name: FromName | None = None


# What _kind_fields checks, in the document too: an engage sequence has none of a campaign's fields; a campaign a topic.
_ONE_KIND: dict[str, Any] = {
    "oneOf": [
        {
            "properties": {
                "kind": {"const": "engage"},
                **{name: {"type": "null"} for name in ("topic", "audience_segment_id", "schedule")},
            }
        },
        {"properties": {"kind": {"const": "nurture"}, "topic": {"type": "string"}}, "required": ["topic"]},
    ]
}


class SequenceDefinition(Model):
    """What recruiters write (POST/PUT /sequences). Saving a change makes a new version."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_ONE_KIND)

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), NOT_BLANK]
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
    active: JsonBool = True

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

# How the engage machine's one Task reports a normal end (SendTaskFailure error names, which the machine's Catch
# routes to Succeed states). They are outcomes, not crashes: the Lambda returns normally after reporting one.
SEQUENCE_FINISHED = "Talentpool.SequenceFinished"
SEQUENCE_EXITED = "Talentpool.SequenceExited"
SEQUENCE_CONTINUED = "Talentpool.SequenceContinued"  # a new execution carries the enrolment on


SendStatus = Literal["reserved", "sent", "unknown"]
CAP_WINDOW = timedelta(days=7)


class SendRecord(Model):
    """One marketing send in the candidate's send log.

    `key` is "<execution>#<step>" (or a campaign run's equivalent): a retried task finds its own record
    and never sends twice. "reserved" is written before SES is called and "sent" after it answered, so a
    record still "reserved" when its task is retried means the outcome is unknown.
    """

    key: str
    at: str
    status: SendStatus
    sequence_id: str | None = None
    step: int | None = None
    message_id: str | None = None
    event_id: str


class SendLog(Model):
    """A candidate's marketing sends of the last seven days (`pk=CAND#<id>, sk=SENDLOG`), optimistic `version`."""

    model_config = ConfigDict(extra="ignore")

    candidate_id: str
    version: int = 0
    sends: list[SendRecord] = Field(default_factory=list)

    def find(self, key: str) -> SendRecord | None:
        return next((record for record in self.sends if record.key == key), None)

    def times(self) -> list[datetime]:
        """When each send went (or may have gone): all of them count toward the cap."""
        return [parse_iso(record.at) for record in self.sends]

    def with_record(self, record: SendRecord, *, now: datetime) -> SendLog:
        """The log with `record` added or replacing the one with its key, and sends older than 7 days dropped."""
        horizon = now - CAP_WINDOW
        kept = [r for r in self.sends if r.key != record.key and parse_iso(r.at) > horizon]
        return self.model_copy(update={"sends": [*kept, record]})

    def without(self, key: str) -> SendLog:
        return self.model_copy(update={"sends": [r for r in self.sends if r.key != key]})


class EngageState(Model):
    """Everything one round of the engage machine hands the next: the execution's whole memory.

    The first round starts from the rule's input (`candidate_id`, maybe `sequence_id`, `event_id`); every
    later round carries the pinned `version`, the index of the next `step` to send and when the next round
    runs (`send_at`, read by the Wait state's TimestampPath). `not_before` is the planned send when it lies
    beyond this execution's last day, so the Wait ends earlier and the round after it sends nothing. `error` is
    where the machine's Catch puts a failure.

    What keeps an execution inside Step Functions' limits (logic.workflow_limits): `events`, the history events
    written before this round in the worst case; `began`, when this execution's first round ran; `generation`,
    how many executions came before this one for the same enrolment, and `continued_from`, the one that handed
    it over (only until the new execution has taken the enrolment). `retries` counts the rounds in a row that
    could not send (throttling, a busy send log, an unreachable service), for the backoff.
    """

    model_config = ConfigDict(extra="ignore")

    candidate_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    sequence_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    event_id: str | None = None
    version: int | None = None
    step: int = 0
    send_at: str | None = None
    not_before: str | None = None
    enrolment: str | None = None
    retries: int = Field(default=0, ge=0)
    events: int = Field(default=1, ge=1, description="History events before this round; 1 is ExecutionStarted")
    began: str | None = None
    generation: int = Field(default=0, ge=0)
    continued_from: str | None = None
    error: dict[str, Any] | None = None

    @property
    def started(self) -> bool:
        """False on the first round, before an enrolment pinned a version."""
        return self.version is not None

    def output(self) -> dict[str, Any]:
        """The state the next round receives (SendTaskSuccess output); the Catch's error is not carried on."""
        return self.model_dump(mode="json", exclude_none=True, exclude={"error"})


class StepRequest(Model):
    """The engage Lambda's payload: the task token to report with, the execution, and the state.

    `action` is "step" for the callback Task and "failed" for the machine's RecordFailure task (no token).
    """

    model_config = ConfigDict(extra="ignore")

    action: Literal["step", "failed"] = "step"
    token: str | None = None
    execution: Annotated[str, StringConstraints(min_length=1, max_length=2048)]
    retries: int = Field(default=0, ge=0, description="$$.State.RetryCount: attempts of this Task before this one")
    state: EngageState


class Enrolment(Model):
    """One candidate in one sequence: item `pk=CAND#<id>, sk=ENROL#<sequence_id>`.

    One item per (candidate, sequence) is what makes "one running enrolment per candidate and sequence" a
    single conditional write. Erasure stops the execution named here while `status` is "running".
    """

    model_config = ConfigDict(extra="ignore")

    candidate_id: str
    sequence_id: str
    version: int
    status: EnrolmentStatus = "running"
    step: int = Field(default=0, description="Index of the next step to send; equals `steps` when all were sent")
    steps: int = Field(description="How many steps the pinned version has")
    next_send_at: str | None = None
    last_sent_at: str | None = None
    execution_arn: str
    enrolled_at: str
    updated_at: str
    exit_reason: str | None = None
    event_id: str | None = None


class EnrolmentView(Model):
    """An enrolment as recruiters see it (GET /candidates/{id}/enrollments)."""

    sequence_id: str
    version: int
    status: EnrolmentStatus
    step: int
    steps: int
    next_send_at: str | None = None
    last_sent_at: str | None = None
    enrolled_at: str
    updated_at: str
    exit_reason: str | None = None

    @classmethod
    def of(cls, enrolment: Enrolment) -> EnrolmentView:
        return cls.model_validate(enrolment.model_dump())


class EnrolmentList(Model):
    items: list[EnrolmentView]


MAX_ENROL_IDS = 500


class EnrollmentRequest(Model):
    """POST /sequences/{id}/enrollments: some candidates by id, or everyone a saved segment matches now."""

    # Exactly one of the two, as the validator below says; null is the same as leaving one out.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {"required": ["candidate_ids"], "properties": {"candidate_ids": {"type": "array"}}},
                {"required": ["segment_id"], "properties": {"segment_id": {"type": "string"}}},
            ]
        },
    )

    candidate_ids: (
        Annotated[
            list[Annotated[str, StringConstraints(min_length=1, max_length=64)]],
            Field(min_length=1, max_length=MAX_ENROL_IDS),
        ]
        | None
    ) = None
    segment_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None

    @model_validator(mode="after")
    def _one_audience(self) -> EnrollmentRequest:
        if (self.candidate_ids is None) == (self.segment_id is None):
            raise ValueError("send either candidate_ids or segment_id")
        if self.candidate_ids:
            self.candidate_ids = list(dict.fromkeys(self.candidate_ids))
        return self


class SkippedCandidate(Model):
    candidate_id: str
    reason: str


class EnrollmentResult(Model):
    """How many enrolments were requested (one EnrollmentRequested event each) and who was left out, why."""

    requested: int
    skipped: list[SkippedCandidate] = Field(default_factory=list)


class SequenceSummary(Model):
    """A line of GET /sequences: the directory entry, built-in or stored."""

    sequence_id: str
    name: str
    kind: SequenceKind
    current_version: int
    builtin: bool
    active: bool
    topic: Topic | None = None
    schedule: str | None = None
    updated_at: str


def summary_of(sequence: Sequence) -> SequenceSummary:
    return SequenceSummary(
        sequence_id=sequence.sequence_id,
        name=sequence.name,
        kind=sequence.kind,
        current_version=sequence.version,
        builtin=sequence.builtin,
        active=sequence.active,
        topic=sequence.topic,
        schedule=sequence.schedule,
        updated_at=sequence.updated_at,
    )


class SequenceList(Model):
    items: list[SequenceSummary]
