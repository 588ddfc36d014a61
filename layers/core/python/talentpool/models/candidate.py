"""The candidate: capture input, the stored profile, consent, source and the timeline."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from talentpool.models.base import Model
from talentpool.models.email_address import normalise_email
from talentpool.models.geography import countries, timezones
from talentpool.models.text import NOT_BLANK as NOT_BLANK  # re-exported: the models beside this one use it
from talentpool.models.text import PLAIN_TEXT, VISIBLE_ONE_LINE, WHITE_SPACE, WHITE_SPACE_CHARS, single_line

# A profile change rewrites every index item in one transaction (100 items at most): 2 x (30 + 15) + 3 fits.
MAX_SKILLS = 30
MAX_TAGS = 15
MAX_ROLES = 20


class Channel(StrEnum):
    CAREERS_SITE = "careers_site"
    SOCIAL = "social"
    JOB_BOARD = "job_board"
    EVENT = "event"
    REFERRAL = "referral"
    IMPORT = "import"
    RECRUITER = "recruiter"


class Topic(StrEnum):
    """The fixed list of nurture topics a candidate may choose."""

    CAREER_ADVICE = "career_advice"
    SECTOR_NEWS = "sector_news"
    EVENTS = "events"
    JOB_ALERTS = "job_alerts"


class Stage(StrEnum):
    LEAD = "lead"
    ENGAGED = "engaged"
    NURTURED = "nurtured"
    APPLIED = "applied"
    INTERVIEWING = "interviewing"
    OFFERED = "offered"
    HIRED = "hired"
    REJECTED = "rejected"
    ARCHIVED = "archived"


class EmailedLink(StrEnum):
    """The links that prove an address: each is emailed once per nonce."""

    CONFIRMATION = "confirmation"  # double opt-in
    CHANGE = "change"  # new details held for a proven address


class ConsentStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


def _email(value: str) -> str:
    return normalise_email(value)


def _country(value: str) -> str:
    code = value.strip().upper()
    if code not in countries():
        raise ValueError("must be an ISO 3166-1 alpha-2 country code, such as GB or DE")
    return code


def _timezone(value: str) -> str:
    if value not in timezones():
        raise ValueError("must be an IANA time zone, such as Europe/Berlin")
    return value


def _label(value: str) -> str:
    """Skills and roles: trimmed, inner whitespace collapsed, lower-cased so 'Python ' and 'python' match."""
    cleaned = " ".join(single_line(value).split()).lower()
    if not cleaned:
        raise ValueError("must not be blank")
    return cleaned


def _linkedin(value: str) -> str:
    if not LINKEDIN_PATTERN.match(value):
        raise ValueError("must be an https://linkedin.com/... profile address")
    return value.strip(WHITE_SPACE_CHARS)


def _not_a_boolean(value: object) -> object:
    """Pydantic reads true and false as 1 and 0 (or as a duration of 1 and 0 seconds); JSON's booleans are not."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    return value


NOT_A_BOOLEAN = BeforeValidator(_not_a_boolean)
# JSON's true and false only: pydantic would also read 0, 1, "yes" and "off" as booleans.
JsonBool = Annotated[bool, Field(strict=True)]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _listed(names: Iterable[str]) -> list[JsonValue]:
    return [str(name) for name in sorted(names)]


# What the validators below check, said in the JSON Schema too (docs/openapi.json): a request the document calls
# valid is one the API accepts, and Schemathesis holds the two to that (tools/api_fuzz.py).
# White space around it is allowed (and trimmed); the class is written out, as `\s` means something else in each
# dialect (models.text).
LINKEDIN_PATTERN = re.compile(
    f"^[{WHITE_SPACE}]*https://([a-z0-9-]+\\.)*linkedin\\.com(/[^{WHITE_SPACE}]*)?[{WHITE_SPACE}]*$"
)
_IS_EMAIL = Field(
    json_schema_extra={
        "format": "email",
        "maxLength": 254,
        "description": "An address that can receive mail: a special-use domain (RFC 6761: .test, .local, "
        ".invalid, .localhost, .onion, .arpa) is refused",
    }
)
# The lists are read when a schema is generated (docs, Schemathesis), not at every cold start.
_IS_COUNTRY = Field(json_schema_extra=lambda schema: schema.update(enum=_listed(countries())))
_IS_TIMEZONE = Field(json_schema_extra=lambda schema: schema.update(enum=_listed(timezones())))
_IS_LINKEDIN = Field(json_schema_extra={"pattern": LINKEDIN_PATTERN.pattern})

