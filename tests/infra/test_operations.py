"""What the operator relies on: failed work parked and alarmed, the alarms issue 9 lists, one dashboard, logs
kept for the configured time, and SnapStart where people wait."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.events.models import EventPattern

from infra import spec
from infra.failures import ASYNC_MAX_EVENT_AGE, ASYNC_RETRY_ATTEMPTS
from infra.observability import SES_BOUNCE_RATE, SES_COMPLAINT_RATE, WORKFLOWS_STOPPED
from infra.settings import Settings
from talentpool.adapters.aws.aggregates import stream_change
from talentpool.logic.reports.aggregates import relevance
from tests.infra.queries import arn, ref
from tests.infra.synth import Synth

LOG_RETENTION = Settings().log_retention_days


def _alarms(synth: Synth) -> list[dict[str, Any]]:
    return [a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()]


def _to_topic(synth: Synth, alarm: dict[str, Any]) -> bool:
    return bool(alarm["AlarmActions"] == [ref(synth.logical_id(synth.stack.alarms.topic))])


# ---- nothing lost ---------------------------------------------------------------------------------


def test_async_functions_are_the_rule_schedule_and_s3_targets() -> None:
    assert set(spec.async_functions()) == {"intake", "notify", "report", "importer"}


@pytest.mark.parametrize("name", spec.async_functions())
def test_each_async_function_retries_explicitly_then_parks_the_event_in_its_failure_queue(
    default_synth: Synth, name: str
) -> None:
    function = default_synth.logical_id(default_synth.stack.functions.by_name[name])
    (config,) = [
        c["Properties"]
        for c in default_synth.of_type("AWS::Lambda::EventInvokeConfig").values()
        if c["Properties"]["FunctionName"] == ref(function)
    ]
    assert config["MaximumRetryAttempts"] == ASYNC_RETRY_ATTEMPTS
    assert config["MaximumEventAgeInSeconds"] == ASYNC_MAX_EVENT_AGE.to_seconds()
    queue = default_synth.logical_id(default_synth.stack.failures.by_consumer[name])
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == arn(queue)


def test_the_stream_consumer_is_filtered_to_the_records_it_handles(default_synth: Synth) -> None:
    (mapping,) = [
        m["Properties"]
        for m in default_synth.of_type("AWS::Lambda::EventSourceMapping").values()
        if "StreamArn" in json.dumps(m["Properties"]["EventSourceArn"])
    ]
    (stream,) = spec.STREAMS
    patterns = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]
    assert patterns == list(stream.filters)


def _record(event_name: str, pk: str, new: dict[str, Any] | None, old: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"Keys": {"pk": {"S": pk}, "sk": {"S": "x"}}, "ApproximateCreationDateTime": 1.0}
    if new is not None:
        body["NewImage"] = {key: {"S": value} for key, value in new.items()}
    if old is not None:
        body["OldImage"] = {key: {"S": value} for key, value in old.items()}
    return {"eventID": "1", "eventName": event_name, "dynamodb": body}


RECORDS = [
    _record("INSERT", "CAND#1", {"entity": "candidate"}),
    _record("MODIFY", "CAND#1", {"entity": "candidate"}, {"entity": "candidate"}),
    _record("REMOVE", "CAND#1", None, {"entity": "candidate"}),
    _record("INSERT", "CAND#1", {"entity": "timeline"}),
    _record("MODIFY", "CAND#1", {"entity": "timeline"}, {"entity": "timeline"}),
    _record("INSERT", "SEG#1", {"entity": "segment"}),
    _record("REMOVE", "SEG#1", None, {"entity": "segment"}),
    _record("INSERT", "GUARD#x", {"entity": "email_guard"}),
    _record("INSERT", "AGG#x", {"entity": "aggregate"}),
]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: f"{r['eventName']}-{r['dynamodb']['Keys']['pk']['S']}")
def test_the_stream_filters_pass_exactly_the_records_the_consumer_handles(record: dict[str, Any]) -> None:
    (stream,) = spec.STREAMS
    passes = any(EventPattern.load(json.dumps(pattern)).matches_event(record) for pattern in stream.filters)
    assert passes is (relevance(stream_change(record)) is not None)


# ---- alarms ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("machine", spec.STATE_MACHINES, ids=lambda m: m.name)
@pytest.mark.parametrize("metric", ["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionThrottled"])
def test_each_state_machine_alarms_on_failed_timed_out_and_throttled_executions(
    default_synth: Synth, machine: spec.StateMachineSpec, metric: str
) -> None:
    machine_id = default_synth.logical_id(default_synth.stack.sequences.by_name[machine.name])
    assert any(
        a.get("Namespace") == "AWS/States"
        and a.get("MetricName") == metric
        and a.get("Dimensions") == [{"Name": "StateMachineArn", "Value": ref(machine_id)}]
        and a["Threshold"] == 1
        and _to_topic(default_synth, a)
        for a in _alarms(default_synth)
    )


@pytest.mark.parametrize("machine", spec.STATE_MACHINES, ids=lambda m: m.name)
def test_an_abort_alarms_unless_talentpool_stopped_the_execution_itself(
    default_synth: Synth, machine: spec.StateMachineSpec
) -> None:
    machine_id = default_synth.logical_id(default_synth.stack.sequences.by_name[machine.name])
    (alarm,) = [
        a
        for a in _alarms(default_synth)
        if "Metrics" in a
        and any(
            m.get("MetricStat", {}).get("Metric", {}).get("MetricName") == "ExecutionsAborted"
            and m["MetricStat"]["Metric"]["Dimensions"] == [{"Name": "StateMachineArn", "Value": ref(machine_id)}]
            for m in a["Metrics"]
        )
    ]
    names = {m.get("MetricStat", {}).get("Metric", {}).get("MetricName") for m in alarm["Metrics"]}
    assert names >= {"ExecutionsAborted", WORKFLOWS_STOPPED}
    assert alarm["Threshold"] == 1 and _to_topic(default_synth, alarm)


def test_the_stop_metric_is_the_one_the_workflows_store_emits() -> None:
    source = (spec.ROOT / "layers/core/python/talentpool/adapters/aws/workflows.py").read_text()
    assert f'name="{WORKFLOWS_STOPPED}"' in source


@pytest.mark.parametrize("function", spec.FUNCTIONS, ids=lambda f: f.name)
def test_each_function_alarms_on_throttles(default_synth: Synth, function: spec.FunctionSpec) -> None:
    function_id = default_synth.logical_id(default_synth.stack.functions.by_name[function.name])
    assert any(
        a.get("MetricName") == "Throttles"
        and a.get("Dimensions") == [{"Name": "FunctionName", "Value": ref(function_id)}]
        and _to_topic(default_synth, a)
        for a in _alarms(default_synth)
    )


@pytest.mark.parametrize(
    ("metric", "threshold"),
    [("Reputation.BounceRate", SES_BOUNCE_RATE), ("Reputation.ComplaintRate", SES_COMPLAINT_RATE)],
)
def test_ses_reputation_alarms_at_the_review_levels(default_synth: Synth, metric: str, threshold: float) -> None:
    assert (SES_BOUNCE_RATE, SES_COMPLAINT_RATE) == (0.05, 0.001)
    assert any(
        a.get("Namespace") == "AWS/SES"
        and a.get("MetricName") == metric
        and a["Threshold"] == threshold
        and a["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        and _to_topic(default_synth, a)
        for a in _alarms(default_synth)
    )


def test_the_alarm_email_subscribes_to_the_topic(default_synth: Synth) -> None:
    (subscription,) = default_synth.of_type("AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["TopicArn"] == ref(default_synth.logical_id(default_synth.stack.alarms.topic))


def test_one_dashboard_shows_captures_email_executions_queues_and_the_api(default_synth: Synth) -> None:
    (dashboard,) = default_synth.of_type("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for title in (
        "Captures per hour",
        "Emails sent and bounced per hour",
        "Executions started, running and failed",
        "Failure queue depth",
        "API latency p95",
        "API errors",
    ):
        assert title in body
    for metric in ("CandidatesCaptured", "Bounce", "ExecutionsFailed", "ApproximateNumberOfMessagesVisible"):
        assert metric in body
    assert "p95" in body and "5XXError" in body


# ---- logs -----------------------------------------------------------------------------------------


def test_every_log_group_keeps_the_configured_retention(default_synth: Synth) -> None:
    groups = default_synth.of_type("AWS::Logs::LogGroup")
    assert len(groups) >= len(spec.FUNCTIONS) + len(spec.STATE_MACHINES)
    for logical_id, group in groups.items():
        assert group["Properties"]["RetentionInDays"] == LOG_RETENTION, logical_id


def test_every_lambda_function_logs_into_a_group_with_the_configured_retention(default_synth: Synth) -> None:
    # Given every function in the template, CDK's own deploy-time helpers included
    groups = default_synth.of_type("AWS::Logs::LogGroup")
    named_for = {
        group["Properties"]["LogGroupName"]["Fn::Join"][1][1]["Ref"]: logical_id
        for logical_id, group in groups.items()
        if "LogGroupName" in group["Properties"]
    }
    for logical_id, function in default_synth.of_type("AWS::Lambda::Function").items():
        logging = function["Properties"].get("LoggingConfig")
        # Then each logs either to a group of its own (ours) or to /aws/lambda/<name>, created by the stack
        group_id = logging["LogGroup"]["Ref"] if logging else named_for.get(logical_id)
        assert group_id in groups, f"{logical_id} logs to a group Lambda would create, kept forever"
        assert groups[group_id]["Properties"]["RetentionInDays"] == LOG_RETENTION
        # And a helper's group exists before any custom resource can run it
        if not logging:
            for custom_id, custom in default_synth.resources.items():
                if custom["Type"].startswith("Custom::") or custom["Type"] == "AWS::CloudFormation::CustomResource":
                    assert group_id in custom.get("DependsOn", []), f"{custom_id} may run before {group_id}"


# ---- SnapStart ------------------------------------------------------------------------------------

SNAP_START = [function for function in spec.FUNCTIONS if function.snap_start]


def test_snap_start_is_on_for_the_functions_people_wait_on() -> None:
    assert {f.name for f in SNAP_START} == {"capture", "confirm", "pages", "self_service", "recruiter_api"}


@pytest.mark.parametrize("function", SNAP_START, ids=lambda f: f.name)
def test_snap_start_functions_publish_versions_and_the_api_calls_their_alias(
    default_synth: Synth, function: spec.FunctionSpec
) -> None:
    function_id = default_synth.logical_id(default_synth.stack.functions.by_name[function.name])
    props = default_synth.resources[function_id]["Properties"]
    assert props["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert props["Runtime"] == "python3.12" and props["Architectures"] == ["arm64"]
    alias_id = default_synth.logical_id(default_synth.stack.functions.entry_points[function.name])
    alias = default_synth.resources[alias_id]
    assert alias["Type"] == "AWS::Lambda::Alias"
    version = default_synth.resources[alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]]
    assert version["Type"] == "AWS::Lambda::Version"
    assert version["Properties"]["FunctionName"] == ref(function_id)
    # Every route of the function goes through the alias, and API Gateway may invoke the alias
    uris = [
        json.dumps(m["Properties"]["Integration"]["Uri"])
        for m in default_synth.of_type("AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] != "OPTIONS" and "Uri" in m["Properties"]["Integration"]
    ]
    assert any(alias_id in uri for uri in uris)
    assert not any(f'"{function_id}", "Arn"' in uri for uri in uris)


def test_other_functions_have_no_snap_start(default_synth: Synth) -> None:
    for function in spec.FUNCTIONS:
        if not function.snap_start:
            props = default_synth.resources[
                default_synth.logical_id(default_synth.stack.functions.by_name[function.name])
            ]
            assert "SnapStart" not in props["Properties"]
