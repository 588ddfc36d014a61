"""cdk-nag wiring and the one way this app acknowledges a finding: on its own resource, with a reason."""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from constructs import IConstruct

PACK = "AwsSolutions"


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge `AwsSolutions-<rule>` (e.g. "L1", or "IAM5[Resource::*]") on scope and what it contains."""
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{PACK}-{rule}", reason=reason))


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
