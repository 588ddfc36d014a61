"""Where work that failed for good is kept, one queue per consumer, so nothing is lost without an alarm.

A consumer is a function or a state machine. Its queue takes everything that gave up on it: events EventBridge
could not deliver to it, asynchronous invocations (EventBridge, S3, schedules) that failed every retry, stream
batches it could not process, buffered messages it kept failing. `talentpool ops failures` lists them and
`talentpool ops redrive` replays them (talentpool.logic.ops.failures); an alarm watches each queue's depth.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import spec
from infra.nag import acknowledge

RETENTION = Duration.days(14)  # SQS's longest: two weeks to notice, fix the cause and redrive
# Asynchronous invocations: Lambda's own retries (with its back-off), then the failure queue. An event older than
# this is not retried any more: a welcome email six hours late is still useful, a day late it is not.
ASYNC_RETRY_ATTEMPTS = 2
ASYNC_MAX_EVENT_AGE = Duration.hours(6)


class FailureQueues(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.by_consumer: dict[str, sqs.Queue] = {}

    def queue(self, consumer: str) -> sqs.Queue:
        """The consumer's failure queue, made on first use."""
        if consumer not in self.by_consumer:
            queue = sqs.Queue(
                self,
                consumer,
                encryption=sqs.QueueEncryption.SQS_MANAGED,  # EventBridge cannot use the aws/sqs KMS key
                enforce_ssl=True,
                retention_period=RETENTION,
            )
            acknowledge(
                queue,
                "SQS3",
                f"This queue is itself where {consumer}'s failed work is kept; a DLQ of it would only move the "
                "problem. An alarm watches its depth, and `talentpool ops redrive` replays it.",
            )
            self.by_consumer[consumer] = queue
        return self.by_consumer[consumer]

    def add_async_destinations(self, functions: Mapping[str, lambda_.Function]) -> None:
        """Every function AWS invokes asynchronously retries explicitly, then parks the event in its queue; so does
        a stream consumer, which a redrive invokes asynchronously with the batch it read again."""
        for name in (*spec.async_functions(), *(stream.function for stream in spec.STREAMS)):
            functions[name].configure_async_invoke(
                on_failure=destinations.SqsDestination(self.queue(name)),
                retry_attempts=ASYNC_RETRY_ATTEMPTS,
                max_event_age=ASYNC_MAX_EVENT_AGE,
            )


class Replay:
    """Where each consumer's parked work is replayed: the FAILURE_QUEUES setting and the grant that allows it."""

    def __init__(
        self,
        failures: FailureQueues,
        *,
        functions: Mapping[str, lambda_.IFunction],
        state_machines: Mapping[str, sfn.IStateMachine],
        buffers: Mapping[str, sqs.IQueue],
        stream_arn: str,
    ) -> None:
        self._failures = failures
        self._functions = functions
        self._machines = state_machines
        self._buffers = buffers  # by consumer function, for "queue" targets
        self._stream_arn = stream_arn

    def setting(self) -> str:
        """JSON {consumer: {queue_url, kind, target, inputs}}: what talentpool.logic.ops.failures reads."""
        consumers = {name: self._consumer(name, queue) for name, queue in self._failures.by_consumer.items()}
        return str(Stack.of(self._failures).to_json_string(consumers))

    def _consumer(self, name: str, queue: sqs.IQueue) -> dict[str, Any]:
        kind = spec.consumer_kind(name)
        consumer: dict[str, Any] = {"queue_url": queue.queue_url, "kind": kind}
        if kind == "queue":
            consumer["target"] = self._buffers[name].queue_url
        elif kind == "state_machine":
            consumer |= {"target": self._machines[name].state_machine_arn, "inputs": spec.state_machine_inputs(name)}
        else:
            consumer["target"] = self._functions[name].function_arn
        return consumer

    def grant(self, grantee: iam.IGrantable) -> iam.Grant:
        """Read and delete in the failure queues; replay to each consumer and nothing else."""
        queues = list(self._failures.by_consumer.values())
        grant = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            resource_arns=[queue.queue_arn for queue in queues],
        )
        kinds = {name: spec.consumer_kind(name) for name in self._failures.by_consumer}
        targets = [
            (["lambda:InvokeFunction"], [self._functions[n].function_arn for n, k in kinds.items() if k == "function"]),
            (
                ["states:StartExecution"],
                [self._machines[n].state_machine_arn for n, k in kinds.items() if k == "state_machine"],
            ),
            (["sqs:SendMessage"], [self._buffers[n].queue_arn for n, k in kinds.items() if k == "queue"]),
            (["dynamodb:GetShardIterator", "dynamodb:GetRecords"], [self._stream_arn]),
        ]
        for actions, arns in targets:
            if arns:
                iam.Grant.add_to_principal(grantee=grantee, actions=actions, resource_arns=arns)
        return grant
