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
from talentpool.adapters.aws.campaign_runs import CampaignRunStore, SendLogBatch
from talentpool.adapters.aws.candidate_batch import CandidateBatch
from talentpool.adapters.aws.candidates import CandidateStore
from talentpool.adapters.aws.search import SearchIndex
from talentpool.adapters.aws.segments import SegmentStore
from talentpool.adapters.aws.sequences import SequenceStore
from talentpool.adapters.aws.table import Table
from talentpool.composition import engage_ports
from talentpool.config import CampaignStepEnv, load
from talentpool.logic.engage import EngagePorts, SendResult, SendTask, send_step_email
from talentpool.logic.nurture import NurturePorts, NurtureSettings, run_campaign_task
from talentpool.models.campaigns import CampaignRequest
from talentpool.models.candidate import Candidate
from talentpool.models.sequences import Sequence
from talentpool.observability import logger, metrics, tracer

ENV = load(CampaignStepEnv)
TABLE = Table(ENV.table_name)
CANDIDATES = CandidateStore(TABLE)
SEQUENCES = SequenceStore(TABLE)
PORTS = NurturePorts(
    sequences=SEQUENCES,
    candidates=CandidateBatch(CANDIDATES),
    send_logs=SendLogBatch(TABLE),
    runs=CampaignRunStore(TABLE),
    segments=SegmentStore(TABLE),
    index=SearchIndex(TABLE),
    # Campaign emails go through the engage send path as it is: the same send log, cap, rendering and records.
    send=engage_ports(ENV, TABLE),
    settings=NurtureSettings(send_rate=ENV.ses_send_rate),
)
REQUEST: TypeAdapter[Any] = TypeAdapter(CampaignRequest)
# No Powertools idempotency: as in sequence_step, each candidate's send log reservation, keyed on the run and
# step, is the idempotency record (docs/sequences.md, "Sending exactly once"). A reservation counts as in
# progress for as long as the invocation that took it can live, plus a margin for two hosts' clocks.
LEASE_MARGIN = timedelta(seconds=5)


def send_once(*, task: SendTask, candidate: Candidate, sequence: Sequence, ports: EngagePorts) -> SendResult:
    return send_step_email(task, candidate=candidate, sequence=sequence, ports=ports, now=clock.utcnow())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    lease = timedelta(milliseconds=context.get_remaining_time_in_millis()) + LEASE_MARGIN
    send = replace(PORTS.send, settings=replace(PORTS.send.settings, send_lease=lease))
    request = REQUEST.validate_python(event)
    return run_campaign_task(request, replace(PORTS, send=send), now=clock.utcnow(), send_once=send_once)
