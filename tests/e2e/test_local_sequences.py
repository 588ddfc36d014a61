"""Issue 4 as a candidate meets it, over `python -m local` at an accelerated time scale: the careers form, the
confirmation, the welcome series (day 0, then day 3), a one-click unsubscribe, and no email after it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from tests.e2e import local_process
from tests.e2e.local_process import LocalProcess, wait_for
from tests.e2e.test_local_journey import CONFIRM_LINK, careers_form, press_confirm, store

pytestmark = pytest.mark.slow

# Two sequence days per real second: the day-3 email comes 1.5 s after the welcome, and the day-10 one would
# come about 5 s after that, which leaves the test seconds, not milliseconds, to unsubscribe in between.
TIME_SCALE = 86400 * 2
COMPANY = "Talentpool"  # cdk.json's company_name
# Zones far apart: one of them is always well inside the welcome series' 8:00-20:00 window, so the welcome
# goes out in the round that enrols (the sequence works outside it too, one Wait later).
ZONES = ("Europe/London", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "Asia/Kolkata", "Pacific/Auckland")


@pytest.fixture(scope="module")
def runtime() -> Iterator[LocalProcess]:
    running = local_process.start({"TALENTPOOL_TIME_SCALE": str(TIME_SCALE)})
    yield running
    running.kill()


def daytime_zone(now: datetime) -> str:
    return next(zone for zone in ZONES if 10 <= now.astimezone(ZoneInfo(zone)).hour < 17)


def mails_to(runtime: LocalProcess, address: str) -> list[dict[str, Any]]:
    with runtime.client as client:
        return [mail for mail in client.get("/_local/outbox").json() if address in mail["to"]]


def mail_with_subject(runtime: LocalProcess, address: str, subject: str, timeout: float = 30) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        return next((m for m in mails_to(runtime, address) if m["subject"] == subject), None)

    mail: dict[str, Any] = wait_for(found, timeout, f"{subject!r} to {address}")
    return mail


def enrolment(runtime: LocalProcess, token: str, candidate_id: str) -> dict[str, Any]:
    with runtime.client as client:
        listed = client.get(f"/candidates/{candidate_id}/enrollments", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200, listed.text
    (welcome,) = [e for e in listed.json()["items"] if e["sequence_id"] == "welcome"]
    return dict(welcome)


def test_a_confirmed_candidate_gets_the_welcome_series_until_a_one_click_unsubscribe(runtime: LocalProcess) -> None:
    email = f"sam.{uuid.uuid4().hex[:8]}@example.com"
    form = careers_form(email) | {"first_name": "Sam", "timezone": daytime_zone(datetime.now(UTC))}
    # No topic: the day-3 email's subject is the plain one (no variant applies), and none of the monthly nurture
    # campaigns seeded at start (at this scale one fires every ~15 s) competes with the series for the weekly cap.
    form["interests"] = []

    # Given a candidate who filled in the careers form and followed the confirmation link
    with runtime.client as client:
        assert client.post("/candidates", data=form).status_code == 303
    confirmation: dict[str, Any] = wait_for(lambda: mails_to(runtime, email), 30, "the confirmation email")[0]
    link = CONFIRM_LINK.search(confirmation["text"])
    assert link, confirmation["text"]
    with runtime.client as client:
        assert press_confirm(client, link.group(0)).status_code == 200

    # Then the welcome email arrives, personal, with both parts and the RFC 8058 headers
    welcome = mail_with_subject(runtime, email, f"Welcome to the {COMPANY} talent community, Sam")
    assert welcome["text"] and welcome["html"]
    assert welcome["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = re.fullmatch(r"<(https?://\S+)>", welcome["headers"]["List-Unsubscribe"])
    assert unsubscribe_url, welcome["headers"]

    # And three sequence days later, the second email of the series
    day_three = mail_with_subject(runtime, email, f"What working at {COMPANY} is like")
    assert day_three["sent_at"] > welcome["sent_at"]

    # When the candidate unsubscribes with one click from their mail client (RFC 8058: a POST, no page)
    url = urlsplit(unsubscribe_url.group(1))
    with runtime.client as client:
        unsubscribed = client.post(
            url.path,
            content="List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert unsubscribed.status_code == 200, unsubscribed.text
    sent_before = len(mails_to(runtime, email))

    # Then the series ends at its next round, when the day-10 email was due, because they unsubscribed
    dynamodb, table = store(runtime)
    guard = dynamodb.get_item(TableName=table, Key={"pk": {"S": f"EMAIL#{email}"}, "sk": {"S": "GUARD"}})
    candidate_id = guard["Item"]["candidate_id"]["S"]
    token = recruiter_token(runtime)
    ended = wait_for(
        lambda: (found := enrolment(runtime, token, candidate_id))["status"] != "running" and found,
        60,
        "the welcome series to end",
    )
    assert (ended["status"], ended["exit_reason"]) == ("exited", "unsubscribed")
    assert ended["step"] == 2  # two of the three emails went out

    # And nothing more was sent: not the day-10 email, nor anything else
    later = mails_to(runtime, email)
    assert len(later) == sent_before == 3  # the confirmation, the welcome, day 3
    assert not [m for m in later if "how we match" in m["subject"].lower()]

    # And SES's delivery events came back through the default bus, the ses-events queue and ses_events
    def delivered() -> int:
        timeline = dynamodb.query(
            TableName=table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :tl)",
            ExpressionAttributeValues={":pk": {"S": f"CAND#{candidate_id}"}, ":tl": {"S": "TL#"}},
        )["Items"]
        return [item["kind"]["S"] for item in timeline].count("email_delivered")

    assert wait_for(lambda: delivered() >= 2, 30, "the welcome and day-3 deliveries on the timeline")


def recruiter_token(runtime: LocalProcess) -> str:
    with runtime.client as client:
        minted = client.post("/_local/token", json={"groups": ["recruiters"]})
    assert minted.status_code == 200
    return str(minted.json()["token"])


def test_run_report_runs_the_report_job_or_says_there_is_none(runtime: LocalProcess) -> None:
    with runtime.client as client:
        response = client.post("/_local/run/report", json={})

    if "report" not in runtime.info()["functions"]:
        assert response.status_code == 404
        assert "no 'report' function" in response.json()["error"]["message"]
        return
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["mirrored"], body
    assert sorted(body["mirrored"]) == sorted(
        k.removeprefix("reports/") for k in body["report"]["keys"] if k.startswith("reports/")
    )
    for relative in body["mirrored"]:
        assert relative.startswith("dt=")  # the body asked for the default, a daily report
        assert (runtime.local_dir / "reports" / relative).is_file()
