"""EventBridge delivery moto does not do: from each rule's SQS tap to the rule's real targets in the spec.

moto matches events against the rule patterns and puts each match on the rule's queue; this module only
delivers. Functions get the whole event, state machines an execution whose input is built from the
target's JSONPath map, as an EventBridge input transformer would build it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from infra import spec
from local.lambdas import LambdaRuntime

log = logging.getLogger("local.dispatch")

RETRY_DELAYS_S: tuple[float, ...] = (0.5, 2.0)  # two retries after the first attempt, as EventBridge would
_PATH = re.compile(r"^\$((?:\.[^.\[\]]+)*)$")
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


class DeliveryFailed(Exception):
    """A target did not accept the event; the dispatcher retries, then logs and drops it."""


def json_path(document: Any, path: str) -> Any:
    """The value at `path` in the subset rules may use: `$` or `$.a.b` (names, no filters or indexes).

    A missing value is None, as an input transformer leaves a missing path empty.
    """
    match = _PATH.match(path)
    if match is None:
        raise ValueError(f"unsupported JSONPath {path!r}: use $ or $.a.b")
    value = document
    for name in filter(None, match.group(1).split(".")):
        if not isinstance(value, Mapping) or name not in value:
            return None
        value = value[name]
    return value


def target_input(target: spec.TargetSpec, event: Mapping[str, Any]) -> dict[str, Any]:
    """What a target receives, as an EventBridge input transformer builds it: the target's constants and one
    key per entry of its input map; the whole event when it has neither."""
    if target.input is None and target.constants is None:
        return dict(event)
    paths = {key: json_path(event, path) for key, path in (target.input or {}).items()}
    return {**(target.constants or {}), **paths}


def execution_name(rule_name: str, target_index: int, event_id: str) -> str:
    """Unique per event and target, and the same on a retry, so a retried start cannot start twice."""
    suffix = f"-{target_index}-{_NAME_UNSAFE.sub('-', event_id)}"
    return _NAME_UNSAFE.sub("-", rule_name)[: 80 - len(suffix)] + suffix


def sqs_record(event: Mapping[str, Any], *, queue: str) -> dict[str, Any]:
    """One record as Lambda's SQS event source mapping delivers it (Powertools' parser needs every field)."""
    body = json.dumps(event)
    now_ms = str(int(time.time() * 1000))
    region = str(event.get("region") or "us-east-1")
    account = str(event.get("account") or "000000000000")
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": uuid.uuid4().hex,
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": now_ms,
            "SenderId": "local-dispatch",
            "ApproximateFirstReceiveTimestamp": now_ms,
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{region}:{account}:{queue}",
        "awsRegion": region,
    }


def validate_targets(rules: Iterable[spec.RuleSpec], functions: Iterable[str], machines: Iterable[str]) -> None:
    """Fail at start-up, not at the first event, when a target or an input path cannot work."""
    known = {"function": set(functions), "state_machine": set(machines), "queue": set(functions)}
    for rule in rules:
        for target in rule.targets:
            if target.name not in known.get(target.kind, set()):
                raise ValueError(f"rule {rule.name}: no {target.kind} named {target.name!r} in the spec")
            for path in (target.input or {}).values():
                json_path({}, path)


class TargetInvoker:
    """Delivers one event to one spec target."""

    def __init__(
        self,
        runtime: LambdaRuntime,
        stepfunctions: Any,
        state_machines: Mapping[str, str],
        *,
        sqs: Any = None,
        failure_queues: Mapping[str, str] | None = None,
    ) -> None:
        self._runtime = runtime
        self._stepfunctions = stepfunctions
        self._state_machines = state_machines
        self._sqs = sqs
        self._failure_queues = dict(failure_queues or {})

    def park(self, target: spec.TargetSpec, event: Mapping[str, Any], error: str) -> None:
        """Work that gave up goes to its consumer's failure queue, in the shape AWS parks it there: Lambda's
        on-failure record for a function, the event itself (error in its attributes) otherwise."""
        queue_url = self._failure_queues.get(target.name)
        if queue_url is None or self._sqs is None:
            return
        if target.kind == "function":
            body = on_failure_record(self._runtime.arn(target.name), target_input(target, event), error)
            self._sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(body))
            return
        attributes = {
            "ERROR_CODE": {"DataType": "String", "StringValue": "DeliveryFailed"},
            "ERROR_MESSAGE": {"DataType": "String", "StringValue": error[:256]},
        }
        self._sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(event), MessageAttributes=attributes)

    def deliver(self, target: spec.TargetSpec, event: Mapping[str, Any], *, rule: str, index: int) -> None:
        if target.kind == "function":
            result = self._runtime.invoke(target.name, target_input(target, event))
            if result.errored:
                raise DeliveryFailed(f"function {target.name} failed: {result.json().get('errorType')}")
            return
        if target.kind == "state_machine":
            self._start(target, event, rule=rule, index=index)
            return
        if target.kind == "queue":
            self._through_queue(target, event)
            return
        raise DeliveryFailed(f"unknown target kind {target.kind!r}")

    def _through_queue(self, target: spec.TargetSpec, event: Mapping[str, Any]) -> None:
        """What an SQS event source mapping hands the function: a batch (of one here) of full SQS records.

        A record the function reports in batchItemFailures stays on the queue in AWS; here it is retried.
        """
        record = sqs_record(target_input(target, event), queue=f"{target.name}-events")
        result = self._runtime.invoke(target.name, {"Records": [record]})
        if result.errored:
            raise DeliveryFailed(f"function {target.name} failed: {result.json().get('errorType')}")
        failures = (result.json() or {}).get("batchItemFailures") or []
        if failures:
            raise DeliveryFailed(f"function {target.name} reported {len(failures)} failed record(s)")

    def _start(self, target: spec.TargetSpec, event: Mapping[str, Any], *, rule: str, index: int) -> None:
        client = self._stepfunctions
        try:
            client.start_execution(
                stateMachineArn=self._state_machines[target.name],
                name=execution_name(rule, index, str(event.get("id") or "")),
                input=json.dumps(target_input(target, event)),
            )
        except client.exceptions.ExecutionAlreadyExists:
            log.info("execution for event %s already started", event.get("id"))
        except Exception as exc:
            raise DeliveryFailed(f"state machine {target.name} did not start: {exc}") from exc


def on_failure_record(function_arn: str, payload: Any, error: str) -> dict[str, Any]:
    """Lambda's on-failure destination record for an asynchronous invocation that used up its retries."""
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": f"{function_arn}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": len(RETRY_DELAYS_S) + 1,
        },
        "requestPayload": payload,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorType": "DeliveryFailed", "errorMessage": error},
    }


