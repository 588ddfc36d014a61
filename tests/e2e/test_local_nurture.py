"""Nurture campaigns over `python -m local`: seed gives every built-in campaign its Scheduler schedule at start,
and a recruiter's "send now" runs the nurture machine, mailing everyone confirmed who chose the topic, only them."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.e2e import local_process
from tests.e2e.local_process import LocalProcess, wait_for
from tests.e2e.test_local_journey import CONFIRM_LINK, careers_form, press_confirm

pytestmark = pytest.mark.slow

TOPICS = ("career_advice", "sector_news", "events", "job_alerts")
CAMPAIGN = "nurture-job_alerts"
# The built-in subject, "Matching jobs for {{top_skill|your skills}}: ...": the form's first skill follows.
JOB_ALERTS_SUBJECT = "Matching jobs for "
GROUP = "talentpool"  # local/environment.py SCHEDULE_GROUP
PRINTED_TOKEN = re.compile(r"Recruiter token[^\n]*:\n\s+(\S+)")
# What GET /sequences/{id} adds to a definition: PUT takes the definition alone.
STORED_FIELDS = ("sequence_id", "version", "created_at", "updated_at", "updated_by", "builtin")


@pytest.fixture(scope="module")
def runtime() -> Iterator[LocalProcess]:
    running = local_process.start()
    yield running
    running.kill()


@pytest.fixture(scope="module")
def at_start(runtime: LocalProcess) -> dict[str, Any]:
    """/_local/info as the runtime answered it first, before any test changed a campaign."""
    return runtime.info()


def printed_token(runtime: LocalProcess) -> str:
    match = PRINTED_TOKEN.search(runtime.printed)
    assert match, runtime.printed
    return match.group(1)


def test_seed_schedules_every_built_in_campaign_when_the_runtime_starts(at_start: dict[str, Any]) -> None:
    assert at_start["run_on_deploy"] == {"seed": "succeeded"}
    # Listed from moto's Scheduler API: what seed created there, in the group CDK would deploy
    schedules = {(s["group"], s["name"]): s for s in at_start["scheduler_schedules"]}
    assert set(schedules) == {(GROUP, f"campaign-nurture-{topic}") for topic in TOPICS}
    for schedule in schedules.values():
        assert schedule["state"] == "ENABLED"
        assert schedule["target"] == at_start["state_machines"]["nurture"]
    # and on the local clock, which fires them on sequence time
    assert {f"scheduler:{GROUP}/campaign-nurture-{topic}" for topic in TOPICS} <= set(at_start["schedules"])


def confirmed_candidate(runtime: LocalProcess, interests: list[str], *, confirm: bool = True) -> str:
    """A candidate from the careers form, who followed the confirmation link unless told not to; their address."""
    email = f"nurture.{uuid.uuid4().hex[:8]}@example.com"
    form = careers_form(email) | {"interests": interests}
    with runtime.client as client:
        assert client.post("/candidates", data=form).status_code == 303
    confirmation: dict[str, Any] = wait_for(lambda: mails_to(runtime, email), 30, f"the confirmation to {email}")[0]
    if confirm:
        link = CONFIRM_LINK.search(confirmation["text"])
        assert link, confirmation["text"]
        with runtime.client as client:
            # The confirmation answers once consent is recorded: the candidate is in the active audience.
            assert press_confirm(client, link.group(0)).status_code == 200
    return email


def mails_to(runtime: LocalProcess, address: str) -> list[dict[str, Any]]:
    with runtime.client as client:
        return [mail for mail in client.get("/_local/outbox").json() if address in mail["to"]]


def execution_status(runtime: LocalProcess, execution_arn: str) -> str:
    info = runtime.info()
    sfn = boto3.client(
        "stepfunctions",
        endpoint_url=info["moto_endpoint"],
        region_name=info["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return str(sfn.describe_execution(executionArn=execution_arn)["status"])


def test_send_now_mails_everyone_confirmed_who_chose_the_topic_and_nobody_else(runtime: LocalProcess) -> None:
    token = printed_token(runtime)
    auth = {"Authorization": f"Bearer {token}"}
    # Given two confirmed candidates who chose job alerts, one confirmed candidate who chose only events,
    # and one who chose job alerts but never confirmed
    wanted = [confirmed_candidate(runtime, ["job_alerts"]), confirmed_candidate(runtime, ["job_alerts", "events"])]
    other_topic = confirmed_candidate(runtime, ["events"])
    unconfirmed = confirmed_candidate(runtime, ["job_alerts"], confirm=False)

    # and an admin who saved the campaign to go out at any hour, by hand only (no schedule), so neither the
    # candidates' send windows nor the monthly firing makes the test depend on the hour or the date
    with runtime.client as client:
        current = client.get(f"/sequences/{CAMPAIGN}", headers=auth).json()
        definition = {k: v for k, v in current.items() if k not in STORED_FIELDS and k != "schedule"}
        definition["send_window"] = {"start_hour": 0, "end_hour": 24, "weekdays": [0, 1, 2, 3, 4, 5, 6]}
        saved = client.put(f"/sequences/{CAMPAIGN}", json=definition, headers=auth)
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 2
    # Schedules follow the campaign: without a cron it has none
    names = {s["name"] for s in runtime.info()["scheduler_schedules"]}
    assert f"campaign-{CAMPAIGN}" not in names
    assert "campaign-nurture-events" in names

    # When a recruiter sends it now
    with runtime.client as client:
        sent = client.post(f"/campaigns/{CAMPAIGN}/send", headers=auth)
    assert sent.status_code == 202, sent.text
    accepted = sent.json()
    assert accepted["campaign_id"] == CAMPAIGN
    assert accepted["execution"].startswith(
        runtime.info()["state_machines"]["nurture"].replace("stateMachine", "execution")
    )

    # Then one nurture execution sends it, and it succeeds
    wait_for(lambda: execution_status(runtime, accepted["execution"]) != "RUNNING", 60, "the nurture execution")
    assert execution_status(runtime, accepted["execution"]) == "SUCCEEDED"

    # to each candidate who chose the topic, once, as a marketing email with a one-click unsubscribe
    for email in wanted:
        (mail,) = [m for m in mails_to(runtime, email) if m["subject"].startswith(JOB_ALERTS_SUBJECT)]
        assert mail["text"] and mail["html"]
        assert mail["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "/unsubscribe/" in mail["headers"]["List-Unsubscribe"]
    # and to nobody else
    for email in (other_topic, unconfirmed):
        assert not [m for m in mails_to(runtime, email) if m["subject"].startswith(JOB_ALERTS_SUBJECT)]
