"""Template hygiene: cfn-lint's W3005 (a DependsOn that a Ref or GetAtt already implies), answered in code.

CDK itself adds these: a function depends on its role (and references it), a trigger on its handler version. The
explicit entry is redundant, not wrong, and CDK offers no way to leave it out, so each resource where it happens
says so in its Metadata, and cfn-lint checks everything else.
"""

from __future__ import annotations

import json
from typing import Any

import jsii
from aws_cdk import CfnResource, IAspect, Stack
from constructs import IConstruct

IMPLIED_DEPENDENCY = "W3005"


@jsii.implements(IAspect)
class MarkImpliedDependencies:
    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, CfnResource):
            return
        stack = Stack.of(node)
        properties = json.dumps(stack.resolve(_properties(node)))
        # DependsOn comes from the resource's own dependencies and those of every construct it sits in.
        constructs = [d for scope in node.node.scopes for d in scope.node.dependencies]
        depended = [*node.obtain_dependencies(), *(c for d in constructs for c in d.node.find_all())]
        if any(
            isinstance(dependency, CfnResource) and _referenced(stack.resolve(dependency.logical_id), properties)
            for dependency in depended
        ):
            # The reason travels with the template: CDK's own DependsOn, already implied by a reference.
            node.add_metadata("cfn-lint", {"config": {"ignore_checks": [IMPLIED_DEPENDENCY]}})


def _properties(node: CfnResource) -> Any:
    return {"properties": node._cfn_properties, "overrides": node._updated_properties}


def _referenced(logical_id: str, properties: str) -> bool:
    return f'{{"Ref": "{logical_id}"}}' in properties or f'"Fn::GetAtt": ["{logical_id}"' in properties
