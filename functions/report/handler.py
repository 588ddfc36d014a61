"""The report job: EventBridge schedules it daily (and weekly); the local runtime calls it with a plain dict.

Input, all optional: {"period": "day" | "week", "date": "YYYY-MM-DD", "time": ISO-8601}, either as the whole
event (a rule's constant input, the local run endpoint's body) or, for period and date, as the `detail` of a
scheduled event. The default date is yesterday in UTC, counted from the event's `time` when there is one, so a
run that starts late (or is retried after midnight) still reports the day it was scheduled for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from talentpool.adapters.aws.report_data import AggregateData
from talentpool.adapters.aws.reports import ReportStore
from talentpool.adapters.aws.table import Table
from talentpool.clock import parse_iso, utcnow
from talentpool.config import ReportEnv, load
from talentpool.logic.reports.build import run_report
from talentpool.models.reports import ReportRequest
from talentpool.observability import logger, metrics, tracer

ENV = load(ReportEnv)
DATA = AggregateData(Table(ENV.table_name))
REPORTS = ReportStore(ENV.reports_bucket)
SCHEDULED = "Scheduled Event"


def parse(event: dict[str, Any]) -> tuple[ReportRequest, datetime]:
    """The request, and the moment the run is for: the event's `time` (a schedule's, or an input
    transformer's <aws.events.event.time>) when it has one, else now."""
    fields = (event.get("detail") or {}) if event.get("detail-type") == SCHEDULED else event
    now = parse_iso(str(event["time"])) if event.get("time") else utcnow()
    return ReportRequest.model_validate({k: v for k, v in fields.items() if k in ReportRequest.model_fields}), now


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any] | None, context: LambdaContext) -> dict[str, Any]:
    request, now = parse(event or {})
    written = run_report(DATA, REPORTS, request, now=now)
    logger.info("report written", extra={"period": written.period, "date": written.date, "keys": written.keys})
    metrics.add_metric(name="ReportsWritten", unit="Count", value=1)
    return written.model_dump(mode="json")
