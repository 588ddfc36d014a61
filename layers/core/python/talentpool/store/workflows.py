"""Step Functions executions: stopping a candidate's running sequences."""

from __future__ import annotations

from talentpool.store.clients import client


class Workflows:
    def stop(self, execution_arn: str, *, cause: str) -> None:
        """Stop an execution; one that already ended is fine."""
        sfn = client("stepfunctions")
        try:
            sfn.stop_execution(executionArn=execution_arn, cause=cause)
        except sfn.exceptions.ExecutionDoesNotExist:
            return
