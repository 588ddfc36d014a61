"""The spine as a person meets it, through `python -m local` over real HTTP: form, email, link, confirmed."""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.e2e import local_process
from tests.e2e.local_process import LocalProcess, wait_for

pytestmark = pytest.mark.slow

CONFIRM_LINK = re.compile(r"https?://\S+/confirm\?token=[A-Za-z0-9._~%-]+")


@pytest.fixture(scope="module")
def runtime() -> Iterator[LocalProcess]:
    running = local_process.start()
    yield running
    running.kill()


def careers_form(email: str) -> dict[str, Any]:
    """What a browser without JavaScript posts from the careers page (templates/pages/careers.html.j2)."""
    return {
        "email": email,
        "first_name": "Ana",
        "last_name": "Silva",
        "city": "Lisbon",
        "country": "PT",
        "timezone": "Europe/Lisbon",
        "skills": "Python, AWS",
        "years_experience": "6",
        "interests": ["job_alerts", "events"],
        "consent": "on",
        "consent_text_version": "2026-11",
        "source_channel": "careers_site",
        "website": "",
    }


def press_confirm(client: Any, link: str) -> Any:
    """A person with the confirmation email: open the link (a page with one button), then press the button."""
    from urllib.parse import parse_qs, urlsplit

    page = client.get(link)
    assert page.status_code == 200, page.text
    assert page.text.count("<button") == 1
    token = parse_qs(urlsplit(link).query)["token"][0]
    assert f'name="token" value="{token}"' in page.text
    return client.post(urlsplit(link).path, data={"token": token})


def mail_to(runtime: LocalProcess, address: str) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        with runtime.client as client:
            outbox = client.get("/_local/outbox").json()
        return next((m for m in reversed(outbox) if address in m["to"]), None)

    mail: dict[str, Any] = wait_for(found, 30, f"an email to {address} in /_local/outbox")
    return mail


def store(runtime: LocalProcess) -> tuple[Any, str]:
    info = runtime.info()
    client = boto3.client(
        "dynamodb",
        endpoint_url=info["moto_endpoint"],
        region_name=info["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return client, info["table_name"]


def test_a_careers_form_submission_ends_with_a_confirmed_candidate(runtime: LocalProcess) -> None:
    email = f"ana.{uuid.uuid4().hex[:8]}@example.com"

    with runtime.client as client:
        # Given a person fills in the careers form without JavaScript
        posted = client.post("/candidates", data=careers_form(email))

        # Then the browser is sent to the thank-you page, which exists
        assert posted.status_code == 303, posted.text
        assert posted.headers["Location"] == f"{runtime.base_url}/thanks"
        thanks = client.get(posted.headers["Location"])
        assert thanks.status_code == 200
        assert thanks.headers["Content-Type"].startswith("text/html")

    # And a confirmation email arrives, readable as a file and as JSON
    mail = mail_to(runtime, email)
    assert mail["subject"]
    assert mail["from"].endswith("<talent@example.com>")
    assert mail["html"] and "<a " in mail["html"]
    link = CONFIRM_LINK.search(mail["text"])
    assert link, mail["text"]

    # When a mail scanner opens the link (a GET, and nothing else)
    with runtime.client as client:
        scanned = client.get(link.group(0))

    # Then it sees a page with one button, and the person is still pending
    assert scanned.status_code == 200
    assert "Confirm my email address" in scanned.text
    dynamodb, table = store(runtime)
    guard = dynamodb.get_item(TableName=table, Key={"pk": {"S": f"EMAIL#{email}"}, "sk": {"S": "GUARD"}})
    candidate_id = guard["Item"]["candidate_id"]["S"]
    profile_key = {"pk": {"S": f"CAND#{candidate_id}"}, "sk": {"S": "PROFILE"}}
    assert dynamodb.get_item(TableName=table, Key=profile_key)["Item"]["consent"]["M"]["status"]["S"] == "pending"

    # When the person opens it and presses the button
    with runtime.client as client:
        confirmed = press_confirm(client, link.group(0))

    # Then they see the confirmed page
    assert confirmed.status_code == 200
    assert "You are confirmed" in confirmed.text

    # And the store holds an active consent and a confirmed timeline entry
    profile = dynamodb.get_item(TableName=table, Key=profile_key)["Item"]
    assert profile["consent"]["M"]["status"]["S"] == "active"
    timeline = dynamodb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :tl)",
        ExpressionAttributeValues={":pk": {"S": f"CAND#{candidate_id}"}, ":tl": {"S": "TL#"}},
    )["Items"]
    assert "confirmed" in [item["kind"]["S"] for item in timeline]


def test_the_outbox_is_also_a_folder_of_eml_files(runtime: LocalProcess) -> None:
    email = f"eml.{uuid.uuid4().hex[:8]}@example.com"
    with runtime.client as client:
        assert client.post("/candidates", data=careers_form(email)).status_code == 303

    mail = mail_to(runtime, email)

    outbox_dir = runtime.info()["outbox_dir"]
    assert outbox_dir == str(runtime.local_dir / "outbox")
    raw = (runtime.local_dir / "outbox" / mail["file"]).read_text()
    assert f"To: {email}" in raw
    assert "Content-Type: multipart/alternative" in raw


