"""The candidate-facing pages: the careers form, the thank-you page and their assets."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from talentpool import errors, http, snapstart
from talentpool.config import PagesEnv, load
from talentpool.models.capture_form import FORM_FIELDS
from talentpool.observability import logger, tracer
from talentpool.views import pages

snapstart.restore_uniqueness()  # SnapStart restores this function from a snapshot of its init
ENV = load(PagesEnv)
app = http.create_app()


@app.get("/", summary="Careers sign-up form", include_in_schema=False)
@app.get(
    "/careers",
    summary="Careers sign-up form",
    description="Public. The hosted careers sign-up form; campaign parameters (utm_*, referrer_id) are kept.",
    responses={200: http.html_page("The form"), 404: {"description": "Not found"}},
)
def careers() -> Response[Any]:
    # Campaign links (utm_*, referrer_id) are carried into the form's hidden fields, even without JavaScript.
    query = {k: v for k, v in (app.current_event.query_string_parameters or {}).items() if k in FORM_FIELDS}
    html = pages.careers_form(consent_text_version=ENV.consent_text_version, query=query)
    return http.html_response(HTTPStatus.OK, html)


@app.get(
    "/thanks",
    summary="Thank-you page",
    description="Public. Shown after the careers form is sent.",
    responses={200: http.html_page("The page"), 404: {"description": "Not found"}},
)
def thanks() -> Response[Any]:
    return http.html_response(HTTPStatus.OK, pages.page("thanks", title="Thank you"))


@app.get("/assets/<name>", summary="Page assets", include_in_schema=False)
def asset(name: str) -> Response[Any]:
    found = pages.asset(ENV.web_root, name)
    if found is None:
        raise errors.NotFound("No such file")
    body, content_type = found
    return Response(
        status_code=HTTPStatus.OK,
        content_type=content_type,
        body=body.decode("utf-8"),
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.resolve(app, event, context)


http.prime(app)  # SnapStart snapshots the routes ready (talentpool.http.prime)
