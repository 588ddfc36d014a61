"""Campaign runs in the table (the run and its result, its batches, the campaign's state) and starting one.

Items (docs/sequences.md, "Nurture campaigns"):
- `pk=RUN#<run_id>, sk=RESULT`: the run, then its result; kept (ids and counts only);
- `pk=RUN#<run_id>, sk=BATCH#<n:05d>`: up to 100 audience members and their outcomes; expire after 14 days;
- `pk=CAMPAIGN#<campaign_id>, sk=STATE`: the number of runs and the run in progress, optimistic `version`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from talentpool.adapters.aws.clients import client
from talentpool.adapters.aws.schema import PK, SK, TTL_ATTRIBUTE
from talentpool.adapters.aws.send_log import send_log_key
from talentpool.adapters.aws.table import Table, TransactionCancelled, Write, is_conditional_failure
from talentpool.clock import utcnow
from talentpool.errors import CampaignStateChanged, RunClaimed
from talentpool.models.campaigns import CampaignBatch, CampaignRun, CampaignState
from talentpool.models.sequences import SendLog

RUN_PREFIX = "RUN#"
RESULT_SK = "RESULT"
BATCH_PREFIX = "BATCH#"
STATE_SK = "STATE"
# Longer than a run can last (deferred candidates are given up after 7 days), so a batch outlives its run.
BATCH_RETENTION = timedelta(days=14)


def run_key(run_id: str) -> dict[str, str]:
    return {PK: f"{RUN_PREFIX}{run_id}", SK: RESULT_SK}


def batch_key(run_id: str, batch: int) -> dict[str, str]:
    # Zero-padded so a run's batches sort in order in its partition.
    return {PK: f"{RUN_PREFIX}{run_id}", SK: f"{BATCH_PREFIX}{batch:05d}"}


def state_key(campaign_id: str) -> dict[str, str]:
    return {PK: f"CAMPAIGN#{campaign_id}", SK: STATE_SK}


def _run_item(run: CampaignRun) -> dict[str, Any]:
    return {**run.model_dump(mode="json", exclude_none=True), "entity": "campaign_run"}


class CampaignRunStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    # --- the run -------------------------------------------------------------------------------------------

    def get(self, run_id: str) -> CampaignRun | None:
        item = self.table.get(run_key(run_id))
        return CampaignRun.model_validate(item) if item else None

    def save_run(self, run: CampaignRun) -> None:
        self.table.put({**run_key(run.run_id), **_run_item(run)})

    # --- the campaign's state ------------------------------------------------------------------------------

    def state(self, campaign_id: str) -> CampaignState:
        item = self.table.get(state_key(campaign_id))
        return CampaignState.model_validate(item) if item else CampaignState(campaign_id=campaign_id)

    def claim(self, run: CampaignRun, state: CampaignState) -> None:
        """Create the run and store `state` (read at its `version`) as the campaign's next state, together.

        RunClaimed when the run id exists; CampaignStateChanged when another run moved the state first.
        """
        saved = state.model_copy(update={"version": state.version + 1})
        writes = [
            Write("Put", run_key(run.run_id), item=_run_item(run), condition="attribute_not_exists(pk)"),
            Write(
                "Put",
                state_key(state.campaign_id),
                item={**saved.model_dump(mode="json", exclude_none=True), "entity": "campaign_state"},
                condition="attribute_not_exists(pk)" if state.version == 0 else "#version = :version",
                names={"#version": "version"} if state.version else {},
                values={":version": state.version} if state.version else {},
            ),
        ]
        try:
            self.table.transact(writes)
        except TransactionCancelled as exc:
            if exc.failed_at(0):
                raise RunClaimed(run.run_id) from exc
            raise CampaignStateChanged(state.campaign_id) from exc

    def hand_over(self, run: CampaignRun, previous_execution: str, execution: str) -> bool:
        """Give a running run, and the campaign it holds, to `execution`, which continues `previous_execution`
        (logic.campaigns.nurture); False if the run is no longer that execution's, or no longer holds the campaign."""
        writes = [
            Write(
                "Update",
                run_key(run.run_id),
                update="SET execution = :new",
                condition="execution = :previous AND #status = :running",
                names={"#status": "status"},
                values={":new": execution, ":previous": previous_execution, ":running": "running"},
            ),
            Write(
                "Update",
                state_key(run.campaign_id),
                update="SET active_execution = :new, #version = #version + :one",
                condition="active_run = :run",
                names={"#version": "version"},
                values={":new": execution, ":run": run.run_id, ":one": 1},
            ),
        ]
        try:
            self.table.transact(writes)
        except TransactionCancelled:
            return False
        return True

    def finish(self, run: CampaignRun) -> None:
        """Store the run's result and free the campaign for its next run (if this run still holds it)."""
        self.save_run(run)
        try:
            self.table.update(
                state_key(run.campaign_id),
                "SET #version = #version + :one REMOVE active_run, active_execution, active_until",
                condition="active_run = :run",
                names={"#version": "version"},
                values={":one": 1, ":run": run.run_id},
            )
        except Exception as exc:
            if not is_conditional_failure(exc):
                raise

    # --- batches -------------------------------------------------------------------------------------------

    def put_batches(self, batches: Sequence[CampaignBatch]) -> None:
        expires = int((utcnow() + BATCH_RETENTION).timestamp())
        self.table.batch_put([self._batch_item(b, expires) for b in batches])

    def save_batch(self, batch: CampaignBatch) -> None:
        self.table.put(self._batch_item(batch, int((utcnow() + BATCH_RETENTION).timestamp())))

    def batch(self, run_id: str, batch: int) -> CampaignBatch | None:
        item = self.table.get(batch_key(run_id, batch))
        return CampaignBatch.model_validate(item) if item else None

    def batches(self, run_id: str) -> list[CampaignBatch]:
        items = self.table.query_all(f"{RUN_PREFIX}{run_id}", sk_prefix=BATCH_PREFIX, consistent=True)
        return [CampaignBatch.model_validate(i) for i in items]

    @staticmethod
    def _batch_item(batch: CampaignBatch, expires: int) -> dict[str, Any]:
        return {
            **batch_key(batch.run_id, batch.batch),
            **batch.model_dump(mode="json"),
            "entity": "campaign_batch",
            TTL_ATTRIBUTE: expires,
        }


class SendLogBatch:
    """The send logs of a batch's candidates in one BatchGetItem, instead of a GetItem each."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def many(self, candidate_ids: Sequence[str]) -> dict[str, SendLog]:
        if not candidate_ids:
            return {}
        items = self.table.batch_get([send_log_key(c) for c in candidate_ids])
        return {str(i["candidate_id"]): SendLog.model_validate(i) for i in items}


class CampaignLauncher:
    """Starts executions of the nurture state machine."""

    def __init__(self, state_machine_arn: str) -> None:
        self.state_machine_arn = state_machine_arn

    def execution_arn(self, name: str) -> str:
        """The ARN an execution of the machine named `name` has (Step Functions' own rule), before it starts."""
        machine = self.state_machine_arn.replace(":stateMachine:", ":execution:", 1)
        return f"{machine}:{name}"

    def start(self, name: str, payload: dict[str, Any]) -> str:
        """StartExecution under `name`; the execution's ARN. A name already used answers with that execution."""
        sfn = client("stepfunctions")
        try:
            response = sfn.start_execution(stateMachineArn=self.state_machine_arn, name=name, input=json.dumps(payload))
        except sfn.exceptions.ExecutionAlreadyExists:
            return self.execution_arn(name)
        return str(response["executionArn"])
