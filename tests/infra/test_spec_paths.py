"""Code paths the current spec does not use yet, driven by a synthetic spec and non-default settings.

Scheduled rules (one from a setting, one with fixed input next to a JSONPath), a DynamoDB stream consumer,
a DKIM domain sender, a sandbox send rate, and data that is not retained: each is synthesised and checked, with
cdk-nag and cfn-lint, before a real issue depends on it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from cfnlint.api import lint

from infra import spec
from infra.deploy_hooks import CONTENT_HASH
from infra.streams import RETRY_ATTEMPTS
from tests.infra.queries import arn, expected_grants, granted, ref, statements
from tests.infra.synth import Synth, synthesise

DAILY = spec.ScheduleSpec(
    name="daily-test",
    description="test: runs at the time the report_schedule setting gives",
    expression_setting="report_schedule",
    default_expression="cron(0 6 * * ? *)",
    target=spec.TargetSpec("function", "pages"),
)
WEEKLY = spec.ScheduleSpec(
    name="weekly-test",
    description="test: runs weekly with fixed input and the event's time",
    expression_setting=None,
    default_expression="cron(0 7 ? * MON *)",
    target=spec.TargetSpec("function", "pages", input={"time": "$.time"}, constants={"period": "week"}),
)
STREAM = spec.StreamSpec("ses_events", batch_size=50)
CONTEXT = {
    "sender_domain": "mail.talentpool-ci.dev",
    "sender_email": "talent@mail.talentpool-ci.dev",
    "public_base_url": "https://careers.talentpool-ci.dev",
    "retain_data": False,
    "alarm_email": "ops@talentpool-ci.dev",
    # The other paths: an SES identity that already exists, no WAF, the password flow, logs raised.
    "waf_enabled": False,
    "cognito_password_auth": True,
    "state_machine_log_level": "ALL",
    "state_machine_log_data": True,
    "cognito_plus_tier": True,
    "api_stage": "v1",
    "report_schedule": "cron(30 5 * * ? *)",
    "ses_send_rate": 1,  # an account still in the SES sandbox
}


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(spec, "SCHEDULES", (DAILY, WEEKLY))
        patch.setattr(spec, "STREAMS", (STREAM,))
        return synthesise(tmp_path_factory.mktemp("cdk.out"), CONTEXT)


def _rule(synth: Synth, description: str) -> dict[str, Any]:
    (rule,) = [r for r in synth.of_type("AWS::Events::Rule").values() if r["Properties"]["Description"] == description]
    return dict(rule["Properties"])


def test_a_schedule_takes_its_expression_from_its_setting(synth: Synth) -> None:
    rule = _rule(synth, DAILY.description)
    assert rule["ScheduleExpression"] == CONTEXT["report_schedule"]
    assert "EventBusName" not in rule  # schedules run on the default bus
    (target,) = rule["Targets"]
    assert target["Arn"] == arn(synth.logical_id(synth.stack.functions.by_name["pages"]))
    assert "Input" not in target and "InputTransformer" not in target  # the Scheduled Event itself
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
    dead_letters = synth.stack.failures.by_consumer["pages"]
    assert target["DeadLetterConfig"] == {"Arn": arn(synth.logical_id(dead_letters))}


def test_a_schedule_without_a_setting_uses_its_default_and_passes_constants_with_paths(synth: Synth) -> None:
    rule = _rule(synth, WEEKLY.description)
    assert rule["ScheduleExpression"] == WEEKLY.default_expression
    (target,) = rule["Targets"]
    transformer = target["InputTransformer"]
    assert list(transformer["InputPathsMap"].values()) == ["$.time"]
    (path_name,) = transformer["InputPathsMap"]
    assert json.loads(transformer["InputTemplate"].replace(f"<{path_name}>", '"T"')) == {"period": "week", "time": "T"}


def test_eventbridge_may_invoke_a_scheduled_function_from_its_rule_only(synth: Synth) -> None:
    (rule_id,) = [
        key
        for key, r in synth.of_type("AWS::Events::Rule").items()
        if r["Properties"]["Description"] == DAILY.description
    ]
    assert any(
        p["Properties"]["Principal"] == "events.amazonaws.com" and p["Properties"]["SourceArn"] == arn(rule_id)
        for p in synth.of_type("AWS::Lambda::Permission").values()
    )


def test_a_stream_consumer_reads_in_batches_bisects_retries_and_parks_failures(synth: Synth) -> None:
    table = synth.logical_id(synth.stack.data.table)
    function = synth.logical_id(synth.stack.functions.by_name[STREAM.function])
    failures = synth.logical_id(synth.stack.failures.by_consumer[STREAM.function])
    (mapping,) = [
        m["Properties"]
        for m in synth.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [table, "StreamArn"]}
    ]
    assert mapping["FunctionName"] == ref(function)
    assert mapping["BatchSize"] == STREAM.batch_size
    assert mapping["StartingPosition"] == "TRIM_HORIZON"
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] == RETRY_ATTEMPTS
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["DestinationConfig"] == {"OnFailure": {"Destination": arn(failures)}}
    assert synth.resources[failures]["Properties"]["SqsManagedSseEnabled"] is True


def test_a_stream_consumer_may_do_its_spec_grants_plus_reading_the_stream(synth: Synth) -> None:
    function = spec.function(STREAM.function)
    assert granted(synth, function.name) == expected_grants(synth, function)
    reads = [s for s in statements(synth, function.name) if "dynamodb:GetShardIterator" in json.dumps(s["Action"])]
    assert reads


def test_failed_stream_batches_and_scheduled_runs_raise_alarms(synth: Synth) -> None:
    topic = synth.logical_id(synth.stack.alarms.topic)
    queues = [
        synth.stack.failures.by_consumer[STREAM.function],
        synth.stack.failures.by_consumer["pages"],
    ]
    for queue in queues:
        name = {"Fn::GetAtt": [synth.logical_id(queue), "QueueName"]}
        assert any(
            a["Properties"].get("Dimensions") == [{"Name": "QueueName", "Value": name}]
            and a["Properties"]["AlarmActions"] == [ref(topic)]
            for a in synth.of_type("AWS::CloudWatch::Alarm").values()
        )


def test_buckets_are_emptied_and_deleted_with_a_throwaway_stack(synth: Synth) -> None:
    storage = synth.stack.storage
    for bucket in (*storage.by_name.values(), storage.access_logs):
        assert synth.resources[synth.logical_id(bucket)]["DeletionPolicy"] == "Delete"
    emptied = {n["Properties"]["BucketName"]["Ref"] for n in synth.of_type("Custom::S3AutoDeleteObjects").values()}
    assert emptied == {synth.logical_id(b) for b in (*storage.by_name.values(), storage.access_logs)}


def test_a_sender_domain_becomes_a_dkim_identity_with_its_records_as_outputs(synth: Synth) -> None:
    synth.template.has_resource_properties("AWS::SES::EmailIdentity", {"EmailIdentity": "mail.talentpool-ci.dev"})
    outputs = synth.template.to_json()["Outputs"]
    assert len([name for name in outputs if "DkimRecord" in name]) == 3


def test_context_settings_reach_the_resources(synth: Synth) -> None:
    notify = synth.resources[synth.logical_id(synth.stack.functions.by_name["notify"])]["Properties"]
    variables = notify["Environment"]["Variables"]
    assert variables["PUBLIC_BASE_URL"] == CONTEXT["public_base_url"]
    assert variables["SENDER_EMAIL"] == CONTEXT["sender_email"]
    campaign_step = synth.resources[synth.logical_id(synth.stack.functions.by_name["campaign_step"])]["Properties"]
    assert campaign_step["Environment"]["Variables"]["SES_SEND_RATE"] == "1"
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
    assert [f"{m.rule.id}: {m.message}" for m in lint(json.dumps(synth.template.to_json()))] == []


def test_without_waf_the_stage_has_no_web_acl_and_says_why(synth: Synth) -> None:
    assert synth.of_type("AWS::WAFv2::WebACL") == {}
    assert synth.of_type("AWS::WAFv2::WebACLAssociation") == {}
    (stage,) = synth.of_type("AWS::ApiGateway::Stage").values()
    (acknowledged,) = stage["Metadata"]["cdk_nag"]["rules_to_suppress"]
    assert acknowledged["id"] == "AwsSolutions-APIG3"
    assert "waf_enabled=false" in acknowledged["reason"]


def test_the_password_flow_is_there_only_when_the_operator_turns_it_on(synth: Synth) -> None:
    (client,) = synth.of_type("AWS::Cognito::UserPoolClient").values()
    assert "ALLOW_USER_PASSWORD_AUTH" in client["Properties"]["ExplicitAuthFlows"]


@pytest.mark.parametrize("machine", ["engage", "nurture"])
def test_state_machine_logging_can_be_raised_to_all_with_data(synth: Synth, machine: str) -> None:
    props = synth.resources[synth.logical_id(synth.stack.sequences.by_name[machine])]["Properties"]
    assert props["LoggingConfiguration"]["Level"] == "ALL"
    assert props["LoggingConfiguration"]["IncludeExecutionData"] is True


def test_a_second_synth_gives_the_seed_trigger_the_same_content_hash(synth: Synth, default_synth: Synth) -> None:
    """Same code, other settings and another moment: nothing in the hash depends on time, paths or settings, so a
    deploy re-runs seed when deployed code changes and only then."""

    def content_hash(of: Synth) -> str:
        (trigger,) = of.of_type("Custom::Trigger").values()
        return str(trigger["Properties"][CONTENT_HASH])

    assert content_hash(synth) == content_hash(default_synth)
