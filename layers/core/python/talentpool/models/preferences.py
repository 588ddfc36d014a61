"""The preference centre's requests (a form or JSON body per action) and the view its page is drawn from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from talentpool.errors import FieldError, NotFound, ValidationFailed
from talentpool.models.base import Model
from talentpool.models.candidate import Candidate, ConsentStatus, Topic

# The pauses the page offers; the API takes any whole number of weeks up to a year.
PAUSE_WEEKS = (1, 2, 4, 8, 12)
MAX_PAUSE_WEEKS = 52
# The frequencies the page offers besides "as they come" (the global cap); 1-7 are accepted from the API.
FREQUENCY_CHOICES = (1, 2)
DEFAULT_FREQUENCY = "default"
MAX_PER_WEEK = 7
CONFIRM_DELETE = "yes"
CONFIRM_MESSAGE = "Tick the box to confirm that you want everything deleted"
# Topic names as the careers form and the preference centre label their boxes.
TOPIC_LABELS = {
    Topic.CAREER_ADVICE: "Career advice",
    Topic.SECTOR_NEWS: "Sector news",
    Topic.EVENTS: "Events",
    Topic.JOB_ALERTS: "Matching jobs",
}


class Action(StrEnum):
    """The buttons of the preference centre: each form posts one of these as `action`."""

    SAVE = "save"
    PAUSE = "pause"
    RESUME = "resume"
    UNSUBSCRIBE = "unsubscribe"
    DELETE = "delete"


class Notice(StrEnum):
    """What the page says after a change (the `notice` query parameter of the redirect back to it)."""

    SAVED = "saved"
    PAUSED = "paused"
    RESUMED = "resumed"
    UNSUBSCRIBED = "unsubscribed"


def _topics(value: Any) -> list[Topic]:
    values = [value] if isinstance(value, str) else list(value or [])
    known = {topic.value for topic in Topic}
    if any(not isinstance(v, str) or v not in known for v in values):
        raise ValueError("Choose topics from the list on the page")
    return list(dict.fromkeys(Topic(v) for v in values))


def whole_number(value: Any, low: int, high: int) -> int | None:
    """`value` as a whole number from `low` to `high`, from JSON or a form; None for anything else.

    int() alone would turn 1.9 into 1 and True into 1: a fraction or a boolean is refused, never rounded.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        number = int(value) if value.is_integer() else None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    else:
        number = None
    return number if number is not None and low <= number <= high else None


def _frequency(value: Any) -> int | None:
    if value in (None, "", DEFAULT_FREQUENCY):
        return None
    number = whole_number(value, 1, MAX_PER_WEEK)
    if number is None:
        raise ValueError("Choose how often we may write: once a week, twice a week, or as they come")
    return number


def _weeks(value: Any) -> int:
    number = whole_number(value, 1, MAX_PAUSE_WEEKS)
    if number is None:
        raise ValueError(f"Choose how long to pause: a whole number of weeks from 1 to {MAX_PAUSE_WEEKS}")
    return number


def _confirmed(value: Any) -> bool:
    if value is True or (isinstance(value, str) and value.strip().lower() == CONFIRM_DELETE):
        return True
    raise ValueError(CONFIRM_MESSAGE)


Topics = Annotated[list[Topic], BeforeValidator(_topics)]
Frequency = Annotated[int | None, BeforeValidator(_frequency)]
PauseWeeks = Annotated[int, BeforeValidator(_weeks)]
DeleteConfirmed = Annotated[bool, BeforeValidator(_confirmed)]

# Unknown names are ignored, not refused: a browser also posts the button's name and hidden fields.
_FORM = ConfigDict(extra="ignore", frozen=True)


class SaveChoices(Model):
    """Topics (the candidate's interests) and how many marketing emails a week; None is the global cap."""

    model_config = _FORM

    action: Literal[Action.SAVE] = Action.SAVE
    interests: Topics = []
    max_per_week: Frequency = None


class PauseEmails(Model):
    model_config = _FORM

    action: Literal[Action.PAUSE] = Action.PAUSE
    weeks: PauseWeeks


class ResumeEmails(Model):
    model_config = _FORM

    action: Literal[Action.RESUME] = Action.RESUME


