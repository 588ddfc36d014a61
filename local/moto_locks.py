"""moto's in-memory DynamoDB and SQS are not thread-safe: their requests run one at a time, each service alone.

Two concurrent TransactWriteItems could fail with "dictionary changed size during iteration", and an SQS
ReceiveMessage iterating a queue's pending messages while another thread received from it failed with "Set
changed size during iteration". The runtime's threads (gateway requests, the dispatcher, stream workers,
Step Functions executions) all reach moto at once, so each service gets one lock. Each request holds it only
while moto works on it (a few milliseconds, now that no request touches a whole table); a ReceiveMessage that
long-polls lets go of it while it waits for a message, so that the message can be sent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Undo = Callable[[], None]


class ServiceLock:
    """A reentrant lock that a waiting thread can set down entirely and pick up again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held = threading.local()

    def _depth(self) -> int:
        return int(getattr(self._held, "depth", 0))

    def __enter__(self) -> ServiceLock:
        depth = self._depth()
        if depth == 0:
            self._lock.acquire()
        self._held.depth = depth + 1
        return self

    def __exit__(self, *_: object) -> None:
        depth = self._depth() - 1
        self._held.depth = depth
        if depth == 0:
            self._lock.release()

    @contextmanager
    def set_down(self) -> Iterator[None]:
        """Inside the block this thread does not hold the lock, however deep it held it; afterwards it does."""
        depth = self._depth()
        if depth:
            self._held.depth = 0
            self._lock.release()
        try:
            yield
        finally:
            if depth:
                self._lock.acquire()
                self._held.depth = depth

    def held_by_me(self) -> bool:
        return self._depth() > 0


DYNAMODB_LOCK = ServiceLock()
SQS_LOCK = ServiceLock()

# The SQS backend methods that read or change a queue's messages: EventBridge calls send_message on the
# backend directly, not through a request, so the lock is taken here rather than around each request.
SQS_METHODS = (
    "send_message",
    "send_message_batch",
    "receive_message",
    "delete_message",
    "delete_message_batch",
    "change_message_visibility",
    "change_message_visibility_batch",
    "purge_queue",
    "get_queue_attributes",
)


def _under(lock: ServiceLock, original: Callable[..., Any]) -> Callable[..., Any]:
    def locked(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(*args, **kwargs)

    return locked


def _wrap(owner: type, name: str, lock: ServiceLock) -> Undo:
    """Replace owner.name (its own or inherited) with a locked call; the undo restores exactly that."""
    own = owner.__dict__.get(name)
    setattr(owner, name, _under(lock, getattr(owner, name)))
    if own is None:
        return lambda: delattr(owner, name)
    return lambda: setattr(owner, name, own)


def _undo_all(steps: list[Undo]) -> Undo:
    def undo() -> None:
        for step in reversed(steps):
            step()

    return undo


def patch_dynamodb_serialised() -> Undo:
    """Every DynamoDB and DynamoDB Streams request in moto runs alone."""
    from moto.dynamodb.responses import DynamoHandler
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    return _undo_all(
        [
            _wrap(DynamoHandler, "call_action", DYNAMODB_LOCK),
            _wrap(DynamoDBStreamsHandler, "call_action", DYNAMODB_LOCK),
        ]
    )


def patch_sqs_serialised() -> Undo:
    """Every change to or read of SQS messages runs alone; a long poll waits without the lock."""
    from moto.sqs.models import Queue, SQSBackend

    steps = [_wrap(SQSBackend, name, SQS_LOCK) for name in SQS_METHODS]
    original_wait = Queue.__dict__["wait_for_messages"]

    def wait_for_messages(self: Any, timeout: int) -> None:
        with SQS_LOCK.set_down():
            original_wait(self, timeout)

    Queue.wait_for_messages = wait_for_messages  # type: ignore[method-assign]
    steps.append(lambda: setattr(Queue, "wait_for_messages", original_wait))
    return _undo_all(steps)
