"""Nurture campaigns and reports as deployed: the Scheduler group and role, the seed trigger, the report schedules,
the aggregates stream consumer, the reports bucket's grants, and Athena over it (Glue tables, workgroup, README)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_s3_assets as s3_assets

from infra import spec
from infra.campaigns import MANAGE_ACTIONS
from infra.deploy_hooks import CONTENT_HASH, assets_hash
from infra.reporting import CSV_HEADERS, FIRST_DAY, RESULTS_PREFIX, table_specs
from infra.settings import Settings
from infra.streams import MAX_RECORD_AGE, RETRY_ATTEMPTS
from talentpool.adapters.aws.reports import ATHENA_TABLES
from talentpool.logic.campaigns.pacing import map_concurrency
from talentpool.models.aggregates import EVENT_LOG_COLUMNS
from tests.infra.context import TEST_VALUES
from tests.infra.queries import (
    actions,
    arn,
    function_props,
    objects_arn,
    ref,
    report_writes,
    resources,
    schedules_arn,
    statements,
)
from tests.infra.synth import Synth

SETTINGS = Settings(**TEST_VALUES)
README = spec.ROOT / "README.md"


def _id(synth: Synth, construct: Any) -> str:
    return synth.logical_id(construct)


def _functions_with(grant: spec.Grant) -> list[str]:
    return [function.name for function in spec.FUNCTIONS if grant in function.grants]


# ---- campaign schedules ---------------------------------------------------------------------------


def test_campaign_schedules_live_in_a_group_of_the_stacks_own(default_synth: Synth) -> None:
    (group,) = default_synth.of_type("AWS::Scheduler::ScheduleGroup").values()
    assert group["Properties"]["Name"] == f"{default_synth.stack.stack_name}-campaigns"


def test_only_this_accounts_schedules_in_the_group_may_assume_the_scheduler_role(default_synth: Synth) -> None:
    stack = default_synth.stack
    role = default_synth.resources[_id(default_synth, stack.campaigns.role)]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRole"
    conditions = trust["Condition"]["StringEquals"]
    assert conditions["aws:SourceAccount"] == ref("AWS::AccountId")
    assert conditions["aws:SourceArn"]["Fn::Join"][1][-2:] == [
        ":schedule-group/",
        ref(_id(default_synth, stack.campaigns.group)),
    ]
    assert not role.get("ManagedPolicyArns")


def test_the_scheduler_role_may_start_the_nurture_machine_and_nothing_else(default_synth: Synth) -> None:
    stack = default_synth.stack
    role = ref(_id(default_synth, stack.campaigns.role))
    found = [
        statement
        for policy in default_synth.of_type("AWS::IAM::Policy").values()
        if role in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert found == [
        {
            "Action": "states:StartExecution",
            "Effect": "Allow",
            "Resource": ref(_id(default_synth, stack.sequences.by_name["nurture"])),
        }
    ]


@pytest.mark.parametrize("name", _functions_with(spec.Grant.SCHEDULES_MANAGE))
def test_schedule_managers_may_change_schedules_in_the_group_and_pass_the_role_to_scheduler_only(
    default_synth: Synth, name: str
) -> None:
    stack = default_synth.stack
    (manage,) = [s for s in statements(default_synth, name) if any(a.startswith("scheduler:") for a in actions(s))]
    assert actions(manage) == set(MANAGE_ACTIONS)  # no ListSchedules, no group management
    assert resources(manage) == [schedules_arn(default_synth)]
    assert resources(manage)[0]["Fn::Join"][1][-2:] == [ref(_id(default_synth, stack.campaigns.group)), "/*"]
    (passing,) = [s for s in statements(default_synth, name) if "iam:PassRole" in actions(s)]
    assert resources(passing) == [arn(_id(default_synth, stack.campaigns.role))]
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}


@pytest.mark.parametrize("name", _functions_with(spec.Grant.SCHEDULES_MANAGE))
def test_schedule_managers_know_the_group_the_role_and_the_machine(default_synth: Synth, name: str) -> None:
    stack = default_synth.stack
    variables = function_props(default_synth, name)["Environment"]["Variables"]
    assert variables["SCHEDULE_GROUP"] == ref(_id(default_synth, stack.campaigns.group))
    assert variables["SCHEDULER_ROLE_ARN"] == arn(_id(default_synth, stack.campaigns.role))
    assert variables["NURTURE_STATE_MACHINE_ARN"] == ref(_id(default_synth, stack.sequences.by_name["nurture"]))


def test_only_the_recruiter_api_may_start_a_campaign_send_and_tasks_only_continue_their_own_machine(
    default_synth: Synth,
) -> None:
    machines = {name: ref(_id(default_synth, m)) for name, m in default_synth.stack.sequences.by_name.items()}
    continuing = {"sequence_step": [machines["engage"]], "campaign_step": [machines["nurture"]]}
    for function in spec.FUNCTIONS:
        starts = [s for s in statements(default_synth, function.name) if "states:StartExecution" in actions(s)]
        if spec.Grant.FAILURES_REDRIVE in function.grants:
            # The operator's redrive restarts engage runs EventBridge could not start; never a campaign send.
            assert all(machines["nurture"] not in resources(start) for start in starts), function.name
            continue
        assert all(actions(start) == {"states:StartExecution"} for start in starts), function.name
        if spec.Grant.WORKFLOW_START in function.grants:
            assert [resources(s) for s in starts] == [[machines["nurture"]]]
        else:
            assert [resources(s) for s in starts] == (
                [continuing[function.name]] if function.name in continuing else []
            )


# ---- the nurture machine --------------------------------------------------------------------------


def test_the_send_rate_setting_reaches_campaign_step_and_bounds_the_map(default_synth: Synth) -> None:
    variables = function_props(default_synth, "campaign_step")["Environment"]["Variables"]
    assert variables["SES_SEND_RATE"] == str(SETTINGS.ses_send_rate) == "14"
    # The Map reads its bound from Resolve's answer, which campaign_step computes from SES_SEND_RATE.
    definition = json.loads((spec.STATE_MACHINES_DIR / "nurture.asl.json").read_text())
    send = definition["States"]["SendBatches"]
    assert send["Type"] == "Map"
    assert send["MaxConcurrencyPath"] == "$.max_concurrency"
    assert "MaxConcurrency" not in send
    assert map_concurrency(SETTINGS.ses_send_rate) == 2
    assert map_concurrency(1) == 1  # a sandbox account: one batch at a time


# ---- seed, once per deploy ------------------------------------------------------------------------


def _trigger(synth: Synth, name: str) -> tuple[str, dict[str, Any]]:
    trigger = synth.stack.deploy_hooks.by_name[name]
    logical_id = synth.logical_id(trigger.node.find_child("Default"))
    return logical_id, synth.resources[logical_id]


def test_each_run_on_deploy_function_has_a_trigger_and_no_other_does(default_synth: Synth) -> None:
    expected = {function.name for function in spec.FUNCTIONS if function.run_on_deploy}
    assert expected == {"seed"}
    assert set(default_synth.stack.deploy_hooks.by_name) == expected
    assert len(default_synth.of_type("Custom::Trigger")) == len(expected)


def test_the_seed_trigger_invokes_the_current_version_and_reruns_when_anything_deployed_changes(
    default_synth: Synth,
) -> None:
    _, trigger = _trigger(default_synth, "seed")
    props = trigger["Properties"]
    seed = ref(_id(default_synth, default_synth.stack.functions.by_name["seed"]))
    (version,) = [
        k for k, v in default_synth.of_type("AWS::Lambda::Version").items() if v["Properties"]["FunctionName"] == seed
    ]
    # A new version, and so an update of the trigger, whenever the function's code, layers or settings change.
    assert props["HandlerArn"] == ref(version)
    assert props["InvocationType"] == "RequestResponse"
    # The provider skips updates when this is false; it must re-run on every change.
    assert props["ExecuteOnHandlerChange"] is True
    assert int(props["Timeout"]) >= spec.function("seed").timeout_s * 1000
    # The content hash covers every file asset (code, layers, ASL), so a deploy that changes any re-runs seed.
    assert props[CONTENT_HASH] == assets_hash(default_synth.stack)
    manifest = json.loads((default_synth.outdir / f"{default_synth.stack.stack_name}.assets.json").read_text())
    hashed = {c.asset_hash for c in default_synth.stack.node.find_all() if isinstance(c, s3_assets.Asset)}
    assert hashed <= set(manifest["files"])
    asl = {k for k, v in manifest["files"].items() if v["source"]["path"].endswith(".json") and k in hashed}
    assert len(asl) == len(spec.STATE_MACHINES)


def test_the_seed_trigger_runs_after_everything_else_in_the_stack(default_synth: Synth) -> None:
    logical_id, trigger = _trigger(default_synth, "seed")
    # CDK's provider that runs it is not waited for (it is its runner), except its log group, made beforehand
    provider = {
        k
        for k, resource in default_synth.resources.items()
        if k.startswith("AWSCDKTriggerCustomResourceProvider") and resource["Type"] != "AWS::Logs::LogGroup"
    }
    everything = (
        set(default_synth.resources) - provider - {logical_id} - set(default_synth.of_type("AWS::CDK::Metadata"))
    )
    assert set(trigger["DependsOn"]) == everything


def test_the_content_hash_follows_asset_content_only(tmp_path: Path) -> None:
    def stack_hash(text: str, folder: str) -> str:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "handler.py").write_text(text)
        stack = Stack(App(), "Probe")
        s3_assets.Asset(stack, "Code", path=str(tmp_path / folder))
        return assets_hash(stack)

    same = stack_hash("print(1)\n", "a")
    assert stack_hash("print(1)\n", "b") == same  # no path, time or randomness in it
    assert stack_hash("print(2)\n", "c") != same


# ---- scheduled report runs ------------------------------------------------------------------------


def _rule(synth: Synth, schedule: spec.ScheduleSpec) -> dict[str, Any]:
    (rule,) = [
        r["Properties"]
        for r in synth.of_type("AWS::Events::Rule").values()
        if r["Properties"]["Description"] == schedule.description
    ]
    return dict(rule)


def test_the_daily_report_runs_on_the_report_schedule_with_the_scheduled_event(default_synth: Synth) -> None:
    daily = next(s for s in spec.SCHEDULES if s.name == "daily-report")
    rule = _rule(default_synth, daily)
    assert rule["ScheduleExpression"] == SETTINGS.report_schedule == "cron(0 6 * * ? *)"
    assert rule["State"] == "ENABLED"
    (target,) = rule["Targets"]
    assert target["Arn"] == arn(_id(default_synth, default_synth.stack.functions.by_name["report"]))
    assert "Input" not in target and "InputTransformer" not in target  # the Scheduled Event, with its time
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
    dead_letters = default_synth.stack.failures.by_consumer["report"]
    assert target["DeadLetterConfig"] == {"Arn": arn(_id(default_synth, dead_letters))}


def test_the_weekly_report_runs_on_monday_with_the_period_and_the_events_time(default_synth: Synth) -> None:
    weekly = next(s for s in spec.SCHEDULES if s.name == "weekly-report")
    rule = _rule(default_synth, weekly)
    assert rule["ScheduleExpression"] == "cron(0 7 ? * MON *)"
    (target,) = rule["Targets"]
    assert target["Arn"] == arn(_id(default_synth, default_synth.stack.functions.by_name["report"]))
    transformer = target["InputTransformer"]
    (name,) = transformer["InputPathsMap"]
    assert transformer["InputPathsMap"][name] == "$.time"
    as_sent = json.loads(transformer["InputTemplate"].replace(f"<{name}>", '"2026-11-30T07:00:00Z"'))
    assert as_sent == {"period": "week", "time": "2026-11-30T07:00:00Z"}


def test_eventbridge_may_invoke_the_report_from_its_two_schedules_only(default_synth: Synth) -> None:
    report = arn(_id(default_synth, default_synth.stack.functions.by_name["report"]))
    rule_ids = {
        key
        for key, r in default_synth.of_type("AWS::Events::Rule").items()
        if r["Properties"]["Description"] in {s.description for s in spec.SCHEDULES}
    }
    sources = {
        p["Properties"]["SourceArn"]["Fn::GetAtt"][0]
        for p in default_synth.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == report and p["Properties"]["Principal"] == "events.amazonaws.com"
    }
    assert sources == rule_ids


# ---- the aggregates stream consumer ---------------------------------------------------------------


def test_aggregates_read_the_table_stream_in_batches_with_partial_failures_and_a_failure_queue(
    default_synth: Synth,
) -> None:
    stack = default_synth.stack
    function = _id(default_synth, stack.functions.by_name["aggregates"])
    (mapping,) = [
        m["Properties"]
        for m in default_synth.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == ref(function)
    ]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [_id(default_synth, stack.data.table), "StreamArn"]}
    assert mapping["BatchSize"] == 100
    assert mapping["StartingPosition"] == "TRIM_HORIZON"
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["MaximumRetryAttempts"] == RETRY_ATTEMPTS
    assert mapping["MaximumRecordAgeInSeconds"] == MAX_RECORD_AGE.to_seconds()
    failures = stack.failures.by_consumer["aggregates"]
    assert mapping["DestinationConfig"] == {"OnFailure": {"Destination": arn(_id(default_synth, failures))}}


# ---- the reports bucket ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", _functions_with(spec.Grant.REPORTS_WRITE))
def test_report_writers_may_put_report_files_tables_and_the_event_log_and_nothing_else(
    default_synth: Synth, name: str
) -> None:
    reports = _id(default_synth, default_synth.stack.storage.by_name["reports"])
    on_reports = [s for s in statements(default_synth, name) if reports in json.dumps(s["Resource"])]
    (put,) = [s for s in on_reports if "s3:PutObject" in actions(s)]
    assert not {a for a in actions(put) if a.startswith(("s3:Get", "s3:List", "s3:Delete"))}
    assert sorted(resources(put), key=json.dumps) == report_writes(default_synth)
    # No reads, lists or deletes in the reports bucket, except the event log's own reads (below).
    others = [s for s in on_reports if s is not put]
    assert bool(others) == (spec.Grant.EVENT_LOG_READ in spec.function(name).grants)


@pytest.mark.parametrize("name", _functions_with(spec.Grant.EVENT_LOG_READ))
def test_the_stream_consumer_may_read_the_event_log_only_to_rewrite_it(default_synth: Synth, name: str) -> None:
    reports = _id(default_synth, default_synth.stack.storage.by_name["reports"])
    on_reports = [s for s in statements(default_synth, name) if reports in json.dumps(s["Resource"])]
    reads = {action: s for s in on_reports for action in actions(s) if not action.startswith(("s3:Put", "s3:Abort"))}
    assert set(reads) == {"s3:GetObject", "s3:ListBucket"}
    assert resources(reads["s3:GetObject"]) == [objects_arn(default_synth, "reports", "events/*")]
    assert reads["s3:ListBucket"]["Condition"] == {"StringLike": {"s3:prefix": ["events/*"]}}
    assert _functions_with(spec.Grant.EVENT_LOG_READ) == ["aggregates"]


@pytest.mark.parametrize("name", _functions_with(spec.Grant.REPORTS_READ))
def test_report_readers_may_get_and_list_reports_only(default_synth: Synth, name: str) -> None:
    reports = _id(default_synth, default_synth.stack.storage.by_name["reports"])
    on_reports = [s for s in statements(default_synth, name) if reports in json.dumps(s["Resource"])]
    by_action = {action: s for s in on_reports for action in actions(s)}
    assert set(by_action) == {"s3:GetObject", "s3:ListBucket"}
    assert resources(by_action["s3:GetObject"]) == [objects_arn(default_synth, "reports", "reports/*")]
    # Listing is limited to reports/: the event log's keys (events/…) stay out of sight.
    assert by_action["s3:ListBucket"]["Condition"] == {"StringLike": {"s3:prefix": ["reports/*"]}}


def test_athena_results_expire_after_a_week_and_everything_else_after_the_spec_days(default_synth: Synth) -> None:
    bucket = default_synth.resources[_id(default_synth, default_synth.stack.storage.by_name["reports"])]
    rules = {r["Id"]: r for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["Expire"]["ExpirationInDays"] == spec.bucket("reports").expire_days == 400
    assert rules["ExpireAthenaResults"] == {
        "Id": "ExpireAthenaResults",
        "Prefix": RESULTS_PREFIX,
        "ExpirationInDays": 7,
        "Status": "Enabled",
    }


# ---- Athena ---------------------------------------------------------------------------------------


def _tables(synth: Synth) -> dict[str, dict[str, Any]]:
    return {t["Properties"]["TableInput"]["Name"]: t["Properties"] for t in synth.of_type("AWS::Glue::Table").values()}


def _location(synth: Synth, prefix: str) -> dict[str, Any]:
    bucket = ref(_id(synth, synth.stack.storage.by_name["reports"]))
    return {"Fn::Join": ["", ["s3://", bucket, f"/{prefix}"]]}


def test_one_glue_database_holds_a_table_per_report_csv_and_the_event_log(default_synth: Synth) -> None:
    (database_id, database), *others = default_synth.of_type("AWS::Glue::Database").items()
    assert not others
    assert database["Properties"]["DatabaseInput"]["Name"] == "talentpool"
    tables = _tables(default_synth)
    assert set(tables) == {*ATHENA_TABLES.values(), "events"}
    for table in tables.values():
        assert table["DatabaseName"] == ref(database_id)
        assert table["TableInput"]["TableType"] == "EXTERNAL_TABLE"


@pytest.mark.parametrize("table", table_specs(), ids=lambda t: t.name)
def test_each_table_is_partitioned_by_day_with_projection_no_crawler_needed(default_synth: Synth, table: Any) -> None:
    table_input = _tables(default_synth)[table.name]["TableInput"]
    assert table_input["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]
    parameters = table_input["Parameters"]
    assert parameters["projection.enabled"] == "true"
    assert parameters["projection.dt.type"] == "date"
    assert parameters["projection.dt.format"] == "yyyy-MM-dd"
    assert parameters["projection.dt.range"] == f"{FIRST_DAY},NOW"
    assert table_input["StorageDescriptor"]["Location"] == _location(default_synth, table.prefix)
    assert parameters["storage.location.template"] == _location(default_synth, table.prefix + "dt=${dt}/")
    assert not default_synth.of_type("AWS::Glue::Crawler")


@pytest.mark.parametrize(("file_name", "table"), ATHENA_TABLES.items())
def test_csv_tables_read_the_report_files_columns_in_order_quoted_with_a_header(
    default_synth: Synth, file_name: str, table: str
) -> None:
    table_input = _tables(default_synth)[table]["TableInput"]
    descriptor = table_input["StorageDescriptor"]
    assert descriptor["Location"] == _location(default_synth, f"tables/{table}/")
    assert [c["Name"] for c in descriptor["Columns"]] == list(CSV_HEADERS[file_name])
    # utm_source values may hold commas (the writer quotes them): OpenCSVSerde, not the default LazySimpleSerDe.
    assert descriptor["SerdeInfo"]["SerializationLibrary"] == "org.apache.hadoop.hive.serde2.OpenCSVSerde"
    assert descriptor["SerdeInfo"]["Parameters"]["quoteChar"] == '"'
    assert table_input["Parameters"]["skip.header.line.count"] == "1"
    # An empty cell (a rate with nothing to divide by) is NULL, not a failed query.
    assert table_input["Parameters"]["use.null.for.invalid.data"] == "TRUE"


def test_csv_column_types_follow_docs_reports(default_synth: Synth) -> None:
    columns = {
        table: {c["Name"]: c["Type"] for c in props["TableInput"]["StorageDescriptor"]["Columns"]}
        for table, props in _tables(default_synth).items()
    }
    assert columns["funnel"]["step_order"] == "int"
    assert columns["funnel"]["candidates"] == "bigint"
    assert columns["funnel"]["conversion_from_captured"] == "double"
    assert columns["sources"]["value"] == "string"
    assert columns["sequences"]["step"] == "string"  # "-" for emails outside a sequence
    assert columns["sequences"]["open_rate"] == "double"


def test_the_event_log_table_reads_json_lines_with_the_contract_columns(default_synth: Synth) -> None:
    descriptor = _tables(default_synth)["events"]["TableInput"]["StorageDescriptor"]
    assert descriptor["Location"] == _location(default_synth, "events/")
    assert {c["Name"]: c["Type"] for c in descriptor["Columns"]} == EVENT_LOG_COLUMNS
    assert descriptor["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"


def test_the_workgroup_enforces_encrypted_results_in_the_reports_bucket(default_synth: Synth) -> None:
    (workgroup,) = default_synth.of_type("AWS::Athena::WorkGroup").values()
    props = workgroup["Properties"]
    configuration = props["WorkGroupConfiguration"]
    assert configuration["EnforceWorkGroupConfiguration"] is True
    results = configuration["ResultConfiguration"]
    assert results["OutputLocation"] == _location(default_synth, RESULTS_PREFIX)
    assert results["EncryptionConfiguration"] == {"EncryptionOption": "SSE_S3"}
    assert results["ExpectedBucketOwner"] == ref("AWS::AccountId")
    assert props["Name"] == "talentpool"


# ---- the README's Athena queries ------------------------------------------------------------------

# Everything a query may say besides its table's columns: SQL, functions, aliases and literals' words.
SQL_WORDS = {
    "select", "from", "where", "and", "or", "not", "group", "by", "order", "asc", "desc", "nulls", "last", "as",
    "case", "when", "then", "else", "end", "max", "min", "sum", "count", "distinct", "interval", "day",
    "current_date", "date_format", "try_cast", "integer", "talentpool",
    "captured", "confirmed", "applied", "hired", "confirmed_rate", "applied_rate", "hired_rate",
    "captures", "capture_day",
}  # fmt: skip


def _readme_queries() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Reports and Athena", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, flags=re.DOTALL)


def test_the_readme_has_three_athena_queries() -> None:
    assert len(_readme_queries()) == 3


@pytest.mark.parametrize("query", _readme_queries(), ids=lambda q: re.search(r"FROM talentpool\.(\w+)", q)[1])  # type: ignore[index]
def test_each_readme_query_names_a_deployed_table_its_columns_and_a_day_filter(query: str) -> None:
    columns = {spec_.name: {name for name, _ in spec_.columns} | {"dt"} for spec_ in table_specs()}
    tables = set(re.findall(r"FROM talentpool\.(\w+)", query))
    assert len(tables) == 1
    (table,) = tables
    assert table in columns
    words = set(re.findall(r"[a-z_]+", re.sub(r"'[^']*'", "", query.lower())))
    assert words - SQL_WORDS - columns[table] - {table} == set(), "a word that is neither SQL nor a column"
    assert "dt" in words  # every query prunes partitions
