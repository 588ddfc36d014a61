"""The stack is region-agnostic: it synthesises for each region it is documented for, passes cdk-nag and cfn-lint
there with no warning, and names no region, partition or endpoint of its own choosing.

eu-central-1 also adopts an SES identity that already exists (sender_identity_exists), the usual case for a
company domain, so that path is synthesised and linted too.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from cfnlint.api import lint

from tests.infra.queries import function_props
from tests.infra.synth import Synth, synthesise

REGIONS = ("eu-west-1", "eu-central-1", "us-east-1")
ADOPTING = "eu-central-1"
ANY_REGION = re.compile(r"\b(?:us|eu|ap|sa|ca|me|af|il|mx)-(?:[a-z]+-)+\d\b")


@pytest.fixture(scope="module", params=REGIONS)
def regional(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Synth]:
    region = str(request.param)
    context: dict[str, Any] = {"region": region}
    if region == ADOPTING:
        context |= {"sender_identity_exists": True, "sender_domain": "talentpool-ci.dev"}
        context["sender_email"] = "talent@talentpool-ci.dev"
    return region, synthesise(tmp_path_factory.mktemp(f"cdk.out-{region}"), context)


def test_it_synthesises_with_nothing_for_cdk_nag_or_cfn_lint(regional: tuple[str, Synth]) -> None:
    region, synth = regional
    assert synth.findings == []
    assert synth.validation_error is None
    assert [f"{m.rule.id} {m.message}" for m in lint(json.dumps(synth.template.to_json()), regions=[region])] == []


def test_it_names_no_region_but_its_own(regional: tuple[str, Synth]) -> None:
    region, synth = regional
    text = json.dumps(synth.template.to_json()["Resources"])
    assert set(ANY_REGION.findall(text)) <= {region}  # CDK fills in the stack's region (and its partition)


def test_an_existing_ses_identity_is_adopted_not_created(regional: tuple[str, Synth]) -> None:
    region, synth = regional
    if region != ADOPTING:
        pytest.skip("the other regions create the identity")
    assert synth.of_type("AWS::SES::EmailIdentity") == {}
    assert "DkimRecord1" not in synth.template.to_json().get("Outputs", {})
    # Sending is still allowed, on the adopted identity by name, through the stack's configuration set
    notify_role = function_props(synth, "notify")["Role"]["Fn::GetAtt"][0]
    policies = [
        p["Properties"]["PolicyDocument"]
        for p in synth.of_type("AWS::IAM::Policy").values()
        if {"Ref": notify_role} in p["Properties"]["Roles"]
    ]
    assert ":identity/talentpool-ci.dev" in json.dumps(policies)


def test_the_default_synth_names_no_region_partition_or_endpoint(default_synth: Synth) -> None:
    text = json.dumps(default_synth.template.to_json()["Resources"])
    assert ANY_REGION.findall(text) == []
    assert "arn:aws:" not in text  # ARNs take the partition from AWS::Partition
    assert not re.search(r"[a-z0-9-]+\.amazonaws\.com/", text)  # endpoints from AWS::URLSuffix, none written out
