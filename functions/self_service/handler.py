"""Candidate self-service behind signed email links: one-click unsubscribe (RFC 8058) and the preference centre.

Public routes, read by people in a browser (pages, forms that work without JavaScript), by mail clients
(the one-click POST) and by scripts that ask for JSON. Errors are pages unless JSON was asked for.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from talentpool import errors, http, pages, snapstart
from talentpool.clock import parse_iso, utcnow
from talentpool.config import SelfServiceEnv, load
from talentpool.limits import parse_json
from talentpool.logic import self_service
from talentpool.models.candidate import Candidate, Channel, ConsentStatus, Topic
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
    form_to_request,
)
from talentpool.models.recruiter import CandidateExport
from talentpool.observability import logger, metrics, tracer
from talentpool.store.candidates import CandidateStore
from talentpool.store.events import EventBus
from talentpool.store.secrets import token_secret
from talentpool.store.table import Table
from talentpool.store.workflows import Workflows

snapstart.restore_uniqueness()  # SnapStart restores this function from a snapshot of its init
ENV = load(SelfServiceEnv)
REPO = CandidateStore(Table(ENV.table_name))
BUS = EventBus(ENV.event_bus_name)
WORKFLOWS = Workflows()
# Links and forms on these pages are relative to the page (/…/preferences/<token>, /…/unsubscribe/<token>):
# they work under any host, API stage prefix or custom domain the email link used, and a form always posts
# to the page's own origin, which is all the CSP's form-action 'self' allows.
CAREERS_URL = "../careers"
EXPORT_FILENAME = "talentpool-data.json"
DEFAULT_PAUSE_WEEKS = 4
# The page holds a name and an address for the link's holder only: keep it out of search engines.
PRIVATE = {"X-Robots-Tag": "noindex, nofollow"}

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


def _secret() -> bytes:
    return token_secret(ENV.token_secret_arn)


def _token() -> str:
    return str((app.current_event.path_parameters or {}).get("token", ""))


def _link(token: str, suffix: str = "") -> str:
    """This link's own page (plus `suffix`), relative to the page; './' so a token never reads as a scheme."""
    return f"./{token}{suffix}"


def _page(name: str, title: str, values: Mapping[str, object], status: HTTPStatus = HTTPStatus.OK) -> Response[Any]:
    return http.html_response(status, pages.page(ENV.web_root, name, title=title, values=values), PRIVATE)


# --- Pages ---------------------------------------------------------------------------------------------


def _hidden(hide: bool) -> str:
    return " hidden" if hide else ""


def _checked(on: bool) -> str:
    return " checked" if on else ""


def _field_values(names: Sequence[str], field_errors: Sequence[errors.FieldError]) -> dict[str, object]:
    """Inline error text and attributes per field; an error at no field of the page shows in the summary."""
    messages: dict[str, list[str]] = {}
    for error in field_errors:
        name = str(error.loc[0]) if error.loc and str(error.loc[0]) in names else "form"
        messages.setdefault(name, []).append(error.msg[:1].upper() + error.msg[1:])
    values: dict[str, object] = {}
    for name in [*names, "form"]:
        text = "; ".join(messages.get(name, []))
        values[f"{name}_error"] = text
        values[f"{name}_error_hidden"] = _hidden(not text)
        values[f"{name}_invalid"] = ' aria-invalid="true"' if text else ""
    # Without JavaScript, autofocus is what takes a screen reader to the summary after the page reloads.
    values["error_summary_attrs"] = " autofocus" if field_errors else " hidden"
    values["error_list"] = _error_list(messages)
    return values


def _error_list(messages: Mapping[str, Sequence[str]]) -> str:
    """The summary's list: each message links to its field (ids match field names), the rest is plain text."""
    items = [
        f'<li><a href="#{html.escape(name)}">{html.escape(text)}</a></li>'
        if name != "form"
        else f"<li>{html.escape(text)}</li>"
        for name, texts in messages.items()
        for text in texts
    ]
    return f'<ul class="error-list">{"".join(items)}</ul>' if items else ""


def _state(view: PreferencesView) -> str:
    candidate = view.candidate
    if not view.subscribed:
        return "Emails are off: you are unsubscribed."
    if candidate.suppressed_at:
        return "Emails are off: your address could not be reached."
    if candidate.consent.status is not ConsentStatus.ACTIVE:
        return "We send you no marketing email."
    if view.paused_until:
        return f"Emails are paused until {_date(view)}."
    return "Emails are on."


