"""The failure queues (SQS), and replaying their work: Lambda, Step Functions, SQS, the table's stream."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from talentpool.adapters.aws.clients import client
from talentpool.adapters.aws.schema import PK, SK, TTL_ATTRIBUTE
from talentpool.adapters.aws.table import Table, is_conditional_failure
from talentpool.models.failures import ParkedMessage

BATCH = 10  # SQS's largest receive
# A redrive hides what it took for this long; a replay that fails is visible again afterwards.
TAKE_VISIBILITY_S = 120
MARK_DAYS = 15  # longer than a failure queue keeps a message (14 days)
STREAM_PAGES = 20  # a parked batch is at most 10,000 records; GetRecords returns up to 1,000 a call


class SqsFailureQueues:
    def peek(self, queue_url: str, limit: int) -> list[ParkedMessage]:
        """Look without taking: messages stay visible to the next look and the next redrive."""
        seen: dict[str, ParkedMessage] = {}
        while len(seen) < limit:
            batch = self._receive(queue_url, min(BATCH, limit - len(seen)), visibility=0)
            new = [m for m in batch if m.message_id not in seen]
            if not new:
                break
            seen |= {m.message_id: m for m in new}
        return list(seen.values())

    def take(self, queue_url: str, limit: int) -> list[ParkedMessage]:
        taken: list[ParkedMessage] = []
        while len(taken) < limit:
            batch = self._receive(queue_url, min(BATCH, limit - len(taken)), visibility=TAKE_VISIBILITY_S)
            if not batch:
                break
            taken += batch
        return taken

    def delete(self, queue_url: str, receipt: str) -> None:
        client("sqs").delete_message(QueueUrl=queue_url, ReceiptHandle=receipt)

    def depth(self, queue_url: str) -> int:
        attributes = client("sqs").get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes.get("ApproximateNumberOfMessages", 0))

    @staticmethod
    def _receive(queue_url: str, count: int, *, visibility: int) -> list[ParkedMessage]:
        response = client("sqs").receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=count,
            VisibilityTimeout=visibility,
            WaitTimeSeconds=0,
            MessageAttributeNames=["All"],
            AttributeNames=["SentTimestamp", "ApproximateReceiveCount"],
        )
        return [_parked(message) for message in response.get("Messages", [])]


def _parked(message: Mapping[str, Any]) -> ParkedMessage:
    attributes = message.get("Attributes", {})
    sent = attributes.get("SentTimestamp")
    return ParkedMessage(
        message_id=message["MessageId"],
        receipt=message["ReceiptHandle"],
        body=message.get("Body", ""),
        attributes={k: v.get("StringValue") for k, v in (message.get("MessageAttributes") or {}).items()},
        sent_at=datetime.fromtimestamp(int(sent) / 1000, UTC).isoformat() if sent else None,
        receive_count=int(attributes["ApproximateReceiveCount"]) if "ApproximateReceiveCount" in attributes else None,
    )


class AwsReplays:
    def invoke(self, function_arn: str, payload: Mapping[str, Any]) -> None:
        # Asynchronously, as the work first arrived: a replay that fails is retried, then parked again.
        client("lambda").invoke(FunctionName=function_arn, InvocationType="Event", Payload=json.dumps(payload).encode())

    def start(self, state_machine_arn: str, name: str, execution_input: Mapping[str, Any]) -> None:
        sfn = client("stepfunctions")
        try:
            sfn.start_execution(stateMachineArn=state_machine_arn, name=name, input=json.dumps(execution_input))
        except sfn.exceptions.ExecutionAlreadyExists:
            return  # started by an earlier replay of the same event

    def requeue(self, queue_url: str, body: str) -> None:
        client("sqs").send_message(QueueUrl=queue_url, MessageBody=body)

    def stream_records(self, batch: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The parked batch's records, read again from the stream, in the shape Lambda delivers them."""
        streams = client("dynamodbstreams")
        iterator = streams.get_shard_iterator(
            StreamArn=batch["streamArn"],
            ShardId=batch["shardId"],
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=batch["startSequenceNumber"],
        ).get("ShardIterator")
        last = int(batch["endSequenceNumber"])
        records: list[dict[str, Any]] = []
        for _ in range(STREAM_PAGES):
            if not iterator:
                break
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            for record in page.get("Records", []):
                if int(record["dynamodb"]["SequenceNumber"]) > last:
                    return records
                records.append(_lambda_record(record, batch["streamArn"]))
            iterator = page.get("NextShardIterator")
        if not records:
            raise LookupError("the stream no longer holds these records (DynamoDB keeps them 24 hours)")
        return records


def _lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    body = dict(record["dynamodb"])
    created = body.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        body["ApproximateCreationDateTime"] = created.timestamp()
    return {**record, "dynamodb": body, "eventSourceARN": stream_arn}


class ReplayMarkStore:
    """One item per replayed failure, written before the replay: the second redrive of it finds the mark."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def claim(self, failure_id: str) -> bool:
        expires = int((datetime.now(UTC) + timedelta(days=MARK_DAYS)).timestamp())
        item = {PK: f"REDRIVE#{failure_id}", SK: "REDRIVE", "entity": "redrive", TTL_ATTRIBUTE: expires}
        try:
            self.table.put(item, condition="attribute_not_exists(#pk)", names={"#pk": PK})
        except Exception as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def release(self, failure_id: str) -> None:
        self.table.delete({PK: f"REDRIVE#{failure_id}", SK: "REDRIVE"})
