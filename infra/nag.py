"""cdk-nag wiring and the one way this app acknowledges a finding: on the one resource it is about, with a reason."""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

PACK = "AwsSolutions"
# What CDK's logs= and tracing_enabled= grant a state machine's role, and tracing a function's, on Resource "*".
LOG_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)
XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets")
# Only these actions may be granted on Resource "*", each in a policy of its own (see wildcard_policy): the
# services authorise them on no narrower resource.
UNSCOPED_ACTIONS = (*XRAY_ACTIONS, "dynamodb:ListStreams", *LOG_DELIVERY_ACTIONS)


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge `AwsSolutions-<rule>` (e.g. "L1", or "IAM5[Resource::<Table.Arn>/index/*]") on one resource.

    `scope` is that resource, or the L2 construct whose resource it is; never the constructs under it, so an
    acknowledgement cannot reach a resource added there later. An IAM5 acknowledgement names its exact finding.
    """
    resource = scope if isinstance(scope, CfnResource) else scope.node.default_child
    if not isinstance(resource, CfnResource):
        raise TypeError(f"{scope.node.path} is not a resource: acknowledge {rule} on the resource it is about")
    if rule.startswith("IAM5") and not rule.startswith("IAM5["):
        raise ValueError("an IAM5 acknowledgement names the exact finding it covers: IAM5[Resource::...]")
    if rule == "IAM5[Resource::*]" and resource.cfn_resource_type != "AWS::IAM::Policy":
        raise ValueError("Resource::* is acknowledged only on a policy of its own (wildcard_policy)")
    Validations.of(resource).acknowledge(Acknowledgment(id=f"{PACK}-{rule}", reason=reason))


def default_policy(grantee: iam.IGrantable) -> iam.Policy:
    """The default policy of the grantee's role, where CDK's grant_* calls put their statements."""
    principal = grantee.grant_principal
    policy = principal.node.try_find_child("DefaultPolicy") if isinstance(principal, iam.Role) else None
    if not isinstance(policy, iam.Policy):
        raise TypeError(f"{principal} has no default policy yet: grant first, then acknowledge")
    return policy


def wildcard_policy(
    scope: Construct, construct_id: str, role: iam.IRole, actions: list[str], reason: str
) -> iam.Policy:
    """Actions no resource can scope, in a policy of their own on one role, acknowledged there and nowhere else:
    a wildcard added to the role later lands in its default policy, where nothing acknowledges it."""
    unexpected = sorted(set(actions) - set(UNSCOPED_ACTIONS))
    if unexpected:
        raise ValueError(f"{', '.join(unexpected)} can be scoped to a resource: grant them on it")
    policy = iam.Policy(
        scope, construct_id, statements=[iam.PolicyStatement(actions=actions, resources=["*"])], roles=[role]
    )
    acknowledge(policy, "IAM5[Resource::*]", reason)
    return policy


def arn_finding(resource: CfnResource, suffix: str = "") -> str:
    """How cdk-nag names a resource ARN in an IAM5 finding: `Resource::<LogicalId.Arn>` plus any suffix."""
    logical_id = Stack.of(resource).resolve(Stack.of(resource).get_logical_id(resource))
    return f"IAM5[Resource::<{logical_id}.Arn>{suffix}]"


def resource_finding(scope: IConstruct, arn: str) -> str:
    """How cdk-nag names any ARN in an IAM5 finding: references become `<AWS::Region>`, `<LogicalId.Attr>`."""
    return f"IAM5[Resource::{_render(Stack.of(scope).resolve(arn))}]"


def _render(value: Any) -> str:
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_render(part) for part in parts)
    if "Ref" in value:
        return f"<{value['Ref']}>"
    if "Fn::GetAtt" in value:
        return f"<{'.'.join(value['Fn::GetAtt'])}>"
    raise ValueError(f"cannot name {value!r} the way cdk-nag does")
