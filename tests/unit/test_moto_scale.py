"""moto's TransactWriteItems and stream shards as patched by local/moto_scale.py: moto's outcomes, less memory.

Each scenario runs twice, on moto as released and on the patched moto, and must come out the same: the same
items stored, the same cancellation reasons, the same errors. Then what the patch is for: a transaction no
longer copies the table, a cancelled one emits no stream records, and a shard's numbering only goes up.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local.moto_scale import patch_stream_shards, patch_transactions, patch_weak_instance_tracking

TABLE = "pool"
Client = Any


@contextmanager
def dynamodb(patched: bool, *, stream: bool = False) -> Iterator[Client]:
    undo = [patch_weak_instance_tracking(), patch_stream_shards(), patch_transactions()] if patched else []
    try:
        with mock_aws():
            client = boto3.client("dynamodb", region_name="us-east-1")
            extra: dict[str, Any] = (
                {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}}
                if stream
                else {}
            )
            client.create_table(
                TableName=TABLE,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                AttributeDefinitions=[
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ],
                BillingMode="PAY_PER_REQUEST",
                **extra,
            )
            yield client
    finally:
        for step in reversed(undo):
            step()


def key(pk: str, sk: str = "A") -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def put(pk: str, sk: str = "A", **attrs: str) -> dict[str, Any]:
    item = key(pk, sk) | {name: {"S": value} for name, value in attrs.items()}
    return {"Put": {"TableName": TABLE, "Item": item}}


def everything(client: Client) -> list[dict[str, Any]]:
    items = client.scan(TableName=TABLE)["Items"]
    return sorted(items, key=lambda item: (item["pk"]["S"], item["sk"]["S"]))


def outcome(client: Client, transaction: list[dict[str, Any]]) -> tuple[Any, list[dict[str, Any]]]:
    """What the caller sees (None, or the error code and cancellation reasons) and the table after it."""
    try:
        client.transact_write_items(TransactItems=transaction)
        seen: Any = None
    except ClientError as error:
        seen = (error.response["Error"]["Code"], error.response.get("CancellationReasons"))
    return seen, everything(client)


def seeded(client: Client) -> None:
    client.put_item(TableName=TABLE, Item=put("C1", name="Ana", stage="lead")["Put"]["Item"])
    client.put_item(TableName=TABLE, Item=put("C1", "EMAIL", owner="C1")["Put"]["Item"])
    client.put_item(TableName=TABLE, Item=put("C2", name="Rui")["Put"]["Item"])


UPDATE_C1 = {
    "Update": {
        "TableName": TABLE,
        "Key": key("C1"),
        "UpdateExpression": "SET stage = :s",
        "ExpressionAttributeValues": {":s": {"S": "applied"}},
    }
}
DELETE_C2 = {"Delete": {"TableName": TABLE, "Key": key("C2")}}
NEW_ONLY = {"ConditionExpression": "attribute_not_exists(pk)"}
C1_MUST_BE_NEW = {
    "Put": {"TableName": TABLE, "Item": put("C1", name="Eve")["Put"]["Item"], **NEW_ONLY},
}
C1_EXISTS_CHECK = {
    "ConditionCheck": {
        "TableName": TABLE,
        "Key": key("C1"),
        "ConditionExpression": "attribute_not_exists(pk)",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
}

SCENARIOS: dict[str, list[dict[str, Any]]] = {
    "all four kinds commit": [
        put("C3", name="Li"),
        UPDATE_C1,
        DELETE_C2,
        {
            "ConditionCheck": {
                "TableName": TABLE,
                "Key": key("C1", "EMAIL"),
                "ConditionExpression": "attribute_exists(pk)",
            }
        },
    ],
    "a failed condition undoes the writes before it": [put("C3", name="Li"), UPDATE_C1, DELETE_C2, C1_MUST_BE_NEW],
    "a failed check returns the old item": [put("C4", "X", note="new partition"), C1_EXISTS_CHECK],
    "the same item twice is refused": [put("C5"), {"Delete": {"TableName": TABLE, "Key": key("C5")}}],
    "an update of a missing attribute path fails as moto fails it": [
        put("C6"),
        {
            "Update": {
                "TableName": TABLE,
                "Key": key("C2"),
                "UpdateExpression": "SET a.b = :v",
                "ExpressionAttributeValues": {":v": {"S": "x"}},
            }
        },
    ],
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_a_transaction_ends_as_it_does_in_moto(name: str) -> None:
    """Given the same table, When the same transaction runs on moto and on patched moto, Then the caller sees
    the same outcome (cancellation reasons included) and the table holds the same items."""
    results = []
    for patched in (False, True):
        with dynamodb(patched) as client:
            seeded(client)
            results.append(outcome(client, SCENARIOS[name]))

    released, patched_result = results
    assert patched_result == released


def test_a_cancelled_transaction_leaves_a_new_partition_absent() -> None:
    with dynamodb(patched=True) as client:
        seeded(client)
        outcome(client, [put("NEW", "1"), put("NEW", "2"), C1_MUST_BE_NEW])

        assert (
            client.query(
                TableName=TABLE, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "NEW"}}
            )["Items"]
            == []
        )


def stream_records() -> list[Any]:
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends["123456789012"]["us-east-1"].get_table(TABLE)
    return [record.record for record in table.stream_shard.items]


def test_a_cancelled_transaction_emits_no_stream_records_and_a_committed_one_emits_them_in_order() -> None:
    with dynamodb(patched=True, stream=True) as client:
        outcome(client, [put("A1"), put("A2"), C1_MUST_BE_NEW])
        client.put_item(TableName=TABLE, Item=put("C1")["Put"]["Item"])
        outcome(client, [put("B1"), put("B2"), C1_MUST_BE_NEW])  # cancelled: C1 exists
        outcome(client, [put("D1"), put("D2")])

        records = stream_records()

    written = [record["dynamodb"]["Keys"]["pk"]["S"] for record in records]
    assert written == ["A1", "A2", "C1", "C1", "D1", "D2"]
    numbers = [int(record["dynamodb"]["SequenceNumber"]) for record in records]
    assert numbers == sorted(set(numbers))


def live_items() -> int:
    from moto.dynamodb.models.dynamo_type import Item

    gc.collect()
    return sum(1 for obj in gc.get_objects() if isinstance(obj, Item))


def items_alive_after(transactions: int, patched: bool) -> int:
    with dynamodb(patched, stream=True) as client:
        for n in range(200):
            client.put_item(TableName=TABLE, Item=put(f"P{n}")["Put"]["Item"])
        for n in range(transactions):
            client.transact_write_items(TransactItems=[put(f"T{n}", "1"), put(f"T{n}", "2")])
        return live_items()


def test_transactions_keep_no_copies_of_the_table() -> None:
    """Given 200 items, When 30 transactions of 2 items run, Then moto holds about the 260 items stored
    (moto as released held a copy of the table per transaction: thousands)."""
    assert items_alive_after(30, patched=True) <= 2 * (200 + 60)


def test_a_shard_keeps_its_numbering_after_it_hands_over_its_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a stream mapped to a function, When each write's record is handed over and the shard empties,
    Then the next record continues the numbering (moto restarted it: every record had the same number)."""
    from types import SimpleNamespace

    from moto.awslambda.models import LambdaBackend

    delivered: list[int] = []

    def deliver(_backend: Any, _arn: str, items: list[Any], _source: str) -> str:
        delivered.extend(int(item.record["dynamodb"]["SequenceNumber"]) for item in items)
        return "delivered"

    monkeypatch.setattr(LambdaBackend, "send_dynamodb_items", deliver)
    with dynamodb(patched=True, stream=True) as client:
        from moto.dynamodb.models import dynamodb_backends

        table = dynamodb_backends["123456789012"]["us-east-1"].get_table(TABLE)
        table.lambda_event_source_mappings = {
            "arn:aws:lambda:us-east-1:123456789012:function:f": SimpleNamespace(event_source_arn="stream")
        }
        for n in range(3):
            client.put_item(TableName=TABLE, Item=put(f"S{n}")["Put"]["Item"])
        held = len(table.stream_shard.items)

    assert held == 0
    assert len(delivered) == 3
    assert delivered == sorted(set(delivered))


