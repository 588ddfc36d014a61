"""POST /candidates: careers sites post forms anonymously, recruiters post sourced candidates with a token.

The routes are talentpool.api.capture and, for recruiters, talentpool.api.sourcing; this function picks the
public or the recruiters' app per request.
"""

from __future__ import annotations

from functools import cache
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from talentpool import errors, http, snapstart
from talentpool.api import capture
from talentpool.composition import capture as capture_deps
from talentpool.models.capture_form import form_to_request
from talentpool.observability import logger, metrics, tracer

if TYPE_CHECKING:
    from talentpool.auth import Principal

snapstart.restore_uniqueness()  # SnapStart restores this function from a snapshot of its init
ENV = capture_deps.env()
capture.warm()


def careers_page_with_errors(status: HTTPStatus, error: errors.TalentpoolError, fields: Any) -> str:
    # Here, not at the top: only a form with errors renders a page, so a good post never loads Jinja2.
    from talentpool.views import pages

    problems = error.fields or [errors.FieldError(["form"], error.message)]
    return pages.careers_form(consent_text_version="", submitted=fields, errors=problems)


app = http.create_app(cors_origin=ENV.cors_origin, html_error_page=careers_page_with_errors)
app.include_router(capture.router)


@cache
def recruiter_app() -> http.Resolver:
    """Built on the first request with a token: a careers-site post never loads the recruiter's models or logic."""
    from talentpool.api import sourcing

    sourced = http.create_app(cors_origin=ENV.cors_origin)
    sourced.include_router(sourcing.router)
    return sourced


def authenticate_recruiter(event: dict[str, Any]) -> Principal:
    # Here, not at the top: a careers-site post, the common case, never loads the JWT library or the auth code.
    from talentpool import auth

    bearer = http.header(event, "authorization") or ""
    caller = auth.verify_bearer(bearer, jwks_url=ENV.jwks_url, issuer=ENV.jwt_issuer, audience=ENV.jwt_audience)
    return auth.require(caller)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if http.header(event, "authorization") is not None:
        return http.resolve(recruiter_app(), event, context, authenticate=authenticate_recruiter)
    capture.IDEMPOTENCY.register_lambda_context(context)
    return http.resolve(app, event, context, form_adapter=form_to_request)


http.prime(app)  # SnapStart snapshots the routes ready (talentpool.http.prime)
