"""The operator's routes against moto's SQS: admins only, listing changes nothing, a redrive moves parked work
back where it was going once."""

from __future__ import annotations

import json
from typing import Any

import boto3

from tests import factories
from tests.conftest import Account
from tests.integration.helpers import call

SQS = boto3.session.Session


def _queues() -> tuple[Any, str, str]:
    sqs = boto3.client("sqs", region_name=factories.REGION)
    failures = sqs.create_queue(QueueName="failures-ses_events")["QueueUrl"]
    buffer = sqs.create_queue(QueueName="ses-events-buffer")["QueueUrl"]
    sqs.create_queue(QueueName="failures-notify")
    return sqs, failures, buffer


def _ops(method: str, path: str, claims: dict[str, Any] = factories.ADMIN, body: Any = None) -> dict[str, Any]:
    return call("ops", factories.api_event(method, path, body=body, claims=claims))


def test_a_recruiter_who_is_no_admin_gets_403(aws: Account) -> None:
    _queues()
    assert _ops("GET", "/ops/failures", claims=factories.RECRUITER)["statusCode"] == 403
    assert _ops("POST", "/ops/redrive", claims=factories.RECRUITER, body={})["statusCode"] == 403


def test_failures_are_listed_with_their_error_and_stay_in_the_queue(aws: Account) -> None:
    # Given an SES event EventBridge could not deliver, parked with its error
    sqs, failures, _ = _queues()
    event = {"id": "e1", "detail-type": "Email Bounced", "source": "aws.ses"}
    attributes = {"ERROR_CODE": {"DataType": "String", "StringValue": "SQS_ERROR"}}
    sqs.send_message(QueueUrl=failures, MessageBody=json.dumps(event), MessageAttributes=attributes)

    # When an admin looks twice
    first = json.loads(_ops("GET", "/ops/failures")["body"])
    second = json.loads(_ops("GET", "/ops/failures")["body"])

    # Then it is listed each time, with why, and the queue still holds it
    assert first == second
    (failure,) = first["failures"]
    assert (failure["consumer"], failure["source"], failure["error"]) == ("ses_events", "delivery", "SQS_ERROR")
    assert first["queues"] == {"ses_events": 1, "notify": 0}


def test_a_redrive_replays_once_and_empties_the_queue(aws: Account) -> None:
    sqs, failures, buffer = _queues()
    event = {"id": "e1", "detail-type": "Email Bounced", "source": "aws.ses"}
    sqs.send_message(QueueUrl=failures, MessageBody=json.dumps(event))

    replayed = json.loads(_ops("POST", "/ops/redrive", body={"queue": "ses_events"})["body"])
    again = json.loads(_ops("POST", "/ops/redrive", body={})["body"])

    assert [r["outcome"] for r in replayed["replayed"]] == ["replayed"]
    assert again["replayed"] == []
    moved = sqs.receive_message(QueueUrl=buffer, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"]) for m in moved] == [event]  # back in the queue it drains, once
    listing = json.loads(_ops("GET", "/ops/failures")["body"])
    assert listing["failures"] == []


def test_an_unknown_queue_is_a_422_naming_the_field(aws: Account) -> None:
    _queues()
    response = _ops("POST", "/ops/redrive", body={"queue": "nope"})
    assert response["statusCode"] == 422
    assert json.loads(response["body"])["error"]["fields"][0]["loc"] == ["body", "queue"]
