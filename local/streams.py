"""DynamoDB locally: one operation at a time inside moto, and stream records delivered asynchronously, as in AWS.

moto's in-memory DynamoDB is not thread-safe (two concurrent TransactWriteItems can fail with "dictionary
changed size during iteration"), so every DynamoDB and DynamoDB Streams request runs under one lock. moto also
hands stream records to a mapped Lambda synchronously, inside the write that produced them; a consumer that
writes to the table would then wait for the lock its own trigger holds. Here the write only queues its records,
and a worker per (stream, function) delivers them in order, in batches, with retries, the way Lambda's stream
poller does.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from local.lambdas import Invocation

log = logging.getLogger("local.streams")

Undo = Callable[[], None]
Invoke = Callable[[str, Any], Invocation]

DEFAULT_BATCH_SIZE = 100
# Lambda retries a failing batch until the records expire; locally, after the last of these delays the batch is
# logged and dropped, as the on-failure destination would receive it.
RETRY_DELAYS_S: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 4.0)
FIRST_SEQUENCE_NUMBER = 1100000000017454423009  # where moto's shard starts counting

DYNAMODB_LOCK = threading.RLock()


def _wrap(owner: type, name: str, wrapper: Callable[[Callable[..., Any]], Callable[..., Any]]) -> Undo:
    """Replace owner.name (its own or inherited) with wrapper(original); the undo restores exactly that."""
    own = owner.__dict__.get(name)
    setattr(owner, name, wrapper(getattr(owner, name)))
    if own is None:
        return lambda: delattr(owner, name)
    return lambda: setattr(owner, name, own)


def _serialised(original: Callable[..., Any]) -> Callable[..., Any]:
    def call_action(self: Any) -> Any:
        with DYNAMODB_LOCK:
            return original(self)

    return call_action


def patch_dynamodb_serialised() -> Undo:
    """Every DynamoDB and DynamoDB Streams request in the moto server runs alone."""
    from moto.dynamodb.responses import DynamoHandler
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    undo = [_wrap(DynamoHandler, "call_action", _serialised), _wrap(DynamoDBStreamsHandler, "call_action", _serialised)]

    def undo_all() -> None:
        for step in reversed(undo):
            step()

    return undo_all


def stream_records(items: Iterable[Any], *, region: str, source_arn: str) -> list[dict[str, Any]]:
    """Lambda's DynamoDB stream records from moto's StreamRecord objects, copied (moto reuses its own)."""
    from moto.core.utils import unix_time

    records = []
    for item in items:
        raw = copy.deepcopy(item.to_json())
        dynamodb = raw["dynamodb"]
        if isinstance(dynamodb.get("ApproximateCreationDateTime"), datetime):
            dynamodb["ApproximateCreationDateTime"] = unix_time(dynamodb["ApproximateCreationDateTime"])
        records.append(
            {
                "eventID": raw["eventID"],
                "eventName": raw["eventName"],
                "eventVersion": raw["eventVersion"],
                "eventSource": raw["eventSource"],
                "awsRegion": region,
                "dynamodb": dynamodb,
                "eventSourceARN": source_arn,
            }
        )
    return records


def function_name(function_arn: str) -> str:
    """`arn:aws:lambda:<region>:<account>:function:<name>[:qualifier]` → name."""
    return function_arn.split(":")[6]


@dataclass
class _Shard:
    """The records of one stream waiting for one function, in order."""

    function: str
    source_arn: str
    batch_size: int
    records: deque[dict[str, Any]] = field(default_factory=deque)
    busy: bool = False


class StreamDelivery:
    """Queues stream records per (stream, function); one worker each delivers them in order, in batches.

    A batch that raises is retried whole; a batch answering `batchItemFailures` is retried from the first
    failed record (Lambda's ReportBatchItemFailures checkpoint), so the records before it are not sent again.
    Sequence numbers are renumbered to increase per stream, as DynamoDB's do (moto restarts them when it
    clears its shard after a delivery).
    """

    def __init__(
        self,
        invoke: Invoke,
        *,
        batch_sizes: Mapping[str, int],
        region: str,
        retry_delays: Sequence[float] = RETRY_DELAYS_S,
    ) -> None:
        self._invoke = invoke
        self._batch_sizes = dict(batch_sizes)
        self._region = region
        self._retry_delays = tuple(retry_delays)
        self._shards: dict[tuple[str, str], _Shard] = {}
        self._next_sequence: dict[str, int] = {}
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def enqueue(self, function_arn: str, source_arn: str, items: Iterable[Any]) -> None:
        """Called inside moto's write (under the DynamoDB lock): queue, never deliver."""
        records = stream_records(items, region=self._region, source_arn=source_arn)
        name = function_name(function_arn)
        with self._changed:
            for record in records:
                number = self._next_sequence.get(source_arn, FIRST_SEQUENCE_NUMBER)
                record["dynamodb"]["SequenceNumber"] = str(number)
                self._next_sequence[source_arn] = number + 1
            shard = self._shards.get((source_arn, name))
            if shard is None:
                shard = _Shard(name, source_arn, self._batch_sizes.get(name, DEFAULT_BATCH_SIZE))
                self._shards[(source_arn, name)] = shard
                self._start_worker(shard)
            shard.records.extend(records)
            self._changed.notify_all()

    def idle(self, timeout: float) -> bool:
        """Wait until every queued record has been delivered (or given up); for tests and shutdown."""
        with self._changed:
            return self._changed.wait_for(
                lambda: all(not s.records and not s.busy for s in self._shards.values()), timeout
            )

    def stop(self, timeout: float = 3.0) -> None:
        self._stopping.set()
        with self._changed:
            self._changed.notify_all()
        for thread in self._threads:
            thread.join(timeout)

    def _start_worker(self, shard: _Shard) -> None:
        thread = threading.Thread(target=self._run, args=(shard,), name=f"stream-{shard.function}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _run(self, shard: _Shard) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: bool(shard.records) or self._stopping.is_set())
                if self._stopping.is_set():
                    return
                batch = [shard.records.popleft() for _ in range(min(shard.batch_size, len(shard.records)))]
                shard.busy = True
            try:
                self._deliver(shard, batch)
            finally:
                with self._changed:
                    shard.busy = False
                    self._changed.notify_all()

    def _deliver(self, shard: _Shard, batch: list[dict[str, Any]]) -> None:
        for attempt, delay in enumerate((*self._retry_delays, None), start=1):
            batch = self._attempt(shard, batch)
            if not batch:
                return
            if delay is None:
                break
            log.warning("%s: retrying %d stream record(s) (attempt %d)", shard.function, len(batch), attempt)
            if self._stopping.wait(delay):
                return  # shutting down: the records are in memory and go with the process
        log.error(
            "%s: gave up on %d stream record(s) from sequence number %s",
            shard.function,
            len(batch),
            batch[0]["dynamodb"]["SequenceNumber"],
        )

    def _attempt(self, shard: _Shard, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Deliver once; what is left to retry: nothing, the whole batch, or from the first failed record on."""
        result = self._invoke(shard.function, {"Records": copy.deepcopy(batch)})
        if result.errored:
            log.warning("%s failed on a stream batch: %s", shard.function, _error_type(result))
            return batch
        failed = _failed_sequence_numbers(result)
        if not failed:
            return []
        numbers = [record["dynamodb"]["SequenceNumber"] for record in batch]
        first = min((numbers.index(n) for n in failed if n in numbers), default=0)
        return batch[first:]


def _error_type(result: Invocation) -> str:
    try:
        return str(result.json().get("errorType"))
    except (ValueError, AttributeError):
        return "error"


def _failed_sequence_numbers(result: Invocation) -> list[str]:
    try:
        payload = json.loads(result.payload)
    except ValueError:
        return []
    failures = payload.get("batchItemFailures") if isinstance(payload, dict) else None
    return [str(f.get("itemIdentifier")) for f in failures or [] if isinstance(f, dict)]


def patch_stream_delivery(delivery: StreamDelivery) -> Undo:
    """moto's synchronous stream-to-Lambda call becomes a queued, asynchronous delivery."""
    from moto.awslambda.models import LambdaBackend

    def send_dynamodb_items(self: Any, function_arn: str, items: list[Any], source: str) -> str:
        delivery.enqueue(function_arn, source, items)
        return "queued"  # truthy: moto then clears its shard, so the next write sends only its own records

    return _wrap(LambdaBackend, "send_dynamodb_items", lambda _original: send_dynamodb_items)
