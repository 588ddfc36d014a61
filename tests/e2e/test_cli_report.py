"""`talentpool report` against `python -m local`: candidates captured, the report run now, read back and saved.

It needs the local runtime to run reports (`POST /_local/run/report`, the report function and the GET /reports
routes in infra/spec.py) and skips, saying which is missing, until it does.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from infra import spec
from tests.e2e import local_process
from tests.e2e.local_process import LocalProcess, wait_for
from tests.e2e.test_cli import Talentpool, mint

pytestmark = pytest.mark.slow


def _missing() -> str | None:
    if not any(f.name == "report" for f in spec.FUNCTIONS):
        return "infra/spec.py has no report function yet"
    if not any(r.path.startswith("/reports") and r.function == "recruiter_api" for r in spec.ROUTES):
        return "infra/spec.py does not route GET /reports to recruiter_api yet"
    return None


@pytest.fixture(scope="module")
def runtime() -> Iterator[LocalProcess]:
    missing = _missing()
    if missing:
        pytest.skip(missing)
    running = local_process.start()
    with running.client as client:
        probe = client.post("/_local/run/report", json={"date": "2000-01-01"})  # an empty, harmless report
    if probe.status_code == 404:
        running.kill()
        pytest.skip("the local runtime has no POST /_local/run/report yet")
    yield running
    running.kill()


@pytest.fixture(scope="module")
def talentpool(runtime: LocalProcess, tmp_path_factory: pytest.TempPathFactory) -> Talentpool:
    cli = Talentpool(tmp_path_factory.mktemp("cli-report") / "config.json")
    configured = cli("config", "--endpoint", runtime.base_url, "--token", mint(runtime))
    assert configured.exit_code == 0, configured.output
    return cli


def sign_up(runtime: LocalProcess, channel: str) -> None:
    body = {
        "email": f"report.{uuid.uuid4().hex[:10]}@example.com",
        "first_name": "Quintessa",
        "consent": {"given": True, "text_version": "2026-11"},
        "source": {"channel": channel, "utm_source": "meetup"},
    }
    with runtime.client as client:
        assert client.post("/candidates", json=body).status_code == 202


def test_a_report_run_now_shows_todays_captures_and_saves_its_page(
    runtime: LocalProcess, talentpool: Talentpool, tmp_path: Path
) -> None:
    today = datetime.now(UTC).date().isoformat()
    for channel in ("careers_site", "careers_site", "event"):
        sign_up(runtime, channel)

    def counted() -> bool:
        # Sign-ups are settled after their answer, and counted from the stream after that: run until they are in.
        with runtime.client as client:
            ran = client.post("/_local/run/report", json={"date": today})
        assert ran.status_code < 300, ran.text
        activity = talentpool.json("report", "--date", today)["summary"]["activity"]
        return bool(activity["captured"] >= 3 and activity["captured_by_channel"].get("event", 0) >= 1)

    wait_for(counted, 30, "the report to count the three sign-ups")

    # The page is mirrored where make run keeps its state, as the docs say.
    assert (runtime.local_dir / "reports" / f"dt={today}" / "report.html").is_file()

    listed = talentpool.json("report", "--list")
    assert today in listed["dates"]
    view = talentpool.json("report", "--date", today)
    activity = view["summary"]["activity"]
    assert activity["captured"] >= 3 and activity["captured_by_channel"].get("event", 0) >= 1

    shown = talentpool("report", "--date", today)
    assert shown.exit_code == 0, shown.output
    assert "Daily report" in shown.stdout and "Funnel, all time" in shown.stdout

    saved = tmp_path / "report.html"
    result = talentpool("report", "--date", today, "--save", str(saved))
    assert result.exit_code == 0, result.output
    page = saved.read_text(encoding="utf-8")
    assert page.count("<svg") == 4 and "Quintessa" not in page
    assert view["links"]["report_html"].startswith(runtime.info()["moto_endpoint"])
