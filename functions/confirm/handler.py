"""GET|POST /confirm: the emailed links that prove an address (double opt-in, or applying held new details).

Mail security scanners fetch every link in a message, so a GET only shows a page with one button; the
button POSTs, and only that confirms. A bad, expired or used link changes nothing either way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ConfigDict, StringConstraints

from talentpool import errors, http, snapstart
from talentpool.adapters.aws.candidates import CandidateStore
from talentpool.adapters.aws.events import EventBus
from talentpool.adapters.aws.secrets import token_secret
from talentpool.adapters.aws.table import Table
from talentpool.clock import utcnow
from talentpool.config import ConfirmEnv, load
from talentpool.logic.capture.confirm import LinkView, use_link, view_link
from talentpool.logic.sending.transactional_email import describe_fields
from talentpool.models.base import Model
from talentpool.observability import logger, metrics, tracer
from talentpool.views import links

snapstart.restore_uniqueness()  # SnapStart restores this function from a snapshot of its init
ENV = load(ConfirmEnv)
REPO = CandidateStore(Table(ENV.table_name))
BUS = EventBus(ENV.event_bus_name)
MAX_TOKEN = 1024
# The page holds a link's capability (the token in its form): keep it out of search engines and caches.
PRIVATE = {"X-Robots-Tag": "noindex, nofollow"}


def problem_page(status: HTTPStatus, error: errors.TalentpoolError, _: Any) -> str:
    return links.problem_page(getattr(error, "reason", ""))


app = http.create_app(html_error_page=problem_page)

LINK_ERRORS: dict[int, OpenAPIResponse] = {
    403: {"description": "Invalid, expired or used link (an HTML page)"},
    422: {"description": "No token, or not one of ours (an HTML page)"},
}


def _ask_page(token: str, view: LinkView) -> Response[Any]:
    page = links.ask_page(view.kind, token, describe_fields(list(view.fields)))
    return http.html_response(HTTPStatus.OK, page, PRIVATE)


@app.get(
    "/confirm",
    summary="Open an emailed confirmation link",
    description="Public. The link in a confirmation (double opt-in) or change email. Shows a page with one "
    "button and changes nothing: mail scanners open links too. The button POSTs to /confirm.",
    responses={200: http.html_page("A page with one button"), **LINK_ERRORS},
)
def get_confirm(token: Annotated[str, Query(min_length=10, max_length=MAX_TOKEN)]) -> Response[Any]:
    view = view_link(token, secret=token_secret(ENV.token_secret_arn), now=utcnow(), repo=REPO)
    return _ask_page(token, view)


class LinkForm(Model):
    """What the page's button posts: the link's token, form-encoded (or as JSON)."""

    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, StringConstraints(min_length=10, max_length=MAX_TOKEN)]


def form_to_body(fields: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    return {name: values[0] for name, values in fields.items() if values}


@app.post(
    "/confirm",
    summary="Confirm an email address, or apply new details",
    description="Public. The button on the page GET /confirm shows: form-encoded `token`. Confirms the address "
    "(double opt-in) or applies the held change the link is for, once.",
    responses={200: http.html_page("Done page"), 415: {"description": "Not a form post"}, **LINK_ERRORS},
)
def post_confirm(form: LinkForm) -> Response[Any]:
    outcome = use_link(form.token, secret=token_secret(ENV.token_secret_arn), now=utcnow(), repo=REPO, bus=BUS)
    return http.html_response(HTTPStatus.OK, links.done_page(outcome.kind), PRIVATE)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # A person follows this link in a browser: errors come back as pages, not JSON.
    app.append_context(wants_html=True)  # type: ignore[no-untyped-call]  # Powertools leaves it unannotated
    return http.resolve(app, event, context, form_adapter=form_to_body)


http.prime(app)  # SnapStart snapshots the routes ready (talentpool.http.prime)