def _date(view: PreferencesView) -> str:
    return self_service.day_label(view.paused_until) if view.paused_until else ""


def _day(stamp: str) -> str:
    return self_service.day_label(parse_iso(stamp))


def _notice(raw: str | None) -> Notice | None:
    """Only the fixed notices: the query string never puts words of its own on the page."""
    return next((notice for notice in Notice if notice.value == raw), None)


def _held_data(candidate: Candidate) -> dict[str, object]:
    location = candidate.location
    country = countries().get(location.country, location.country) if location and location.country else None
    place = ", ".join(p for p in (location.city if location else None, country) if p)
    years = candidate.years_experience
    return {
        "name": " ".join(p for p in (candidate.first_name, candidate.last_name) if p),
        "phone": candidate.phone,
        "location": place,
        "skills": ", ".join(candidate.skills),
        "experience": None if years is None else f"{years} year{'' if years == 1 else 's'}",
        "roles": ", ".join(candidate.desired_roles),
        "topics": ", ".join(TOPIC_LABELS[t] for t in candidate.interests),
        "joined": f"{JOINED_VIA[candidate.source.channel]}, {_day(candidate.captured_at)}.",
    }


def _frequency_values(current: int | None, submitted: Sequence[str] | None) -> dict[str, object]:
    chosen = submitted[-1] if submitted else (str(current) if current else DEFAULT_FREQUENCY)
    values: dict[str, object] = {f"frequency_{n}": _checked(chosen == str(n)) for n in FREQUENCY_CHOICES}
    values["frequency_default"] = _checked(chosen == DEFAULT_FREQUENCY)
    # A cap set through the API that the page does not offer stays selectable, so saving topics keeps it.
    other = current if current and current not in FREQUENCY_CHOICES else None
    values["frequency_current"] = (
        f'<label class="choice"><input type="radio" name="max_per_week" value="{other}"'
        f"{_checked(chosen == str(other))}> At most {other} emails a week</label>"
        if other
        else ""
    )
    return values


def _weeks_options(submitted: Sequence[str] | None) -> str:
    chosen = submitted[-1] if submitted else str(DEFAULT_PAUSE_WEEKS)
    return "".join(
        f'<option value="{n}"{" selected" if chosen == str(n) else ""}>{n} week{"" if n == 1 else "s"}</option>'
        for n in PAUSE_WEEKS
    )


def _posted_action(submitted: Mapping[str, Sequence[str]]) -> str:
    return (submitted.get("action") or [""])[-1]


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
    saving = _posted_action(submitted) == Action.SAVE
    topics = set(submitted.get("interests", [])) if saving else {t.value for t in candidate.interests}
    off = not view.subscribed
    pending = candidate.consent.status is ConsentStatus.PENDING
    values: dict[str, object] = {
        "first_name": candidate.first_name,
        "email": candidate.email,
        "reason": view.reason,
        "state": _state(view),
        "notice": NOTICES[notice] if notice else "",
        "notice_attrs": " autofocus" if notice and not field_errors else " hidden",
        "action_url": _link(token),
        "export_url": _link(token, "/export"),
        "delete_url": _link(token, "?step=delete"),
        "careers_url": CAREERS_URL,
        "choices_hidden": _hidden(off),
        "pause_hidden": _hidden(off or view.paused_until is not None),
        "resume_hidden": _hidden(off or view.paused_until is None),
        "paused_until": _date(view),
        "unsubscribe_hidden": _hidden(off),
        "sign_up_hidden": _hidden(not (off or pending)),
        "sign_up_heading": "Want to hear from us again?" if off else "Want our emails?",
        "weeks_options": _weeks_options(submitted.get("weeks") if _posted_action(submitted) == Action.PAUSE else None),
        **{f"topic_{t.value}": _checked(t.value in topics) for t in Topic},
        **_frequency_values(candidate.preferences.max_per_week, submitted.get("max_per_week") if saving else None),
        **_field_values(("interests", "max_per_week", "weeks"), field_errors),
        **_held_data(candidate),
    }
    return pages.page(ENV.web_root, "preferences.html", title="Your email preferences", values=values)


