"""Start-up as after a deploy: the run-on-deploy functions run once, a failure is logged and never stops the runtime,
the Scheduler group exists for the schedules they make, and every ARN handed to a function names a real resource."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra import spec
from local import environment
from local.deploy_hooks import run_on_deploy
from local.environment import LocalSettings
from local.lambdas import Invocation
from local.resources import AwsClients, Deployment, check_arns, create_foundation, scheduler_schedules

REGION = "us-east-1"


def function(name: str, *, run_on_deploy: bool) -> spec.FunctionSpec:
    return spec.FunctionSpec(name=name, description=name, env=(), grants=(), run_on_deploy=run_on_deploy)


class Invoker:
    def __init__(self, answers: dict[str, Invocation | Exception]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, Any]] = []

    def __call__(self, name: str, event: Any) -> Invocation:
        self.calls.append((name, event))
        answer = self.answers[name]
        if isinstance(answer, Exception):
            raise answer
        return answer


def ok(payload: object) -> Invocation:
    return Invocation(json.dumps(payload), errored=False, logs="")


def failed(error_type: str, message: str) -> Invocation:
    return Invocation(json.dumps({"errorType": error_type, "errorMessage": message}), errored=True, logs="")


def test_only_run_on_deploy_functions_run_once_each_with_an_empty_event() -> None:
    invoke = Invoker({"seed": ok({"schedules": {}}), "warm": ok(None)})
    functions = [function("seed", run_on_deploy=True), function("api", run_on_deploy=False)]
    functions.append(function("warm", run_on_deploy=True))

    outcomes = run_on_deploy(functions, invoke)

    assert invoke.calls == [("seed", {}), ("warm", {})]
    assert outcomes == {"seed": "succeeded", "warm": "succeeded"}


def test_a_failing_function_is_logged_and_the_others_still_run(caplog: pytest.LogCaptureFixture) -> None:
    invoke = Invoker({"seed": failed("ClientError", "Scheduler said no"), "broken": RuntimeError("no handler")})
    invoke.answers["after"] = ok({})
    functions = [function(name, run_on_deploy=True) for name in ("seed", "broken", "after")]

    outcomes = run_on_deploy(functions, invoke)

    assert outcomes == {"seed": "failed: ClientError", "broken": "failed: RuntimeError", "after": "succeeded"}
    assert "seed failed (ClientError: Scheduler said no)" in caplog.text
    assert "broken could not be invoked" in caplog.text


def test_the_spec_runs_seed_on_deploy() -> None:
    assert [f.name for f in spec.FUNCTIONS if f.run_on_deploy] == ["seed"]


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsClients]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield AwsClients(REGION)


def test_the_foundation_has_the_schedule_group_seed_writes_campaign_schedules_to(clients: AwsClients) -> None:
    deployment = Deployment(region=REGION, account=environment.ACCOUNT, table_name="t", bus_name=spec.BUS_NAME)
    create_foundation(clients, LocalSettings(port=3000, region=REGION, time_scale=8640), deployment)

    clients.scheduler.create_schedule(
        Name="campaign-nurture-events",
        GroupName=deployment.schedule_group,
        ScheduleExpression="cron(0 9 1 * ? *)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": environment.state_machine_arn(REGION, "nurture"), "RoleArn": deployment.role_arn},
    )

    assert deployment.schedule_group == environment.SCHEDULE_GROUP
    assert scheduler_schedules(clients) == [
        {
            "group": environment.SCHEDULE_GROUP,
            "name": "campaign-nurture-events",
            "state": "ENABLED",
            "target": environment.state_machine_arn(REGION, "nurture"),
        }
    ]
    assert boto3.client("scheduler", region_name=REGION).list_schedule_groups()["ScheduleGroups"]


def test_an_arn_in_the_environment_must_name_a_created_machine_or_role() -> None:
    deployment = Deployment(region=REGION, account=environment.ACCOUNT, table_name="t", bus_name=spec.BUS_NAME)
    deployment.role_arn = f"arn:aws:iam::{environment.ACCOUNT}:role/{environment.ROLE_NAME}"
    deployment.state_machines = {"nurture": environment.state_machine_arn(REGION, "nurture")}
    values = {
        spec.Env.NURTURE_STATE_MACHINE_ARN: environment.state_machine_arn(REGION, "nurture"),
        spec.Env.SCHEDULER_ROLE_ARN: deployment.role_arn,
        spec.Env.TABLE_NAME: "talentpool",
    }
    check_arns(values, deployment)

    deployment.state_machines = {"engage": environment.state_machine_arn(REGION, "engage")}
    with pytest.raises(RuntimeError, match=r"NURTURE_STATE_MACHINE_ARN=arn:aws:states:.*:nurture"):
        check_arns(values, deployment)
