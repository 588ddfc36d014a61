"""Listing and replaying parked work: the operator's `talentpool ops failures` and `talentpool ops redrive`.

A failure queue holds three shapes of message: Lambda's on-failure record of an asynchronous invocation (the
event and the error), an event EventBridge could not deliver (or a buffered message that kept failing: the
event itself, the error in its attributes), and a stream consumer's record of a batch it gave up on (shard and
sequence numbers). Each is replayed to where it was going. A replay is recorded before it is done, so a failure
is replayed once even when a redrive is repeated, and the consumers themselves are idempotent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from talentpool.errors import FieldError, ValidationFailed
from talentpool.models.failures import (
    Consumer,
    ConsumerKind,
    Failure,
    FailureList,
    FailureSource,
    ParkedMessage,
    RedriveRequest,
    RedriveResult,
    Replayed,
)
from talentpool.observability import tracer

ERROR_LENGTH = 500  # an error message is shown, truncated; a stack trace is not


class FailureQueues(Protocol):
    def peek(self, queue_url: str, limit: int) -> list[ParkedMessage]: ...

    def take(self, queue_url: str, limit: int) -> list[ParkedMessage]: ...

    def delete(self, queue_url: str, receipt: str) -> None: ...

    def depth(self, queue_url: str) -> int: ...


class Replays(Protocol):
    def invoke(self, function_arn: str, payload: Mapping[str, Any]) -> None: ...

    def start(self, state_machine_arn: str, name: str, execution_input: Mapping[str, Any]) -> None: ...

    def requeue(self, queue_url: str, body: str) -> None: ...

    def stream_records(self, batch: Mapping[str, Any]) -> list[dict[str, Any]]: ...


class ReplayMarks(Protocol):
    def claim(self, failure_id: str) -> bool:
        """True the first time a failure is claimed for replay, False ever after."""
        ...

    def release(self, failure_id: str) -> None:
        """Forget a claim whose replay failed: the next redrive tries again."""
        ...


def describe(consumer: str, message: ParkedMessage) -> Failure:
    body = _json(message.body)
    if "requestContext" in body:
        context = body.get("requestContext") or {}
        response = body.get("responsePayload") or {}
        error = _error(response) or str(
            (body.get("responseContext") or {}).get("functionError") or context.get("condition")
        )
        source = FailureSource.STREAM if "DDBStreamBatchInfo" in body else FailureSource.INVOCATION
        return Failure(
            failure_id=message.message_id,
            consumer=consumer,
            source=source,
            failed_at=body.get("timestamp") or message.sent_at,
            error=f"{context.get('condition', 'failed')}: {error}"[:ERROR_LENGTH],
            attempts=context.get("approximateInvokeCount"),
        )
    attributes = message.attributes
    error = " ".join(str(attributes[k]) for k in ("ERROR_CODE", "ERROR_MESSAGE") if attributes.get(k))
    return Failure(
        failure_id=message.message_id,
        consumer=consumer,
        source=FailureSource.DELIVERY,
        failed_at=message.sent_at,
        # The queue's receive count would include every look at it, so it is not shown as attempts.
        error=(error or "not processed after repeated attempts (a buffered message that kept failing)")[:ERROR_LENGTH],
    )


def list_failures(consumers: Mapping[str, Consumer], queues: FailureQueues, *, limit: int = 100) -> FailureList:
    failures = [
        describe(name, message)
        for name, consumer in consumers.items()
        for message in queues.peek(consumer.queue_url, limit)
    ]
    depths = {name: queues.depth(consumer.queue_url) for name, consumer in consumers.items()}
    return FailureList(failures=failures[:limit], queues=depths)


@tracer.capture_method(capture_response=False)  # a span per step; answers may hold PII, so not recorded
def redrive(
    request: RedriveRequest,
    consumers: Mapping[str, Consumer],
    *,
    queues: FailureQueues,
    replays: Replays,
    marks: ReplayMarks,
) -> RedriveResult:
    chosen = _chosen(request, consumers)
    done: list[Replayed] = []
    for name, consumer in chosen.items():
        for message in queues.take(consumer.queue_url, request.limit - len(done)):
            done.append(_replay_one(name, consumer, message, queues=queues, replays=replays, marks=marks))
        if len(done) >= request.limit:
            break
    return RedriveResult(replayed=done)


def _chosen(request: RedriveRequest, consumers: Mapping[str, Consumer]) -> dict[str, Consumer]:
    if request.queue is None:
        return dict(consumers)
    if request.queue not in consumers:
        known = ", ".join(sorted(consumers))
        message = f"No failure queue named {request.queue!r}; one of {known}"
        raise ValidationFailed(message, [FieldError(["body", "queue"], message)])
    return {request.queue: consumers[request.queue]}


def _replay_one(
    name: str,
    consumer: Consumer,
    message: ParkedMessage,
    *,
    queues: FailureQueues,
    replays: Replays,
    marks: ReplayMarks,
) -> Replayed:
    if not marks.claim(message.message_id):
        # Replayed by an earlier redrive whose delete did not happen: only the delete is left to do.
        queues.delete(consumer.queue_url, message.receipt)
        return Replayed(failure_id=message.message_id, consumer=name, outcome="already_replayed")
    try:
        _replay(consumer, message, replays)
    except Exception as exc:
        marks.release(message.message_id)
        return Replayed(failure_id=message.message_id, consumer=name, outcome="failed", detail=type(exc).__name__)
    queues.delete(consumer.queue_url, message.receipt)
    return Replayed(failure_id=message.message_id, consumer=name, outcome="replayed")


def _replay(consumer: Consumer, message: ParkedMessage, replays: Replays) -> None:
    body = _json(message.body)
    if consumer.kind is ConsumerKind.QUEUE:
        replays.requeue(consumer.target, message.body)
    elif "DDBStreamBatchInfo" in body:
        replays.invoke(consumer.target, {"Records": replays.stream_records(body["DDBStreamBatchInfo"])})
    elif consumer.kind is ConsumerKind.FUNCTION:
        replays.invoke(consumer.target, body.get("requestPayload", body) if "requestContext" in body else body)
    else:
        replays.start(consumer.target, _execution_name(message, body), execution_input(consumer, body))


def execution_input(consumer: Consumer, event: Mapping[str, Any]) -> dict[str, Any]:
    """What the rule's input transformer would have given the state machine for this event."""
    paths = consumer.inputs.get(str(event.get("detail-type")))
    if paths is None:
        return dict(event)
    return {key: _at(event, path) for key, path in paths.items()}


def _at(event: Mapping[str, Any], path: str) -> Any:
    value: Any = event
    for part in path.removeprefix("$.").split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _execution_name(message: ParkedMessage, event: Mapping[str, Any]) -> str:
    # Named for the event: Step Functions refuses a second execution of the same name and input.
    return f"redrive-{event.get('id') or message.message_id}"[:80]


def _error(response: Mapping[str, Any]) -> str:
    kind, text = response.get("errorType"), response.get("errorMessage")
    return ": ".join(str(part) for part in (kind, text) if part)


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def consumers_from(setting: str, parse: Callable[[Any], Consumer] = Consumer.model_validate) -> dict[str, Consumer]:
    """The FAILURE_QUEUES setting: {consumer: {queue_url, kind, target, inputs}}."""
    return {name: parse(value) for name, value in json.loads(setting or "{}").items()}
