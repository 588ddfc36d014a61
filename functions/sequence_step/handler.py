"""The engage machine's one Task: run a round of a candidate's sequence and report it to the waiting Task.

Step Functions invokes this with a task token (lambda:invoke.waitForTaskToken). The round's outcome goes
back through SendTaskSuccess (the next state, with `send_at` for the Wait) or SendTaskFailure with one of
our error names (finished, exited, continued as a new execution), and then this returns normally: a normal
end of a sequence is never a Lambda error. A round that failed on a call that may work later (a read
timeout, a dropped connection, a busy service) is reported as a retry after a backoff, not as an error. Only
a real fault raises, and the machine's Retry and Catch take it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from talentpool import clock
from talentpool.adapters.aws.clients import is_transient
from talentpool.adapters.aws.table import Table
from talentpool.adapters.aws.workflows import Workflows
from talentpool.composition.sending import engage_ports
from talentpool.config import SequenceStepEnv, load
from talentpool.logic.sequences.engage import (
    EngagePorts,
    StepOutcome,
    record_failure,
    report_outcome,
    retry_round,
    run_step,
)
from talentpool.models.sequences import StepRequest
from talentpool.observability import logger, metrics, tracer

ENV = load(SequenceStepEnv)
TABLE = Table(ENV.table_name)
PORTS = engage_ports(ENV, TABLE)
WORKFLOWS = Workflows()
# No Powertools idempotency here: the send log's reservation, keyed on (execution, step), is the idempotency
# record (docs/sequences.md, "Sending exactly once"). A reservation holds, as "in progress", for as long as
# the invocation that took it can live: this function's timeout, which is what an invocation has left when
# it starts, plus a margin for the clocks of two hosts.
LEASE_MARGIN = timedelta(seconds=5)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    lease = timedelta(milliseconds=context.get_remaining_time_in_millis()) + LEASE_MARGIN
    request = StepRequest.model_validate(event)
    if request.action == "failed":
        record_failure(request, PORTS, now=clock.utcnow())
        return {"recorded": True}
    if request.token is None:
        raise ValueError("a step needs the task token to report its outcome")
    ports = replace(PORTS, settings=replace(PORTS.settings, send_lease=lease))
    outcome = run_round(request, ports)
    report_outcome(WORKFLOWS, request.token, outcome)
    logger.info(
        "sequence round",
        extra={"candidate_id": request.state.candidate_id, "step": request.state.step, "outcome": outcome.kind},
    )
    return {"outcome": outcome.kind}


def run_round(request: StepRequest, ports: EngagePorts) -> StepOutcome:
    """The round, or the same round again later when it failed on a call that may work then."""
    try:
        return run_step(request, ports, now=clock.utcnow())
    except Exception as exc:
        retry = retry_round(request, now=clock.utcnow()) if is_transient(exc) else None
        if retry is None:
            raise
        metrics.add_metric(name="SequenceRoundsRetried", unit=MetricUnit.Count, value=1)
        logger.warning(
            "sequence round will be retried",
            extra={"candidate_id": request.state.candidate_id, "error": type(exc).__name__},
        )
        return retry