def deliver_with_retries(
    deliver: Callable[[], None], describe: str, stopping: threading.Event, delays: Sequence[float] = RETRY_DELAYS_S
) -> bool:
    """Try, then retry after each delay; a failure is logged and never raised: the dispatcher carries on."""
    for attempt, delay in enumerate((*delays, None), start=1):
        try:
            deliver()
        except Exception as exc:
            if delay is None or stopping.is_set():
                log.error("gave up delivering %s after %d attempts: %s", describe, attempt, exc)
                return False
            log.warning("delivering %s failed (attempt %d), retrying: %s", describe, attempt, exc)
            stopping.wait(delay)
        else:
            return True
    return False


@dataclass(frozen=True)
class RuleTap:
    rule: spec.RuleSpec
    queue_url: str


class Dispatcher:
    """One long-polling thread per rule queue, and a few workers that deliver, as EventBridge would."""

    def __init__(
        self,
        sqs: Any,
        taps: Iterable[RuleTap],
        invoker: TargetInvoker,
        *,
        account: str,
        workers: int = 4,
        poll_seconds: int = 1,
        retry_delays: Sequence[float] = RETRY_DELAYS_S,
    ) -> None:
        self._sqs = sqs
        self._taps = list(taps)
        self._invoker = invoker
        self._account = account
        self._poll_seconds = poll_seconds
        self._retry_delays = tuple(retry_delays)
        self._jobs: queue.Queue[tuple[RuleTap, dict[str, Any]] | None] = queue.Queue()
        self._stopping = threading.Event()
        self._threads = [
            threading.Thread(target=self._poll, args=(tap,), name=f"dispatch-{tap.rule.name}", daemon=True)
            for tap in self._taps
        ] + [threading.Thread(target=self._work, name=f"deliver-{n}", daemon=True) for n in range(workers)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        """Let deliveries in progress finish; pollers see the flag after their current long poll and end."""
        self._stopping.set()
        workers = [t for t in self._threads if t.name.startswith("deliver-")]
        for _ in workers:
            self._jobs.put(None)
        for thread in workers:
            thread.join(timeout)

    def _poll(self, tap: RuleTap) -> None:
        while not self._stopping.is_set():
            try:
                messages = self._sqs.receive_message(
                    QueueUrl=tap.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=self._poll_seconds
                ).get("Messages", [])
            except Exception:
                if not self._stopping.is_set():
                    log.exception("polling the %s queue failed", tap.rule.name)
                    self._stopping.wait(1.0)
                continue
            if self._stopping.is_set():
                return  # left on the queue: state is in memory and goes with the process
            for message in messages:
                self._jobs.put((tap, message))

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            tap, message = job
            try:
                self.deliver(tap, json.loads(message["Body"]))
            except Exception:
                log.exception("could not deliver a message from the %s queue", tap.rule.name)
            try:
                self._sqs.delete_message(QueueUrl=tap.queue_url, ReceiptHandle=message["ReceiptHandle"])
            except Exception:
                if not self._stopping.is_set():
                    log.exception("could not delete a delivered message from the %s queue", tap.rule.name)

    def deliver(self, tap: RuleTap, event: dict[str, Any]) -> None:
        event.setdefault("account", self._account)  # moto's SQS copy can lack it; EventBridge always sends it
        deliver_to_targets(self._invoker, tap.rule.name, tap.rule.targets, event, self._stopping, self._retry_delays)


def deliver_to_targets(
    invoker: TargetInvoker,
    rule: str,
    targets: Sequence[spec.TargetSpec],
    event: Mapping[str, Any],
    stopping: threading.Event,
    retry_delays: Sequence[float] = RETRY_DELAYS_S,
) -> None:
    """Every target of a rule (or schedule) gets the event; each is retried on its own."""
    for index, target in enumerate(targets):
        describe = f"{event.get('detail-type')} {event.get('id')} to {target.kind} {target.name}"

        def attempt(target: spec.TargetSpec = target, index: int = index) -> None:
            invoker.deliver(target, event, rule=rule, index=index)

        if deliver_with_retries(attempt, describe, stopping, retry_delays):
            log.info("delivered %s (rule %s)", describe, rule)
        elif not stopping.is_set():
            invoker.park(target, event, f"gave up delivering {describe} after {len(retry_delays) + 1} attempts")
