"""The ports a nurture campaign run works through, and its settings."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence as Seq
from dataclasses import dataclass
from typing import Any, Protocol

from talentpool.logic.people.search import IndexReader
from talentpool.logic.people.segments import SegmentRepository
from talentpool.logic.sending.send_once import SendingPorts, SendResult
from talentpool.logic.sequences.definitions import CandidateLookup, SequenceSource
from talentpool.models.campaigns import (
    CampaignBatch,
    CampaignRun,
    CampaignState,
)
from talentpool.models.sequences import SendLog
from talentpool.ports.repositories import Continuations


class SendLogReader(Protocol):
    def many(self, candidate_ids: Seq[str]) -> dict[str, SendLog]: ...


class CampaignRunRepository(Protocol):
    def get(self, run_id: str) -> CampaignRun | None: ...

    def save_run(self, run: CampaignRun) -> None: ...

    def state(self, campaign_id: str) -> CampaignState: ...

    def claim(self, run: CampaignRun, state: CampaignState) -> None: ...

    def hand_over(self, run: CampaignRun, previous_execution: str, execution: str) -> bool: ...

    def finish(self, run: CampaignRun) -> None: ...

    def put_batches(self, batches: Seq[CampaignBatch]) -> None: ...

    def save_batch(self, batch: CampaignBatch) -> None: ...

    def batch(self, run_id: str, batch: int) -> CampaignBatch | None: ...

    def batches(self, run_id: str) -> list[CampaignBatch]: ...


class ExecutionStarter(Protocol):
    def start(self, name: str, payload: dict[str, Any]) -> str: ...

    def execution_arn(self, name: str) -> str: ...


@dataclass(frozen=True)
class NurtureSettings:
    send_rate: int  # SES_SEND_RATE: emails a second the account may send


@dataclass
class NurturePorts:
    sequences: SequenceSource
    candidates: CandidateLookup
    send_logs: SendLogReader
    runs: CampaignRunRepository
    segments: SegmentRepository
    index: IndexReader
    send: SendingPorts  # the send path engage uses too: one send log, cap, rendering and records
    settings: NurtureSettings
    workflows: Continuations  # the execution that carries a run on near Step Functions' limits
    # Whether a failed call may work later (the adapters' judgement of a timeout, throttling or a service fault):
    # such a candidate waits for a later pass instead of failing the batch.
    is_transient: Callable[[BaseException], bool] = lambda exc: False


SendOnce = Callable[..., SendResult]
"""`send_once(task=, candidate=, sequence=, ports=)`: engage's `send_step_email`, whose send log is the idempotency."""
