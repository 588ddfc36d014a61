"""The operator's routes (admins): what failed for good and why, and replaying it."""

from __future__ import annotations

from functools import cache
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from talentpool import auth, http
from talentpool.adapters.aws.failures import AwsReplays, ReplayMarkStore, SqsFailureQueues
from talentpool.adapters.aws.table import Table
from talentpool.api import deps
from talentpool.config import OpsEnv, load
from talentpool.logic.ops.failures import consumers_from, list_failures, redrive
from talentpool.models.failures import Consumer, FailureList, RedriveRequest, RedriveResult
from talentpool.observability import logger, metrics, tracer

ENV = load(OpsEnv)
QUEUES = SqsFailureQueues()
app = http.create_app()
Admin = Annotated[auth.Principal, Depends(deps.admin)]


@cache
def consumers() -> dict[str, Consumer]:
    return consumers_from(ENV.failure_queues)


@app.get(
    "/ops/failures",
    summary="What failed for good, and why (admins)",
    description="Every failure queue's parked work: the consumer, when it failed, the error, and each queue's depth. "
    "Looking changes nothing.",
    responses={
        200: http.model_response(FailureList, "The failures"),
        403: {"description": "Not an admin"},
        422: {"description": "A limit out of range"},
    },
)
def get_failures(caller: Admin, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> Response[Any]:
    return http.json_response(HTTPStatus.OK, list_failures(consumers(), QUEUES, limit=limit).model_dump(mode="json"))


@app.post(
    "/ops/redrive",
    summary="Replay what failed (admins)",
    description="Replays parked work to where it was going, once: a replayed failure leaves its queue, a failing one "
    "stays. Safe to repeat.",
    responses={
        200: http.model_response(RedriveResult, "What each failure became"),
        403: {"description": "Not an admin"},
        422: {"description": "An unknown queue or a limit out of range"},
    },
)
def post_redrive(caller: Admin, request: RedriveRequest) -> Response[Any]:
    result = redrive(
        request, consumers(), queues=QUEUES, replays=AwsReplays(), marks=ReplayMarkStore(Table(ENV.table_name))
    )
    logger.info("redrive", extra={"by": caller.subject, "replayed": len(result.replayed)})
    return http.json_response(HTTPStatus.OK, result.model_dump(mode="json"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.resolve(app, event, context, authenticate=deps.recruiter_from_event)