EmailAddress = Annotated[str, StringConstraints(max_length=320), AfterValidator(_email), _IS_EMAIL]
# One line of visible text, as given: it reaches email headers, CSV cells and pages (see models.text).
PlainText = PLAIN_TEXT
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), PlainText, NOT_BLANK]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=3, max_length=32, pattern=r"^\+?[0-9 ()./-]+$")
]
Label = Annotated[str, StringConstraints(max_length=60), AfterValidator(_label), VISIBLE_ONE_LINE, NOT_BLANK]
Role = Annotated[str, StringConstraints(max_length=100), AfterValidator(_label), VISIBLE_ONE_LINE, NOT_BLANK]
CountryCode = Annotated[str, StringConstraints(min_length=2, max_length=2), AfterValidator(_country), _IS_COUNTRY]
TimeZone = Annotated[str, StringConstraints(max_length=64), AfterValidator(_timezone), _IS_TIMEZONE]
LinkedInUrl = Annotated[str, StringConstraints(max_length=300), AfterValidator(_linkedin), _IS_LINKEDIN]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), PlainText, NOT_BLANK]
Skills = Annotated[list[Label], Field(max_length=MAX_SKILLS), AfterValidator(_unique)]
Roles = Annotated[list[Role], Field(max_length=MAX_ROLES), AfterValidator(_unique)]
Interests = Annotated[list[Topic], Field(max_length=len(Topic)), AfterValidator(_unique)]
# The validator after the bounds, so it runs first and the bounds stay in the JSON Schema as minimum and maximum.
Years = Annotated[int, Field(ge=0, le=60), NOT_A_BOOLEAN]

_STRICT = ConfigDict(extra="forbid", str_max_length=2000)


class Location(Model):
    model_config = _STRICT

    city: ShortText | None = None
    country: CountryCode | None = None
    timezone: TimeZone | None = None


class ConsentInput(Model):
    """The consent the candidate ticked: which wording they saw, by version."""

    model_config = _STRICT

    given: Literal[True] = Field(description="Must be true: the candidate agreed to be contacted")
    text_version: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), PlainText, NOT_BLANK
    ]


class SourceInput(Model):
    model_config = _STRICT

    channel: Channel = Channel.CAREERS_SITE
    utm_source: ShortText | None = None
    utm_medium: ShortText | None = None
    utm_campaign: ShortText | None = None
    referrer_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64), PlainText] | None = None


def _as_typed(value: object) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


class SkillNames(Model):
    """How each skill was written, beside the lower-case key that search and the index match on.

    "Python developer" is stored as the key `python developer` (so "Python " and "python" are one skill) and
    the name "Python developer", which is what emails show. Only names that differ from their key are kept;
    a skill without one (all data from before names were kept) shows as its key.
    """

    skills: list[str] | None
    skill_names: dict[str, str] = Field(
        default_factory=dict,
        description="Skill key -> the skill as written, where they differ. Filled from `skills` as sent: "
        "you need not send it",
    )

    @model_validator(mode="before")
    @classmethod
    def _remember_names(cls, data: Any) -> Any:
        """Keep the names as written in `skills`, before the field lower-cases them into keys."""
        if not isinstance(data, dict) or not isinstance(data.get("skills"), list):
            return data
        typed: dict[str, str] = {}
        for raw in data["skills"]:
            name = _as_typed(raw)
            typed.setdefault(name.lower(), name)  # the first spelling, as the skill list keeps the first
        # Keys as written (a stored profile's skills, "python") add nothing: the names already given stand.
        written = {key: name for key, name in typed.items() if name != key}
        given = data.get("skill_names", {})
        if not isinstance(given, dict):
            return data  # not an object: the field's own validation refuses it, naming skill_names
        return {**data, "skill_names": {**given, **written}}

    @model_validator(mode="after")
    def _names_of_own_skills(self) -> Self:
        # A name must be a spelling of one of this profile's skills: anything else is dropped, never shown.
        own = set(self.skills or ())
        kept = {
            key: name
            for key, name in self.skill_names.items()
            if key in own and isinstance(name, str) and name != key and _as_typed(name).lower() == key
        }
        if kept != self.skill_names:
            self.skill_names = kept  # only then: assigning marks the field as sent, which a patch would apply
        return self

    def skill_name(self, key: str) -> str:
        return self.skill_names.get(key, key)


