"""The table's DynamoDB stream: keep the report aggregates, once per record, and write the event log."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from talentpool.adapters.aws.aggregates import AggregateStore, stream_change
from talentpool.adapters.aws.event_log import EventLog, EventLogRefs
from talentpool.adapters.aws.search import SearchIndex
from talentpool.adapters.aws.table import Table
from talentpool.clock import utcnow
from talentpool.config import AggregatesEnv, load
from talentpool.logic.reports.aggregates import Aggregation, Outcome, Settings, batch_name, keep_event_log
from talentpool.observability import logger, metrics, tracer


class StreamBatch(BatchProcessor):
    """Powertools' batch processor, logging a failed record by its ids only: its images hold contact data."""

    def failure_handler(self, record: Any, exception: Any) -> Any:
        fields = {
            "event_id": getattr(record, "event_id", None),
            "sequence_number": getattr(getattr(record, "dynamodb", None), "sequence_number", None),
            "error": getattr(exception[0], "__name__", "error"),
        }
        # Our own errors (MalformedRecord) name fields, never values; a traceback is safe to keep.
        logger.warning("stream record failed", extra=fields, exc_info=exception)
        metrics.add_metric(name="AggregateRecordsFailed", unit=MetricUnit.Count, value=1)
        return super().failure_handler(record, exception)


ENV = load(AggregatesEnv)
TABLE = Table(ENV.table_name)
STORE = AggregateStore(TABLE)
INDEX = SearchIndex(TABLE)
EVENT_LOG = EventLog(ENV.reports_bucket)
EVENT_LOG_REFS = EventLogRefs(TABLE)
SETTINGS = Settings(consent_months=ENV.consent_months)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    run = Aggregation(STORE, INDEX, SETTINGS, now=utcnow)

    def record_handler(record: DynamoDBRecord) -> str:
        outcome = run.handle(stream_change(record.raw_event))
        if outcome is Outcome.COUNTED:
            metrics.add_metric(name="AggregateRecordsCounted", unit=MetricUnit.Count, value=1)
        return outcome.value

    # A record that fails is reported alone (ReportBatchItemFailures): Lambda retries from it, and the records
    # after it that did succeed come back as duplicates, which their markers turn into no-ops. A processor per
    # invocation, because it holds the batch's state and moto can invoke us again from inside our own write.
    processor = StreamBatch(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    # After the counters: a failed write here fails the batch, and its redelivery writes the same objects
    # (the counters, already applied, are not counted again). Erasures in the batch take their lines out.
    name = batch_name([str(r.get("eventID")) for r in event.get("Records", [])])
    keep_event_log(name, run.lines, run.erased, EVENT_LOG, EVENT_LOG_REFS)
    return response