def delete_page(view: PreferencesView, token: str, field_errors: Sequence[errors.FieldError] = ()) -> str:
    """The second step before erasure: a deliberate tick, so no stray click deletes anyone."""
    values: dict[str, object] = {
        "email": view.candidate.email,
        "action_url": _link(token),
        "export_url": _link(token, "/export"),
        "back_url": _link(token),
        **_field_values(("confirm",), field_errors),
    }
    return pages.page(ENV.web_root, "preferences-delete.html", title="Delete your data", values=values)


def _problem(heading: str, message: str, back_url: str = "") -> str:
    values = {"heading": heading, "message": message, "back_url": back_url, "back_hidden": _hidden(not back_url)}
    return pages.page(ENV.web_root, "self-service-problem.html", title=heading, values=values)


def error_page(status: HTTPStatus, error: errors.TalentpoolError, submitted: Mapping[str, list[str]]) -> str:
    """Every error as a page a person can act on. Only a post that failed validation shows their data again,
    and only after its link was proven."""
    if isinstance(error, PreferencesInvalid):
        if error.action == Action.DELETE:
            return delete_page(error.view, _token(), error.fields)
        return preferences_page(error.view, _token(), field_errors=error.fields, submitted=submitted)
    if isinstance(error, errors.InvalidToken):
        if error.reason == "expired":
            return _problem("This link has expired", "Please use the link in a more recent email from us.")
        return _problem(
            "This link is not valid",
            "Please use the link in the most recent email from us, and make sure it was copied whole.",
        )
    if isinstance(error, NoLongerHeld):
        return _problem(
            "We no longer hold data about you",
            "Your data was deleted, so there is nothing to show or change here. We will not email you again.",
        )
    if isinstance(error, errors.Conflict) and _token():
        return _problem("Nothing was changed", error.message, _link(_token()))
    if status == HTTPStatus.NOT_FOUND:
        return _problem("Page not found", "There is no page at this address.")
    return _problem("Something was not right", error.message)


app = http.create_app(html_error_page=error_page)


def _wants_json() -> bool:
    return not http.wants_html(app)


# --- Routes --------------------------------------------------------------------------------------------


@app.get(
    "/unsubscribe/<token>",
    summary="Unsubscribe: the confirm page",
    description="Public. The visible unsubscribe link in every marketing email. Shows a page with a button; "
    "never changes anything, because mail scanners open links before people do.",
    responses={200: http.html_page("The confirm page"), 403: {"description": "Invalid or expired link"}},
)
def get_unsubscribe(token: str) -> Response[Any]:
    view = self_service.unsubscribe_page(token, secret=_secret(), now=utcnow(), repo=REPO)
    if view.already:
        return _unsubscribed_page("You are already unsubscribed", "We are not sending you any marketing email.")
    values = {"email_hint": view.email_hint, "action_url": _link(token)}
    return _page("unsubscribe.html", "Unsubscribe", values)


@app.post(
    "/unsubscribe/<token>",
    summary="Unsubscribe in one click (RFC 8058)",
    description="Public. The List-Unsubscribe target: mail clients POST `List-Unsubscribe=One-Click` with no "
    "cookies. Takes effect at once and answers 200; repeating it changes nothing.",
    responses={
        200: http.page_or_json("Unsubscribed", {"type": "object", "properties": {"status": {"type": "string"}}}),
        403: {"description": "Invalid or expired link"},
    },
)
def post_unsubscribe(token: str) -> Response[Any]:
    view = self_service.unsubscribe(token, secret=_secret(), now=utcnow(), repo=REPO, bus=BUS)
    if _wants_json():
        return http.json_response(HTTPStatus.OK, {"status": "unsubscribed"})
    if not view.held:
        return _unsubscribed_page(
            "You will get no email from us", "We no longer hold any data about you.", next_steps=False
        )
    if view.already:
        return _unsubscribed_page("You are already unsubscribed", "Nothing has changed.")
    return _unsubscribed_page(
        "You are unsubscribed", f"We will not send any more marketing email to {view.email_hint}."
    )


def _unsubscribed_page(heading: str, message: str, *, next_steps: bool = True) -> Response[Any]:
    values = {
        "heading": heading,
        "message": message,
        "careers_url": CAREERS_URL,
        "next_hidden": _hidden(not next_steps),
    }
    return _page("unsubscribed.html", heading, values)


