"""The preference centre and one-click unsubscribe in a real browser on a phone-sized screen, with JavaScript
and without, against the local runtime (`python -m local`)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra import spec
from talentpool.adapters.aws import codec, keys
from talentpool.clock import utcnow
from talentpool.logic.sending import links
from tests.e2e import local_process
from tests.e2e.local_process import LocalProcess
from tests.e2e.test_browser_careers import browser  # noqa: F401 - the shared chromium fixture
from tests.e2e.test_local_journey import careers_form, mail_to, press_confirm, store

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
# Set to a folder to keep a full-page PNG of each screen the tests visit, for a person to look at.
SCREENSHOTS = os.environ.get("TALENTPOOL_SCREENSHOTS")


@pytest.fixture(scope="module")
def runtime() -> Iterator[LocalProcess]:
    if not any(route.function == "self_service" for route in spec.ROUTES):
        pytest.skip("infra/spec.py does not route /preferences and /unsubscribe to self_service yet")
    # A dozen people sign up, confirm and change their choices from this one machine inside a minute: far more
    # submissions from one IP than the default limit (30 a minute) lets one visitor make, so this module raises it.
    running = local_process.start({"TALENTPOOL_SUBMISSIONS_PER_MINUTE": "600"})
    yield running
    running.kill()


def _secrets(runtime: LocalProcess) -> Any:
    info = runtime.info()
    return boto3.client(
        "secretsmanager",
        endpoint_url=info["moto_endpoint"],
        region_name=info["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def confirmed_candidate(runtime: LocalProcess) -> str:
    """Sign up through the careers form and follow the confirmation email, as a person would; their id."""
    email = f"ana.{uuid.uuid4().hex[:8]}@example.com"
    with runtime.client as client:
        posted = client.post("/candidates", data=careers_form(email))
        assert posted.status_code == 303, posted.text
        words = mail_to(runtime, email)["text"].split()
        confirm_link = next(w for w in words if "/confirm?token=" in w).strip("<>")
        assert press_confirm(client, confirm_link).status_code == 200
    # The id is in no page a candidate sees; the store's email guard has it.
    ddb, table = store(runtime)
    guard = ddb.get_item(TableName=table, Key=codec.to_item(keys.email_guard_key(email)), ConsistentRead=True)
    return str(guard["Item"]["candidate_id"]["S"])


def link(runtime: LocalProcess, purpose: str, candidate_id: str) -> str:
    """The link our emails carry, signed with this runtime's own secret (read from its Secrets Manager)."""
    info = runtime.info()
    secret = _secrets(runtime).get_secret_value(SecretId=info["token_secret_arn"])["SecretString"]
    sign = links.preferences_url if purpose == links.PREFERENCES else links.unsubscribe_url
    return sign(runtime.base_url, secret.encode(), candidate_id, utcnow())


@pytest.fixture(params=[True, False], ids=["with-javascript", "without-javascript"])
def page(request, browser, runtime):  # noqa: F811 - the imported fixture is the one used
    context = browser.new_context(java_script_enabled=request.param, viewport=PHONE)
    page = context.new_page()
    page.javascript = request.param
    yield page
    context.close()


def snap(page, name: str) -> None:
    if SCREENSHOTS:
        suffix = "js" if page.javascript else "nojs"
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}-{suffix}.png"), full_page=True)


def fits_the_phone(page) -> bool:
    """Nothing sticks out sideways: no horizontal scrolling on a 390 px screen."""
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_change_topics_and_frequency_then_see_them_saved(page, runtime):
    candidate_id = confirmed_candidate(runtime)
    page.goto(link(runtime, links.PREFERENCES, candidate_id))
    assert page.inner_text("h1") == "Your email preferences"
    assert fits_the_phone(page)
    snap(page, "preferences")

    page.check("input[name=interests][value=career_advice]")
    page.uncheck("input[name=interests][value=job_alerts]")
    page.check("input[name=max_per_week][value='1']")
    page.click("text=Save my choices")

    page.locator("#notice").wait_for(state="visible")
    assert "Saved" in page.inner_text("#notice")
    assert page.is_checked("input[name=interests][value=career_advice]")
    assert not page.is_checked("input[name=interests][value=job_alerts]")
    assert page.is_checked("input[name=max_per_week][value='1']")
    # With JavaScript the notice is dropped from the address, so a reload does not announce it again.
    assert ("notice=" in page.url) is not page.javascript
    snap(page, "saved")


def test_pause_for_two_weeks_then_resume(page, runtime):
    page.goto(link(runtime, links.PREFERENCES, confirmed_candidate(runtime)))

    page.select_option("#weeks", "2")
    page.click("text=Pause emails")

    page.locator("text=Resume emails now").wait_for(state="visible")
    assert "Emails are paused until" in page.inner_text("#state")
    assert fits_the_phone(page)
    snap(page, "paused")
    page.click("text=Resume emails now")
    page.locator("text=Pause emails").wait_for(state="visible")
    assert page.inner_text("#state") == "Emails are on."


def test_unsubscribe_from_all_on_the_page(page, runtime):
    page.goto(link(runtime, links.PREFERENCES, confirmed_candidate(runtime)))

    page.click("text=Unsubscribe from all emails")

    page.locator("#notice").wait_for(state="visible")
    assert "You are unsubscribed" in page.inner_text("#notice")
    assert page.is_visible("text=Want to hear from us again?")
    assert not page.is_visible("text=Save my choices")
    snap(page, "unsubscribed")
    # The only way back is a fresh sign-up, with its own confirmation email.
    page.click("a:has-text('our careers page')")
    page.wait_for_url("**/careers")
    assert page.inner_text("h1") == "Join our talent community"


def test_the_unsubscribe_link_asks_once_then_unsubscribes(page, runtime):
    page.goto(link(runtime, links.UNSUBSCRIBE, confirmed_candidate(runtime)))
    assert page.inner_text("h1") == "Unsubscribe from our emails?"
    assert fits_the_phone(page)
    snap(page, "unsubscribe")

    page.click("button:has-text('Unsubscribe')")

    page.wait_for_selector("h1:has-text('You are unsubscribed')")
    snap(page, "unsubscribe-done")


def test_delete_needs_the_tick_then_deletes_everything(page, runtime):
    preferences = link(runtime, links.PREFERENCES, confirmed_candidate(runtime))
    page.goto(preferences)

    page.click("text=Delete everything…")
    page.click("button:has-text('Delete everything')")
    page.locator("#confirm-error").wait_for(state="visible")
    assert page.get_attribute("#confirm", "aria-invalid") == "true"
    snap(page, "delete-unticked")
    page.check("#confirm")
    page.click("button:has-text('Delete everything')")

    page.wait_for_selector("h1:has-text('Your data is deleted')")
    snap(page, "deleted")
    reopened = page.goto(preferences)
    assert reopened is not None and reopened.status == 404
    assert page.inner_text("h1") == "We no longer hold data about you"
