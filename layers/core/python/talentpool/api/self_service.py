"""Candidate self-service behind signed email links: one-click unsubscribe (RFC 8058) and the preference centre.

Public routes, read by people in a browser (pages, forms that work without JavaScript), by mail clients
(the one-click POST) and by scripts that ask for JSON. What the pages show is views.preferences.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response

from talentpool import errors, http
from talentpool.clock import utcnow
from talentpool.composition import self_service as deps
from talentpool.limits import parse_json
from talentpool.logic.privacy import self_service
from talentpool.models.recruiter import CandidateExport
from talentpool.views import pages
from talentpool.views import preferences as views

router = http.Router()
EXPORT_FILENAME = "talentpool-data.json"
# The page holds a name and an address for the link's holder only: keep it out of search engines.
PRIVATE = {"X-Robots-Tag": "noindex, nofollow"}


def _wants_json() -> bool:
    return not http.wants_html(router)


@router.get(
    "/unsubscribe/<token>",
    summary="Unsubscribe: the confirm page",
    description="Public. The visible unsubscribe link in every marketing email. Shows a page with a button; "
    "never changes anything, because mail scanners open links before people do.",
    responses={200: http.html_page("The confirm page"), 403: {"description": "Invalid or expired link"}},
)
def get_unsubscribe(token: str) -> Response[Any]:
    view = self_service.unsubscribe_page(token, secret=deps.secret(), now=utcnow(), repo=deps.repo())
    if view.already:
        return _html(
            views.unsubscribed_page("You are already unsubscribed", "We are not sending you any marketing email.")
        )
    return _html(pages.page("unsubscribe", title="Unsubscribe", email_hint=view.email_hint, action_url=f"./{token}"))


@router.post(
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
    view = self_service.unsubscribe(token, secret=deps.secret(), now=utcnow(), repo=deps.repo(), bus=deps.bus())
    if _wants_json():
        return http.json_response(HTTPStatus.OK, {"status": "unsubscribed"})
    if not view.held:
        return _html(
            views.unsubscribed_page(
                "You will get no email from us", "We no longer hold any data about you.", next_steps=False
            )
        )
    if view.already:
        return _html(views.unsubscribed_page("You are already unsubscribed", "Nothing has changed."))
    return _html(
        views.unsubscribed_page(
            "You are unsubscribed", f"We will not send any more marketing email to {view.email_hint}."
        )
    )


def _html(page: str) -> Response[Any]:
    return http.html_response(HTTPStatus.OK, page, PRIVATE)


@router.get(
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
    view = self_service.preferences_view(token, secret=deps.secret(), now=utcnow(), repo=deps.repo())
    if _wants_json():
        return http.json_response(HTTPStatus.OK, view.as_json(), PRIVATE)
    query = router.current_event.query_string_parameters or {}
    if query.get("step") == "delete":
        return _html(views.delete_page(view, token))
    return _html(views.preferences_page(view, token, notice=views.notice_from(query.get("notice"))))


@router.post(
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
        token,
        _submitted(),
        secret=deps.secret(),
        now=utcnow(),
        repo=deps.repo(),
        bus=deps.bus(),
        workflows=deps.workflows(),
    )
    if _wants_json():
        state = outcome.view.as_json() if outcome.view else None
        return http.json_response(HTTPStatus.OK, {"action": outcome.action.value, "preferences": state}, PRIVATE)
    if outcome.view is None:
        return _html(pages.page("data-deleted", title="Your data is deleted", careers_url=views.CAREERS_URL))
    return http.redirect(f"./{token}" + (f"?notice={outcome.notice.value}" if outcome.notice else ""))


def _submitted() -> dict[str, Any]:
    """The posted fields: a form arrives here already turned into JSON by http.resolve."""
    body = parse_json(router.current_event.decoded_body or "{}")
    if not isinstance(body, dict):
        raise errors.MalformedRequest("Send a JSON object")
    return body


@router.get(
    "/preferences/<token>/export",
    summary="Download my data",
    description="Public. Everything held about the link's holder (GDPR Art. 15/20), as a JSON attachment.",
    responses={
        200: http.model_response(CandidateExport, f"The export, as {EXPORT_FILENAME}"),
        403: {"description": "Invalid link"},
    },
)
def get_export(token: str) -> Response[Any]:
    export = self_service.export_data(token, secret=deps.secret(), now=utcnow(), repo=deps.repo())
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
