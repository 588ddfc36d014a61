"""After the answer: settle one public submission (create, merge or hold), from its SubmissionReceived event."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from talentpool.adapters.aws.candidates import CandidateStore
from talentpool.adapters.aws.events import EventBus
from talentpool.adapters.aws.submissions import SubmissionStore
from talentpool.adapters.aws.table import Table
from talentpool.config import IntakeEnv, load
from talentpool.logic.capture.submissions import process_submission
from talentpool.models.events import SubmissionReceived
from talentpool.observability import logger, metrics, tracer

ENV = load(IntakeEnv)
TABLE = Table(ENV.table_name)
REPO = CandidateStore(TABLE)
INBOX = SubmissionStore(TABLE, REPO)
BUS = EventBus(ENV.event_bus_name)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=EventBridgeModel)
def lambda_handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, Any]:
    received = SubmissionReceived.model_validate(event.detail)
    outcome = process_submission(received.submission_id, inbox=INBOX, repo=REPO, bus=BUS)
    # Ids only: the outcome says what happened to a candidate, never who they are.
    logger.info("submission settled", extra={"submission_id": received.submission_id, "settled": outcome is not None})
    return {"settled": outcome is not None}
