"""Step Functions executions: stopping a candidate's running sequences, reporting a callback task's outcome, and
continuing an execution as a new one before it reaches the service's limits (logic.workflow_limits)."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from talentpool.adapters.aws.clients import client, error_code
from talentpool.observability import logger, metrics

# The task is gone (the execution was stopped, or the token already answered): nothing is left to report to.
_GONE = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist", "ExecutionDoesNotExist"})


_NAME_LIMIT = 80  # characters in an execution name


def continuation_name(name: str, generation: int) -> str:
    """The name of the execution that continues `name` as generation `generation` (1 for the first):
    `<original name>-c<generation>`, the original cut short to stay within 80 characters. The same for every
    attempt at the same hand-over, which is what makes starting it idempotent."""
    suffix = f"-c{generation}"
    stem = name.removesuffix(f"-c{generation - 1}") if generation > 1 else name
    return stem[: _NAME_LIMIT - len(suffix)] + suffix


def _split(execution_arn: str) -> tuple[str, str]:
    """(the state machine's ARN, the execution's name) of `arn:…:execution:<machine>:<name>`."""
    prefix, kind, machine, name = execution_arn.rsplit(":", 3)
    if kind != "execution":
        raise ValueError(f"not a Standard execution ARN: {execution_arn}")
    return f"{prefix}:stateMachine:{machine}", name


class Workflows:
    def continuation_arn(self, execution_arn: str, generation: int) -> str:
        """The ARN the execution continuing `execution_arn` as generation `generation` has (or will have)."""
        _, name = _split(execution_arn)
        return f"{execution_arn[: -len(name)]}{continuation_name(name, generation)}"

    def start_continuation(self, execution_arn: str, generation: int, payload: dict[str, Any]) -> str:
        """Start the execution that continues `execution_arn`, unless an earlier attempt at the same hand-over
        already did (its name is taken): either way, its ARN."""
        machine, name = _split(execution_arn)
        sfn = client("stepfunctions")
        try:
            started = sfn.start_execution(
                stateMachineArn=machine, name=continuation_name(name, generation), input=json.dumps(payload)
            )
        except sfn.exceptions.ExecutionAlreadyExists:
            return self.continuation_arn(execution_arn, generation)
        return str(started["executionArn"])

    def stop(self, execution_arn: str, *, cause: str) -> None:
        """Stop an execution; one that already ended is fine."""
        sfn = client("stepfunctions")
        try:
            sfn.stop_execution(executionArn=execution_arn, cause=cause)
        except sfn.exceptions.ExecutionDoesNotExist:
            return
        # Counted so the aborted-executions alarm can tell our own stops from anyone else's.
        metrics.add_metric(name="WorkflowsStopped", unit=MetricUnit.Count, value=1)

    def succeed(self, token: str, output: dict[str, Any]) -> bool:
        """SendTaskSuccess: the waiting Task ends with `output`. False when the task no longer waits."""
        return self._report(lambda sfn: sfn.send_task_success(taskToken=token, output=json.dumps(output)))

    def fail(self, token: str, *, error: str, cause: str) -> bool:
        """SendTaskFailure with our error name, which the machine's Retry and Catch match on."""
        return self._report(lambda sfn: sfn.send_task_failure(taskToken=token, error=error, cause=cause))

    @staticmethod
    def _report(call: Any) -> bool:
        sfn = client("stepfunctions")
        try:
            call(sfn)
        except Exception as exc:
            code = error_code(exc)
            if code not in _GONE:
                raise
            # A stop (un-enrolment, erasure) raced this step: its effects stand, the execution is over.
            logger.info("task no longer waiting", extra={"code": code})
            return False
        return True
