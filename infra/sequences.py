"""Step Functions state machines from the ASL files in state_machines/, placeholders filled with function ARNs."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from aws_cdk import ArnFormat, CfnResource, Names, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import spec
from infra.logs import retained_log_group
from infra.nag import (
    LOG_DELIVERY_ACTIONS,
    XRAY_ACTIONS,
    acknowledge,
    arn_finding,
    default_policy,
    resource_finding,
    wildcard_policy,
)

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
# Erasure stops a candidate's running executions and checks how they ended; nothing else.
STOP_ACTIONS = ("states:StopExecution", "states:DescribeExecution")
# A Lambda that a `.waitForTaskToken` task invokes answers the waiting task with these.
CALLBACK_ACTIONS = ("states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat")
CALLBACK_RESOURCE = ".waitForTaskToken"
START_ACTIONS = ("states:StartExecution",)
ALL_EVENTS = "ALL"
DELIVERY_ACTIONS = (*LOG_DELIVERY_ACTIONS, *XRAY_ACTIONS)  # a state machine's, on Resource "*"


def placeholders(asl_file: Path) -> set[str]:
    """The `${Name}` placeholders an ASL file expects; a test holds them equal to the spec's substitutions."""
    return set(_PLACEHOLDER.findall(asl_file.read_text()))


def asl_path(machine: spec.StateMachineSpec) -> Path:
    # Looked up on the module at call time so a test can point it at its own folder.
    return spec.STATE_MACHINES_DIR / machine.asl_file


@dataclass(frozen=True)
class LogSettings:
    """How the state machines log: ERROR without execution data (inputs name candidates) unless the operator
    raises it (state_machine_log_level, state_machine_log_data), kept for the configured retention."""

    retention_days: int
    level: str = "ERROR"
    include_data: bool = False


