"""Shared fixtures: one process-wide environment, and moto accounts built from the same schema as CDK."""

from __future__ import annotations

import email
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.utils import getaddresses
from typing import Any

import pytest

from tests import factories

os.environ.update(factories.ENVIRONMENT)
os.environ.update(
    {
        "AWS_DEFAULT_REGION": factories.REGION,
        "AWS_REGION": factories.REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)


@dataclass
class Sent:
    """One email as SES received it, parsed back into its parts."""

    to: list[str]
    source: str
    message: Message
    headers: dict[str, str] = field(default_factory=dict)

    def part(self, content_type: str) -> str:
        for piece in self.message.walk():
            if piece.get_content_type() == content_type:
                payload = piece.get_payload(decode=True)
                assert isinstance(payload, bytes)
                return payload.decode(piece.get_content_charset() or "utf-8")
        raise AssertionError(f"no {content_type} part")

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        return self.part("text/plain")

    @property
    def html(self) -> str:
        return self.part("text/html")


class Account:
    """A moto AWS account with Talentpool's resources, plus ways to see what was published and sent."""

    def __init__(self) -> None:
        import boto3

        from talentpool.adapters.aws import schema

        self.ddb = boto3.client("dynamodb")
        self.ddb.create_table(**schema.table_definition(factories.TABLE))
        events = boto3.client("events")
        events.create_event_bus(Name=factories.BUS)
        sqs = boto3.client("sqs")
        self.queue_url = sqs.create_queue(QueueName="bus-tap")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        events.put_rule(Name="tap", EventBusName=factories.BUS, EventPattern=json.dumps({"source": ["talentpool"]}))
        events.put_targets(Rule="tap", EventBusName=factories.BUS, Targets=[{"Id": "tap", "Arn": queue_arn}])
        boto3.client("secretsmanager").create_secret(Name=factories.SECRET_NAME, SecretString="s3cr3t-for-tests")
        boto3.client("ses").verify_email_identity(EmailAddress=factories.SENDER)
        self.sqs = sqs
        self._events: list[dict[str, Any]] = []

    def events(self, detail_type: str | None = None) -> list[dict[str, Any]]:
        """Every domain event published so far, oldest first."""
        while True:
            batch = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                break
            for message in batch:
                event = json.loads(message["Body"])
                event.setdefault("account", factories.ACCOUNT)  # moto leaves it out; EventBridge never does
                self._events.append(event)
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return [e for e in self._events if detail_type in (None, e["detail-type"])]

    def sent(self) -> list[Sent]:
        from moto.ses.models import ses_backends

        backend = ses_backends[factories.ACCOUNT][factories.REGION]
        out = []
        for raw in backend.sent_messages:
            parsed = email.message_from_string(raw.raw_data)
            to = [address for _, address in getaddresses(parsed.get_all("To", []))]
            out.append(Sent(to, raw.source, parsed, {k: str(v) for k, v in parsed.items()}))
        return out

    def items(self) -> list[dict[str, Any]]:
        """Every item in the table (tests only: the application never scans)."""
        from talentpool.adapters.aws import codec

        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"TableName": factories.TABLE}
        while True:
            page = self.ddb.scan(**kwargs)
            items.extend(codec.from_item(i) for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.fixture
def aws() -> Iterator[Account]:
    from moto import mock_aws

    from talentpool.adapters.aws import clients, secrets

    clients.reset()
    secrets.token_secret.cache_clear()
    with mock_aws():
        yield Account()
    clients.reset()


@pytest.fixture
def lambda_context() -> factories.LambdaContext:
    return factories.LambdaContext()


def pytest_configure(config: pytest.Config) -> None:
    """Handlers run against moto, which checks no permissions: refuse what IAM would (local/permissions.py)."""
    from local.permissions import enforce

    enforce()
