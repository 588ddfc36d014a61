"""Search and segment models: the candidate filter, index streams, a page of summaries, a saved segment."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_serializer,
)

from talentpool.models.base import Model
from talentpool.models.candidate import (
    NOT_A_BOOLEAN,
    NOT_BLANK,
    Channel,
    ConsentStatus,
    CountryCode,
    Label,
    PlainText,
    ShortText,
    Stage,
    Years,
)
from talentpool.models.email_address import normalise_email
from talentpool.models.text import PLAIN_LINES, folded

MAX_FILTER_SKILLS = 10
DEFAULT_LIMIT = 25
MAX_LIMIT = 100


class SkillsMode(StrEnum):
    ALL = "all"
    ANY = "any"


def split_skill_list(value: Any) -> Any:
    """`skills=a,b` and `skills=a&skills=b` mean the same; blank pieces between commas are dropped, but a value
    with nothing in it (`skills=`) is a mistake, not "no skill": leave the parameter out for that."""
    if value is None:
        return value
    if not isinstance(value, list | tuple):
        # A query string's values always come as a list; a bare string is a JSON body's, which must be an array.
        return value
    out: list[Any] = []
    for piece in value:
        if not isinstance(piece, str):
            out.append(piece)
            continue
        named = [p for p in piece.split(",") if p.strip()]
        if not named:
            raise ValueError("must name at least one skill")
        out.extend(named)
    return out


def _as_utc(value: datetime) -> datetime:
    """A time without an offset is read as UTC: stored capture times are UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


SkillList = Annotated[
    list[Label],
    BeforeValidator(split_skill_list),
    Field(max_length=MAX_FILTER_SKILLS),
    AfterValidator(lambda v: list(dict.fromkeys(v))),
]


def _iso_only(value: Any) -> Any:
    """Pydantic would read a number, or a string of one, as seconds since 1970: the document promises ISO 8601."""
    if not isinstance(value, str | datetime) or (isinstance(value, str) and not _ISO_START.match(value)):
        raise ValueError("must be an ISO 8601 date or time, such as 2026-11-25T09:00:00Z")
    return value


_ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}")
CapturedAfter = Annotated[datetime, BeforeValidator(_iso_only), AfterValidator(_as_utc)]
# A floor on a score that is rounded to 4 decimals, stored with a segment: DynamoDB numbers reach 1e125.
EngagementFloor = Annotated[
    float, Field(ge=0, le=1_000_000, allow_inf_nan=False), AfterValidator(lambda value: round(value, 4)), NOT_A_BOOLEAN
]
# Present means a page to continue from: an empty cursor is a mistake, not the first page (leave it out for that).
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=600)]


def _find_text(value: str) -> str:
    """An address is matched whole, so it must be one (and is normalised as stored); a name needs a letter."""
    if "@" in value:
        try:
            return normalise_email(value)
        except ValueError as exc:
            raise ValueError(f"is not a full email address: {exc}") from exc
    if not any(char.isalnum() for char in folded(value)):
        raise ValueError("must contain a letter or digit of a name")
    return value


FindText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=254),
    PlainText,
    NOT_BLANK,
    AfterValidator(_find_text),
]


class CandidateFilter(Model):
    """Which candidates: every field narrows the result (they combine with AND)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    skills: SkillList = Field(
        default_factory=list, description="Skills, comma-separated or repeated; see skills_mode (at most 10)"
    )
    skills_mode: SkillsMode = Field(
        default=SkillsMode.ALL, description="all: every listed skill; any: at least one of them"
    )
    not_skills: SkillList = Field(default_factory=list, description="Exclude candidates with any of these skills")
    min_experience: Years | None = Field(default=None, description="At least this many years (a figure is needed)")
    max_experience: Years | None = Field(default=None, description="At most this many years (a figure is needed)")
    country: CountryCode | None = Field(default=None, description="ISO 3166-1 alpha-2 code, such as PT")
    city: ShortText | None = Field(default=None, description="City, case-insensitive; fastest together with country")
    stage: Stage | None = None
    tag: Label | None = None
    source_channel: Channel | None = None
    consent: ConsentStatus | None = None
    min_engagement: EngagementFloor | None = Field(default=None, description="Engagement score floor")
    captured_after: CapturedAfter | None = Field(
        default=None, description="Captured at or after this ISO 8601 date or time (UTC unless an offset is given)"
    )

    def canonical(self) -> dict[str, Any]:
        """The filter as plain JSON values, defaults left out: what a cursor's digest and a segment store."""
        return self.model_dump(mode="json", exclude_defaults=True)


