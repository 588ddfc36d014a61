"""The self-service pages' context: the preference centre, the delete step, unsubscribe and problem pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from talentpool import errors
from talentpool.clock import parse_iso
from talentpool.models.candidate import Candidate, Channel, ConsentStatus
from talentpool.models.geography import countries
from talentpool.models.preferences import (
    DEFAULT_FREQUENCY,
    FREQUENCY_CHOICES,
    PAUSE_WEEKS,
    TOPIC_LABELS,
    Action,
    NoLongerHeld,
    Notice,
    PreferencesInvalid,
    PreferencesView,
)
from talentpool.views import pages
from talentpool.views.dates import day_label
from talentpool.views.forms import form_errors

# Links and forms on these pages are relative to the page (/…/preferences/<token>, /…/unsubscribe/<token>):
# they work under any host, API stage prefix or custom domain the email link used, and a form always posts
# to the page's own origin, which is all the CSP's form-action 'self' allows.
CAREERS_URL = "../careers"
DEFAULT_PAUSE_WEEKS = 4
PREFERENCE_FIELDS = ("interests", "max_per_week", "weeks")

NOTICES = {
    Notice.SAVED: "Saved. Your choices are up to date.",
    Notice.PAUSED: "Saved. Your emails are paused.",
    Notice.RESUMED: "Saved. Your emails are on again.",
    Notice.UNSUBSCRIBED: "You are unsubscribed. We will not send you any more marketing email.",
}
JOINED_VIA = {
    Channel.CAREERS_SITE: "You signed up on our careers site",
    Channel.SOCIAL: "You signed up through social media",
    Channel.JOB_BOARD: "You signed up through a job board",
    Channel.EVENT: "You signed up at an event",
    Channel.REFERRAL: "Someone referred you and you signed up",
    Channel.IMPORT: "Your details came from a list we imported",
    Channel.RECRUITER: "One of our recruiters added your details",
}
FREQUENCY_LABELS = {1: "At most one email a week", 2: "At most two emails a week"}


@dataclass(frozen=True)
class Links:
    """This link's own pages, relative to the page; './' so a token never reads as a scheme."""

    token: str

    def own(self, suffix: str = "") -> str:
        return f"./{self.token}{suffix}"

    @property
    def action(self) -> str:
        return self.own()

    @property
    def export(self) -> str:
        return self.own("/export")

    @property
    def delete(self) -> str:
        return self.own("?step=delete")

    careers: str = CAREERS_URL


@dataclass(frozen=True)
class Frequency:
    value: str
    label: str


def notice_from(raw: str | None) -> Notice | None:
    """Only the fixed notices: the query string never puts words of its own on the page."""
    return next((notice for notice in Notice if notice.value == raw), None)


def _state(view: PreferencesView) -> str:
    candidate = view.candidate
    if not view.subscribed:
        return "Emails are off: you are unsubscribed."
    if candidate.suppressed_at:
        return "Emails are off: your address could not be reached."
    if candidate.consent.status is not ConsentStatus.ACTIVE:
        return "We send you no marketing email."
    if view.paused_until:
        return f"Emails are paused until {day_label(view.paused_until)}."
    return "Emails are on."


def _held_data(candidate: Candidate) -> dict[str, str | None]:
    location = candidate.location
    country = countries().get(location.country, location.country) if location and location.country else None
    years = candidate.years_experience
    return {
        "name": " ".join(p for p in (candidate.first_name, candidate.last_name) if p),
        "phone": candidate.phone,
        "location": ", ".join(p for p in (location.city if location else None, country) if p),
        "skills": ", ".join(candidate.skills),
        "experience": None if years is None else f"{years} year{'' if years == 1 else 's'}",
        "roles": ", ".join(candidate.desired_roles),
        "topics": ", ".join(TOPIC_LABELS[t] for t in candidate.interests),
        "joined": f"{JOINED_VIA[candidate.source.channel]}, {day_label(parse_iso(candidate.captured_at))}.",
    }


def _frequencies(current: int | None) -> list[Frequency]:
    # A cap set through the API that the page does not offer stays selectable, so saving topics keeps it.
    offered = [*FREQUENCY_CHOICES, *([current] if current and current not in FREQUENCY_CHOICES else [])]
    choices = [Frequency(str(n), FREQUENCY_LABELS.get(n, f"At most {n} emails a week")) for n in offered]
    return [*choices, Frequency(DEFAULT_FREQUENCY, "As they come")]