class ProfileFields(SkillNames):
    """Profile data a candidate or recruiter may supply; shared by capture, import and recruiter edits."""

    model_config = _STRICT

    first_name: Name | None = None
    last_name: Name | None = None
    phone: Phone | None = None
    location: Location | None = None
    skills: Skills = Field(default_factory=list)
    years_experience: Years | None = None
    desired_roles: Roles = Field(default_factory=list)
    interests: Interests = Field(default_factory=list)
    linkedin_url: LinkedInUrl | None = None


# Channels only a recruiter's own actions record: an anonymous form claiming one would forge provenance.
RECRUITER_CHANNELS = frozenset({Channel.RECRUITER, Channel.IMPORT})
PUBLIC_CHANNELS = tuple(c for c in Channel if c not in RECRUITER_CHANNELS)
_PUBLIC_NAMES = ", ".join(c.value for c in PUBLIC_CHANNELS)


def _public_channel(value: Channel) -> Channel:
    if value in RECRUITER_CHANNELS:
        raise ValueError(f"{value.value} is recorded by recruiters; a public form may send one of {_PUBLIC_NAMES}")
    return value


PublicChannel = Annotated[
    Channel,
    AfterValidator(_public_channel),
    WithJsonSchema({"type": "string", "enum": [c.value for c in PUBLIC_CHANNELS], "default": "careers_site"}),
]


class PublicSourceInput(SourceInput):
    """Where a public submission came from: any channel but those a recruiter records."""

    channel: PublicChannel = Channel.CAREERS_SITE


class CaptureRequest(ProfileFields):
    """What a careers site posts to POST /candidates."""

    email: EmailAddress
    consent: ConsentInput
    source: PublicSourceInput = Field(default_factory=PublicSourceInput)
    website: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="Honeypot: leave empty. People never see this field; bots fill it in."
    )


class CaptureResponse(Model):
    """The answer to every accepted public submission, whoever the address belongs to (or a bot): nothing in it
    says whether the address was new, known or confirmed."""

    status: Literal["pending_confirmation"] = Field(
        default="pending_confirmation", description="An email to the address will ask its owner to confirm"
    )
    request_id: str = Field(description="A random reference for this submission, for support; not a candidate id")


class ConsentRecord(Model):
    """One consent given or withdrawn, kept for the candidate's export and for audit."""

    status: ConsentStatus
    text_version: str | None = None
    given_at: str | None = None
    confirmed_at: str | None = None
    withdrawn_at: str | None = None
    ip_hash: str | None = None
    user_agent: str | None = None
    channel: Channel | None = None


class Source(Model):
    channel: Channel
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    referrer_id: str | None = None


class Preferences(Model):
    """What the candidate chose in the preference centre. Topics are their `interests`."""

    model_config = _STRICT

    max_per_week: Annotated[int, Field(ge=1, le=7)] | None = Field(
        default=None, description="At most this many marketing emails a week (never more than the global cap)"
    )
    paused_until: str | None = Field(default=None, description="No marketing email before this time")


class Owner(Model):
    """The recruiter who owns the relationship: emails go out in their name, replies come back to them."""

    model_config = _STRICT

    id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128), PlainText, NOT_BLANK]
    name: Name
    email: EmailAddress


class PendingChange(Model):
    """New details sent for a proven address, held beside the profile until the address's owner confirms them.

    Anyone can type an address into a form, so a profile whose address was once confirmed changes only
    through a link sent to it. A newer submission replaces the held one (and its link); it lapses after
    `lapses_at`, and DynamoDB's TTL then removes it: the submitted details are not kept once unusable.
    """

    model_config = ConfigDict(extra="ignore")

    candidate_id: str
    nonce: str
    submitted_at: str
    lapses_at: str = Field(description="No longer applicable after this time (ISO 8601, UTC)")
    profile: ProfileFields
    consent: ConsentRecord = Field(description="The consent given with the submission, recorded when applied")
    source: Source
    sent_nonce: str | None = Field(default=None, description="The nonce whose link was emailed (once per link)")
    sent_at: str | None = None


