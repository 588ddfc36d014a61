"""Log groups with the operator's retention period, the one place every log group in the app is made."""

from __future__ import annotations

from typing import cast

from aws_cdk import CfnResource, Fn, RemovalPolicy, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct


def retained_log_group(scope: Construct, construct_id: str, retention_days: int) -> logs.LogGroup:
    """A log group kept for `retention_days` (checked against CloudWatch's allowed values in Settings).

    Logs carry IDs, never PII, and expire by retention, so deleting the stack deletes them too.
    """
    group = logs.LogGroup(scope, construct_id, removal_policy=RemovalPolicy.DESTROY)
    # RetentionDays is an enum of names in Python; the number the operator chose goes straight to CloudFormation.
    cast(logs.CfnLogGroup, group.node.default_child).retention_in_days = retention_days
    return group


def retain_helper_logs(stack: Stack, retention_days: int) -> list[logs.CfnLogGroup]:
    """Log groups for the Lambda functions CDK makes itself (the bucket-notification handler, the trigger
    provider), which log to `/aws/lambda/<name>` and would otherwise get a group Lambda creates, kept forever.

    Each group is named after its function and exists before any custom resource runs (they depend on it), so
    the function's first log lines land in a group with the operator's retention, not in one Lambda made first.
    """
    helpers = [
        construct
        for construct in stack.node.find_all()
        if isinstance(construct, CfnResource)
        and construct.cfn_resource_type == "AWS::Lambda::Function"
        and not (isinstance(construct, lambda_.CfnFunction) and construct.logging_config)
    ]
    groups = []
    for function in helpers:
        parent = function.node.scope  # typed IConstruct; a resource's scope is always a Construct
        group = logs.CfnLogGroup(
            parent if isinstance(parent, Construct) else stack,
            f"{function.node.id}Logs",
            log_group_name=Fn.join("", ["/aws/lambda/", function.ref]),
            retention_in_days=retention_days,
        )
        group.apply_removal_policy(RemovalPolicy.DESTROY)
        groups.append(group)
    for construct in stack.node.find_all():
        if isinstance(construct, CfnResource) and _is_custom_resource(construct.cfn_resource_type):
            for group in groups:
                construct.add_dependency(group)
    return groups


def _is_custom_resource(resource_type: str) -> bool:
    return resource_type.startswith("Custom::") or resource_type == "AWS::CloudFormation::CustomResource"