class CandidateQuery(CandidateFilter):
    """A search: the filter, and optionally one person to find. Not a segment: an audience never names anyone."""

    q: FindText | None = Field(
        default=None,
        description="Find people: a full email address (matched exactly, after normalising) or the start of a "
        "name, given name first, ignoring case and accents. Combines with the other filters; results then "
        "carry `email`.",
    )


class SearchParams(CandidateQuery):
    """GET /candidates query parameters: the query plus paging."""

    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = Field(default=DEFAULT_LIMIT, description="Page size, 1-100")
    cursor: Cursor | None = Field(default=None, description="next_cursor from the previous page of the same query")

    def as_query(self) -> CandidateQuery:
        return CandidateQuery.model_validate(self.model_dump(exclude={"limit", "cursor"}))


class PageParams(Model):
    """Paging for routes that have a fixed filter (a saved segment, the segment list)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = Field(default=DEFAULT_LIMIT, description="Page size, 1-100")
    cursor: Cursor | None = Field(default=None, description="next_cursor from the previous page")


class CandidateSummary(Model):
    """The pseudonymous summary every index entry carries (store.schema.SUMMARY_ATTRIBUTES): no contact data."""

    model_config = ConfigDict(extra="ignore")

    candidate_id: str
    skills: list[str] = Field(default_factory=list)
    years_experience: int | None = None
    country: str | None = None
    city: str | None = None
    stage: str
    tags: list[str] = Field(default_factory=list)
    source_channel: str | None = None
    consent_status: str | None = None
    engagement: float = 0.0
    captured_at: str
    owner_id: str | None = None
    interests: list[str] = Field(default_factory=list)
    email: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="Only when found with q: the address, to tell people apart",
    )


class ReadStats(Model):
    """What answering cost: entries DynamoDB read (its ScannedCount) against entries returned."""

    index: str = Field(description="The index that drove the query, such as skill:python or stage:lead")
    items_read: int
    items_returned: int
    queries: int = Field(description="DynamoDB Query calls made")


class CandidatePage(Model):
    items: list[CandidateSummary]
    next_cursor: str | None = Field(default=None, description="Pass back as cursor for the next page; null at the end")
    read: ReadStats


class SegmentRequest(Model):
    """POST /segments: a named filter, evaluated whenever it is used."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), PlainText, NOT_BLANK]
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), PLAIN_LINES] | None = None
    filter: CandidateFilter


class Segment(SegmentRequest):
    """A stored segment. Reading one back ignores the storage attributes (keys, entity)."""

    model_config = ConfigDict(extra="ignore")

    segment_id: str
    created_at: str
    created_by: str

    @field_serializer("filter")
    def _compact(self, value: CandidateFilter) -> dict[str, Any]:
        """Shown and stored as given: only the filters that narrow, so defaults added later apply to it too."""
        return value.canonical()


class SegmentList(Model):
    items: list[Segment]
    next_cursor: str | None = None


class SegmentCount(Model):
    segment_id: str
    count: int
    read: ReadStats


class Driver(StrEnum):
    """The indexes a query can be driven by, each a sorted run of summaries."""

    SKILL = "skill"  # skill index items, sorted by years then id
    TAG = "tag"  # tag index items, sorted by id
    COUNTRY = "country"  # GSI by_country, sorted by city then id
    STAGE = "stage"  # GSI by_stage, sorted by id
    CHANNEL = "channel"  # GSI by_channel, sorted by id
    CONSENT = "consent"  # GSI by_consent, sorted by id
    NAME = "name"  # GSI by_name, sorted by folded name (read in alphabetical order)
    EMAIL = "email"  # the email guard, then the profile: one candidate at most


@dataclass(frozen=True)
class Stream:
    """One index partition and a key range in it. Read newest-first (descending sort key)."""

    driver: Driver
    value: str
    min_years: int | None = None  # skill: experience range, both ends inclusive
    max_years: int | None = None
    city: str | None = None  # country: lower-cased city prefix
    since_id: str | None = None  # id-sorted streams: the smallest id that can match captured_after


@dataclass(frozen=True)
class IndexEntry:
    """A summary and its position (the stream's sort key), which orders entries and resumes a read."""

    position: str
    summary: dict[str, Any]


@dataclass(frozen=True)
class IndexPage:
    entries: list[IndexEntry]
    scanned: int  # ScannedCount: what DynamoDB read and bills
    last: str | None  # position of LastEvaluatedKey; None when the range is exhausted
