"""The nurture machine's tasks: resolve a campaign's audience, send a batch, tally the run, record a failure.

Step Functions invokes this with `{action, execution, ...}` (lambda:invoke); the answer is the machine's next
state. A normal outcome is never an error: SES throttling mid-batch defers the rest of the batch by a backoff,
and a run near Step Functions' limits continues in a new execution. Only faults raise (a read timeout among
them, which the machine's Retry runs again), and the machine's Retry and Catch take them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import TypeAdapter

from talentpool import clock
from talentpool.adapters.aws.table import Table
from talentpool.composition.sending import nurture_ports
from talentpool.config import CampaignStepEnv, load
from talentpool.logic.campaigns.nurture import run_campaign_task
from talentpool.logic.sending.send_once import SendingPorts, SendResult, SendTask, send_step_email
from talentpool.models.campaigns import CampaignRequest
from talentpool.models.candidate import Candidate
from talentpool.models.sequences import Sequence
from talentpool.observability import logger, metrics, tracer

ENV = load(CampaignStepEnv)
PORTS = nurture_ports(ENV, Table(ENV.table_name))
REQUEST: TypeAdapter[Any] = TypeAdapter(CampaignRequest)
# No Powertools idempotency: as in sequence_step, each candidate's send log reservation, keyed on the run and
# step, is the idempotency record (docs/sequences.md, "Sending exactly once"). A reservation counts as in
# progress for as long as the invocation that took it can live, plus a margin for two hosts' clocks.
LEASE_MARGIN = timedelta(seconds=5)


def send_once(*, task: SendTask, candidate: Candidate, sequence: Sequence, ports: SendingPorts) -> SendResult:
    return send_step_email(task, candidate=candidate, sequence=sequence, ports=ports, now=clock.utcnow())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    lease = timedelta(milliseconds=context.get_remaining_time_in_millis()) + LEASE_MARGIN
    send = replace(PORTS.send, settings=replace(PORTS.send.settings, send_lease=lease))
    request = REQUEST.validate_python(event)
    return run_campaign_task(request, replace(PORTS, send=send), now=clock.utcnow(), send_once=send_once)
