"""Local grant checks answer as AWS would: a call outside the grants is refused, a missing S3 key is hidden."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local.permissions import acting_as

BUCKET = "talentpool-reports"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        client.create_bucket(Bucket=BUCKET)
        client.put_object(Bucket=BUCKET, Key="events/dt=2026-11-25/a.jsonl", Body=b"{}\n")
        yield client


def error_code(call: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return str(raised.value.response["Error"]["Code"])


def test_a_function_that_may_not_list_gets_access_denied_for_a_missing_key_as_s3_answers(s3: Any) -> None:
    # Given the importer, which may read uploads but not list the bucket
    # When it reads a key that is not there / Then S3 would not tell it the key is missing
    with acting_as("importer"):
        assert error_code(lambda: s3.get_object(Bucket=BUCKET, Key="uploads/gone.csv")) == "AccessDenied"
        assert error_code(lambda: s3.head_object(Bucket=BUCKET, Key="uploads/gone.csv")) == "AccessDenied"


def test_a_function_that_may_list_learns_the_key_is_missing_and_reads_what_is_there(s3: Any) -> None:
    # Given the stream consumer, whose event-log grant lists the events/ keys
    with acting_as("aggregates"):
        # When it reads a key that is gone / Then it is told so, and an existing object reads as usual
        assert error_code(lambda: s3.get_object(Bucket=BUCKET, Key="events/gone.jsonl")) == "NoSuchKey"
        assert s3.get_object(Bucket=BUCKET, Key="events/dt=2026-11-25/a.jsonl")["Body"].read() == b"{}\n"


def test_calls_outside_a_handler_are_not_checked(s3: Any) -> None:
    # Test set-up and the runtime itself are not a function: moto's answer stands
    assert error_code(lambda: s3.get_object(Bucket=BUCKET, Key="events/gone.jsonl")) == "NoSuchKey"


def test_an_action_outside_the_grants_is_refused_naming_it(s3: Any) -> None:
    # Given the report job, which may not delete / When it tries / Then AccessDenied names the action
    with acting_as("report"), pytest.raises(ClientError) as raised:
        s3.delete_object(Bucket=BUCKET, Key="events/dt=2026-11-25/a.jsonl")
    assert raised.value.response["Error"]["Code"] == "AccessDenied"
    assert "s3:DeleteObject" in raised.value.response["Error"]["Message"]
