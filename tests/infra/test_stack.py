"""The stack as cdk.json configures it: data, API, functions, grants, events, email, auth, alarms, compliance."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match
from cfnlint.api import lint

from infra import spec
from infra.functions import HANDLER, POWERTOOLS_ENVIRONMENT
from infra.settings import Settings
from talentpool.http import MAX_BODY_BYTES
from talentpool.store import schema
from tests.infra.queries import method_for
from tests.infra.synth import Synth

SETTINGS = Settings()


def _ref(logical_id: str) -> dict[str, str]:
    return {"Ref": logical_id}


def _arn(logical_id: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def _mentions(value: Any, logical_id: str) -> bool:
    """Whether a resolved CloudFormation value refers to the resource (Ref, GetAtt, inside a Join)."""
    return logical_id in json.dumps(value)


# ---- data -----------------------------------------------------------------------------------------


def test_table_keys_billing_and_protection_follow_the_schema(default_synth: Synth) -> None:
    (table,) = default_synth.of_type("AWS::DynamoDB::Table").values()
    props = table["Properties"]
    assert props["KeySchema"] == [
        {"AttributeName": schema.PK, "KeyType": "HASH"},
        {"AttributeName": schema.SK, "KeyType": "RANGE"},
    ]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert props["TimeToLiveSpecification"] == {"AttributeName": schema.TTL_ATTRIBUTE, "Enabled": True}
    # retain_data defaults to true: candidate data survives a stack deletion.
    assert table["DeletionPolicy"] == "Retain"
    assert props["DeletionProtectionEnabled"] is True


def test_table_indexes_equal_the_schema(default_synth: Synth) -> None:
    (table,) = default_synth.of_type("AWS::DynamoDB::Table").values()
    indexes = {index["IndexName"]: index for index in table["Properties"]["GlobalSecondaryIndexes"]}
    assert set(indexes) == {index.name for index in schema.GLOBAL_INDEXES}
    for expected in schema.GLOBAL_INDEXES:
        index = indexes[expected.name]
        assert index["KeySchema"] == [
            {"AttributeName": expected.pk, "KeyType": "HASH"},
            {"AttributeName": expected.sk, "KeyType": "RANGE"},
        ]
        assert index["Projection"]["ProjectionType"] == "INCLUDE"
        assert set(index["Projection"]["NonKeyAttributes"]) == set(expected.projection)


# ---- events ---------------------------------------------------------------------------------------


def test_bus_has_the_spec_name(default_synth: Synth) -> None:
    default_synth.template.has_resource_properties("AWS::Events::EventBus", {"Name": spec.BUS_NAME})


@pytest.mark.parametrize("rule", spec.RULES, ids=lambda rule: rule.name)
def test_each_rule_matches_its_spec_pattern_and_targets_with_retries_and_a_dlq(
    default_synth: Synth, rule: spec.RuleSpec
) -> None:
    matches = [
        resource["Properties"]
        for resource in default_synth.of_type("AWS::Events::Rule").values()
        if resource["Properties"].get("Description") == rule.description
    ]
    assert len(matches) == 1, f"no rule for {rule.name}"
    props = matches[0]
    assert props["EventPattern"] == rule.pattern
    assert props["EventBusName"] == _ref(default_synth.logical_id(default_synth.stack.events.bus))
    function_targets = [t for t in rule.targets if t.kind == "function"]
    for target in function_targets:
        function_id = default_synth.logical_id(default_synth.stack.functions.by_name[target.name])
        (deployed,) = [t for t in props["Targets"] if t["Arn"] == _arn(function_id)]
        assert deployed["RetryPolicy"]["MaximumRetryAttempts"] > 0
        assert "Arn" in deployed["DeadLetterConfig"]


def test_send_confirmation_reaches_notify_only_for_unconfirmed_captures(default_synth: Synth) -> None:
    notify = default_synth.logical_id(default_synth.stack.functions.by_name["notify"])
    default_synth.template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": [spec.EVENT_SOURCE],
                "detail-type": ["CandidateCaptured"],
                "detail": {"confirmation_requested": [True]},
            },
            "Targets": [Match.object_like({"Arn": _arn(notify)})],
        },
    )


def test_dead_letter_queues_are_encrypted_and_refuse_plain_http(default_synth: Synth) -> None:
    queues = default_synth.of_type("AWS::SQS::Queue")
    assert queues
    for queue_id, queue in queues.items():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True
        (policy,) = [
            p
            for p in default_synth.of_type("AWS::SQS::QueuePolicy").values()
            if _mentions(p["Properties"]["Queues"], queue_id)
        ]
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
            for s in statements
        )


# ---- API ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", spec.ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_each_spec_route_is_deployed_with_its_function_and_authorization(
    default_synth: Synth, route: spec.RouteSpec
) -> None:
    props = method_for(default_synth, route)
    expected_auth = "NONE" if route.auth is spec.Auth.PUBLIC else "COGNITO_USER_POOLS"
    assert props["AuthorizationType"] == expected_auth
    assert props["Integration"]["Type"] == "AWS_PROXY"
    function_id = default_synth.logical_id(default_synth.stack.functions.by_name[route.function])
    assert _mentions(props["Integration"]["Uri"], function_id)


def test_stage_logs_access_as_json_throttles_and_traces(default_synth: Synth) -> None:
    (stage,) = default_synth.of_type("AWS::ApiGateway::Stage").values()
    props = stage["Properties"]
    assert props["StageName"] == SETTINGS.api_stage
    assert props["TracingEnabled"] is True
    access_format = json.loads(props["AccessLogSetting"]["Format"])
    assert access_format["requestId"] == "$context.requestId"
    assert access_format["status"] == "$context.status"
    (settings,) = props["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == SETTINGS.api_rate_limit
    assert settings["ThrottlingBurstLimit"] == SETTINGS.api_burst_limit
    assert settings["MetricsEnabled"] is True
    # Execution logs on errors only, never with bodies: those hold candidate PII.
    assert settings["LoggingLevel"] == "ERROR"
    assert settings["DataTraceEnabled"] is False


def test_api_is_regional_and_answers_preflight_for_the_careers_origin(default_synth: Synth) -> None:
    default_synth.template.has_resource_properties(
        "AWS::ApiGateway::RestApi", {"EndpointConfiguration": {"Types": ["REGIONAL"]}}
    )
    capture_route = next(r for r in spec.ROUTES if r.function == "capture")
    preflight = method_for(default_synth, spec.RouteSpec("OPTIONS", capture_route.path, "", spec.Auth.PUBLIC))
    (response,) = preflight["Integration"]["IntegrationResponses"]
    headers = response["ResponseParameters"]
    assert headers["method.response.header.Access-Control-Allow-Origin"] == f"'{SETTINGS.careers_origin}'"
    assert "Idempotency-Key" in headers["method.response.header.Access-Control-Allow-Headers"]


def test_edge_errors_use_the_error_contract(default_synth: Synth) -> None:
    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in default_synth.of_type("AWS::ApiGateway::GatewayResponse").values()
    }
    unauthorized = responses["UNAUTHORIZED"]
    assert unauthorized["StatusCode"] == "401"
    body = json.loads(unauthorized["ResponseTemplates"]["application/json"])
    assert body["error"]["code"] == "unauthenticated"
    assert body["error"]["fields"] == []
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == "404"


def test_waf_blocks_bodies_over_64_kb_with_a_413_in_the_error_contract(default_synth: Synth) -> None:
    (acl,) = default_synth.of_type("AWS::WAFv2::WebACL").values()
    props = acl["Properties"]
    assert props["Scope"] == "REGIONAL"
    # Without this, API Gateway lets WAF see only the first 16 KB, and the size rule could not work.
    assert props["AssociationConfig"]["RequestBody"]["API_GATEWAY"]["DefaultSizeInspectionLimit"] == "KB_64"
    rules = {rule["Name"]: rule for rule in props["Rules"]}
    size = rules["BodyOverLimit"]
    constraint = size["Statement"]["SizeConstraintStatement"]
    assert constraint["FieldToMatch"] == {"Body": {"OversizeHandling": "MATCH"}}
    assert constraint["ComparisonOperator"] == "GT"
    assert constraint["Size"] == MAX_BODY_BYTES
    response = size["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 413
    body = json.loads(props["CustomResponseBodies"][response["CustomResponseBodyKey"]]["Content"])
    assert body["error"]["code"] == "payload_too_large"


def test_waf_runs_managed_rules_without_the_8_kb_body_rule_and_limits_rate(default_synth: Synth) -> None:
    (acl,) = default_synth.of_type("AWS::WAFv2::WebACL").values()
    rules = {rule["Name"]: rule for rule in acl["Properties"]["Rules"]}
    common = rules["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"]
    assert common["RuleActionOverrides"] == [{"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}]
    assert "AWSManagedRulesKnownBadInputsRuleSet" in rules
    assert rules["RatePerIp"]["Statement"]["RateBasedStatement"]["Limit"] == SETTINGS.waf_rate_limit
    # The size rule decides first, before any managed rule could answer differently.
    assert min(acl["Properties"]["Rules"], key=lambda rule: rule["Priority"])["Name"] == "BodyOverLimit"


def test_waf_is_associated_with_the_stage(default_synth: Synth) -> None:
    (association,) = default_synth.of_type("AWS::WAFv2::WebACLAssociation").values()
    (stage_id,) = default_synth.of_type("AWS::ApiGateway::Stage")
    (acl_id,) = default_synth.of_type("AWS::WAFv2::WebACL")
    assert _mentions(association["Properties"]["ResourceArn"], stage_id)
    assert association["Properties"]["WebACLArn"] == _arn(acl_id)


# ---- functions ------------------------------------------------------------------------------------


def _function(synth: Synth, name: str) -> dict[str, Any]:
    return synth.resources[synth.logical_id(synth.stack.functions.by_name[name])]["Properties"]


def test_every_env_member_has_a_value_and_every_grant_a_call(default_synth: Synth) -> None:
    assert set(default_synth.stack.function_environment) == set(spec.Env)
    assert set(default_synth.stack.grants) == set(spec.Grant)


@pytest.mark.parametrize("function", spec.FUNCTIONS, ids=lambda f: f.name)
def test_each_function_gets_exactly_its_spec_environment(default_synth: Synth, function: spec.FunctionSpec) -> None:
    variables = _function(default_synth, function.name)["Environment"]["Variables"]
    assert set(variables) == {env.value for env in function.env} | set(POWERTOOLS_ENVIRONMENT)
    assert {k: variables[k] for k in POWERTOOLS_ENVIRONMENT} == POWERTOOLS_ENVIRONMENT


@pytest.mark.parametrize("function", spec.FUNCTIONS, ids=lambda f: f.name)
def test_each_function_runs_the_spec_shape_on_arm64_with_tracing_and_both_layers(
    default_synth: Synth, function: spec.FunctionSpec
) -> None:
    props = _function(default_synth, function.name)
    assert props["Runtime"] == "python3.12"
    assert props["Architectures"] == ["arm64"]
    assert props["Handler"] == HANDLER
    assert props["MemorySize"] == function.memory_mb
    assert props["Timeout"] == function.timeout_s
    assert props["TracingConfig"] == {"Mode": "Active"}
    layers = default_synth.stack.node.find_child("Layers")
    assert sorted(json.dumps(layer) for layer in props["Layers"]) == sorted(
        json.dumps(_ref(default_synth.logical_id(child)))
        for child in (layers.node.find_child("Core"), layers.node.find_child("Dependencies"))
    )


@pytest.mark.parametrize("function", spec.FUNCTIONS, ids=lambda f: f.name)
def test_each_function_logs_to_its_own_group_with_the_configured_retention(
    default_synth: Synth, function: spec.FunctionSpec
) -> None:
    log_group_id = _function(default_synth, function.name)["LoggingConfig"]["LogGroup"]["Ref"]
    assert default_synth.resources[log_group_id]["Properties"]["RetentionInDays"] == SETTINGS.log_retention_days


def test_public_base_url_is_built_from_the_api_id_not_the_stage(default_synth: Synth) -> None:
    url = _function(default_synth, "capture")["Environment"]["Variables"]["PUBLIC_BASE_URL"]
    api_id = default_synth.logical_id(default_synth.stack.api.rest_api)
    (stage_id,) = default_synth.of_type("AWS::ApiGateway::Stage")
    assert _mentions(url, api_id)
    assert not _mentions(url, stage_id)
    assert json.dumps(url).endswith(f'"/{SETTINGS.api_stage}"]]}}')


def test_core_layer_ships_the_package_and_the_web_pages(default_synth: Synth) -> None:
    """Lambda mounts layers at /opt, so the asset needs python/talentpool and web/ at its top."""
    core = default_synth.stack.node.find_child("Layers").node.find_child("Core")
    s3_key = default_synth.resources[default_synth.logical_id(core)]["Properties"]["Content"]["S3Key"]
    manifest = json.loads((default_synth.outdir / f"{default_synth.stack.stack_name}.assets.json").read_text())
    asset = default_synth.outdir / manifest["files"][s3_key.removesuffix(".zip")]["source"]["path"]
    assert (asset / "python" / "talentpool" / "__init__.py").is_file()
    assert (asset / "web").is_dir()
    assert not list(asset.rglob("__pycache__"))
    default_synth.template.has_resource_properties(
        "AWS::Lambda::LayerVersion",
        {"CompatibleRuntimes": ["python3.12"], "CompatibleArchitectures": ["arm64"]},
    )


# ---- least privilege ------------------------------------------------------------------------------


def _statements(synth: Synth, name: str) -> list[dict[str, Any]]:
    """Every statement the function's role carries, from any policy attached to it; no managed policies."""
    role_id = _function(synth, name)["Role"]["Fn::GetAtt"][0]
    role = synth.resources[role_id]["Properties"]
    assert not role.get("ManagedPolicyArns"), "function roles carry no AWS managed policy"
    statements = [s for p in role.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]
    for policy in synth.of_type("AWS::IAM::Policy").values():
        if _ref(role_id) in policy["Properties"].get("Roles", []):
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def _actions(statement: dict[str, Any]) -> set[str]:
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)


