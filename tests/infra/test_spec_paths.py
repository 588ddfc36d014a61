"""Code paths the current spec does not use yet, driven by a synthetic spec and non-default settings.

State machines with substituted ARNs (and the erasure grant that stops their executions), rules on the
default bus and with input paths, a DKIM domain sender, and data that is not retained: each is synthesised
and checked, with cdk-nag and cfn-lint, before a real issue depends on it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint

from infra import spec
from tests.infra.queries import execution_arns, expected_grants, granted, statements
from tests.infra.synth import Synth, synthesise

MACHINE = spec.StateMachineSpec("engage", "engage.asl.json", {"PlanFunction": "pages"})
INPUT = {"candidate_id": "$.detail.candidate_id", "event_id": "$.detail.id"}
START_RULE = spec.RuleSpec(
    name="start-engage",
    description="A confirmed candidate starts the engage sequence",
    pattern={"source": [spec.EVENT_SOURCE], "detail-type": ["CandidateConfirmed"]},
    targets=(spec.TargetSpec("state_machine", MACHINE.name, INPUT),),
)
SES_RULE = spec.RuleSpec(
    name="ses-events",
    description="SES sending events reach the timeline",
    pattern={"source": ["aws.ses"]},
    targets=(spec.TargetSpec("function", "notify"),),
    bus="default",
)
ASL = {
    "StartAt": "Plan",
    "States": {
        "Plan": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "${PlanFunction}", "Payload.$": "$"},
            "End": True,
        }
    },
}
CONTEXT = {
    "sender_domain": "example.org",
    "sender_email": "talent@example.org",
    "public_base_url": "https://careers.example.org",
    "retain_data": False,
    "alarm_email": "ops@example.org",
    "cognito_plus_tier": True,
    "api_stage": "v1",
}


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Any:
    machines_dir = tmp_path_factory.mktemp("state_machines")
    (machines_dir / MACHINE.asl_file).write_text(json.dumps(ASL))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(spec, "STATE_MACHINES", (MACHINE,))
        patch.setattr(spec, "STATE_MACHINES_DIR", Path(machines_dir))
        patch.setattr(spec, "RULES", (*spec.RULES, START_RULE, SES_RULE))
        return synthesise(tmp_path_factory.mktemp("cdk.out"), CONTEXT)


def _function_arn(synth: Synth, name: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [synth.logical_id(synth.stack.functions.by_name[name]), "Arn"]}


def test_state_machine_placeholders_become_function_arns(synth: Synth) -> None:
    (machine,) = synth.of_type("AWS::StepFunctions::StateMachine").values()
    props = machine["Properties"]
    assert props["DefinitionSubstitutions"] == {"PlanFunction": _function_arn(synth, "pages")}
    # The ASL file ships as an asset, unchanged: CloudFormation fills the placeholders at deploy time.
    manifest = json.loads((synth.outdir / f"{synth.stack.stack_name}.assets.json").read_text())
    s3_key = props["DefinitionS3Location"]["Key"]
    asset = synth.outdir / manifest["files"][s3_key.split(".")[0]]["source"]["path"]
    assert json.loads(asset.read_text()) == ASL
    assert props["TracingConfiguration"] == {"Enabled": True}
    assert props["LoggingConfiguration"]["Level"] == "ALL"
    assert props["LoggingConfiguration"]["IncludeExecutionData"] is False


def test_state_machine_may_invoke_the_functions_it_names(synth: Synth) -> None:
    (machine,) = synth.of_type("AWS::StepFunctions::StateMachine").values()
    role_id = machine["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    statements = [
        statement
        for policy in synth.of_type("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    invoke = [s for s in statements if "lambda:InvokeFunction" in json.dumps(s["Action"])]
    assert invoke
    assert _function_arn(synth, "pages") in invoke[0]["Resource"]


def test_erasure_may_stop_and_describe_executions_of_the_state_machines_only(synth: Synth) -> None:
    """WORKFLOW_STOP names each state machine's executions, and synthesises without a dependency cycle."""
    stoppers = [f for f in spec.FUNCTIONS if spec.Grant.WORKFLOW_STOP in f.grants]
    assert stoppers
    machine = synth.logical_id(synth.stack.sequences.by_name[MACHINE.name])
    for function in stoppers:
        assert spec.Grant.WORKFLOW_STOP in expected_grants(synth, function)
        assert granted(synth, function.name) == expected_grants(synth, function)
        (stop,) = [s for s in statements(synth, function.name) if "states:StopExecution" in s["Action"]]
        assert sorted(stop["Action"]) == ["states:DescribeExecution", "states:StopExecution"]
        assert stop["Resource"] == execution_arns(synth)[0]
        assert json.dumps(stop["Resource"]).endswith(f':execution:", {{"Fn::GetAtt": ["{machine}", "Name"]}}, ":*"]]}}')
    others = [f for f in spec.FUNCTIONS if f not in stoppers]
    for function in others:
        assert not [s for s in statements(synth, function.name) if "states:" in json.dumps(s["Action"])]


