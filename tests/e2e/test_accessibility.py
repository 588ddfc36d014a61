"""Every candidate-facing page, checked by axe-core in chromium: no serious or critical violation, a skip link,
the privacy policy link, and a focus ring a sighted keyboard user can see (3:1 against what is around it)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from local.environment import SAMPLE_PRIVACY_POLICY_URL
from talentpool.logic.sending import links
from tests.e2e import local_process
from tests.e2e.local_process import LocalProcess
from tests.e2e.test_browser_careers import browser  # noqa: F401 - the shared chromium fixture
from tests.e2e.test_browser_preferences import confirmed_candidate, link
from tests.e2e.test_local_journey import careers_form, mail_to

pytestmark = [pytest.mark.slow, pytest.mark.browser]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 375, "height": 812}
PRIVACY_URL = SAMPLE_PRIVACY_POLICY_URL  # cdk.json names none, so the local runtime links its sample


@pytest.fixture(scope="module")
def runtime() -> Iterator[LocalProcess]:
    running = local_process.start({"TALENTPOOL_SUBMISSIONS_PER_MINUTE": "600"})
    yield running
    running.kill()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:  # noqa: F811 - the imported fixture is the one used
    # bypass_csp: the pages allow only their own scripts, and axe is injected from outside
    context = browser.new_context(java_script_enabled=True, viewport=PHONE, bypass_csp=True)
    yield context.new_page()
    context.close()


def serious_violations(page: Any) -> list[str]:
    if not AXE.is_file():
        pytest.fail("axe-core is missing: run `npm ci` (make does)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def contrast(page: Any, selector: str) -> float:
    """The focus ring's contrast against the page behind it, as WCAG computes relative luminance."""
    return float(
        page.evaluate(
            """(selector) => {
              const el = document.querySelector(selector);
              el.focus({focusVisible: true});
              const rgb = (c) => c.match(/\\d+/g).slice(0, 3).map(Number);
              const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92
                : Math.pow((v + 0.055) / 1.055, 2.4); }).reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
              let back = el.parentElement;
              while (back && getComputedStyle(back).backgroundColor === 'rgba(0, 0, 0, 0)') back = back.parentElement;
              const ring = lum(rgb(getComputedStyle(el).outlineColor));
              const behind = lum(rgb(back ? getComputedStyle(back).backgroundColor : 'rgb(255,255,255)'));
              if (getComputedStyle(el).outlineStyle === 'none') return 0;
              return (Math.max(ring, behind) + 0.05) / (Math.min(ring, behind) + 0.05);
            }""",
            selector,
        )
    )


def _careers_with_errors(page: Any, runtime: LocalProcess) -> None:
    page.goto(f"{runtime.base_url}/careers")
    page.fill("#email", "not-an-address")
    page.fill("#years_experience", "99")
    page.click("button[type=submit]")
    page.locator("#email-error").wait_for(state="visible")


def _confirm_page(page: Any, runtime: LocalProcess) -> None:
    email = f"axe.{id(page)}@example.com"
    with runtime.client as client:
        assert client.post("/candidates", data=careers_form(email)).status_code == 303
    words = mail_to(runtime, email)["text"].split()
    page.goto(next(w for w in words if "/confirm?token=" in w).strip("<>"))


def _confirmed(page: Any, runtime: LocalProcess) -> None:
    _confirm_page(page, runtime)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _preferences(page: Any, runtime: LocalProcess, suffix: str = "") -> None:
    page.goto(link(runtime, links.PREFERENCES, confirmed_candidate(runtime)) + suffix)


def _delete_with_error(page: Any, runtime: LocalProcess) -> None:
    _preferences(page, runtime, "?step=delete")
    page.click("button[type=submit]")
    page.locator("#confirm-error").wait_for(state="visible")


def _data_deleted(page: Any, runtime: LocalProcess) -> None:
    _preferences(page, runtime, "?step=delete")
    page.check("#confirm")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _unsubscribed(page: Any, runtime: LocalProcess) -> None:
    page.goto(link(runtime, links.UNSUBSCRIBE, confirmed_candidate(runtime)))
    page.click("button[type=submit]")
    page.wait_for_load_state()


PAGES: dict[str, Callable[[Any, LocalProcess], None]] = {
    "careers": lambda page, runtime: page.goto(f"{runtime.base_url}/careers"),
    "careers with errors": _careers_with_errors,
    "thanks": lambda page, runtime: page.goto(f"{runtime.base_url}/thanks"),
    "confirm": _confirm_page,
    "confirmed": _confirmed,
    "link problem": lambda page, runtime: page.goto(f"{runtime.base_url}/confirm?token=not-a-real-token-at-all"),
    "preferences": _preferences,
    "delete step": lambda page, runtime: _preferences(page, runtime, "?step=delete"),
    "delete with an error": _delete_with_error,
    "data deleted": _data_deleted,
    "unsubscribe": lambda page, runtime: page.goto(link(runtime, links.UNSUBSCRIBE, confirmed_candidate(runtime))),
    "unsubscribed": _unsubscribed,
    "self-service problem": lambda page, runtime: page.goto(f"{runtime.base_url}/preferences/not-a-token-at-all"),
}


@pytest.mark.parametrize("name", PAGES)
def test_every_page_has_no_serious_accessibility_violation(page: Any, runtime: LocalProcess, name: str) -> None:
    # Given the page a candidate reaches
    PAGES[name](page, runtime)

    # Then axe finds nothing serious, and the shared layout is there
    assert serious_violations(page) == [], json.dumps(name)
    assert page.get_attribute("a.skip", "href") == "#main"
    assert page.get_attribute("footer a", "href") == PRIVACY_URL


def test_the_focus_ring_stands_out_at_least_three_to_one(page: Any, runtime: LocalProcess) -> None:
    page.goto(f"{runtime.base_url}/careers")
    for selector in ("#email", "#consent", "button[type=submit]", "footer a"):
        page.keyboard.press("Tab")  # keyboard use, so :focus-visible applies
        assert contrast(page, selector) >= 3, selector


def test_the_error_summary_links_each_error_to_its_field(page: Any, runtime: LocalProcess) -> None:
    _careers_with_errors(page, runtime)

    targets = page.eval_on_selector_all("#error-summary a", "links => links.map(a => a.getAttribute('href'))")

    assert "#email" in targets and "#years_experience" in targets
    for target in targets:
        assert page.locator(target).count() == 1
    summary = page.inner_text("#error-summary")
    assert "Input should" not in summary and "String should" not in summary