@app.get(
    "/preferences/<token>",
    summary="The preference centre",
    description="Public. Topics, frequency, pause, unsubscribe, and the candidate's data. `?step=delete` shows "
    "the confirmation before erasure. With `Accept: application/json`, the preferences as JSON.",
    responses={
        200: http.page_or_json("The page, or the preferences as JSON", {"type": "object"}),
        403: {"description": "Invalid link"},
    },
)
def get_preferences(token: str) -> Response[Any]:
    view = self_service.preferences_view(token, secret=_secret(), now=utcnow(), repo=REPO)
    if _wants_json():
        return http.json_response(HTTPStatus.OK, view.as_json(), PRIVATE)
    query = app.current_event.query_string_parameters or {}
    if query.get("step") == "delete":
        return http.html_response(HTTPStatus.OK, delete_page(view, token), PRIVATE)
    return http.html_response(
        HTTPStatus.OK, preferences_page(view, token, notice=_notice(query.get("notice"))), PRIVATE
    )


@app.post(
    "/preferences/<token>",
    summary="Change preferences",
    description="Public. A form (or JSON) with `action` save (interests, max_per_week 1-7 or 'default'), pause "
    "(weeks: a whole number from 1 to 52), resume, unsubscribe, or delete (with confirm=yes). A browser is sent "
    "back to the page (303); JSON gets the preferences as they are now.",
    responses={
        200: http.page_or_json("JSON: the preferences now; a browser after deletion: the page", {"type": "object"}),
        303: {"description": "Back to the preference centre with a notice"},
        403: {"description": "Invalid link"},
        422: {"description": "A choice that is not valid: the page again with the error shown at the field"},
    },
)
def post_preferences(token: str) -> Response[Any]:
    outcome = self_service.change_preferences(
        token, _submitted(), secret=_secret(), now=utcnow(), repo=REPO, bus=BUS, workflows=WORKFLOWS
    )
    if _wants_json():
        state = outcome.view.as_json() if outcome.view else None
        return http.json_response(HTTPStatus.OK, {"action": outcome.action.value, "preferences": state}, PRIVATE)
    if outcome.view is None:
        return _page("data-deleted.html", "Your data is deleted", {"careers_url": CAREERS_URL})
    return http.redirect(_link(token, f"?notice={outcome.notice.value}" if outcome.notice else ""))


def _submitted() -> dict[str, Any]:
    """The posted fields: a form arrives here already turned into JSON by http.resolve."""
    body = parse_json(app.current_event.decoded_body or "{}")
    if not isinstance(body, dict):
        raise errors.MalformedRequest("Send a JSON object")
    return body


@app.get(
    "/preferences/<token>/export",
    summary="Download my data",
    description="Public. Everything held about the link's holder (GDPR Art. 15/20), as a JSON attachment.",
    responses={
        200: http.model_response(CandidateExport, f"The export, as {EXPORT_FILENAME}"),
        403: {"description": "Invalid link"},
    },
)
def get_export(token: str) -> Response[Any]:
    export = self_service.export_data(token, secret=_secret(), now=utcnow(), repo=REPO)
    return Response(
        status_code=HTTPStatus.OK,
        content_type="application/json; charset=utf-8",
        body=json.dumps(export, indent=2, ensure_ascii=False),
        headers={
            **http.SECURITY_HEADERS,
            **PRIVATE,
            "Content-Disposition": f'attachment; filename="{EXPORT_FILENAME}"',
        },
    )


# --- Entry ---------------------------------------------------------------------------------------------


def _one_click_body(event: dict[str, Any]) -> dict[str, Any]:
    """RFC 8058 lets a mail client send its POST as multipart/form-data. The POST to the signed URL is the
    whole request (the body only names it), so a body in any other encoding is set aside, not refused."""
    is_one_click = event.get("httpMethod") == "POST" and str(event.get("path", "")).startswith("/unsubscribe/")
    if is_one_click and event.get("body") and not http.is_form(event):
        return {**event, "body": None, "isBase64Encoded": False}
    return event


def _asks_for_json(event: Mapping[str, Any]) -> bool:
    accept = (http.header(event, "accept") or "").lower()
    return "application/json" in accept and "text/html" not in accept


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # People in browsers and mail clients get pages; only a caller that asks for JSON gets JSON.
    app.append_context(wants_html=not _asks_for_json(event))  # type: ignore[no-untyped-call]
    return http.resolve(app, _one_click_body(event), context, form_adapter=form_to_request)