def test_buckets_are_emptied_and_deleted_with_a_throwaway_stack(synth: Synth) -> None:
    storage = synth.stack.storage
    for bucket in (*storage.by_name.values(), storage.access_logs):
        assert synth.resources[synth.logical_id(bucket)]["DeletionPolicy"] == "Delete"
    emptied = {n["Properties"]["BucketName"]["Ref"] for n in synth.of_type("Custom::S3AutoDeleteObjects").values()}
    assert emptied == {synth.logical_id(b) for b in (*storage.by_name.values(), storage.access_logs)}


def test_rule_starts_the_state_machine_with_input_taken_from_the_event(synth: Synth) -> None:
    machine = synth.logical_id(synth.stack.sequences.by_name[MACHINE.name])
    (rule,) = [
        r["Properties"]
        for r in synth.of_type("AWS::Events::Rule").values()
        if r["Properties"]["Description"] == START_RULE.description
    ]
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Ref": machine}
    transformer = target["InputTransformer"]
    assert set(transformer["InputPathsMap"].values()) == set(INPUT.values())
    template = transformer["InputTemplate"]
    for key in INPUT:
        assert f'"{key}":' in template
    assert "Arn" in target["DeadLetterConfig"]


def test_rules_can_listen_on_the_default_bus(synth: Synth) -> None:
    (rule,) = [
        r["Properties"]
        for r in synth.of_type("AWS::Events::Rule").values()
        if r["Properties"]["Description"] == SES_RULE.description
    ]
    assert rule["EventBusName"] == "default"
    assert rule["EventPattern"] == SES_RULE.pattern


def test_a_sender_domain_becomes_a_dkim_identity_with_its_records_as_outputs(synth: Synth) -> None:
    synth.template.has_resource_properties("AWS::SES::EmailIdentity", {"EmailIdentity": "example.org"})
    outputs = synth.template.to_json()["Outputs"]
    assert len([name for name in outputs if "DkimRecord" in name]) == 3


def test_context_settings_reach_the_resources(synth: Synth) -> None:
    notify = synth.resources[synth.logical_id(synth.stack.functions.by_name["notify"])]["Properties"]
    variables = notify["Environment"]["Variables"]
    assert variables["PUBLIC_BASE_URL"] == CONTEXT["public_base_url"]
    assert variables["SENDER_EMAIL"] == CONTEXT["sender_email"]
    (table,) = synth.of_type("AWS::DynamoDB::Table").values()
    assert table["DeletionPolicy"] == "Delete"
    assert table["Properties"]["DeletionProtectionEnabled"] is False
    synth.template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": CONTEXT["alarm_email"]}
    )
    synth.template.has_resource_properties("AWS::Cognito::UserPool", {"UserPoolTier": "PLUS"})
    synth.template.has_resource_properties("AWS::ApiGateway::Stage", {"StageName": CONTEXT["api_stage"]})


def test_cdk_nag_and_cfn_lint_pass_with_every_path_in_use(synth: Synth) -> None:
    assert synth.findings == []
    assert synth.validation_error is None
    errors = [
        f"{m.rule.id}: {m.message}" for m in lint(json.dumps(synth.template.to_json())) if m.rule.id.startswith("E")
    ]
    assert errors == []
