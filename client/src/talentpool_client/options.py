"""Options declared once and shared: the filters (`candidates search`, `segments create`) and the profile
fields (`candidates add`, `candidates update`).

Each is an OptionSpec: its API field, its CLI flag and its type. `inject` adds a set of them to a command's
signature (typer reads the signature) and hands the command their values as one dict. The flags also let error
messages say `--min-exp` where the API says `min_experience`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import typer


# The API's enumerations. tests/unit/test_cli_filters.py checks them against the server's models, so a new stage
# on the server fails a test here instead of being refused by the CLI.
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


class Consent(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class Channel(StrEnum):
    CAREERS_SITE = "careers_site"
    SOCIAL = "social"
    JOB_BOARD = "job_board"
    EVENT = "event"
    REFERRAL = "referral"
    IMPORT = "import"
    RECRUITER = "recruiter"


class SkillsMode(StrEnum):
    ALL = "all"
    ANY = "any"


class Topic(StrEnum):
    CAREER_ADVICE = "career_advice"
    SECTOR_NEWS = "sector_news"
    EVENTS = "events"
    JOB_ALERTS = "job_alerts"


@dataclass(frozen=True)
class OptionSpec:
    """One CLI option standing for one API field."""

    field: str
    flag: str
    annotation: Any
    help: str
    panel: str

    def parameter(self) -> inspect.Parameter:
        option = typer.Option(self.flag, help=self.help, rich_help_panel=self.panel, show_default=False)
        return inspect.Parameter(
            self.field, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[self.annotation, option]
        )


def _filter(field: str, flag: str, annotation: Any, help: str) -> OptionSpec:
    return OptionSpec(field, flag, annotation, help, "Filters")


def _profile(field: str, flag: str, annotation: Any, help: str) -> OptionSpec:
    return OptionSpec(field, flag, annotation, help, "Profile")


FILTERS: tuple[OptionSpec, ...] = (
    _filter("skills", "--skill", list[str] | None, "A skill; repeat or comma-separate for several"),
    _filter("skills_mode", "--skills-mode", SkillsMode | None, "all (default): every skill; any: one of them"),
    _filter("not_skills", "--not-skill", list[str] | None, "Leave out anyone with this skill (repeatable)"),
    _filter("min_experience", "--min-exp", int | None, "At least this many years of experience"),
    _filter("max_experience", "--max-exp", int | None, "At most this many years of experience"),
    _filter("country", "--country", str | None, "ISO country code, such as PT"),
    _filter("city", "--city", str | None, "City (case-insensitive); fastest with --country"),
    _filter("stage", "--stage", Stage | None, "Pipeline stage"),
    _filter("tag", "--tag", str | None, "Has this tag"),
    _filter("source_channel", "--channel", Channel | None, "Where they came from"),
    _filter("consent", "--consent", Consent | None, "Marketing consent status"),
    _filter("min_engagement", "--min-engagement", float | None, "Engagement score at least this"),
    _filter("captured_after", "--captured-after", str | None, "Captured on or after this ISO date or time"),
)

# The writable profile, as `candidates add` and `candidates update` take it. City, country and timezone travel
# inside `location` (see profile_body).
PROFILE: tuple[OptionSpec, ...] = (
    _profile("first_name", "--first-name", str | None, "First name"),
    _profile("last_name", "--last-name", str | None, "Last name"),
    _profile("phone", "--phone", str | None, "Phone number, e.g. +351 912 345 678"),
    _profile("linkedin_url", "--linkedin", str | None, "LinkedIn profile URL"),
    _profile("city", "--city", str | None, "City"),
    _profile("country", "--country", str | None, "ISO country code, such as PT"),
    _profile("timezone", "--timezone", str | None, "IANA timezone, e.g. Europe/Lisbon (for send times)"),
    _profile("skills", "--skills", list[str] | None, "Skills, comma-separated or repeated (replaces the list)"),
    _profile("years_experience", "--years", int | None, "Years of experience"),
    _profile("desired_roles", "--role", list[str] | None, "A desired role (repeatable; replaces the list)"),
    _profile("interests", "--interest", list[Topic] | None, "A nurture topic (repeatable; replaces the list)"),
)
LOCATION_FIELDS = ("city", "country", "timezone")
LIST_FIELDS = frozenset({"skills", "not_skills", "desired_roles"})


def flags(specs: Iterable[OptionSpec]) -> dict[str, str]:
    """API field → CLI flag, so an API error about `min_experience` can name `--min-exp`."""
    return {spec.field: spec.flag for spec in specs}


def split_values(values: Iterable[str] | None) -> list[str]:
    """`--skill python,go --skill rust` → [python, go, rust]: trimmed, empty ones dropped, first spelling kept."""
    seen: dict[str, None] = {}
    for value in values or ():
        for part in value.split(","):
            if part.strip():
                seen.setdefault(part.strip(), None)
    return list(seen)


def _api_value(name: str, value: Any) -> Any:
    if name in LIST_FIELDS:
        return split_values(value) or None
    if name == "country" and value:
        return value.strip().upper()  # ISO codes are upper case; `pt` is an obvious slip for PT
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, list):
        return [v.value if isinstance(v, StrEnum) else v for v in value] or None
    return value


def given(options: dict[str, Any]) -> dict[str, Any]:
    """The API fields the user actually set, in the API's shapes (lists split, enums as their values)."""
    values = {name: _api_value(name, value) for name, value in options.items()}
    return {name: value for name, value in values.items() if value is not None}


def profile_body(options: dict[str, Any]) -> dict[str, Any]:
    """Profile options as the API's body: location fields nested under `location`."""
    body = given(options)
    location = {name: body.pop(name) for name in LOCATION_FIELDS if name in body}
    if location:
        body["location"] = location
    return body


Command = TypeVar("Command", bound=Callable[..., Any])


def inject(specs: tuple[OptionSpec, ...], into: str) -> Callable[[Command], Command]:
    """Add every option in `specs` to the command, which receives their raw values as one dict named `into`."""

    def decorate(command: Command) -> Command:
        signature = inspect.signature(command, eval_str=True)
        own = [p for name, p in signature.parameters.items() if name != into]
        parameters = own + [spec.parameter() for spec in specs]

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return command(*args, **{into: {spec.field: kwargs.pop(spec.field, None) for spec in specs}}, **kwargs)

        # typer reads the signature (and resolves annotations from __annotations__): both describe the new one.
        wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        del wrapper.__wrapped__  # else inspect would show the original signature
        return wrapper  # type: ignore[return-value]

    return decorate
