"""Where work that failed for good is kept, one queue per consumer, so nothing is lost without an alarm.

A consumer is a function or a state machine. Its queue takes everything that gave up on it: events EventBridge
could not deliver to it, asynchronous invocations (EventBridge, S3, schedules) that failed every retry, stream
batches it could not process, buffered messages it kept failing. `talentpool ops failures` lists them and
`talentpool ops redrive` replays them (talentpool.logic.failures); an alarm watches each queue's depth.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sqs as sqs
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

    def add_async_destinations(self, functions: dict[str, lambda_.Function]) -> None:
        """Every function AWS invokes asynchronously retries explicitly, then parks the event in its queue."""
        for name in spec.async_functions():
            functions[name].configure_async_invoke(
                on_failure=destinations.SqsDestination(self.queue(name)),
                retry_attempts=ASYNC_RETRY_ATTEMPTS,
                max_event_age=ASYNC_MAX_EVENT_AGE,
            )
