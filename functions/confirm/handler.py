"""GET /confirm?token=: the double opt-in link from the confirmation email."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from talentpool import errors, http, pages, snapstart
from talentpool.clock import utcnow
from talentpool.config import ConfirmEnv, load
from talentpool.logic.confirm import confirm_consent
from talentpool.observability import logger, metrics, tracer
from talentpool.store.candidates import CandidateStore
from talentpool.store.events import EventBus
from talentpool.store.secrets import token_secret
from talentpool.store.table import Table

snapstart.restore_uniqueness()  # SnapStart restores this function from a snapshot of its init
ENV = load(ConfirmEnv)
REPO = CandidateStore(Table(ENV.table_name))
BUS = EventBus(ENV.event_bus_name)

HEADINGS = {
    "expired": "This link has expired",
    "used": "You have already confirmed",
}


def problem_page(status: HTTPStatus, error: errors.TalentpoolError, _: Any) -> str:
    reason = getattr(error, "reason", "")
    heading = HEADINGS.get(reason, "This link is not valid")
    message = {
        "expired": "Confirmation links work for 7 days. Fill in the form again and we will send you a new one.",
        "used": "This confirmation link has already been used, so nothing has changed.",
    }.get(reason, "Please use the most recent link we emailed you, or fill in the form again.")
    return pages.page(ENV.web_root, "link-problem.html", title=heading, values={"heading": heading, "message": message})


app = http.create_app(html_error_page=problem_page)


@app.get(
    "/confirm",
    summary="Confirm an email address (double opt-in)",
    description="Public. The link in the confirmation email. Shows a page; a bad, expired or reused link "
    "changes nothing.",
    responses={
        200: http.html_page("Confirmed page"),
        403: {"description": "Invalid, expired or used link (an HTML page)"},
    },
)
def get_confirm(token: Annotated[str, Query(min_length=10, max_length=1024)]) -> Response[Any]:
    confirm_consent(token, secret=token_secret(ENV.token_secret_arn), now=utcnow(), repo=REPO, bus=BUS)
    return http.html_response(HTTPStatus.OK, pages.page(ENV.web_root, "confirmed.html", title="You are confirmed"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # A person follows this link in a browser: errors come back as pages, not JSON.
    app.append_context(wants_html=True)
    return http.resolve(app, event, context)
