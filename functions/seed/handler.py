"""Once per deploy (a CDK trigger) and at local start: give every nurture campaign its Scheduler schedule.

Idempotent: each campaign's schedule is created, or updated in place, from its current version; running it
again changes nothing. The event is ignored.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from talentpool.adapters.aws.schedules import SchedulerSchedules
from talentpool.adapters.aws.sequences import SequenceStore
from talentpool.adapters.aws.table import Table
from talentpool.config import SeedEnv, load
from talentpool.logic.campaigns.schedules import ScheduleSettings, sync_all
from talentpool.observability import logger, metrics, tracer

ENV = load(SeedEnv)
SETTINGS = ScheduleSettings(
    group=ENV.schedule_group, role_arn=ENV.scheduler_role_arn, state_machine_arn=ENV.nurture_state_machine_arn
)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    results = sync_all(SequenceStore(Table(ENV.table_name)), SchedulerSchedules(ENV.schedule_group), SETTINGS)
    logger.info("campaign schedules seeded", extra={"schedules": results})
    return {"schedules": results}
