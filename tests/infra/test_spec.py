"""The spec is internally consistent and matches the files on disk that CDK and the local runtime load."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra import spec
from infra.sequences import asl_path, placeholders

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


@pytest.mark.parametrize("rule", spec.RULES, ids=lambda r: r.name)
def test_each_rule_targets_something_that_exists(rule: spec.RuleSpec) -> None:
    functions = {function.name for function in spec.FUNCTIONS}
    machines = {machine.name for machine in spec.STATE_MACHINES}
    assert rule.targets
    for target in rule.targets:
        assert target.kind in {"function", "state_machine"}
        assert target.name in (functions if target.kind == "function" else machines)
        assert target.input is None or all(path.startswith("$.") for path in target.input.values())


@pytest.mark.parametrize("bucket", spec.BUCKETS, ids=lambda b: b.name)
def test_each_bucket_expires_and_notifies_a_function_that_exists(bucket: spec.BucketSpec) -> None:
    assert bucket.expire_days >= 1
    assert bucket.notify_function is None or bucket.notify_function in {function.name for function in spec.FUNCTIONS}
    assert bucket.notify_prefix is None or bucket.notify_prefix.endswith("/")


def test_bucket_names_and_variables_are_unique() -> None:
    assert len({bucket.name for bucket in spec.BUCKETS}) == len(spec.BUCKETS)
    assert len({bucket.env for bucket in spec.BUCKETS}) == len(spec.BUCKETS)


@pytest.mark.parametrize("machine", spec.STATE_MACHINES, ids=lambda m: m.name)
def test_state_machine_placeholders_equal_its_asl_file(machine: spec.StateMachineSpec) -> None:
    assert placeholders(asl_path(machine)) == set(machine.substitutions)
    assert set(machine.substitutions.values()) <= {function.name for function in spec.FUNCTIONS}


def test_placeholders_are_read_from_the_asl_text(tmp_path: Path) -> None:
    asl = tmp_path / "flow.asl.json"
    asl.write_text('{"States": {"A": {"Resource": "${PlanFunction}", "Next": "${SendFunction}"}, "B": "$.x"}}')
    assert placeholders(asl) == {"PlanFunction", "SendFunction"}
