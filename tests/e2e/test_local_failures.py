"""make run keeps the same failure queues as AWS, and the operator's routes and CLI commands work against them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from infra import spec
from local import environment
from tests.e2e import local_process
from tests.e2e.local_process import LocalProcess

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runtime() -> Iterator[LocalProcess]:
    running = local_process.start()
    yield running
    running.kill()


def _admin(runtime: LocalProcess) -> dict[str, str]:
    with runtime.client as client:
        token = client.post("/_local/token", json={"groups": ["recruiters", "admins"]}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def _moto(runtime: LocalProcess) -> Any:
    with runtime.client as client:
        endpoint = client.get("/_local/info").json()["moto_endpoint"]
    return boto3.client(
        "sqs", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id="x", aws_secret_access_key="x"
    )


def test_every_consumer_has_its_failure_queue_and_an_admin_sees_them(runtime: LocalProcess) -> None:
    with runtime.client as client:
        listing = client.get("/ops/failures", headers=_admin(runtime))
    assert listing.status_code == 200, listing.text
    assert listing.json() == {"failures": [], "queues": dict.fromkeys(spec.failure_consumers(), 0)}


def test_parked_work_is_listed_and_a_redrive_puts_it_back_once(runtime: LocalProcess) -> None:
    # Given an SES event that could not be processed, parked in ses_events' failure queue
    sqs = _moto(runtime)
    url = sqs.get_queue_url(QueueName=environment.FAILURE_QUEUE_PREFIX + "ses_events")["QueueUrl"]
    event = {"id": "e-1", "source": "aws.ses", "detail-type": "Email Sent", "detail": {}}
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event))
    headers = _admin(runtime)

    with runtime.client as client:
        listed = client.get("/ops/failures", headers=headers).json()
        replayed = client.post("/ops/redrive", headers=headers, json={"queue": "ses_events"}).json()
        again = client.post("/ops/redrive", headers=headers, json={}).json()
        after = client.get("/ops/failures", headers=headers).json()

    assert [f["consumer"] for f in listed["failures"]] == ["ses_events"]
    assert [r["outcome"] for r in replayed["replayed"]] == ["replayed"]
    assert again["replayed"] == []
    assert after["failures"] == []
