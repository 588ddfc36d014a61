"""Reports over `python -m local`: a few captures, `POST /_local/run/report`, and the report the real job wrote,
mirrored under .local/reports/dt=…/ and served by GET /reports/latest with the printed recruiter token."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.e2e import local_process
from tests.e2e.local_process import LocalProcess, wait_for
from tests.e2e.test_local_journey import careers_form

pytestmark = pytest.mark.slow

PRINTED_TOKEN = re.compile(r"Recruiter token[^\n]*:\n\s+(\S+)")
CHANNELS = ("careers_site", "careers_site", "social")
REPORT_FILES = {"summary.json", "funnel.csv", "sources.csv", "sequences.csv", "report.html"}


@pytest.fixture(scope="module")
def runtime() -> Iterator[LocalProcess]:
    running = local_process.start()
    yield running
    running.kill()


def printed_token(runtime: LocalProcess) -> str:
    match = PRINTED_TOKEN.search(runtime.printed)
    assert match, runtime.printed
    return match.group(1)


def run_report(runtime: LocalProcess, day: str) -> dict[str, Any]:
    with runtime.client as client:
        response = client.post("/_local/run/report", json={"date": day})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def mirrored_summary(runtime: LocalProcess, day: str) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads((runtime.local_dir / "reports" / f"dt={day}" / "summary.json").read_text())
    return summary


def test_a_report_run_now_counts_todays_captures_and_is_mirrored_and_served(runtime: LocalProcess) -> None:
    today = datetime.now(UTC).date().isoformat()
    # Given three captures today, through the careers form, from two channels
    for channel in CHANNELS:
        form = careers_form(f"report.{uuid.uuid4().hex[:8]}@example.com") | {"source_channel": channel}
        with runtime.client as client:
            assert client.post("/candidates", data=form).status_code == 303

    # When the report job runs now for today (the stream consumer counts asynchronously: run until it has)
    def counted() -> dict[str, Any] | None:
        body = run_report(runtime, today)
        summary = mirrored_summary(runtime, today)
        done = summary["activity"]["captured"] == summary["pool"]["total"] == len(CHANNELS)
        return body if done else None

    body = wait_for(counted, 30, "the report to count the three captures, today and in the pool")

    # Then the real job wrote every file under reports/dt=<today>/, and the mirror has them in the same folder
    assert body["report"]["prefix"] == f"reports/dt={today}/"
    folder = runtime.local_dir / "reports" / f"dt={today}"
    assert {path.name for path in folder.iterdir()} == REPORT_FILES
    summary = mirrored_summary(runtime, today)
    assert summary["coverage"]["date"] == today
    assert summary["activity"]["captured_by_channel"] == {"careers_site": 2, "social": 1}
    assert summary["pool"]["total"] == len(CHANNELS)
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") or page.lower().startswith("<!doctype html>")
    assert page.count("<svg") >= 4  # the four charts, inline
    assert "@example.com" not in page  # counts, never addresses

    # And a recruiter reads the same report through the API, with the token make run printed
    auth = {"Authorization": f"Bearer {printed_token(runtime)}"}
    with runtime.client as client:
        latest = client.get("/reports/latest", headers=auth)
        dates = client.get("/reports", headers=auth)
        unauthenticated = client.get("/reports/latest")
    assert latest.status_code == 200, latest.text
    report = latest.json()
    assert report["date"] == today
    assert report["summary"] == summary
    assert today in dates.json()["dates"]
    assert unauthenticated.status_code == 401
    # Its links are presigned GETs on the local reports bucket: the page they give is the mirrored one
    html = httpx.get(report["links"]["report_html"], timeout=10)
    assert html.status_code == 200
    assert html.text == page