class Candidate(ProfileFields):
    """The stored profile. The only place, with the email guard, that holds contact data."""

    model_config = ConfigDict(extra="ignore")

    candidate_id: str
    email: str
    stage: Stage = Stage.LEAD
    source: Source
    consent: ConsentRecord
    consent_history: list[ConsentRecord] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    owner: Owner | None = None
    engagement: float = Field(default=0.0, description="Engagement score as of engagement_at (it decays from there)")
    engagement_at: str | None = None
    captured_at: str
    updated_at: str
    version: int = 1
    confirmation_nonce: str | None = None
    confirmation_requested_at: str | None = None
    confirmation_sent_nonce: str | None = None
    confirmation_sent_at: str | None = None
    suppressed_at: str | None = Field(default=None, description="Hard bounce or complaint: never email again")
    suppression_reason: str | None = None
    unsubscribed_at: str | None = None
    preferences: Preferences = Field(default_factory=Preferences)

    def shown(self, *, also: frozenset[str] = frozenset()) -> dict[str, Any]:
        """The profile as JSON for people to read (a recruiter, an export): without the nonces behind its emailed
        links, which are internal bookkeeping and mean nothing to a reader."""
        return self.model_dump(mode="json", exclude={*LINK_NONCES, *also}, exclude_none=True)


LINK_NONCES = ("confirmation_nonce", "confirmation_sent_nonce")


class TimelineKind(StrEnum):
    """What a timeline entry records. Stored and shown as its value; reports and the profile read these."""

    CAPTURED = "captured"
    RESUBMITTED = "resubmitted"
    CHANGE_REQUESTED = "change_requested"
    CONFIRMED = "confirmed"
    CHANGE_APPLIED = "change_applied"
    IMPORTED = "imported"
    NOTE = "note"
    TAGS_CHANGED = "tags_changed"
    OWNER_CHANGED = "owner_changed"
    PROFILE_UPDATED = "profile_updated"
    STAGE_CHANGED = "stage_changed"
    EXPORTED = "exported"
    UNSUBSCRIBED = "unsubscribed"
    PREFERENCES_CHANGED = "preferences_changed"
    PAUSED = "paused"
    RESUMED = "resumed"
    SUPPRESSED = "suppressed"
    NOTICE = "notice"
    EMAIL_SENT = "email_sent"
    EMAIL_FAILED = "email_failed"
    SEND_OUTCOME_UNKNOWN = "send_outcome_unknown"
    EMAIL_DELIVERED = "email_delivered"
    EMAIL_OPENED = "email_opened"
    EMAIL_CLICKED = "email_clicked"
    EMAIL_BOUNCED = "email_bounced"
    EMAIL_COMPLAINED = "email_complained"
    EMAIL_REJECTED = "email_rejected"
    EMAIL_DELAYED = "email_delayed"
    EMAIL_RENDERING_FAILED = "email_rendering_failed"
    SEQUENCE_ENROLLED = "sequence_enrolled"
    SEQUENCE_EXITED = "sequence_exited"
    SEQUENCE_COMPLETED = "sequence_completed"
    SEQUENCE_FAILED = "sequence_failed"
    SEQUENCE_STOPPED = "sequence_stopped"
    CAMPAIGN_DEFERRED_TOO_LONG = "campaign_deferred_too_long"
    # A stage's status email went out: stage_<stage>, the same word its SES tag carries.
    STAGE_LEAD = "stage_lead"
    STAGE_ENGAGED = "stage_engaged"
    STAGE_NURTURED = "stage_nurtured"
    STAGE_APPLIED = "stage_applied"
    STAGE_INTERVIEWING = "stage_interviewing"
    STAGE_OFFERED = "stage_offered"
    STAGE_HIRED = "stage_hired"
    STAGE_REJECTED = "stage_rejected"
    STAGE_ARCHIVED = "stage_archived"


class TimelineEntry(Model):
    """One interaction with the candidate. Its data holds ids and facts, never contact details."""

    entry_id: str
    candidate_id: str
    kind: str  # a TimelineKind's value (str, so the document and stored entries read as before)
    at: str
    actor: str = "system"
    data: dict[str, object] = Field(default_factory=dict)
