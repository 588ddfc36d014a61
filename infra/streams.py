"""Consumers of the table's DynamoDB stream (spec.STREAMS): batches, partial failures, bisection, a parking queue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import spec
from infra.nag import acknowledge

# A batch that fails is split in two and retried, each half on its own, so one bad record cannot hold the
# shard back; after this many retries the record's position (not its data) goes to the failure queue.
RETRY_ATTEMPTS = 10
# Older records are skipped to the failure queue: DynamoDB keeps stream records for 24 hours anyway.
MAX_RECORD_AGE = Duration.hours(24)
FAILURE_RETENTION = Duration.days(14)


class StreamConsumers(Construct):
    """One event source mapping per spec.STREAMS entry, each with its own alarmed failure queue."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        streams: Sequence[spec.StreamSpec],
        table: dynamodb.ITable,
        functions: Mapping[str, lambda_.IFunction],
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        for stream in streams:
            failures = self._failure_queue(stream.function)
            function = functions[stream.function]
            function.add_event_source(
                sources.DynamoEventSource(
                    table,
                    # From the oldest record kept, so nothing written while the mapping was created is missed;
                    # the consumer is idempotent on the stream event id, so a record seen twice counts once.
                    starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                    batch_size=stream.batch_size,
                    bisect_batch_on_error=True,
                    retry_attempts=RETRY_ATTEMPTS,
                    max_record_age=MAX_RECORD_AGE,
                    report_batch_item_failures=True,
                    on_failure=sources.SqsDlq(failures),
                )
            )
            acknowledge(
                function.role or function,
                "IAM5[Resource::*]",
                "Reading a DynamoDB stream needs dynamodb:ListStreams, which supports no resource-level scoping; "
                "the stream's own records are read only through its ARN.",
            )

    def _failure_queue(self, function: str) -> sqs.Queue:
        queue = sqs.Queue(
            self,
            f"Failures-{function}",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=FAILURE_RETENTION,
        )
        acknowledge(
            queue,
            "SQS3",
            "This queue is itself where a stream consumer's failed batches are recorded (shard and sequence "
            "numbers, no item data); a DLQ of it would only move the problem. An alarm watches its depth.",
        )
        self.dead_letter_queues[f"stream-{function}"] = queue
        return queue
