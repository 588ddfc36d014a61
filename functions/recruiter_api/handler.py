"""The recruiter API: every authenticated route, one router per resource."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from talentpool import http, snapstart
from talentpool.api import campaigns, candidates, deps, imports, reports, segments, sequences, templates
from talentpool.observability import logger, metrics, tracer

snapstart.restore_uniqueness()  # SnapStart restores this function from a snapshot of its init
app = http.create_app()
for resource in (candidates, segments, imports, templates, sequences, reports, campaigns):
    app.include_router(resource.router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Membership of a recruiter group is checked before validation: an outsider learns nothing, not even a 422.
    return http.resolve(app, event, context, authenticate=deps.recruiter_from_event)


http.prime(app)  # SnapStart snapshots the routes ready (talentpool.http.prime)
