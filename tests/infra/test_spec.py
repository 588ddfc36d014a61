"""The spec is internally consistent and matches the files on disk that CDK and the local runtime load."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra import spec
from infra.sequences import CALLBACK_RESOURCE, asl_path, placeholders
from infra.settings import Settings
from talentpool.models.events import EventType

HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


@pytest.mark.parametrize("function", spec.FUNCTIONS, ids=lambda f: f.name)
def test_each_function_folder_has_a_handler(function: spec.FunctionSpec) -> None:
    assert (function.folder / "handler.py").is_file()


def test_function_names_are_unique() -> None:
    names = [function.name for function in spec.FUNCTIONS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("route", spec.ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_each_route_names_a_function_and_a_well_formed_path(route: spec.RouteSpec) -> None:
    assert route.function in {function.name for function in spec.FUNCTIONS}
    assert route.method in HTTP_METHODS
    assert route.path.startswith("/")
    assert route.path == "/" or not route.path.endswith("/")


def test_no_route_is_declared_twice() -> None:
    keys = [(route.method, route.path) for route in spec.ROUTES]
    assert len(keys) == len(set(keys))


def _target_exists(target: spec.TargetSpec) -> None:
    functions = {function.name for function in spec.FUNCTIONS}
    machines = {machine.name for machine in spec.STATE_MACHINES}
    # A "queue" target is a queue the named function drains in batches.
    known = {"function": functions, "state_machine": machines, "queue": functions}
    assert target.kind in known
    assert target.name in known[target.kind]
    assert target.input is None or all(path.startswith("$.") for path in target.input.values())
    assert not set(target.input or {}) & set(target.constants or {}), "a key is either a path or a constant"


@pytest.mark.parametrize("rule", spec.RULES, ids=lambda r: r.name)
def test_each_rule_targets_something_that_exists(rule: spec.RuleSpec) -> None:
    assert rule.targets
    for target in rule.targets:
        _target_exists(target)
    assert rule.bus in {spec.BUS_NAME, "default"}
    # CDK needs a typed part of the pattern to accept the rule (the template then gets the whole pattern).
    assert isinstance(rule.pattern.get("source"), list) and all(isinstance(s, str) for s in rule.pattern["source"])


@pytest.mark.parametrize(
    "rule", [r for r in spec.RULES if r.pattern.get("source") == [spec.EVENT_SOURCE]], ids=lambda r: r.name
)
def test_each_rule_on_our_bus_matches_a_detail_type_the_code_publishes(rule: spec.RuleSpec) -> None:
    # Given a rule on the events our own code publishes
    detail_types = rule.pattern["detail-type"]
    # Then each detail-type it matches is one of the event types (a renamed event would leave the rule deaf)
    assert isinstance(detail_types, list)
    assert {str(d) for d in detail_types} <= {str(t) for t in EventType}


def test_rule_and_schedule_names_are_unique() -> None:
    """Each becomes an EventBridge rule (and, locally, a rule or a clock entry) under its name."""
    names = [rule.name for rule in spec.RULES] + [schedule.name for schedule in spec.SCHEDULES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("schedule", spec.SCHEDULES, ids=lambda s: s.name)
def test_each_schedule_has_an_expression_and_a_target_that_exists(schedule: spec.ScheduleSpec) -> None:
    _target_exists(schedule.target)
    assert schedule.default_expression.startswith(("cron(", "rate("))
    assert schedule.expression_setting is None or hasattr(Settings(), schedule.expression_setting)


@pytest.mark.parametrize("stream", spec.STREAMS, ids=lambda s: s.function)
def test_each_stream_consumer_is_a_function_that_may_read_the_table(stream: spec.StreamSpec) -> None:
    function = spec.function(stream.function)
    assert spec.Grant.TABLE_READ in function.grants
    assert 1 <= stream.batch_size <= 10000  # DynamoDB streams' limits


@pytest.mark.parametrize("bucket", spec.BUCKETS, ids=lambda b: b.name)
def test_each_bucket_expires_and_notifies_a_function_that_exists(bucket: spec.BucketSpec) -> None:
    assert bucket.expire_days >= 1
    assert bucket.notify_function is None or bucket.notify_function in {function.name for function in spec.FUNCTIONS}
    assert bucket.notify_prefix is None or bucket.notify_prefix.endswith("/")


def test_bucket_names_and_variables_are_unique() -> None:
    assert len({bucket.name for bucket in spec.BUCKETS}) == len(spec.BUCKETS)
    assert len({bucket.env for bucket in spec.BUCKETS}) == len(spec.BUCKETS)


def test_there_are_state_machines_to_check() -> None:
    """The parametrised check below runs once per machine; with none it would pass by skipping."""
    assert spec.STATE_MACHINES


@pytest.mark.parametrize("machine", spec.STATE_MACHINES, ids=lambda m: m.name)
def test_state_machine_placeholders_equal_its_asl_file(machine: spec.StateMachineSpec) -> None:
    assert placeholders(asl_path(machine)) == set(machine.substitutions)
    assert set(machine.substitutions.values()) <= {function.name for function in spec.FUNCTIONS}


@pytest.mark.parametrize("machine", spec.STATE_MACHINES, ids=lambda m: m.name)
def test_functions_that_answer_task_tokens_are_granted_the_callback(machine: spec.StateMachineSpec) -> None:
    """A `.waitForTaskToken` task waits until its function answers; without the grant it waits forever."""
    for placeholder in _callback_placeholders(json.loads(asl_path(machine).read_text())):
        name = machine.substitutions[placeholder]
        assert spec.Grant.WORKFLOW_CALLBACK in spec.function(name).grants, name


def _callback_placeholders(node: Any) -> set[str]:
    """The `${Placeholder}` functions that `.waitForTaskToken` tasks invoke, anywhere in an ASL document."""
    found: set[str] = set()
    if isinstance(node, dict):
        if str(node.get("Resource", "")).endswith(CALLBACK_RESOURCE):
            found |= set(re.findall(r"\$\{(\w+)\}", json.dumps(node.get("Parameters", {}).get("FunctionName", ""))))
        for value in node.values():
            found |= _callback_placeholders(value)
    elif isinstance(node, list):
        for value in node:
            found |= _callback_placeholders(value)
    return found


def test_placeholders_are_read_from_the_asl_text(tmp_path: Path) -> None:
    asl = tmp_path / "flow.asl.json"
    asl.write_text('{"States": {"A": {"Resource": "${PlanFunction}", "Next": "${SendFunction}"}, "B": "$.x"}}')
    assert placeholders(asl) == {"PlanFunction", "SendFunction"}
