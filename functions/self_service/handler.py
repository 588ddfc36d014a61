"""Candidate self-service behind signed email links: one-click unsubscribe and the preference centre.

The routes are talentpool.api.self_service; the pages, views.preferences. Errors are pages unless JSON was asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from talentpool import errors, http, snapstart
from talentpool.api import self_service
from talentpool.composition import self_service as self_service_deps
from talentpool.models.preferences import form_to_request
from talentpool.observability import logger, metrics, tracer
from talentpool.views import preferences as views

snapstart.restore_uniqueness()  # SnapStart restores this function from a snapshot of its init
self_service_deps.env()  # validated at cold start, so a misconfigured function fails before any request
self_service_deps.repo()


def error_page(status: HTTPStatus, error: errors.TalentpoolError, submitted: Mapping[str, list[str]]) -> str:
    token = str((app.current_event.path_parameters or {}).get("token", ""))
    return views.error_page(error, token, submitted, status)


app = http.create_app(html_error_page=error_page)
app.include_router(self_service.router)


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


http.prime(app)  # SnapStart snapshots the routes ready (talentpool.http.prime)