class UnsubscribeAll(Model):
    model_config = _FORM

    action: Literal[Action.UNSUBSCRIBE] = Action.UNSUBSCRIBE


class DeleteEverything(Model):
    """Erasure needs a second, deliberate step: the confirmation page's tick box."""

    model_config = _FORM

    action: Literal[Action.DELETE] = Action.DELETE
    confirm: DeleteConfirmed = False


PreferencesRequest = SaveChoices | PauseEmails | ResumeEmails | UnsubscribeAll | DeleteEverything
_REQUEST_TYPES = (SaveChoices, PauseEmails, ResumeEmails, UnsubscribeAll, DeleteEverything)

_MODELS: dict[str, type[BaseModel]] = {
    Action.SAVE: SaveChoices,
    Action.PAUSE: PauseEmails,
    Action.RESUME: ResumeEmails,
    Action.UNSUBSCRIBE: UnsubscribeAll,
    Action.DELETE: DeleteEverything,
}
_MULTI_VALUE = frozenset({"interests"})


def form_to_request(fields: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The JSON body a preference-centre form stands for: topics as a list, every other field its last value."""
    return {name: list(values) if name in _MULTI_VALUE else values[-1] for name, values in fields.items() if values}


def parse_request(body: Mapping[str, Any]) -> PreferencesRequest:
    """The request for the button that was pressed, or ValidationFailed with a message per field."""
    model = _MODELS.get(str(body.get("action", "")))
    if model is None:
        raise ValidationFailed("Choose one of the buttons on the page", [FieldError(["action"], "is not an action")])
    try:
        parsed = model.model_validate(dict(body))
    except ValidationError as invalid:
        raise ValidationFailed(
            "Some of your choices need another look", [_field_error(e) for e in invalid.errors()]
        ) from None
    if isinstance(parsed, DeleteEverything) and not parsed.confirm:
        # An unticked box is simply absent from a form post, so the validator never saw it.
        raise ValidationFailed(CONFIRM_MESSAGE, [FieldError(["confirm"], CONFIRM_MESSAGE)])
    assert isinstance(parsed, _REQUEST_TYPES)
    return parsed


def _field_error(raw: Mapping[str, Any]) -> FieldError:
    loc = [p for p in raw.get("loc", ()) if isinstance(p, str)][:1] or ["form"]
    if raw.get("type") == "missing":
        return FieldError(loc, "Please make a choice here")
    return FieldError(loc, str(raw.get("msg", "is not valid")).removeprefix("Value error, "))


class PreferencesInvalid(ValidationFailed):
    """A preference-centre post that did not validate, with what is needed to show the page again."""

    def __init__(self, invalid: ValidationFailed, view: PreferencesView, action: str) -> None:
        super().__init__(invalid.message, invalid.fields)
        self.view = view
        self.action = action


class NoLongerHeld(NotFound):
    """A genuine link for someone whose data was erased: there is nothing left to show or change."""

    code = "no_longer_held"


class PreferencesView(Model):
    """One candidate's preference centre, as logic reads it: shown only to the holder of their signed link."""

    model_config = ConfigDict(frozen=True)

    candidate: Candidate
    reason: str
    subscribed: bool
    paused_until: datetime | None

    def as_json(self) -> dict[str, Any]:
        """The API's view: their choices and the contact details we hold, never internal bookkeeping."""
        c = self.candidate
        return {
            "first_name": c.first_name,
            "email": c.email,
            "interests": [t.value for t in c.interests],
            "max_per_week": c.preferences.max_per_week,
            "paused_until": c.preferences.paused_until if self.paused_until else None,
            "subscribed": self.subscribed,
            "unsubscribed_at": c.unsubscribed_at,
            "consent_status": c.consent.status.value,
            "suppressed": c.suppressed_at is not None,
            "reason": self.reason,
        }


class UnsubscribeView(Model):
    """What the one-click confirm page and its answer need: no name, only a hint of the address."""

    model_config = ConfigDict(frozen=True)

    held: bool = True
    already: bool = False
    changed: bool = False
    email_hint: str = ""


def email_hint(email: str) -> str:
    """'a•••@example.com': enough for a person with several addresses to know which one, no more."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


def is_subscribed(candidate: Candidate) -> bool:
    return candidate.unsubscribed_at is None and candidate.consent.status is not ConsentStatus.WITHDRAWN
