"""The nurture machine's tasks: resolve a campaign's audience, send a batch, tally the run, record a failure.

Step Functions invokes this with `{action, execution, ...}` (lambda:invoke); the answer is the machine's next
state. A normal outcome is never an error. Only SES throttling mid-batch (`BatchThrottled`, which the
machine retries with backoff) and real faults raise, and the machine's Retry and Catch take them.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import TypeAdapter

from talentpool import clock
from talentpool.config import CampaignStepEnv, load
from talentpool.logic.engage import EngagePorts, EngageSettings, SendResult, SendTask, send_step_email
from talentpool.logic.nurture import NurturePorts, NurtureSettings, SendInProgress, run_campaign_task
from talentpool.models.campaigns import CampaignRequest
from talentpool.models.candidate import Candidate
from talentpool.models.sequences import Sequence
from talentpool.observability import logger, metrics, tracer
from talentpool.store.campaign_runs import CampaignRunStore, SendLogBatch
from talentpool.store.candidate_batch import CandidateBatch
from talentpool.store.candidates import CandidateStore
from talentpool.store.enrolments import EnrolmentStore
from talentpool.store.events import EventBus
from talentpool.store.idempotency import persistence
from talentpool.store.mail import Mailer
from talentpool.store.search import SearchIndex
from talentpool.store.secrets import token_secret
from talentpool.store.segments import SegmentStore
from talentpool.store.send_log import SendLogStore
from talentpool.store.sequences import SequenceStore
from talentpool.store.table import Table

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
    send=EngagePorts(
        candidates=CANDIDATES,
        sequences=SEQUENCES,
        enrolments=EnrolmentStore(TABLE),
        send_log=SendLogStore(TABLE),
        mailer=Mailer(ENV.ses_configuration_set),
        bus=EventBus(ENV.event_bus_name),
        secret=lambda: token_secret(ENV.token_secret_arn),
        settings=EngageSettings(
            sender_email=ENV.sender_email,
            company_name=ENV.company_name,
            public_base_url=ENV.public_base_url,
            default_timezone=ENV.default_timezone,
            frequency_cap=ENV.frequency_cap,
        ),
    ),
    settings=NurtureSettings(send_rate=ENV.ses_send_rate),
)
REQUEST: TypeAdapter[Any] = TypeAdapter(CampaignRequest)
# A retried batch gets a candidate's recorded result back without reading the send log or calling SES. The
# send log's reservation is what guarantees once-only for good; this saves the round trips.
ONCE = IdempotencyConfig(event_key_jmespath="[execution, step, candidate_id]", expires_after_seconds=3600)


@idempotent_function(
    data_keyword_argument="task",
    config=ONCE,
    persistence_store=persistence(ENV.table_name, "campaign_step"),
    output_serializer=PydanticSerializer(model=SendResult),
)
def _send_once(task: SendTask, candidate: Candidate, sequence: Sequence, ports: EngagePorts) -> SendResult:
    return send_step_email(task, candidate=candidate, sequence=sequence, ports=ports, now=clock.utcnow())


def send_once(*, task: SendTask, candidate: Candidate, sequence: Sequence, ports: EngagePorts) -> SendResult:
    try:
        return _send_once(task=task, candidate=candidate, sequence=sequence, ports=ports)
    except IdempotencyAlreadyInProgressError as exc:
        raise SendInProgress(task.candidate_id) from exc


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ONCE.register_lambda_context(context)
    request = REQUEST.validate_python(event)
    return run_campaign_task(request, PORTS, now=clock.utcnow(), send_once=send_once)
