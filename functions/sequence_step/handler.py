"""The engage machine's one Task: run a round of a candidate's sequence and report it to the waiting Task.

Step Functions invokes this with a task token (lambda:invoke.waitForTaskToken). The round's outcome goes
back through SendTaskSuccess (the next state, with `send_at` for the Wait) or SendTaskFailure with one of
our error names (finished, exited, try again later), and then this returns normally: a normal end of a
sequence is never a Lambda error. Only a real fault raises, and the machine's Retry and Catch take it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer
from aws_lambda_powertools.utilities.typing import LambdaContext

from talentpool import clock
from talentpool.config import SequenceStepEnv, load
from talentpool.logic.engage import (
    EngagePorts,
    EngageSettings,
    SendResult,
    SendTask,
    TryLater,
    record_failure,
    report_outcome,
    run_step,
    send_step_email,
)
from talentpool.models.candidate import Candidate
from talentpool.models.sequences import STEP_IN_PROGRESS, Sequence, StepRequest
from talentpool.observability import logger, metrics, tracer
from talentpool.store.candidates import CandidateStore
from talentpool.store.enrolments import EnrolmentStore
from talentpool.store.events import EventBus
from talentpool.store.idempotency import persistence
from talentpool.store.mail import Mailer
from talentpool.store.secrets import token_secret
from talentpool.store.send_log import SendLogStore
from talentpool.store.sequences import SequenceStore
from talentpool.store.table import Table
from talentpool.store.workflows import Workflows

ENV = load(SequenceStepEnv)
TABLE = Table(ENV.table_name)
PORTS = EngagePorts(
    candidates=CandidateStore(TABLE),
    sequences=SequenceStore(TABLE),
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
)
WORKFLOWS = Workflows()
# A retried invocation of a step that already sent gets the recorded result back without touching SES.
# The send log's reservation is what guarantees once-only for good; this saves the round trip.
ONCE = IdempotencyConfig(event_key_jmespath="[execution, step]", expires_after_seconds=3600)


@idempotent_function(
    data_keyword_argument="task",
    config=ONCE,
    persistence_store=persistence(ENV.table_name, "sequence_step"),
    output_serializer=PydanticSerializer(model=SendResult),
)
def send_once(task: SendTask, candidate: Candidate, sequence: Sequence) -> SendResult:
    return send_step_email(task, candidate=candidate, sequence=sequence, ports=PORTS, now=clock.utcnow())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ONCE.register_lambda_context(context)
    request = StepRequest.model_validate(event)
    if request.action == "failed":
        record_failure(request, PORTS, now=clock.utcnow())
        return {"recorded": True}
    if request.token is None:
        raise ValueError("a step needs the task token to report its outcome")
    try:
        outcome = run_step(request, PORTS, now=clock.utcnow(), send_once=send_once)
    except IdempotencyAlreadyInProgressError:
        # Another attempt at this very send is still running (or died moments ago): come back shortly.
        outcome = TryLater(STEP_IN_PROGRESS, "step_in_progress")
    report_outcome(WORKFLOWS, request.token, outcome)
    logger.info(
        "sequence round",
        extra={"candidate_id": request.state.candidate_id, "step": request.state.step, "outcome": outcome.kind},
    )
    return {"outcome": outcome.kind}