@pytest.mark.parametrize("patched", [False, True])
def test_a_query_on_an_index_finds_what_moto_finds(patched: bool) -> None:
    """Given items whose index key differs from their table key, When an index is queried (moto's backend passes
    the index name by position), Then the patched read finds them all, and a table Query its one partition."""
    from local.moto_scale import patch_reads

    undo = patch_reads() if patched else (lambda: None)
    try:
        with mock_aws():
            client = boto3.client("dynamodb", region_name="us-east-1")
            attributes = [{"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "gpk", "gsk")]
            client.create_table(
                TableName=TABLE,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                AttributeDefinitions=attributes,
                BillingMode="PAY_PER_REQUEST",
                GlobalSecondaryIndexes=[
                    {
                        "IndexName": "by-stage",
                        "KeySchema": [
                            {"AttributeName": "gpk", "KeyType": "HASH"},
                            {"AttributeName": "gsk", "KeyType": "RANGE"},
                        ],
                        "Projection": {"ProjectionType": "ALL"},
                    }
                ],
            )
            for n in range(5):
                client.put_item(TableName=TABLE, Item=key(f"C{n}") | {"gpk": {"S": "lead"}, "gsk": {"S": f"{n}"}})
            on_index = client.query(
                TableName=TABLE,
                IndexName="by-stage",
                KeyConditionExpression="gpk = :s",
                ExpressionAttributeValues={":s": {"S": "lead"}},
                ScanIndexForward=False,
            )["Items"]
            on_table = client.query(
                TableName=TABLE, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "C3"}}
            )["Items"]
    finally:
        undo()

    assert [item["gsk"]["S"] for item in on_index] == ["4", "3", "2", "1", "0"]
    assert [item["pk"]["S"] for item in on_table] == ["C3"]
