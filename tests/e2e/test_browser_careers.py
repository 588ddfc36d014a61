"""The careers form in a real browser (headless Debian chromium), with JavaScript and without."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator

import pytest

from tests.e2e import local_process
from tests.e2e.local_process import LocalProcess

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("TALENTPOOL_REQUIRE_BROWSER"):
            pytest.fail("chromium is required here (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def runtime() -> Iterator[LocalProcess]:
    running = local_process.start()
    yield running
    running.kill()


@pytest.fixture(params=[True, False], ids=["with-javascript", "without-javascript"])
def page(request, browser, runtime):
    context = browser.new_context(java_script_enabled=request.param, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{runtime.base_url}/careers")
    yield page
    context.close()


def fill_valid(page, email: str) -> None:
    page.fill("#email", email)
    page.fill("#first_name", "Ana")
    page.fill("#skills", "Python, AWS")
    page.fill("#years_experience", "6")
    page.select_option("#country", "PT")
    page.check("input[name=interests][value=job_alerts]")
    page.check("#consent")


def test_a_visitor_signs_up_and_sees_the_thank_you_page(page, runtime):
    fill_valid(page, f"ana.{id(page)}@example.com")
    page.click("button[type=submit]")
    page.wait_for_url("**/thanks")
    assert "check your inbox" in page.inner_text("h1").lower()


def test_a_bad_email_is_shown_inline_and_the_form_keeps_what_was_typed(page, runtime):
    fill_valid(page, "ana.example.com")
    page.click("button[type=submit]")
    error = page.locator("#email-error")
    error.wait_for(state="visible")
    assert "email address" in error.inner_text()
    assert page.get_attribute("#email", "aria-invalid") == "true"
    assert page.input_value("#first_name") == "Ana"
    assert page.is_visible("#error-summary")
    assert "/thanks" not in page.url


def test_consent_left_unticked_is_shown_at_the_checkbox(page, runtime):
    fill_valid(page, "li@example.com")
    page.uncheck("#consent")
    page.click("button[type=submit]")
    page.locator("#consent-error").wait_for(state="visible")
    assert "tick the box to agree" in page.inner_text("#consent-error").lower()


def test_the_confirmation_link_shows_one_button_and_only_the_button_confirms(page, runtime):
    from tests.e2e.test_local_journey import CONFIRM_LINK, mail_to, store

    # Given a visitor signed up and got the confirmation email
    email = f"zoe.{uuid.uuid4().hex[:8]}@example.com"
    fill_valid(page, email)
    page.click("button[type=submit]")
    page.wait_for_url("**/thanks")
    link = CONFIRM_LINK.search(mail_to(runtime, email)["text"])
    assert link

    # When they open the link
    page.goto(link.group(0))

    # Then the page has one button, and opening it confirmed nothing
    assert page.inner_text("h1") == "Confirm your email address"
    assert page.locator("button").count() == 1
    dynamodb, table = store(runtime)
    guard = dynamodb.get_item(TableName=table, Key={"pk": {"S": f"EMAIL#{email}"}, "sk": {"S": "GUARD"}})
    profile_key = {"pk": {"S": f"CAND#{guard['Item']['candidate_id']['S']}"}, "sk": {"S": "PROFILE"}}
    assert dynamodb.get_item(TableName=table, Key=profile_key)["Item"]["consent"]["M"]["status"]["S"] == "pending"

    # When they press it
    page.click("button[type=submit]")
    page.wait_for_load_state()

    # Then they are confirmed
    assert page.inner_text("h1") == "You are confirmed"
    assert dynamodb.get_item(TableName=table, Key=profile_key)["Item"]["consent"]["M"]["status"]["S"] == "active"
