"""Listing and replaying parked work, with fake queues: each shape of failure is described and replayed to
where it was going, once, and a replay that fails stays for the next redrive."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from talentpool.errors import ValidationFailed
from talentpool.logic.ops.failures import describe, execution_input, list_failures, redrive
from talentpool.models.failures import Consumer, ConsumerKind, FailureSource, ParkedMessage, RedriveRequest

LAMBDA_RECORD = {
    "version": "1.0",
    "timestamp": "2026-12-01T10:00:00Z",
    "requestContext": {"requestId": "r1", "condition": "RetriesExhausted", "approximateInvokeCount": 3},
    "requestPayload": {"id": "evt-1", "detail-type": "CandidateCaptured", "detail": {"candidate_id": "c1"}},
    "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
    "responsePayload": {"errorType": "Throttling", "errorMessage": "Rate exceeded"},
}
STREAM_RECORD = {
    "requestContext": {"requestId": "r2", "condition": "RetryAttemptsExhausted", "approximateInvokeCount": 11},
    "responseContext": {"functionError": "Unhandled"},
    "timestamp": "2026-12-01T11:00:00Z",
    "DDBStreamBatchInfo": {"shardId": "s", "startSequenceNumber": "1", "endSequenceNumber": "2", "streamArn": "a"},
}
CONFIRMED = {"id": "evt-2", "detail-type": "CandidateConfirmed", "detail": {"candidate_id": "c2", "id": "evt-2"}}
CONSUMERS = {
    "notify": Consumer(queue_url="q-notify", kind=ConsumerKind.FUNCTION, target="fn-notify"),
    "aggregates": Consumer(queue_url="q-aggregates", kind=ConsumerKind.FUNCTION, target="fn-aggregates"),
    "engage": Consumer(
        queue_url="q-engage",
        kind=ConsumerKind.STATE_MACHINE,
        target="sm-engage",
        inputs={"CandidateConfirmed": {"candidate_id": "$.detail.candidate_id", "event_id": "$.detail.id"}},
    ),
    "ses_events": Consumer(queue_url="q-ses", kind=ConsumerKind.QUEUE, target="q-buffer"),
}


def _message(message_id: str, body: Any, **attributes: str) -> ParkedMessage:
    return ParkedMessage(
        message_id=message_id, receipt=f"rh-{message_id}", body=json.dumps(body), attributes=attributes
    )


@dataclass
class FakeQueues:
    held: dict[str, list[ParkedMessage]]
    deleted: list[str] = field(default_factory=list)

    def peek(self, queue_url: str, limit: int) -> list[ParkedMessage]:
        return list(self.held.get(queue_url, []))[:limit]

    def take(self, queue_url: str, limit: int) -> list[ParkedMessage]:
        return [m for m in self.held.get(queue_url, []) if m.receipt not in self.deleted][:limit]

    def delete(self, queue_url: str, receipt: str) -> None:
        self.deleted.append(receipt)

    def depth(self, queue_url: str) -> int:
        return len(self.held.get(queue_url, []))


@dataclass
class FakeReplays:
    fail: bool = False
    calls: list[tuple[str, str, Any]] = field(default_factory=list)

    def invoke(self, function_arn: str, payload: Mapping[str, Any]) -> None:
        self._call("invoke", function_arn, payload)

    def start(self, state_machine_arn: str, name: str, execution_input: Mapping[str, Any]) -> None:
        self._call("start", state_machine_arn, {"name": name, "input": dict(execution_input)})

    def requeue(self, queue_url: str, body: str) -> None:
        self._call("requeue", queue_url, json.loads(body))

    def stream_records(self, batch: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [{"eventID": "e1", "batch": dict(batch)}]

    def _call(self, kind: str, target: str, payload: Any) -> None:
        if self.fail:
            raise TimeoutError("the service did not answer")
        self.calls.append((kind, target, payload))


@dataclass
class FakeMarks:
    claimed: set[str] = field(default_factory=set)

    def claim(self, failure_id: str) -> bool:
        if failure_id in self.claimed:
            return False
        self.claimed.add(failure_id)
        return True

    def release(self, failure_id: str) -> None:
        self.claimed.discard(failure_id)


def test_each_shape_of_failure_says_what_failed_and_why_without_its_payload() -> None:
    invocation = describe("notify", _message("m1", LAMBDA_RECORD))
    assert (invocation.source, invocation.attempts) == (FailureSource.INVOCATION, 3)
    assert invocation.error == "RetriesExhausted: Throttling: Rate exceeded"
    assert "c1" not in invocation.model_dump_json()
    stream = describe("aggregates", _message("m2", STREAM_RECORD))
    assert stream.source is FailureSource.STREAM
    delivery = describe("engage", _message("m3", CONFIRMED, ERROR_CODE="THROTTLING", ERROR_MESSAGE="slow down"))
    assert (delivery.source, delivery.error) == (FailureSource.DELIVERY, "THROTTLING slow down")


def test_listing_changes_nothing_and_counts_each_queue() -> None:
    queues = FakeQueues({"q-notify": [_message("m1", LAMBDA_RECORD)]})
    listing = list_failures(CONSUMERS, queues)
    assert [f.failure_id for f in listing.failures] == ["m1"]
    assert listing.queues["notify"] == 1 and listing.queues["engage"] == 0
    assert queues.deleted == []


def test_redrive_sends_each_failure_where_it_was_going_and_empties_the_queues() -> None:
    queues = FakeQueues(
        {
            "q-notify": [_message("m1", LAMBDA_RECORD)],
            "q-aggregates": [_message("m2", STREAM_RECORD)],
            "q-engage": [_message("m3", CONFIRMED)],
            "q-ses": [_message("m4", {"detail-type": "Email Bounced"})],
        }
    )
    replays = FakeReplays()
    result = redrive(RedriveRequest(), CONSUMERS, queues=queues, replays=replays, marks=FakeMarks())

    assert {r.outcome for r in result.replayed} == {"replayed"}
    assert ("invoke", "fn-notify", LAMBDA_RECORD["requestPayload"]) in replays.calls
    assert (
        "invoke",
        "fn-aggregates",
        {"Records": [{"eventID": "e1", "batch": STREAM_RECORD["DDBStreamBatchInfo"]}]},
    ) in (replays.calls)
    started = {"name": "redrive-evt-2", "input": {"candidate_id": "c2", "event_id": "evt-2"}}
    assert ("start", "sm-engage", started) in replays.calls
    assert ("requeue", "q-buffer", {"detail-type": "Email Bounced"}) in replays.calls
    assert sorted(queues.deleted) == ["rh-m1", "rh-m2", "rh-m3", "rh-m4"]


def test_a_second_redrive_of_the_same_failure_replays_nothing() -> None:
    # Given a failure replayed once, whose delete was lost (it is still in the queue)
    marks, replays = FakeMarks(), FakeReplays()
    first = FakeQueues({"q-notify": [_message("m1", LAMBDA_RECORD)]})
    redrive(RedriveRequest(queue="notify"), CONSUMERS, queues=first, replays=replays, marks=marks)
    again = FakeQueues({"q-notify": [_message("m1", LAMBDA_RECORD)]})

    result = redrive(RedriveRequest(queue="notify"), CONSUMERS, queues=again, replays=replays, marks=marks)

    assert [r.outcome for r in result.replayed] == ["already_replayed"]
    assert len(replays.calls) == 1  # one email's worth of work, not two
    assert again.deleted == ["rh-m1"]


def test_a_replay_that_fails_stays_in_its_queue_for_the_next_redrive() -> None:
    queues, marks = FakeQueues({"q-notify": [_message("m1", LAMBDA_RECORD)]}), FakeMarks()
    failed = redrive(RedriveRequest(), CONSUMERS, queues=queues, replays=FakeReplays(fail=True), marks=marks)
    assert [(r.outcome, r.detail) for r in failed.replayed] == [("failed", "TimeoutError")]
    assert queues.deleted == []

    replays = FakeReplays()
    again = redrive(RedriveRequest(), CONSUMERS, queues=queues, replays=replays, marks=marks)
    assert [r.outcome for r in again.replayed] == ["replayed"] and len(replays.calls) == 1


def test_an_unknown_queue_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationFailed) as refused:
        redrive(
            RedriveRequest(queue="nope"), CONSUMERS, queues=FakeQueues({}), replays=FakeReplays(), marks=FakeMarks()
        )
    assert refused.value.fields[0].loc == ["body", "queue"]


def test_an_event_of_another_type_starts_the_machine_with_the_whole_event() -> None:
    event = {"detail-type": "Something", "detail": {}}
    assert execution_input(CONSUMERS["engage"], event) == event
