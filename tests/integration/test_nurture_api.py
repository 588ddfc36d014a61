"""Starting a campaign send (POST /campaigns/{id}/send), campaign schedules kept in step on save, and seeding.

The recruiter API runs in-process under moto; its nurture settings (the state machine, the schedule group and
the role) are supplied through Powertools' dependency_overrides, as a deployment supplies them through env.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests import factories
from tests.conftest import Account
from tests.integration.helpers import call

GROUP = "talentpool-campaigns"
ROLE = f"arn:aws:iam::{factories.ACCOUNT}:role/talentpool-scheduler"
CAMPAIGN = {
    "name": "Backend news",
    "kind": "nurture",
    "topic": "sector_news",
    "schedule": "cron(0 8 ? * MON *)",
    "steps": [{"delay": "P0D", "subject": "This week, {{first_name|there}}", "body": "News for {{top_skill|you}}."}],
}


def api(method: str, path: str, body: Any = None, claims: dict[str, Any] | None = factories.RECRUITER) -> Any:
    return call("recruiter_api", factories.api_event(method, path, body=body, claims=claims))


@pytest.fixture
def nurture(aws: Account) -> Iterator[str]:
    """A nurture state machine (not executed here), a schedule group, and the API pointed at both."""
    import boto3

    from talentpool.adapters.aws.campaign_runs import CampaignLauncher
    from talentpool.api import campaigns
    from talentpool.composition import recruiter_api
    from talentpool.logic.campaigns.schedules import ScheduleSettings

    machine = boto3.client("stepfunctions").create_state_machine(
        name="nurture", definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}), roleArn=ROLE
    )["stateMachineArn"]
    boto3.client("scheduler").create_schedule_group(Name=GROUP)
    settings = ScheduleSettings(group=GROUP, role_arn=ROLE, state_machine_arn=machine)
    overrides = factories.load_handler("recruiter_api").app.dependency_overrides
    overrides[recruiter_api.launcher] = lambda: CampaignLauncher(machine)
    overrides[campaigns.schedule_sync] = lambda: campaigns.syncing(settings)
    try:
        yield machine
    finally:
        overrides.pop(recruiter_api.launcher, None)
        overrides.pop(campaigns.schedule_sync, None)


def schedule(name: str) -> dict[str, Any]:
    import boto3

    return dict(boto3.client("scheduler").get_schedule(GroupName=GROUP, Name=name))


def schedule_names() -> list[str]:
    import boto3

    return sorted(s["Name"] for s in boto3.client("scheduler").list_schedules(GroupName=GROUP)["Schedules"])


# --- POST /campaigns/{id}/send -------------------------------------------------------------------------


def test_sending_a_campaign_needs_a_signed_in_recruiter(nurture: str) -> None:
    assert api("POST", "/campaigns/nurture-events/send", claims=None)["statusCode"] == 401
    outsider = {"sub": "x-1", "email": "x@example.com", "cognito:groups": "candidates"}
    assert api("POST", "/campaigns/nurture-events/send", claims=outsider)["statusCode"] == 403


@pytest.mark.parametrize("sequence_id", ["no-such-campaign", "welcome"])
def test_an_unknown_campaign_or_an_engage_sequence_is_404(nurture: str, sequence_id: str) -> None:
    response = api("POST", f"/campaigns/{sequence_id}/send")

    assert response["statusCode"] == 404
    assert factories.response_json(response)["error"]["code"] == "campaign_not_found"


def test_a_send_starts_one_execution_named_for_the_campaign_and_its_run(nurture: str) -> None:
    import boto3

    response = api("POST", "/campaigns/nurture-events/send")

    assert response["statusCode"] == 202
    body = factories.response_json(response)
    assert body["campaign_id"] == "nurture-events"
    execution = boto3.client("stepfunctions").describe_execution(executionArn=body["execution"])
    assert execution["name"] == f"nurture-events-{body['run_id']}"
    assert json.loads(execution["input"]) == {
        "campaign_id": "nurture-events",
        "trigger": "manual",
        "run_id": body["run_id"],
        "requested_by": "recruiter:rec-1",
    }


def test_a_send_while_a_run_of_the_campaign_is_still_sending_is_409(nurture: str) -> None:
    from talentpool.adapters.aws.campaign_runs import state_key
    from talentpool.adapters.aws.table import Table
    from talentpool.models.campaigns import CampaignState

    state = CampaignState(
        campaign_id="nurture-events", runs=1, active_run="01RUN", active_until="2999-01-01T00:00:00.000Z"
    )
    Table(factories.TABLE).put({**state_key("nurture-events"), **state.model_dump(exclude_none=True)})

    response = api("POST", "/campaigns/nurture-events/send")

    assert response["statusCode"] == 409
    assert factories.response_json(response)["error"]["code"] == "campaign_busy"


def test_a_second_send_is_409_with_the_run_that_exists_and_starts_nothing(nurture: str) -> None:
    import boto3

    # Given a send that was accepted
    first = factories.response_json(api("POST", "/campaigns/nurture-events/send"))

    # When the recruiter sends the campaign again
    second = api("POST", "/campaigns/nurture-events/send")

    # Then it is a conflict naming the run that exists, and there is still one execution
    assert second["statusCode"] == 409
    error = factories.response_json(second)["error"]
    assert error["code"] == "campaign_busy"
    assert error["details"]["run"]["run_id"] == first["run_id"]
    assert error["details"]["run"]["execution"] == first["execution"]
    assert len(boto3.client("stepfunctions").list_executions(stateMachineArn=nurture)["executions"]) == 1


def test_a_send_of_a_version_a_finished_run_already_sent_is_409_with_that_run(nurture: str) -> None:
    from talentpool.adapters.aws.campaign_runs import CampaignRunStore
    from talentpool.adapters.aws.table import Table

    # Given a campaign whose run has finished sending this version
    first = factories.response_json(api("POST", "/campaigns/nurture-events/send"))
    store = CampaignRunStore(Table(factories.TABLE))
    run = store.get(first["run_id"])
    assert run is not None
    store.finish(run.model_copy(update={"status": "finished", "sent": 12}))

    # When it is sent again
    again = api("POST", "/campaigns/nurture-events/send")

    # Then the same email does not go to the same people twice
    assert again["statusCode"] == 409
    error = factories.response_json(again)["error"]
    assert error["code"] == "campaign_already_sent"
    assert (error["details"]["run"]["run_id"], error["details"]["run"]["sent"]) == (first["run_id"], 12)


def test_an_inactive_campaign_is_not_sent(nurture: str) -> None:
    saved = api("POST", "/sequences", {**CAMPAIGN, "active": False}, claims=factories.ADMIN)
    campaign_id = factories.response_json(saved)["sequence_id"]

    assert api("POST", f"/campaigns/{campaign_id}/send")["statusCode"] == 409


# --- Schedules kept in step with the campaign ----------------------------------------------------------


def test_saving_a_campaign_gives_it_a_schedule_that_starts_the_nurture_machine(nurture: str) -> None:
    response = api("POST", "/sequences", CAMPAIGN, claims=factories.ADMIN)
    campaign_id = factories.response_json(response)["sequence_id"]

    found = schedule(f"campaign-{campaign_id}")
    assert found["ScheduleExpression"] == "cron(0 8 ? * MON *)"
    assert found["ScheduleExpressionTimezone"] == "UTC"
    assert found["State"] == "ENABLED"
    assert found["Target"]["Arn"] == nurture
    assert found["Target"]["RoleArn"] == ROLE
    assert json.loads(found["Target"]["Input"]) == {
        "campaign_id": campaign_id,
        "trigger": "schedule",
        "scheduled_at": "<aws.scheduler.scheduled-time>",
    }


def test_a_new_version_updates_the_schedule_and_an_inactive_campaign_has_it_disabled(nurture: str) -> None:
    campaign_id = factories.response_json(api("POST", "/sequences", CAMPAIGN, claims=factories.ADMIN))["sequence_id"]

    changed = {**CAMPAIGN, "schedule": "cron(0 7 1 * ? *)", "active": False}
    assert api("PUT", f"/sequences/{campaign_id}", changed, claims=factories.ADMIN)["statusCode"] == 200

    found = schedule(f"campaign-{campaign_id}")
    assert (found["ScheduleExpression"], found["State"]) == ("cron(0 7 1 * ? *)", "DISABLED")
    assert schedule_names() == [f"campaign-{campaign_id}"]


def test_a_campaign_saved_without_a_schedule_loses_its_schedule(nurture: str) -> None:
    campaign_id = factories.response_json(api("POST", "/sequences", CAMPAIGN, claims=factories.ADMIN))["sequence_id"]

    unscheduled = {k: v for k, v in CAMPAIGN.items() if k != "schedule"}
    assert api("PUT", f"/sequences/{campaign_id}", unscheduled, claims=factories.ADMIN)["statusCode"] == 200

    assert schedule_names() == []


def test_engage_sequences_get_no_schedule(nurture: str) -> None:
    engage = {"name": "Hello", "kind": "engage", "steps": [{"delay": "P0D", "subject": "Hi", "body": "Hello."}]}

    assert api("POST", "/sequences", engage, claims=factories.ADMIN)["statusCode"] == 201

    assert schedule_names() == []


# --- Seeding on deploy and at local start --------------------------------------------------------------


def seed_handler(monkeypatch: pytest.MonkeyPatch, machine: str) -> Any:
    """A fresh import of functions/seed/handler.py with a deployment's environment (it reads it at cold start)."""
    from talentpool import config

    for name, value in {
        "NURTURE_STATE_MACHINE_ARN": machine,
        "SCHEDULE_GROUP": GROUP,
        "SCHEDULER_ROLE_ARN": ROLE,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delitem(config._LOADED, config.SeedEnv, raising=False)
    spec = importlib.util.spec_from_file_location("seed_under_test", factories.ROOT / "functions/seed/handler.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.delitem(config._LOADED, config.SeedEnv, raising=False)
    return module


def test_seeding_creates_the_four_built_in_campaign_schedules_and_running_it_again_changes_nothing(
    nurture: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = seed_handler(monkeypatch, nurture)

    first = seed.lambda_handler({}, factories.LambdaContext())
    again = seed.lambda_handler({}, factories.LambdaContext())

    builtins = ["nurture-career_advice", "nurture-events", "nurture-job_alerts", "nurture-sector_news"]
    assert first == {"schedules": dict.fromkeys(builtins, "created")}
    assert again == {"schedules": dict.fromkeys(builtins, "updated")}
    assert schedule_names() == [f"campaign-{b}" for b in builtins]
    for name in schedule_names():
        found = schedule(name)
        assert found["ScheduleExpression"] == "cron(0 9 1 * ? *)" and found["State"] == "ENABLED"
        assert json.loads(found["Target"]["Input"])["campaign_id"] == name.removeprefix("campaign-")


def test_seeding_also_puts_right_a_stored_campaign_whose_schedule_went_missing(
    nurture: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    campaign_id = factories.response_json(api("POST", "/sequences", CAMPAIGN, claims=factories.ADMIN))["sequence_id"]
    boto3.client("scheduler").delete_schedule(GroupName=GROUP, Name=f"campaign-{campaign_id}")

    seed_handler(monkeypatch, nurture).lambda_handler({}, factories.LambdaContext())

    assert schedule(f"campaign-{campaign_id}")["ScheduleExpression"] == "cron(0 8 ? * MON *)"


def test_enrolling_people_in_a_campaign_is_a_409_naming_it(nurture: str) -> None:
    # A well-formed enrolment the campaign cannot take: its kind conflicts, no field of the request is wrong.
    campaign_id = factories.response_json(api("POST", "/sequences", CAMPAIGN, claims=factories.ADMIN))["sequence_id"]

    response = api("POST", f"/sequences/{campaign_id}/enrollments", {"candidate_ids": ["01M8B9VGHAH080YCQ49MGPAEJE"]})

    assert response["statusCode"] == 409
    assert factories.response_json(response)["error"]["fields"] == [
        {"loc": ["sequence_id"], "msg": "is a nurture campaign"}
    ]