class Sequences(Construct):
    """Standard workflows (waits of days), traced, logging errors without execution data (PII)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        machines: Sequence[spec.StateMachineSpec],
        functions: Mapping[str, lambda_.IFunction],
        logging: LogSettings,
    ) -> None:
        super().__init__(scope, construct_id)
        self._specs = {machine.name: machine for machine in machines}
        self._functions = functions
        self.by_name: dict[str, sfn.StateMachine] = {
            machine.name: self._state_machine(machine, functions, logging) for machine in machines
        }

    def execution_arn(self, machine: str) -> str:
        """`arn:…:execution:<state machine name>:*`: every execution of one of these state machines."""
        return Stack.of(self).format_arn(
            service="states",
            resource="execution",
            resource_name=f"{self.by_name[machine].state_machine_name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )

    def grant_stop_executions(self, machine: str, grantee: iam.IGrantable) -> iam.Policy:
        """Stop and describe executions of one state machine (engage: erasure and un-enrolment stop a candidate's
        runs), and of no other: a campaign send is never stopped on a candidate's behalf."""
        arn = self.execution_arn(machine)
        policy = self._policy("StopExecutions", grantee, STOP_ACTIONS, [arn])
        acknowledge(
            policy,
            resource_finding(self, arn),
            "Executions are named per candidate at run time, so only the state machine part of the ARN is "
            "known: the wildcard covers this state machine's executions and nothing else.",
        )
        return policy

    def grant_start_executions(self, machine: str, grantee: iam.IGrantable) -> iam.Policy:
        """StartExecution on one state machine (nurture: a recruiter's "send now", and Scheduler's role)."""
        return self._policy(f"Start-{machine}", grantee, START_ACTIONS, [self.by_name[machine].state_machine_arn])

    def grant_continuations(self, grantee: iam.IGrantable) -> iam.Policy | None:
        """StartExecution on the state machines that invoke this function, and no other: a task near Step
        Functions' limits starts the next execution of its own machine and ends the current one."""
        arns = [machine.state_machine_arn for name, machine in self.by_name.items() if self._invokes(name, grantee)]
        return self._policy("Continuations", grantee, START_ACTIONS, arns) if arns else None

    def grant_task_callbacks(self, grantee: iam.IGrantable) -> iam.Policy | None:
        """Answer the task tokens of the state machines that hand this function one (`.waitForTaskToken`).

        Step Functions authorises SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat against the state
        machine whose task issued the token (an AccessDenied names `arn:…:stateMachine:<name>`), which is also
        what CDK's own StateMachine.grant_task_response names; no wildcard is needed.
        """
        arns = [
            machine.state_machine_arn for name, machine in self.by_name.items() if self._hands_tokens_to(name, grantee)
        ]
        return self._policy("TaskCallbacks", grantee, CALLBACK_ACTIONS, arns) if arns else None

    def _invokes(self, machine: str, grantee: iam.IGrantable) -> bool:
        return any(self._functions[function] is grantee for function in self._specs[machine].substitutions.values())

    def _hands_tokens_to(self, machine: str, grantee: iam.IGrantable) -> bool:
        machine_spec = self._specs[machine]
        return self._invokes(machine, grantee) and CALLBACK_RESOURCE in asl_path(machine_spec).read_text(
            encoding="utf-8"
        )

    def _policy(self, purpose: str, grantee: iam.IGrantable, actions: Sequence[str], arns: list[str]) -> iam.Policy:
        """A policy of its own on the grantee's role, outside the role's default policy.

        A Lambda function depends on its role and everything under it, and these state machines depend on the
        functions they invoke, so a statement in the role's default policy would close a dependency cycle.
        """
        role = grantee.grant_principal
        if not isinstance(role, iam.Role):
            raise TypeError(f"{purpose} is granted to a role, not {role}")
        return iam.Policy(
            self,
            f"{purpose}-{Names.unique_id(role)}",
            statements=[iam.PolicyStatement(actions=list(actions), resources=arns)],
            roles=[role],
        )

    def _state_machine(
        self,
        machine: spec.StateMachineSpec,
        functions: Mapping[str, lambda_.IFunction],
        logging: LogSettings,
    ) -> sfn.StateMachine:
        scope = Construct(self, machine.name)
        state_machine = sfn.StateMachine(
            scope,
            "StateMachine",
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_file(str(asl_path(machine))),
            definition_substitutions={
                placeholder: functions[function].function_arn for placeholder, function in machine.substitutions.items()
            },
        )
        # Logging and tracing set on the resource, their permissions in a policy of their own: CDK's logs= and
        # tracing_enabled= would put Resource "*" statements in the role's default policy.
        log_group = retained_log_group(scope, "Logs", logging.retention_days)
        resource = cast(sfn.CfnStateMachine, state_machine.node.default_child)
        resource.tracing_configuration = sfn.CfnStateMachine.TracingConfigurationProperty(enabled=True)
        resource.logging_configuration = sfn.CfnStateMachine.LoggingConfigurationProperty(
            level=logging.level,
            include_execution_data=logging.include_data,
            destinations=[
                sfn.CfnStateMachine.LogDestinationProperty(
                    cloud_watch_logs_log_group=sfn.CfnStateMachine.CloudWatchLogsLogGroupProperty(
                        log_group_arn=log_group.log_group_arn
                    )
                )
            ],
        )
        delivery = wildcard_policy(
            scope,
            "Delivery",
            state_machine.role,
            list(DELIVERY_ACTIONS),
            "Step Functions log delivery (logs:*LogDelivery, resource policies) and X-Ray tracing: CloudWatch Logs "
            "and X-Ray authorise these on no narrower resource.",
        )
        # Step Functions checks it may deliver logs when the state machine is created (on the resource alone:
        # the role under the construct must come before the policy).
        resource.node.add_dependency(delivery)
        if logging.level != ALL_EVENTS:
            acknowledge(
                resource,
                "SF1",
                f"Logs at {logging.level}, not ALL: every transition's log names the candidate it runs for, and "
                "history and X-Ray show the rest. state_machine_log_level=ALL raises it (docs/deploy.md).",
            )
        for name in sorted(set(machine.substitutions.values())):
            function = functions[name]
            function.grant_invoke(state_machine)
            acknowledge(
                default_policy(state_machine),
                arn_finding(cast(CfnResource, function.node.default_child), ":*"),
                f"Invoking any version or alias of {name} (its ARN:*), the function this workflow names.",
            )
        return state_machine