def _resources(statement: dict[str, Any]) -> list[Any]:
    resource = statement["Resource"]
    return resource if isinstance(resource, list) else [resource]


def _granted(synth: Synth, name: str) -> set[spec.Grant]:
    """Classify each statement as one spec grant, or the platform's own (logs, tracing); anything else fails."""
    stack = synth.stack
    table = synth.logical_id(stack.data.table)
    own_logs = _function(synth, name)["LoggingConfig"]["LogGroup"]["Ref"]
    granted: set[spec.Grant] = set()
    for statement in _statements(synth, name):
        assert statement["Effect"] == "Allow"
        actions, resources = _actions(statement), _resources(statement)
        services = {action.split(":")[0] for action in actions}
        if services == {"logs"}:
            assert actions <= {"logs:CreateLogStream", "logs:PutLogEvents"}
            assert resources == [_arn(own_logs)]
        elif services == {"xray"}:
            assert actions <= {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
        elif services == {"dynamodb"}:
            assert all(_mentions(r, table) for r in resources)
            writes = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"} & actions
            granted.add(spec.Grant.TABLE_READ_WRITE if writes else spec.Grant.TABLE_READ)
        elif actions == {"events:PutEvents"}:
            assert resources == [_arn(synth.logical_id(stack.events.bus))]
            granted.add(spec.Grant.BUS_PUT)
        elif services == {"ses"}:
            assert actions == {"ses:SendEmail", "ses:SendRawEmail"}
            assert {json.dumps(r) for r in resources} == {
                json.dumps(stack.resolve(stack.email.identity.email_identity_arn)),
                json.dumps(
                    stack.resolve(
                        stack.format_arn(
                            service="ses",
                            resource="configuration-set",
                            resource_name=stack.email.configuration_set_name,
                        )
                    )
                ),
            }
            granted.add(spec.Grant.SES_SEND)
        elif services == {"secretsmanager"}:
            assert actions <= {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}
            assert resources == [_ref(synth.logical_id(stack.token_key.secret))]
            granted.add(spec.Grant.TOKEN_SECRET_READ)
        else:
            pytest.fail(f"{name} may do more than its spec grants: {sorted(actions)}")
    return granted


@pytest.mark.parametrize("function", spec.FUNCTIONS, ids=lambda f: f.name)
def test_each_function_may_do_exactly_what_its_spec_grants(default_synth: Synth, function: spec.FunctionSpec) -> None:
    assert _granted(default_synth, function.name) == set(function.grants)


def test_capture_may_write_the_table_and_put_events_and_nothing_else(default_synth: Synth) -> None:
    actions = {a for s in _statements(default_synth, "capture") for a in _actions(s)}
    assert {"dynamodb:PutItem", "dynamodb:Query", "events:PutEvents"} <= actions
    assert not {a for a in actions if a.startswith(("ses:", "secretsmanager:", "sqs:", "lambda:", "states:"))}
    assert "*" not in actions


def test_notify_may_send_email_but_not_put_events(default_synth: Synth) -> None:
    actions = {a for s in _statements(default_synth, "notify") for a in _actions(s)}
    assert "ses:SendEmail" in actions
    assert "events:PutEvents" not in actions


# ---- email and auth -------------------------------------------------------------------------------


def test_ses_identity_is_the_sender_with_a_configuration_set_feeding_eventbridge(default_synth: Synth) -> None:
    config_set = default_synth.logical_id(default_synth.stack.email.configuration_set)
    default_synth.template.has_resource_properties(
        "AWS::SES::EmailIdentity",
        {
            "EmailIdentity": SETTINGS.sender_email,
            "ConfigurationSetAttributes": {"ConfigurationSetName": _ref(config_set)},
        },
    )
    default_synth.template.has_resource_properties(
        "AWS::SES::ConfigurationSet", {"ReputationOptions": {"ReputationMetricsEnabled": True}}
    )
    (destination,) = default_synth.of_type("AWS::SES::ConfigurationSetEventDestination").values()
    event_destination = destination["Properties"]["EventDestination"]
    assert set(event_destination["MatchingEventTypes"]) == {
        "send", "delivery", "open", "click", "bounce", "complaint", "reject"
    }  # fmt: skip
    assert json.dumps(event_destination["EventBridgeDestination"]["EventBusArn"]).endswith(':event-bus/default"]]}')


def test_recruiter_pool_is_invite_only_with_mfa_and_the_spec_groups(default_synth: Synth) -> None:
    (pool,) = default_synth.of_type("AWS::Cognito::UserPool").values()
    props = pool["Properties"]
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert props["MfaConfiguration"] == "ON"
    password = props["Policies"]["PasswordPolicy"]
    assert password["MinimumLength"] >= 12
    assert all(password[k] for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"))
    groups = {g["Properties"]["GroupName"] for g in default_synth.of_type("AWS::Cognito::UserPoolGroup").values()}
    assert groups == set(spec.RECRUITER_GROUPS)


def test_cli_client_has_no_secret_and_signs_in_with_a_password_or_srp(default_synth: Synth) -> None:
    (client,) = default_synth.of_type("AWS::Cognito::UserPoolClient").values()
    props = client["Properties"]
    assert props["GenerateSecret"] is False
    assert {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"} <= set(props["ExplicitAuthFlows"])


def test_outputs_name_what_an_operator_needs(default_synth: Synth) -> None:
    outputs = default_synth.template.to_json()["Outputs"]
    assert {"ApiUrl", "UserPoolId", "UserPoolClientId", "TableName", "EventBusName"} <= set(outputs)


# ---- observability --------------------------------------------------------------------------------


def _alarms(synth: Synth) -> list[dict[str, Any]]:
    return [a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()]


def _alerts_at_one_in_five_minutes(alarm: dict[str, Any], topic: str) -> bool:
    return (
        alarm["Threshold"] == 1
        and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        and alarm["Period"] == 300
        and alarm["AlarmActions"] == [_ref(topic)]
    )


@pytest.mark.parametrize("function", spec.FUNCTIONS, ids=lambda f: f.name)
def test_each_function_has_an_errors_alarm(default_synth: Synth, function: spec.FunctionSpec) -> None:
    function_id = default_synth.logical_id(default_synth.stack.functions.by_name[function.name])
    topic = default_synth.logical_id(default_synth.stack.alarms.topic)
    assert any(
        a["Namespace"] == "AWS/Lambda"
        and a["MetricName"] == "Errors"
        and a["Dimensions"] == [{"Name": "FunctionName", "Value": _ref(function_id)}]
        and _alerts_at_one_in_five_minutes(a, topic)
        for a in _alarms(default_synth)
    )


def test_api_5xx_and_unpublished_events_raise_alarms(default_synth: Synth) -> None:
    topic = default_synth.logical_id(default_synth.stack.alarms.topic)
    alarms = _alarms(default_synth)
    assert any(
        a["Namespace"] == "AWS/ApiGateway"
        and a["MetricName"] == "5XXError"
        and _alerts_at_one_in_five_minutes(a, topic)
        for a in alarms
    )
    assert any(
        a["Namespace"] == "Talentpool"
        and a["MetricName"] == "EventPublishFailed"
        and a["Dimensions"] == [{"Name": "service", "Value": "talentpool"}]
        and _alerts_at_one_in_five_minutes(a, topic)
        for a in alarms
    )


def test_alarm_topic_is_encrypted_refuses_plain_http_and_lets_cloudwatch_publish(default_synth: Synth) -> None:
    topic = default_synth.logical_id(default_synth.stack.alarms.topic)
    key = default_synth.resources[topic]["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
    (policy,) = [
        p for p in default_synth.of_type("AWS::SNS::TopicPolicy").values() if _ref(topic) in p["Properties"]["Topics"]
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        for s in statements
    )
    cloudwatch = {"Service": "cloudwatch.amazonaws.com"}
    assert any(
        s["Effect"] == "Allow" and s["Principal"] == cloudwatch and s["Action"] == "sns:Publish" for s in statements
    )
    key_statements = default_synth.resources[key]["Properties"]["KeyPolicy"]["Statement"]
    assert any(s["Principal"] == cloudwatch and "kms:Decrypt" in s["Action"] for s in key_statements)


# ---- compliance -----------------------------------------------------------------------------------


def test_cdk_nag_reports_no_unacknowledged_finding(default_synth: Synth) -> None:
    assert default_synth.findings == []
    assert default_synth.validation_error is None


def test_every_acknowledgement_carries_a_reason(default_synth: Synth) -> None:
    acknowledged = [
        rule
        for resource in default_synth.resources.values()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]
    assert acknowledged, "acknowledgements are written to the template for review"
    for rule in acknowledged:
        assert rule["id"].startswith("AwsSolutions-")
        assert len(rule["reason"]) > 40, rule


def test_cfn_lint_finds_no_errors(default_synth: Synth) -> None:
    matches = lint(json.dumps(default_synth.template.to_json()))
    errors = [f"{m.rule.id}: {m.message}" for m in matches if m.rule.id.startswith("E")]
    assert errors == []
