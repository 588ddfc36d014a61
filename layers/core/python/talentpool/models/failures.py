"""Work that failed for good, as the operator sees it: what, when, which consumer, why; and what a redrive did."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field

from talentpool.models.base import Model


class FailureSource(StrEnum):
    INVOCATION = "invocation"  # an asynchronous invocation that failed its retries (Lambda on-failure record)
    DELIVERY = "delivery"  # an event EventBridge could not deliver, or a buffered message that kept failing
    STREAM = "stream"  # a stream batch the consumer gave up on (positions only, no item data)


class ConsumerKind(StrEnum):
    FUNCTION = "function"
    STATE_MACHINE = "state_machine"
    QUEUE = "queue"


class Consumer(Model):
    """One failure queue and how its work is replayed (the FAILURE_QUEUES setting, built from infra/spec.py)."""

    model_config = ConfigDict(frozen=True)

    queue_url: str
    kind: ConsumerKind
    target: str  # the function or state machine ARN, or the queue URL the work is replayed to
    # State machines: execution input per event detail-type, as {key: "$.json.path"} into the event.
    inputs: dict[str, dict[str, str]] = Field(default_factory=dict)


class Failure(Model):
    """One parked piece of work. `error` is the error's type and message, never the payload."""

    failure_id: str
    consumer: str
    source: FailureSource
    failed_at: str | None
    error: str
    attempts: int | None = None


class FailureList(Model):
    failures: list[Failure]
    queues: dict[str, int] = Field(description="Messages each failure queue holds (SQS's approximate count)")


class RedriveRequest(Model):
    model_config = ConfigDict(extra="forbid")

    queue: str | None = Field(default=None, description="One consumer's queue; all of them when absent")
    limit: int = Field(default=100, ge=1, le=1000, description="At most this many failures in this call")


class Replayed(Model):
    failure_id: str
    consumer: str
    outcome: str = Field(description="replayed, already_replayed, or failed (it stays in its queue)")
    detail: str | None = None


class RedriveResult(Model):
    replayed: list[Replayed]


class ParkedMessage(Model):
    """An SQS message as the queue port returns it."""

    message_id: str
    receipt: str
    body: str
    attributes: dict[str, Any] = Field(default_factory=dict)
    sent_at: str | None = None
    receive_count: int | None = None
