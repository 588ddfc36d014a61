"""SES email events from the ses-events queue: timeline entries, engagement score, suppression, in batches."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from talentpool.adapters.aws.delivery_events import DeliveryEventStore
from talentpool.adapters.aws.events import EventBus
from talentpool.adapters.aws.table import Table
from talentpool.clock import utcnow
from talentpool.config import SesEventsEnv, load
from talentpool.logic.sending.delivery_events import Outcome, record_ses_event
from talentpool.models.ses import SesEventRecord
from talentpool.observability import logger, metrics, tracer


class SesEventBatch(BatchProcessor):
    """Powertools' batch processor, logging each failed record in a form that holds no personal data."""

    def failure_handler(self, record: Any, exception: Any) -> Any:
        error = exception[1]
        fields = {"sqs_message_id": getattr(record, "message_id", None) or getattr(record, "messageId", None)}
        if isinstance(error, ValidationError):
            # A validation error's text quotes the input, which holds the recipient's address: log where it
            # failed and why, never what it read.
            problems = error.errors(include_url=False, include_context=False, include_input=False)
            logger.warning("SES event record malformed", extra={**fields, "problems": problems})
        else:
            logger.warning("SES event record failed", extra=fields, exc_info=exception)
        return super().failure_handler(record, exception)


ENV = load(SesEventsEnv)
REPO = DeliveryEventStore(Table(ENV.table_name))
BUS = EventBus(ENV.event_bus_name)
# A record that fails (unparseable body, a store error) is reported alone for SQS to redeliver; the rest of
# the batch is deleted. Even when every record fails we answer with the list rather than raise, so the
# response means the same thing whatever the batch size.
PROCESSOR = SesEventBatch(event_type=EventType.SQS, model=SesEventRecord, raise_on_entire_batch_failure=False)


def record_handler(record: SesEventRecord) -> str:
    event = record.body
    if event.detail is None:
        # The rule takes every aws.ses event; account-level ones (advisories, sending status) are not ours.
        logger.info("SES event not about an email", extra={"detail_type": event.detail_type})
        return Outcome.SKIPPED.value
    return record_ses_event(event.detail, repo=REPO, bus=BUS, now=utcnow()).value


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=PROCESSOR, context=context)
