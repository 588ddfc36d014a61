"""cdk-nag and cfn-lint as a reviewer reads them: each acknowledgement on the one resource it is about, with a
reason that cites only what exists, and a new wildcard anywhere fails the synth."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from aws_cdk import aws_iam as iam

from infra import spec
from infra.application import build_app
from infra.nag import UNSCOPED_ACTIONS
from tests.infra.synth import Synth, cdk_context, validation_findings

CITED_FILE = re.compile(r"\b[\w./-]+\.(?:md|py|json)\b")


def _acknowledgements(synth: Synth) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    return [
        (logical_id, resource, rule)
        for logical_id, resource in synth.resources.items()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]


def test_iam5_acknowledgements_name_their_exact_wildcard(default_synth: Synth) -> None:
    for logical_id, resource, rule in _acknowledgements(default_synth):
        if rule["id"].startswith("AwsSolutions-IAM5"):
            assert rule["id"].startswith("AwsSolutions-IAM5["), (logical_id, rule)
            # On the policy that holds the statement, never a whole role
            assert resource["Type"] == "AWS::IAM::Policy", (logical_id, rule["id"])


def test_resource_star_is_acknowledged_only_on_policies_of_unscoped_actions(default_synth: Synth) -> None:
    policies = [
        resource
        for _, resource, rule in _acknowledgements(default_synth)
        if rule["id"] == "AwsSolutions-IAM5[Resource::*]"
    ]
    assert policies
    for policy in policies:
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert set(actions) <= set(UNSCOPED_ACTIONS), actions
    # ...and no role's own policies say Resource "*" at all
    for logical_id, role in default_synth.of_type("AWS::IAM::Role").items():
        assert '"Resource": "*"' not in json.dumps(role["Properties"].get("Policies", [])), logical_id


def test_acknowledgement_reasons_cite_only_files_that_exist(default_synth: Synth) -> None:
    cited = {name for _, _, rule in _acknowledgements(default_synth) for name in CITED_FILE.findall(rule["reason"])}
    assert cited  # the reasons do point at documentation
    missing = [name for name in cited if not (spec.ROOT / name).exists()]
    assert missing == []


def test_a_new_wildcard_on_one_role_fails_the_synth(tmp_path: Path) -> None:
    # Given the app as deployed, with one function's role widened two ways: a policy of its own, and a statement
    # in the role's default policy, next to statements that are acknowledged there
    app, stack = build_app(cdk_context(), outdir=str(tmp_path))
    capture = stack.functions.by_name["capture"]
    assert capture.role is not None
    wide = iam.PolicyStatement(actions=["dynamodb:Scan"], resources=["*"])
    iam.Policy(stack, "Widened", statements=[wide], roles=[capture.role])
    capture.add_to_role_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"]))

    # When it synthesises
    try:
        app.synth()
        error = None
    except RuntimeError as exc:
        error = str(exc)

    # Then cdk-nag fails it, naming both
    assert error is not None
    findings = validation_findings(tmp_path)
    assert "AwsSolutions-IAM5[Resource::*] (error) at Talentpool/Widened/Resource" in findings
    assert (
        "AwsSolutions-IAM5[Resource::*] (error) at Talentpool/Functions/capture/Role/DefaultPolicy/Resource" in findings
    )
