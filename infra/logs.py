"""Log groups with the operator's retention period, the one place every log group in the app is made."""

from __future__ import annotations

from typing import cast

from aws_cdk import RemovalPolicy
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