def _last(submitted: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = submitted.get(name) or []
    return values[-1] if values else None


def _field_of(names: Sequence[str]) -> Callable[[errors.FieldError], str | None]:
    def field_of(error: errors.FieldError) -> str | None:
        name = str(error.loc[0]) if error.loc else ""
        return name if name in names else None

    return field_of


def preferences_page(
    view: PreferencesView,
    token: str,
    *,
    notice: Notice | None = None,
    field_errors: Sequence[errors.FieldError] = (),
    submitted: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """The preference centre: current choices, why they get email, the data held, and a form per action."""
    candidate, submitted = view.candidate, submitted or {}
    # After a failed save the boxes show what was posted, not what is stored, so nothing typed is lost.
    action = _last(submitted, "action")
    saving, pausing = action == Action.SAVE, action == Action.PAUSE
    stored_frequency = str(candidate.preferences.max_per_week or DEFAULT_FREQUENCY)
    return pages.page(
        "preferences",
        title="Your email preferences",
        view=view,
        candidate=candidate,
        state=_state(view),
        notice=NOTICES[notice] if notice else "",
        errors=form_errors(field_errors, _field_of(PREFERENCE_FIELDS)),
        links=Links(token),
        subscribed=view.subscribed,
        pending=candidate.consent.status is ConsentStatus.PENDING,
        paused_until=day_label(view.paused_until) if view.paused_until else "",
        topics=[(topic.value, label) for topic, label in TOPIC_LABELS.items()],
        chosen_topics=set(submitted.get("interests", [])) if saving else {t.value for t in candidate.interests},
        frequencies=_frequencies(candidate.preferences.max_per_week),
        chosen_frequency=(_last(submitted, "max_per_week") if saving else None) or stored_frequency,
        pause_weeks=PAUSE_WEEKS,
        chosen_weeks=(_last(submitted, "weeks") if pausing else None) or str(DEFAULT_PAUSE_WEEKS),
        held=_held_data(candidate),
    )


def delete_page(view: PreferencesView, token: str, field_errors: Sequence[errors.FieldError] = ()) -> str:
    """The second step before erasure: a deliberate tick, so no stray click deletes anyone."""
    links = Links(token)
    return pages.page(
        "preferences-delete",
        title="Delete your data",
        email=view.candidate.email,
        action_url=links.action,
        export_url=links.export,
        back_url=links.action,
        errors=form_errors(field_errors, _field_of(("confirm",))),
    )


def problem_page(heading: str, message: str, back_url: str = "") -> str:
    return pages.page("self-service-problem", title=heading, heading=heading, message=message, back_url=back_url)


def error_page(error: errors.TalentpoolError, token: str, submitted: Mapping[str, list[str]], status: int) -> str:
    """Every error as a page a person can act on. Only a post that failed validation shows their data again,
    and only after its link was proven."""
    if isinstance(error, PreferencesInvalid):
        if error.action == Action.DELETE:
            return delete_page(error.view, token, error.fields)
        return preferences_page(error.view, token, field_errors=error.fields, submitted=submitted)
    if isinstance(error, errors.InvalidToken):
        if error.reason == "expired":
            return problem_page("This link has expired", "Please use the link in a more recent email from us.")
        return problem_page(
            "This link is not valid",
            "Please use the link in the most recent email from us, and make sure it was copied whole.",
        )
    if isinstance(error, NoLongerHeld):
        return problem_page(
            "We no longer hold data about you",
            "Your data was deleted, so there is nothing to show or change here. We will not email you again.",
        )
    if isinstance(error, errors.Conflict) and token:
        return problem_page("Nothing was changed", error.message, Links(token).action)
    if status == 404:
        return problem_page("Page not found", "There is no page at this address.")
    return problem_page("Something was not right", error.message)


def unsubscribed_page(heading: str, message: str, *, next_steps: bool = True) -> str:
    return pages.page(
        "unsubscribed", title=heading, heading=heading, message=message, careers_url=CAREERS_URL, next_steps=next_steps
    )
