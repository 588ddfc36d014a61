"""Nurture campaign sends: what the nurture machine carries between tasks, and what a run stores and reports.

One execution of `state_machines/nurture.asl.json` is one *run* of a campaign (a nurture sequence): resolve
the audience into batches, send each batch through a bounded Map, tally, and wait for deferred candidates.
Everything here carries ids and counts, never an address or a name.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints

from talentpool.models.base import Model

Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
_STATE = ConfigDict(extra="ignore")


class CampaignTrigger(StrEnum):
    SCHEDULE = "schedule"  # the campaign's EventBridge Scheduler schedule
    MANUAL = "manual"  # POST /campaigns/{id}/send


class CampaignStart(Model):
    """The execution's input. A schedule sends {campaign_id, trigger, scheduled_at}; the API adds the run id
    it answered with and who asked. An execution that carries a run on from one near Step Functions' limits
    (logic.workflow_limits) also names that one (`continued_from`), its own `generation` and the moment its
    first pass is due (`not_before`)."""

    model_config = _STATE

    campaign_id: Id
    trigger: CampaignTrigger = CampaignTrigger.SCHEDULE
    run_id: Id | None = None
    scheduled_at: str | None = Field(default=None, description="Scheduler's <aws.scheduler.scheduled-time>")
    requested_by: str | None = None
    continued_from: str | None = None
    generation: int | None = Field(default=None, ge=1)
    not_before: str | None = None


class RunRef(Model):
    """What every task of a run needs to know, carried in the state as `run` (a few hundred bytes)."""

    model_config = _STATE

    run_id: Id
    campaign_id: Id
    version: int = Field(description="The campaign version the run pinned when it started")
    step: int = Field(description="The index of the step this run sends")
    started_at: str
    round: int = Field(default=0, description="0 for the first pass over the batches; +1 after each Wait")
    not_before: str | None = Field(default=None, description="The instant the Wait before this round ended at")
    generation: int = Field(default=0, ge=0, description="Executions of this run before this one")
    history: int = Field(default=0, ge=0, description="History events, worst case, by the end of this pass")


class RunState(Model):
    """The machine's state between tasks: which batches the Map sends next, how many at once, and whether
    to wait (`next_at`, read by the Wait's TimestampPath) or stop (`done`, read by the Choice)."""

    model_config = _STATE

    run: RunRef
    batches: list[int] = Field(default_factory=list)
    max_concurrency: int = Field(ge=1, le=40)
    next_at: str | None = None
    done: bool = False
    continued: bool = False  # done here because a new execution carries the run on

    def output(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class ResolveRequest(Model):
    model_config = _STATE

    action: Literal["resolve"]
    execution: str
    input: CampaignStart


class BatchRequest(Model):
    model_config = _STATE

    action: Literal["send_batch"]
    execution: str
    run: RunRef
    batch: int = Field(ge=1)


class TallyRequest(Model):
    model_config = _STATE

    action: Literal["tally"]
    execution: str
    run: RunRef


class FailureRequest(Model):
    """The machine's Catch-all: `state` is whatever the failed state had, with the error at `state.error`."""

    model_config = _STATE

    action: Literal["failed"]
    execution: str
    state: dict[str, Any]


CampaignRequest = Annotated[
    ResolveRequest | BatchRequest | TallyRequest | FailureRequest, Field(discriminator="action")
]


class CampaignBatch(Model):
    """Up to 100 audience members of a run (`pk=RUN#<run_id>, sk=BATCH#<n:05d>`), and what became of each.

    `outcomes` holds final results only: "sent", "unknown" (SES may have accepted it; never sent again),
    "skipped:<reason>" or "failed:<SES error code>". `deferred` maps a candidate who may get the email later
    (frequency cap, send window, SES throttling) to the instant of their next try; they are tried again after
    the Wait. `rounds` counts the SendBatch attempts that got to save the batch (0: never sent yet).
    """

    model_config = _STATE

    run_id: str
    batch: int
    candidate_ids: list[str]
    outcomes: dict[str, str] = Field(default_factory=dict)
    deferred: dict[str, str] = Field(default_factory=dict)
    rounds: int = 0
    throttled: int = Field(default=0, description="Passes in a row that SES throttled or could not be reached")

    def pending(self) -> list[str]:
        return [c for c in self.candidate_ids if c not in self.outcomes]

    def unsent(self) -> bool:
        """No pass has sent this batch yet."""
        return self.rounds == 0 and not self.outcomes and not self.deferred


class BatchOutcome(Model):
    """What one SendBatch did, for logs and tests (the Map discards it: the batch item is the record)."""

    batch: int
    sent: int
    deferred: int
    next_at: str | None = None


RunStatus = Literal["running", "finished", "failed", "skipped"]


class CampaignRun(Model):
    """One send of a campaign and its result (`pk=RUN#<run_id>, sk=RESULT`), kept after the run ends.

    `skipped` and `failed` count candidates by reason; `deferred` is how many still wait for a slot (zero
    once the run finished). `skipped_reason` says why a whole run sent nothing (inactive, a duplicate).
    """

    model_config = _STATE

    run_id: str
    campaign_id: str
    version: int
    step: int
    trigger: CampaignTrigger
    execution: str
    started_at: str
    requested_by: str | None = None
    scheduled_at: str | None = None
    number: int = Field(default=0, description="How many runs of this campaign came before this one")
    status: RunStatus = "running"
    audience: int = 0
    batches: int = 0
    sent: int = 0
    unknown: int = 0
    deferred: int = 0
    skipped: dict[str, int] = Field(default_factory=dict)
    failed: dict[str, int] = Field(default_factory=dict)
    skipped_reason: str | None = None
    error: str | None = None
    finished_at: str | None = None

    def ref(self) -> RunRef:
        return RunRef(
            run_id=self.run_id,
            campaign_id=self.campaign_id,
            version=self.version,
            step=self.step,
            started_at=self.started_at,
        )


class CampaignState(Model):
    """Per campaign (`pk=CAMPAIGN#<id>, sk=STATE`): how many runs there were (the next run's step rotates
    through the steps) and the run in progress, so two sends of one campaign never overlap."""

    model_config = _STATE

    campaign_id: str
    runs: int = 0
    active_run: str | None = None
    active_execution: str | None = None
    active_until: str | None = None
    last_run_id: str | None = None
    version: int = 0


class CampaignSendAccepted(Model):
    """POST /campaigns/{id}/send: the run that will send, and its execution."""

    campaign_id: str
    run_id: str
    execution: str


class CampaignSchedule(Model):
    """A campaign's EventBridge Scheduler schedule: its cron starts the nurture machine with `input`."""

    name: str
    expression: str
    enabled: bool
    target_arn: str
    role_arn: str
    input: dict[str, str]
    description: str
