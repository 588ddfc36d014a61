"""DynamoDB stream records delivered asynchronously, as in AWS.

moto hands stream records to a mapped Lambda synchronously, inside the write that produced them (and so under
the DynamoDB lock, see local/moto_locks.py); a consumer that writes to the table would then wait for the lock
its own trigger holds. Here the write only queues its records, and a worker per (stream, function) delivers
them in order, in batches, with retries, the way Lambda's stream poller does.
"""

from __future__ import annotations

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


def stream_record(item: Any, *, region: str, source_arn: str, sequence_number: int) -> dict[str, Any]:
    """Lambda's DynamoDB stream record for one of moto's StreamRecord objects, numbered in the stream's order.

    moto reuses its own dicts, so nothing of them is kept: the caller serialises the record straight away.
    """
    from moto.core.utils import unix_time

    raw = item.to_json()
    dynamodb = dict(raw["dynamodb"])
    if isinstance(dynamodb.get("ApproximateCreationDateTime"), datetime):
        dynamodb["ApproximateCreationDateTime"] = unix_time(dynamodb["ApproximateCreationDateTime"])
    dynamodb["SequenceNumber"] = str(sequence_number)
    return {
        "eventID": raw["eventID"],
        "eventName": raw["eventName"],
        "eventVersion": raw["eventVersion"],
        "eventSource": raw["eventSource"],
        "awsRegion": region,
        "dynamodb": dynamodb,
        "eventSourceARN": source_arn,
    }


@dataclass(frozen=True)
class QueuedRecord:
    """A stream record waiting for delivery, kept as its JSON: a fraction of the memory of the parsed dict,
    and a fresh copy for every delivery attempt, so a handler that changes its event changes no retry."""

    sequence_number: str
    body: str

    def event(self) -> dict[str, Any]:
        record: dict[str, Any] = json.loads(self.body)
        return record


def function_name(function_arn: str) -> str:
    """`arn:aws:lambda:<region>:<account>:function:<name>[:qualifier]` → name."""
    return function_arn.split(":")[6]


@dataclass
class _Shard:
    """The records of one stream waiting for one function, in order."""

    function: str
    source_arn: str
    batch_size: int
    records: deque[QueuedRecord] = field(default_factory=deque)
    busy: bool = False


class StreamDelivery:
    """Queues stream records per (stream, function); one worker each delivers them in order, in batches.

    A batch that raises is retried whole; a batch answering `batchItemFailures` is retried from the first
    failed record (Lambda's ReportBatchItemFailures checkpoint), so the records before it are not sent again.
    Sequence numbers are the stream's own, increasing per stream as DynamoDB's do. Queued records are kept as
    JSON: a backlog of thousands of records (a CSV import outrunning its consumer) stays small.
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
        name = function_name(function_arn)
        with self._changed:
            queued = []
            for item in items:
                number = self._next_sequence.get(source_arn, FIRST_SEQUENCE_NUMBER)
                self._next_sequence[source_arn] = number + 1
                record = stream_record(item, region=self._region, source_arn=source_arn, sequence_number=number)
                queued.append(QueuedRecord(str(number), json.dumps(record, separators=(",", ":"))))
            shard = self._shards.get((source_arn, name))
            if shard is None:
                shard = _Shard(name, source_arn, self._batch_sizes.get(name, DEFAULT_BATCH_SIZE))
                self._shards[(source_arn, name)] = shard
                self._start_worker(shard)
            shard.records.extend(queued)
            self._changed.notify_all()

    def backlog(self) -> dict[str, int]:
        """Records queued or being delivered, per consumer function: what Lambda's IteratorAge would show."""
        with self._changed:
            return {s.function: len(s.records) for s in self._shards.values()}

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

    def _deliver(self, shard: _Shard, batch: list[QueuedRecord]) -> None:
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
            batch[0].sequence_number,
        )

    def _attempt(self, shard: _Shard, batch: list[QueuedRecord]) -> list[QueuedRecord]:
        """Deliver once; what is left to retry: nothing, the whole batch, or from the first failed record on."""
        result = self._invoke(shard.function, {"Records": [record.event() for record in batch]})
        if result.errored:
            log.warning("%s failed on a stream batch: %s", shard.function, _error_type(result))
            return batch
        failed = _failed_sequence_numbers(result)
        if not failed:
            return []
        numbers = [record.sequence_number for record in batch]
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

    original = LambdaBackend.__dict__["send_dynamodb_items"]
    LambdaBackend.send_dynamodb_items = send_dynamodb_items  # type: ignore[method-assign]
    return lambda: setattr(LambdaBackend, "send_dynamodb_items", original)
