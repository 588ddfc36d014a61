"""Functions the spec marks run_on_deploy, invoked by CloudFormation once everything else is in place (CDK triggers).

A trigger runs when it is created and whenever its resource changes. Its handler ARN is the function's current
version, so a change to the function (code, layers, environment) re-runs it; so does a change to any asset of
the stack (every function's code, the layers, the ASL files), through a content hash the trigger carries. A
deploy that changes none of these changes nothing, so CloudFormation has nothing to run: the hash keeps the synth
deterministic, where a timestamp would make every synth differ. A failing run fails the deploy, which rolls back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import cast

from aws_cdk import CfnResource, Duration, Stack, triggers
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct, IConstruct

from infra import spec
from infra.nag import acknowledge
from infra.storage import BASIC_EXECUTION_FINDING

CONTENT_HASH = "ContentHash"
# The trigger waits for the function's answer: its own timeout plus time for a cold start.
INVOKE_MARGIN = Duration.seconds(30)
# CDK's singleton Lambda that invokes trigger handlers (triggers.Trigger makes it).
PROVIDER_PREFIX = "AWSCDK.TriggerCustomResourceProvider"


def assets_hash(scope: IConstruct) -> str:
    """One hash over every file asset of the stack (function code, layers, ASL definitions), in a stable order."""
    hashes = sorted(c.asset_hash for c in Stack.of(scope).node.find_all() if isinstance(c, s3_assets.Asset))
    return hashlib.sha256("\n".join(hashes).encode()).hexdigest()


class RunOnDeploy(Construct):
    """A trigger per run_on_deploy function, run after every construct in `after` has been deployed."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        specs: Sequence[spec.FunctionSpec],
        functions: Mapping[str, lambda_.Function],
        after: Sequence[IConstruct],
    ) -> None:
        super().__init__(scope, construct_id)
        self.by_name: dict[str, triggers.Trigger] = {}
        content = assets_hash(self)
        for function_spec in specs:
            if not function_spec.run_on_deploy:
                continue
            trigger = triggers.Trigger(
                self,
                function_spec.name,
                handler=functions[function_spec.name],
                timeout=Duration.seconds(function_spec.timeout_s + INVOKE_MARGIN.to_seconds()),
                # Re-run on an update (the provider skips updates when this is false, whatever changed).
                execute_on_handler_change=True,
            )
            trigger.node.add_dependency(*after)
            custom_resource = trigger.node.find_child("Default").node.default_child
            cast(CfnResource, custom_resource).add_property_override(CONTENT_HASH, content)
            self.by_name[function_spec.name] = trigger
        if self.by_name:
            self._acknowledge_provider()

    def _acknowledge_provider(self) -> None:
        for child in Stack.of(self).node.children:
            if child.node.id.startswith(PROVIDER_PREFIX):
                acknowledge(
                    child.node.find_child("Role"),
                    BASIC_EXECUTION_FINDING,
                    "CDK's own trigger provider (aws_cdk.triggers), which invokes run-on-deploy functions during a "
                    "deploy. CDK creates its role with this managed policy and exposes no way to replace it; its only "
                    "other permission is lambda:InvokeFunction on those functions.",
                )
