"""Consumers of the table's DynamoDB stream (spec.STREAMS): filtered batches, partial failures, bisection, and the
consumer's failure queue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from constructs import Construct

from infra import spec
from infra.failures import FailureQueues
from infra.nag import wildcard_policy

# A batch that fails is split in two and retried, each half on its own, so one bad record cannot hold the
# shard back; after this many retries the record's position (not its data) goes to the failure queue.
RETRY_ATTEMPTS = 10
# Older records go to the failure queue while the stream (24 hours) still holds them, so `talentpool ops
# redrive` can read them again: the operator has the rest of the day to fix the cause.
MAX_RECORD_AGE = Duration.hours(6)
STREAM_READ_ACTIONS = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator")


class StreamConsumers(Construct):
    """One event source mapping per spec.STREAMS entry, with its filters and its consumer's failure queue."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        streams: Sequence[spec.StreamSpec],
        table: dynamodb.ITable,
        functions: Mapping[str, lambda_.IFunction],
        failures: FailureQueues,
    ) -> None:
        super().__init__(scope, construct_id)
        self.consumers = tuple(stream.function for stream in streams)
        stream_arn = table.table_stream_arn
        if stream_arn is None:
            raise ValueError("the table has no stream")
        for stream in streams:
            function = functions[stream.function]
            role = function.role
            if role is None:
                raise TypeError(f"{stream.function} has no role to read the stream with")
            # The stream read on the stream alone (CDK's DynamoEventSource would add ListStreams to the default
            # policy, on "*"), and ListStreams, which no resource can scope, in a policy of its own.
            iam.Grant.add_to_principal(grantee=function, actions=list(STREAM_READ_ACTIONS), resource_arns=[stream_arn])
            listing = wildcard_policy(
                self,
                f"ListStreams-{stream.function}",
                role,
                ["dynamodb:ListStreams"],
                "Lambda's stream poller calls dynamodb:ListStreams, which DynamoDB authorises on no narrower resource; "
                "the records themselves are read only through this table's stream ARN.",
            )
            mapping = lambda_.EventSourceMapping(
                self,
                f"Mapping-{stream.function}",
                target=function,
                event_source_arn=stream_arn,
                # From the oldest record kept, so nothing written while the mapping was created is missed;
                # the consumer is idempotent on the stream event id, so a record seen twice counts once.
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=stream.batch_size,
                bisect_batch_on_error=True,
                retry_attempts=RETRY_ATTEMPTS,
                max_record_age=MAX_RECORD_AGE,
                report_batch_item_failures=True,
                on_failure=sources.SqsDlq(failures.queue(stream.function)),
                filters=[lambda_.FilterCriteria.filter(pattern) for pattern in stream.filters] or None,
            )
            # Lambda checks the role may read the stream when the mapping is created.
            mapping.node.add_dependency(listing)
            if role.node.try_find_child("DefaultPolicy") is not None:
                mapping.node.add_dependency(role.node.find_child("DefaultPolicy"))
