"""Rule delivery: input mapping, execution names, target checks and retries, without moto."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from infra import spec
from local.dispatch import (
    DeliveryFailed,
    TargetInvoker,
    deliver_to_targets,
    deliver_with_retries,
    execution_name,
    json_path,
    target_input,
    validate_targets,
)
from local.lambdas import Invocation

EVENT = {
    "id": "7d1c8a8e-0000-4000-8000-000000000001",
    "detail-type": "CandidateConfirmed",
    "source": "talentpool",
    "account": "123456789012",
    "detail": {"candidate_id": "01AB", "nested": {"deep": [1, 2]}},
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", EVENT),
        ("$.detail.candidate_id", "01AB"),
        ("$.detail-type", "CandidateConfirmed"),
        ("$.detail.nested", {"deep": [1, 2]}),
        ("$.detail.missing", None),
        ("$.detail.candidate_id.deeper", None),
    ],
)
def test_json_paths_in_the_supported_subset(path: str, expected: Any) -> None:
    assert json_path(EVENT, path) == expected


@pytest.mark.parametrize("path", ["detail.x", "$..x", "$.a[0]", "$.a.", "$[*]", ""])
def test_json_paths_outside_the_subset_are_refused(path: str) -> None:
    with pytest.raises(ValueError, match="unsupported JSONPath"):
        json_path(EVENT, path)


def test_the_input_follows_the_targets_map() -> None:
    mapping = {"candidate_id": "$.detail.candidate_id", "event_id": "$.id", "kind": "$.detail-type"}

    assert target_input(spec.TargetSpec("state_machine", "engage", input=mapping), EVENT) == {
        "candidate_id": "01AB",
        "event_id": EVENT["id"],
        "kind": "CandidateConfirmed",
    }


def test_constants_sit_beside_the_mapped_paths() -> None:
    target = spec.TargetSpec("function", "report", input={"time": "$.id"}, constants={"period": "week"})

    assert target_input(target, EVENT) == {"period": "week", "time": EVENT["id"]}
    assert target_input(spec.TargetSpec("function", "report", constants={"period": "week"}), EVENT) == {
        "period": "week"
    }


def test_without_a_map_the_whole_event_is_the_input() -> None:
    assert target_input(spec.TargetSpec("state_machine", "engage"), EVENT) == EVENT


def test_execution_names_are_valid_unique_per_target_and_stable_on_retry() -> None:
    long_rule = "start-engage-" + "x" * 100

    first = execution_name(long_rule, 0, EVENT["id"])

    assert len(first) <= 80
    assert first.endswith(EVENT["id"])
    assert all(c.isalnum() or c in "-_" for c in first)
    assert first == execution_name(long_rule, 0, EVENT["id"])
    assert first != execution_name(long_rule, 1, EVENT["id"])
    assert first != execution_name(long_rule, 0, "another-event")


def test_the_spec_rules_name_real_targets_with_supported_paths() -> None:
    machines = [m.name for m in spec.STATE_MACHINES]

    validate_targets(spec.RULES, [f.name for f in spec.FUNCTIONS], machines)


@pytest.mark.parametrize(
    "target",
    [
        spec.TargetSpec("function", "nope"),
        spec.TargetSpec("state_machine", "nope"),
        spec.TargetSpec("queue", "nope"),
        spec.TargetSpec("topic", "notify"),
        spec.TargetSpec("function", "notify", input={"x": "$..x"}),
    ],
)
def test_a_rule_that_cannot_be_delivered_fails_at_start_up(target: spec.TargetSpec) -> None:
    rule = spec.RuleSpec("r", "d", {"source": ["talentpool"]}, (target,))

    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        validate_targets([rule], ["notify"], [])


class FakeRuntime:
    def __init__(self, errored: bool = False, answer: Any = None) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.errored = errored
        self.answer = {"ok": True} if answer is None else answer

    def invoke(self, name: str, event: Any) -> Invocation:
        self.calls.append((name, event))
        payload = {"errorType": "RuntimeError"} if self.errored else self.answer
        return Invocation(json.dumps(payload), self.errored, "")


class FakeStepFunctions:
    class exceptions:
        class ExecutionAlreadyExists(Exception):
            pass

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.started: list[dict[str, Any]] = []
        self.fail_with = fail_with

    def start_execution(self, **kwargs: Any) -> dict[str, Any]:
        if self.fail_with:
            raise self.fail_with
        self.started.append(kwargs)
        return {"executionArn": "arn"}


def test_a_function_target_gets_the_whole_event() -> None:
    runtime = FakeRuntime()
    invoker = TargetInvoker(runtime, FakeStepFunctions(), {})  # type: ignore[arg-type]

    invoker.deliver(spec.TargetSpec("function", "notify"), EVENT, rule="r", index=0)

    assert runtime.calls == [("notify", EVENT)]


def test_a_failing_function_is_a_failed_delivery() -> None:
    invoker = TargetInvoker(FakeRuntime(errored=True), FakeStepFunctions(), {})  # type: ignore[arg-type]

    with pytest.raises(DeliveryFailed, match="RuntimeError"):
        invoker.deliver(spec.TargetSpec("function", "notify"), EVENT, rule="r", index=0)


def test_a_state_machine_target_starts_an_execution_with_the_mapped_input() -> None:
    sfn = FakeStepFunctions()
    invoker = TargetInvoker(FakeRuntime(), sfn, {"engage": "arn:sm:engage"})  # type: ignore[arg-type]
    target = spec.TargetSpec("state_machine", "engage", input={"candidate_id": "$.detail.candidate_id"})

    invoker.deliver(target, EVENT, rule="start-engage", index=0)

    [started] = sfn.started
    assert started["stateMachineArn"] == "arn:sm:engage"
    assert json.loads(started["input"]) == {"candidate_id": "01AB"}
    assert started["name"] == execution_name("start-engage", 0, EVENT["id"])


def test_an_execution_already_started_for_the_event_counts_as_delivered() -> None:
    sfn = FakeStepFunctions(fail_with=FakeStepFunctions.exceptions.ExecutionAlreadyExists())
    invoker = TargetInvoker(FakeRuntime(), sfn, {"engage": "arn"})  # type: ignore[arg-type]

    invoker.deliver(spec.TargetSpec("state_machine", "engage"), EVENT, rule="r", index=0)


def test_a_start_that_fails_is_a_failed_delivery() -> None:
    sfn = FakeStepFunctions(fail_with=RuntimeError("throttled"))
    invoker = TargetInvoker(FakeRuntime(), sfn, {"engage": "arn"})  # type: ignore[arg-type]

    with pytest.raises(DeliveryFailed, match="throttled"):
        invoker.deliver(spec.TargetSpec("state_machine", "engage"), EVENT, rule="r", index=0)


def test_a_delivery_is_retried_then_succeeds() -> None:
    outcomes = [RuntimeError("1"), None]

    def attempt() -> None:
        if outcome := outcomes.pop(0):
            raise outcome

    assert deliver_with_retries(attempt, "x", threading.Event(), delays=(0, 0)) is True
    assert outcomes == []


def test_a_delivery_that_keeps_failing_is_given_up_without_raising() -> None:
    attempts: list[int] = []

    def attempt() -> None:
        attempts.append(1)
        raise RuntimeError("down")

    assert deliver_with_retries(attempt, "x", threading.Event(), delays=(0, 0)) is False
    assert len(attempts) == 3


def test_each_target_is_retried_on_its_own() -> None:
    runtime = FakeRuntime()
    sfn = FakeStepFunctions(fail_with=RuntimeError("down"))
    invoker = TargetInvoker(runtime, sfn, {"engage": "arn"})  # type: ignore[arg-type]
    targets = (spec.TargetSpec("state_machine", "engage"), spec.TargetSpec("function", "notify"))

    deliver_to_targets(invoker, "r", targets, EVENT, threading.Event(), retry_delays=(0,))

    assert runtime.calls == [("notify", EVENT)]


def test_a_queue_target_hands_its_function_an_sqs_batch_of_the_event() -> None:
    runtime = FakeRuntime(answer={"batchItemFailures": []})
    invoker = TargetInvoker(runtime, FakeStepFunctions(), {})  # type: ignore[arg-type]

    invoker.deliver(spec.TargetSpec("queue", "ses_events"), EVENT, rule="ses-events", index=0)

    [(name, batch)] = runtime.calls
    [record] = batch["Records"]
    assert name == "ses_events"
    # What Lambda's SQS event source mapping sends: the event as the message body, with SQS's own fields
    assert json.loads(record["body"]) == EVENT
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == "arn:aws:sqs:us-east-1:123456789012:ses_events-events"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"messageId", "receiptHandle", "md5OfBody", "awsRegion", "messageAttributes"} <= set(record)


def test_a_record_the_queue_function_reports_as_failed_is_a_failed_delivery_and_retried() -> None:
    runtime = FakeRuntime(answer={"batchItemFailures": [{"itemIdentifier": "m1"}]})
    invoker = TargetInvoker(runtime, FakeStepFunctions(), {})  # type: ignore[arg-type]
    target = spec.TargetSpec("queue", "ses_events")

    with pytest.raises(DeliveryFailed, match="1 failed record"):
        invoker.deliver(target, EVENT, rule="ses-events", index=0)
    deliver_to_targets(invoker, "ses-events", (target,), EVENT, threading.Event(), retry_delays=(0, 0))

    assert len(runtime.calls) == 1 + 3  # each attempt is a fresh delivery of the same event


def test_a_queue_function_that_raises_is_a_failed_delivery() -> None:
    invoker = TargetInvoker(FakeRuntime(errored=True), FakeStepFunctions(), {})  # type: ignore[arg-type]

    with pytest.raises(DeliveryFailed, match="RuntimeError"):
        invoker.deliver(spec.TargetSpec("queue", "ses_events"), EVENT, rule="ses-events", index=0)


class FakeSqs:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_message(self, **kwargs: Any) -> None:
        self.sent.append(kwargs)


class NamedRuntime(FakeRuntime):
    def arn(self, name: str) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{name}"


def test_a_target_that_keeps_failing_is_parked_in_its_failure_queue_as_aws_parks_it() -> None:
    # Given a rule with a function that keeps failing and a state machine that will not start
    sqs = FakeSqs()
    invoker = TargetInvoker(
        NamedRuntime(errored=True),  # type: ignore[arg-type]
        FakeStepFunctions(fail_with=RuntimeError("down")),
        {"engage": "arn"},
        sqs=sqs,
        failure_queues={"notify": "q-notify", "engage": "q-engage"},
    )
    targets = (spec.TargetSpec("function", "notify"), spec.TargetSpec("state_machine", "engage"))

    # When delivery gives up on both
    deliver_to_targets(invoker, "r", targets, EVENT, threading.Event(), retry_delays=(0,))

    # Then the function's event is Lambda's on-failure record, the state machine's the event with its error
    by_queue = {message["QueueUrl"]: message for message in sqs.sent}
    record = json.loads(by_queue["q-notify"]["MessageBody"])
    assert record["requestPayload"] == EVENT
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert json.loads(by_queue["q-engage"]["MessageBody"]) == EVENT
    assert by_queue["q-engage"]["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "DeliveryFailed"
