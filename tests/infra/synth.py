"""Synthesise the app the way `cdk synth` does (cdk.json context), capturing the template and nag's report."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from infra import spec
from infra.application import build_app
from infra.stack import TalentpoolStack
from tests.infra.context import TEST_VALUES

CDK_JSON = spec.ROOT / "cdk.json"


def cdk_context() -> dict[str, Any]:
    """cdk.json's context with the operator's values filled in, as `make synth` passes them."""
    return dict(json.loads(CDK_JSON.read_text())["context"]) | TEST_VALUES


@dataclass
class Synth:
    """One synthesised app: the stack object, its template, and what validation (cdk-nag) reported."""

    app: App
    stack: TalentpoolStack
    outdir: Path
    template: Template
    resources: dict[str, dict[str, Any]]
    validation_error: str | None
    findings: list[str] = field(default_factory=list)

    def logical_id(self, construct: Any) -> str:
        """The CloudFormation logical ID of an L2 construct (its default child) or an L1 resource."""
        resource = construct.node.default_child or construct
        return str(Stack.of(self.stack).resolve(self.stack.get_logical_id(resource)))

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {key: value for key, value in self.resources.items() if value["Type"] == resource_type}


def synthesise(outdir: Path, context: Mapping[str, Any] | None = None) -> Synth:
    app, stack = build_app({**cdk_context(), **(context or {})}, outdir=str(outdir))
    error: str | None = None
    try:
        app.synth()
    except RuntimeError as exc:  # validation failures surface as a jsii RuntimeError; the template is written
        error = str(exc)
    template_json = json.loads((outdir / f"{stack.stack_name}.template.json").read_text())
    return Synth(
        app=app,
        stack=stack,
        outdir=outdir,
        template=Template.from_json(template_json),
        resources=template_json["Resources"],
        validation_error=error,
        findings=validation_findings(outdir),
    )


def validation_findings(outdir: Path) -> list[str]:
    """Every violation any validation plugin reported, as "<rule> at <construct path>"."""
    report = outdir / "validation-report.json"
    if not report.exists():
        return []
    findings = []
    for plugin in json.loads(report.read_text()).get("pluginReports", []):
        for violation in plugin.get("violations", []):
            for construct in violation.get("violatingConstructs", []):
                findings.append(f"{violation['ruleName']} ({violation['severity']}) at {construct['constructPath']}")
    return findings
