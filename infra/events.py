"""The talentpool EventBridge bus and the rules that route domain events to functions and state machines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import spec
from infra.nag import acknowledge

DEFAULT_BUS = "default"
# A target that still fails after this is parked in its dead-letter queue, where an alarm sees it.
RETRY_ATTEMPTS = 8
MAX_EVENT_AGE = Duration.hours(6)


class DomainEvents(Construct):
    """Owns the bus; `add_rules` wires spec.RULES once the functions and state machines exist."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(self, "Bus", event_bus_name=spec.BUS_NAME, description="Talentpool domain events")
        # AWS services (SES among them) publish to the account's default bus, so rules may live there too.
        self._buses: dict[str, events.IEventBus] = {
            spec.BUS_NAME: self.bus,
            DEFAULT_BUS: events.EventBus.from_event_bus_name(self, "DefaultBus", DEFAULT_BUS),
        }
        self.dead_letter_queues: dict[str, sqs.Queue] = {}

    def add_rules(
        self,
        rules: Sequence[spec.RuleSpec],
        functions: Mapping[str, lambda_.IFunction],
        state_machines: Mapping[str, sfn.IStateMachine],
    ) -> None:
        for rule_spec in rules:
            rule = events.Rule(
                self,
                f"Rule-{rule_spec.name}",
                event_bus=self._buses[rule_spec.bus],
                description=rule_spec.description,
                event_pattern=_pattern(rule_spec.pattern),
            )
            for target in rule_spec.targets:
                queue = self._dead_letter_queue(f"{rule_spec.name}-{target.name}")
                rule.add_target(_target(target, functions, state_machines, queue))

    def _dead_letter_queue(self, name: str) -> sqs.Queue:
        queue = sqs.Queue(
            self,
            f"DeadLetters-{name}",
            encryption=sqs.QueueEncryption.SQS_MANAGED,  # EventBridge cannot use the aws/sqs KMS key
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        acknowledge(
            queue,
            "SQS3",
            "This queue is itself the dead-letter queue of an EventBridge rule target; "
            "a DLQ of a DLQ would only move the problem. An alarm watches its depth.",
        )
        self.dead_letter_queues[name] = queue
        return queue


def _pattern(pattern: Mapping[str, object]) -> events.EventPattern:
    """Map the spec's raw EventBridge pattern keys onto CDK's EventPattern fields."""
    fields: dict[str, Any] = {key.replace("-", "_"): value for key, value in pattern.items()}
    return events.EventPattern(**fields)


def _target(
    target: spec.TargetSpec,
    functions: Mapping[str, lambda_.IFunction],
    state_machines: Mapping[str, sfn.IStateMachine],
    queue: sqs.IQueue,
) -> events.IRuleTarget:
    options: dict[str, Any] = {
        "dead_letter_queue": queue,
        "retry_attempts": RETRY_ATTEMPTS,
        "max_event_age": MAX_EVENT_AGE,
    }
    if target.kind == "function":
        return targets.LambdaFunction(functions[target.name], **options)
    if target.kind == "state_machine":
        return targets.SfnStateMachine(state_machines[target.name], input=_input(target.input), **options)
    raise ValueError(f"unknown target kind {target.kind!r} for {target.name}")


def _input(paths: Mapping[str, str] | None) -> events.RuleTargetInput | None:
    """The execution input: each key takes the event value at its JSONPath (None passes the whole event)."""
    if paths is None:
        return None
    return events.RuleTargetInput.from_object({key: events.EventField.from_path(path) for key, path in paths.items()})
