"""The talentpool EventBridge bus, and the rules (on events or on a schedule) that reach functions, state machines
and queues drained in batches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import spec
from infra.failures import FailureQueues
from infra.settings import Settings

DEFAULT_BUS = "default"
# A target EventBridge still cannot deliver to after this is parked in its consumer's failure queue.
RETRY_ATTEMPTS = 8
MAX_EVENT_AGE = Duration.hours(6)
# "queue" targets: Lambda reads up to BATCH_SIZE messages, waiting at most BATCHING_WINDOW to fill a batch. A
# message a batch reports as failed comes back after the visibility timeout; after MAX_RECEIVES it is parked.
BATCH_SIZE = 10
BATCHING_WINDOW = Duration.seconds(5)
MAX_RECEIVES = 5
# AWS's guidance for an SQS event source: at least six times the function timeout (plus the batching window),
# so a batch still being retried by Lambda is not handed out again.
VISIBILITY_TIMEOUT_FACTOR = 6
BUFFER_RETENTION = Duration.days(4)  # shorter than the failure queue's, so a parked message outlives it


class DomainEvents(Construct):
    """Owns the bus; `add_rules` and `add_schedules` wire the spec once the functions and state machines exist."""

    def __init__(self, scope: Construct, construct_id: str, *, failures: FailureQueues) -> None:
        super().__init__(scope, construct_id)
        self._failures = failures
        self.bus = events.EventBus(self, "Bus", event_bus_name=spec.BUS_NAME, description="Talentpool domain events")
        # AWS services (SES among them) publish to the account's default bus, so rules may live there too.
        self._buses: dict[str, events.IEventBus] = {
            spec.BUS_NAME: self.bus,
            DEFAULT_BUS: events.EventBus.from_event_bus_name(self, "DefaultBus", DEFAULT_BUS),
        }
        # The queue of each "queue" target, named "<rule>-<target>".
        self.buffers: dict[str, sqs.Queue] = {}
        # The same queues by the function that drains them: where its parked messages are replayed.
        self.buffer_of: dict[str, sqs.Queue] = {}

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
                event_pattern=_typed_pattern(rule_spec.pattern),
            )
            # The template gets the spec's pattern verbatim: every operator EventBridge has ($or, prefix in any
            # field), where CDK's typed pattern takes only strings in its top-level lists.
            cast(events.CfnRule, rule.node.default_child).add_property_override("EventPattern", rule_spec.pattern)
            for target in rule_spec.targets:
                rule.add_target(self._target(rule_spec.name, target, functions, state_machines))

    def add_schedules(
        self,
        schedules: Sequence[spec.ScheduleSpec],
        settings: Settings,
        functions: Mapping[str, lambda_.IFunction],
        state_machines: Mapping[str, sfn.IStateMachine],
    ) -> None:
        """A rule with a schedule expression per spec schedule (scheduled rules live on the default bus)."""
        for schedule in schedules:
            rule = events.Rule(
                self,
                f"Schedule-{schedule.name}",
                description=schedule.description,
                schedule=events.Schedule.expression(schedule_expression(schedule, settings)),
            )
            rule.add_target(self._target(schedule.name, schedule.target, functions, state_machines))

    def _target(
        self,
        rule: str,
        target: spec.TargetSpec,
        functions: Mapping[str, lambda_.IFunction],
        state_machines: Mapping[str, sfn.IStateMachine],
    ) -> events.IRuleTarget:
        name = f"{rule}-{target.name}"
        dead_letters = self._failures.queue(target.name)
        options: dict[str, Any] = {
            "dead_letter_queue": dead_letters,
            "retry_attempts": RETRY_ATTEMPTS,
            "max_event_age": MAX_EVENT_AGE,
        }
        if target.kind == "function":
            return targets.LambdaFunction(functions[target.name], event=target_input(target), **options)
        if target.kind == "state_machine":
            return targets.SfnStateMachine(state_machines[target.name], input=target_input(target), **options)
        if target.kind == "queue":
            buffer = self._buffer(name, target.name, functions[target.name], dead_letters)
            return targets.SqsQueue(buffer, message=target_input(target), **options)
        raise ValueError(f"unknown target kind {target.kind!r} for {target.name}")

    def _buffer(
        self, name: str, function_name: str, function: lambda_.IFunction, dead_letters: sqs.IQueue
    ) -> sqs.Queue:
        """The queue a "queue" target fills and its function drains in batches, reporting each failed message.

        Messages that keep failing move to the consumer's failure queue, the same one EventBridge parks
        undeliverable events in, so one alarm covers both ways an event can be lost.
        """
        timeout_s = spec.function(function_name).timeout_s
        buffer = sqs.Queue(
            self,
            f"Buffer-{name}",
            encryption=sqs.QueueEncryption.SQS_MANAGED,  # EventBridge cannot use the aws/sqs KMS key
            enforce_ssl=True,
            retention_period=BUFFER_RETENTION,
            visibility_timeout=Duration.seconds(VISIBILITY_TIMEOUT_FACTOR * timeout_s + BATCHING_WINDOW.to_seconds()),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=MAX_RECEIVES, queue=dead_letters),
        )
        function.add_event_source(
            sources.SqsEventSource(
                buffer,
                batch_size=BATCH_SIZE,
                max_batching_window=BATCHING_WINDOW,
                report_batch_item_failures=True,
            )
        )
        self.buffers[name] = buffer
        self.buffer_of[function_name] = buffer
        return buffer


def schedule_expression(schedule: spec.ScheduleSpec, settings: Settings) -> str:
    """The schedule's cdk.json setting when it names one, else its default expression."""
    if schedule.expression_setting is None:
        return schedule.default_expression
    if not hasattr(settings, schedule.expression_setting):
        raise ValueError(f"schedule {schedule.name}: there is no setting named {schedule.expression_setting!r}")
    return str(getattr(settings, schedule.expression_setting))


def _typed_pattern(pattern: Mapping[str, object]) -> events.EventPattern:
    """The part of the spec's pattern CDK's EventPattern can type (it needs one to validate the rule)."""
    fields: dict[str, Any] = {
        key.replace("-", "_"): value
        for key, value in pattern.items()
        if key == "detail" or (isinstance(value, list) and all(isinstance(item, str) for item in value))
    }
    return events.EventPattern(**fields)


def target_input(target: spec.TargetSpec) -> events.RuleTargetInput | None:
    """What the target receives: its constants and each input key's value at its JSONPath in the event (an
    input transformer), or the whole event when the spec gives neither."""
    if target.input is None and target.constants is None:
        return None
    fields: dict[str, Any] = dict(target.constants or {})
    fields |= {key: events.EventField.from_path(path) for key, path in (target.input or {}).items()}
    return events.RuleTargetInput.from_object(fields)
