"""DynamoDB under the local runtime: concurrent writes are safe, and stream records reach a consumer that writes
to the same table, asynchronously, in order, with Lambda's partial-failure retries. Against a real moto server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config

from infra import spec
from local import environment, resources
from local.lambdas import LambdaRuntime
from local.moto_locks import patch_dynamodb_serialised
from local.streams import StreamDelivery, patch_stream_delivery
from talentpool.adapters.aws import schema

pytestmark = pytest.mark.slow

TABLE = "streams-test"
CONSUMER = spec.FunctionSpec(
    "consumer",
    "test: counts what the stream brings, marking each with a write of its own",
    env=(),
    grants=(spec.Grant.TABLE_WRITE,),
)


@dataclass
class Consumer:
    """A tiny stream handler: marks each candidate item it sees with an item of its own, in the same table.

    Under moto's synchronous delivery that write would wait for the lock its own trigger holds.
    """

    seen: list[str] = field(default_factory=list)
    sequence_numbers: list[int] = field(default_factory=list)
    fail_once: set[str] = field(default_factory=set)  # report these keys as failed, the first time only
    raise_once: bool = False

    def lambda_handler(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        if self.raise_once:
            self.raise_once = False
            raise RuntimeError("transient")
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        failures = []
        for record in event["Records"]:
            keys = record["dynamodb"]["Keys"]
            pk, sequence = keys[schema.PK]["S"], record["dynamodb"]["SequenceNumber"]
            if pk.startswith("SEEN#"):
                continue  # its own writes come back through the stream too
            self.seen.append(pk)
            self.sequence_numbers.append(int(sequence))
            if pk in self.fail_once:
                self.fail_once.discard(pk)
                failures.append({"itemIdentifier": sequence})
                continue
            ddb.put_item(TableName=TABLE, Item={schema.PK: {"S": f"SEEN#{pk}"}, schema.SK: {"S": sequence}})
        return {"batchItemFailures": failures}


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[SimpleNamespace]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    port = server.get_host_and_port()[1]
    reset = f"http://127.0.0.1:{port}/moto-api/reset"
    httpx.post(reset)
    settings = environment.LocalSettings(port=1, region="us-east-1", time_scale=1, root=tmp_path)
    for name, value in environment.aws_environment(settings, port).items():
        monkeypatch.setenv(name, value)
    consumer = Consumer()
    lambdas = LambdaRuntime([CONSUMER], region="us-east-1", account=environment.ACCOUNT, loader=lambda f, n: consumer)
    delivery = StreamDelivery(
        lambdas.invoke, batch_sizes={CONSUMER.name: 3}, region="us-east-1", retry_delays=(0.01,) * 3
    )
    undo = [patch_dynamodb_serialised(), patch_stream_delivery(delivery)]
    clients = resources.AwsClients("us-east-1")
    deployment = resources.Deployment("us-east-1", environment.ACCOUNT, TABLE, spec.BUS_NAME)
    deployment.role_arn = clients.iam.create_role(
        RoleName="t", AssumeRolePolicyDocument=json.dumps(resources._TRUST_POLICY)
    )["Role"]["Arn"]
    clients.dynamodb.create_table(**schema.table_definition(TABLE))
    resources.create_functions(clients, [CONSUMER], {}, deployment)
    resources.create_stream_mappings(clients, [spec.StreamSpec(CONSUMER.name, batch_size=3)], deployment)
    try:
        yield SimpleNamespace(clients=clients, consumer=consumer, delivery=delivery)
    finally:
        delivery.stop()
        for step in reversed(undo):
            step()
        httpx.post(reset)
        server.stop()


def put(clients: Any, pk: str) -> None:
    clients.dynamodb.put_item(TableName=TABLE, Item={schema.PK: {"S": pk}, schema.SK: {"S": "PROFILE"}})


def marks(clients: Any) -> list[dict[str, Any]]:
    items = clients.dynamodb.scan(TableName=TABLE)["Items"]
    return [item for item in items if item[schema.PK]["S"].startswith("SEEN#")]


def test_concurrent_transactions_all_commit_and_every_record_reaches_a_consumer_that_writes_back(
    table: SimpleNamespace,
) -> None:
    # Given six writers, each committing two-item transactions at once, with no retries to hide a failure
    # (moto alone answers some with a 500: a transaction deep-copies the table while another one writes)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        client = boto3.client("dynamodb", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1}))
        try:
            for n in range(20):
                client.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": TABLE,
                                "Item": {schema.PK: {"S": f"CAND#{number}-{n}-{part}"}, schema.SK: {"S": "P"}},
                            }
                        }
                        for part in ("a", "b")
                    ]
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    # Then every transaction committed
    assert errors == []
    # And the consumer saw each item once, in stream order, and its own writes to the table went through
    assert table.delivery.idle(30)
    assert sorted(table.consumer.seen) == sorted(f"CAND#{w}-{n}-{p}" for w in range(6) for n in range(20) for p in "ab")
    assert table.consumer.sequence_numbers == sorted(table.consumer.sequence_numbers)
    assert len(marks(table.clients)) == 240


def test_a_record_reported_as_failed_is_redelivered_from_there_and_the_earlier_ones_are_not(
    table: SimpleNamespace,
) -> None:
    table.consumer.fail_once = {"CAND#3"}

    for n in range(1, 6):
        put(table.clients, f"CAND#{n}")

    assert table.delivery.idle(30)
    seen = table.consumer.seen
    assert [seen.count(f"CAND#{n}") for n in (1, 2, 3)] == [1, 1, 2]
    assert {"CAND#4", "CAND#5"} <= set(seen)
    assert list(dict.fromkeys(seen)) == [f"CAND#{n}" for n in range(1, 6)]  # first deliveries in write order
    assert {m[schema.PK]["S"] for m in marks(table.clients)} == {f"SEEN#CAND#{n}" for n in range(1, 6)}


def test_a_batch_whose_handler_raises_is_delivered_again(table: SimpleNamespace) -> None:
    table.consumer.raise_once = True

    put(table.clients, "CAND#only")

    assert table.delivery.idle(30)
    assert table.consumer.seen == ["CAND#only"]  # the raising attempt recorded nothing; the retry did
    assert len(marks(table.clients)) == 1
