"""Nurture campaign schedules: the EventBridge Scheduler group they live in, and the role Scheduler starts runs with.

The schedules themselves are made at run time (`seed` after each deploy, the recruiter API when a campaign is
saved), not by CloudFormation, so a campaign edited through the API keeps its schedule across deploys.
"""

from __future__ import annotations

from typing import cast

from aws_cdk import ArnFormat, Aws, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from infra.nag import acknowledge, default_policy, resource_finding

SCHEDULER_SERVICE = "scheduler.amazonaws.com"
# What the recruiter API and `seed` do to a campaign's schedule (store/schedules.py), and nothing else: no
# listing, no other group, no group management.
MANAGE_ACTIONS = (
    "scheduler:CreateSchedule",
    "scheduler:UpdateSchedule",
    "scheduler:DeleteSchedule",
    "scheduler:GetSchedule",
)


class CampaignSchedules(Construct):
    """One schedule group per stack, and the execution role its schedules name.

    The role is made before the state machines (functions receive its ARN), and is allowed to start the
    nurture machine afterwards, in a policy of its own (`Sequences.grant_start_executions`).
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.group = scheduler.CfnScheduleGroup(self, "Group", name=f"{stack.stack_name}-campaigns")
        self.group_name: str = self.group.ref  # Ref is the group's name; the reference orders it before its users
        group_arn = stack.format_arn(
            service="scheduler",
            resource="schedule-group",
            resource_name=self.group_name,
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        # Only this account's schedules in this group may act as the role (Scheduler's confused-deputy guidance).
        self.role = iam.Role(
            self,
            "Role",
            description="EventBridge Scheduler starts nurture campaign runs with this role",
            assumed_by=cast(
                iam.IPrincipal,
                iam.ServicePrincipal(
                    SCHEDULER_SERVICE,
                    conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID, "aws:SourceArn": group_arn}},
                ),
            ),
        )

    def schedules_arn(self) -> str:
        """`arn:…:scheduler:<region>:<account>:schedule/<group>/*`: every schedule in the group, and no other."""
        return Stack.of(self).format_arn(
            service="scheduler",
            resource="schedule",
            resource_name=f"{self.group_name}/*",
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )

    def grant_manage(self, grantee: iam.IGrantable) -> iam.Grant:
        """Create, update, delete and read schedules in the group, and hand Scheduler the role (and only to it)."""
        arn = self.schedules_arn()
        grant = iam.Grant.add_to_principal(grantee=grantee, actions=list(MANAGE_ACTIONS), resource_arns=[arn])
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["iam:PassRole"],
            resource_arns=[self.role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": SCHEDULER_SERVICE}},
        )
        if isinstance(grantee.grant_principal, iam.Role):
            acknowledge(
                default_policy(grantee),
                resource_finding(self, arn),
                "Schedules are named per campaign at run time (campaign-<id>), so only the group part of the ARN is "
                "known: the wildcard covers this stack's campaign schedule group and nothing else.",
            )
        return grant
