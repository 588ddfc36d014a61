"""Step Functions executions: stopping a candidate's running sequences, and reporting a callback task's outcome."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from talentpool.observability import logger, metrics
from talentpool.store.clients import client

# The task is gone (the execution was stopped, or the token already answered): nothing is left to report to.
_GONE = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist", "ExecutionDoesNotExist"})


class Workflows:
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
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code not in _GONE:
                raise
            # A stop (un-enrolment, erasure) raced this step: its effects stand, the execution is over.
            logger.info("task no longer waiting", extra={"code": code})
            return False
        return True