def test_a_json_capture_with_a_bad_email_gets_a_field_error(runtime: LocalProcess) -> None:
    body = {"email": "not-an-email", "consent": {"given": True, "text_version": "2026-11"}}

    with runtime.client as client:
        response = client.post("/candidates", json=body)

    assert response.status_code == 422
    error = response.json()["error"]
    assert ["email"] in [field["loc"] for field in error["fields"]]


def test_an_unknown_path_gets_the_error_contract(runtime: LocalProcess) -> None:
    with runtime.client as client:
        response = client.get("/no/such/page")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_page_assets_reach_the_pages_function(runtime: LocalProcess) -> None:
    from infra import spec

    if not any(route.path.startswith("/assets/") for route in spec.ROUTES):
        pytest.skip("spec.ROUTES has no GET /assets/{name} route yet, so the gateway has none either")
    with runtime.client as client:
        response = client.get("/assets/site.css")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css")


def test_tests_can_get_tokens_that_verify_against_the_published_keys(runtime: LocalProcess) -> None:
    import jwt

    with runtime.client as client:
        minted = client.post("/_local/token", json={"groups": ["recruiters"], "email": "rita@example.com"})
        expired = client.post("/_local/token", json={"expires_in": -60})
        refused = client.post("/_local/token", json={"groups": "admins", "role": "root"})
        jwks = client.get("/.well-known/jwks.json").json()

    assert minted.status_code == 200
    info = runtime.info()
    claims = jwt.decode(
        minted.json()["token"], jwt.PyJWK(jwks["keys"][0]).key, algorithms=["RS256"], audience=info["audience"]
    )
    assert claims["cognito:groups"] == ["recruiters"]
    assert claims["email"] == "rita@example.com"
    assert claims["iss"] == info["issuer"]
    assert expired.json()["claims"]["exp"] < claims["iat"]
    assert refused.status_code == 422
    assert sorted(f["loc"] for f in refused.json()["error"]["fields"]) == [["groups"], ["role"]]


def test_the_recruiter_token_is_printed_with_a_ready_to_paste_config_line(runtime: LocalProcess) -> None:
    ready = re.search(r"talentpool config --endpoint (\S+) --token (\S+)", runtime.printed)

    assert ready, runtime.printed
    assert ready.group(1) == runtime.base_url
    assert ready.group(2).count(".") == 2


def test_check_starts_prints_the_banner_and_exits(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "local", "--check", "--port", "0"],
        cwd=local_process.ROOT,
        env={**os.environ, "TALENTPOOL_LOCAL_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "talentpool config --endpoint http://127.0.0.1:" in done.stdout


def test_ctrl_c_stops_a_busy_runtime_within_three_seconds() -> None:
    """Given a runtime holding candidates and still answering sign-ups, When Ctrl-C, Then it is gone in ≤ 3 s."""
    running = local_process.start()
    try:
        with running.client as client:
            for n in range(20):
                client.post("/candidates", data=careers_form(f"stop-{n}@example.com"))
        in_flight = [
            threading.Thread(target=_sign_up_quietly, args=(running, f"late-{n}@example.com"), daemon=True)
            for n in range(4)
        ]
        for thread in in_flight:
            thread.start()
        began = time.monotonic()
        code = running.interrupt(timeout=30)
        took = time.monotonic() - began
    finally:
        running.kill()

    assert code == 0, running.printed
    assert "Stopped." in running.printed
    assert took <= 3.0, f"Ctrl-C took {took:.1f} s"


def _sign_up_quietly(running: LocalProcess, email: str) -> None:
    # A request cut off by the shutdown is expected: only how long the runtime takes to go matters here.
    with contextlib.suppress(Exception), running.client as client:
        client.post("/candidates", data=careers_form(email))


def test_the_gateway_limits_public_submissions_per_ip_and_can_be_switched_off() -> None:
    limited = local_process.start({"TALENTPOOL_SUBMISSIONS_PER_MINUTE": "3"})
    unlimited = local_process.start({"TALENTPOOL_RATE_LIMITS": "off", "TALENTPOOL_SUBMISSIONS_PER_MINUTE": "3"})
    try:
        bodies = [careers_form(f"limit.{n}.{uuid.uuid4().hex[:6]}@example.com") for n in range(4)]
        with limited.client as client:
            answers = [client.post("/candidates", data=body) for body in bodies]
            page = client.get("/careers")
        with unlimited.client as client:
            free = [client.post("/candidates", data=body).status_code for body in bodies]
    finally:
        limited.kill()
        unlimited.kill()

    # Three sign-ups from one address in a minute are served; the fourth is refused before any function runs
    assert [a.status_code for a in answers] == [303, 303, 303, 429]
    assert 1 <= int(answers[3].headers["Retry-After"]) <= 60
    assert answers[3].json()["error"]["code"] == "too_many_requests"
    assert page.status_code == 200  # reading a page is not a submission
    assert "3 public submissions per IP a minute" in limited.printed
    # TALENTPOOL_RATE_LIMITS=off: nothing is refused
    assert free == [303, 303, 303, 303]
    assert "Rate limits    off" in unlimited.printed
