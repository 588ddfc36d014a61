"""`talentpool report`: the requests it makes, the tables it shows, and the HTML it saves or opens."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from talentpool.logic.reports.build import Aggregates, build_summary, coverage
from talentpool.models.aggregates import FUNNEL_STEPS, metric_key
from talentpool.models.reports import ReportRequest
from tests.unit.test_cli_fakes import FakeApi, cli, error

HTML_URL = "http://bucket.test/reports/dt%3D2026-11-25/report.html"
PAGE = b"<!doctype html><title>report</title>"


def view(period: str = "day") -> dict[str, Any]:
    """What GET /reports/latest returns, with a summary the real logic computed."""
    end = date(2026, 11, 25)
    totals = {
        metric_key("reached", step, "referral"): n for step, n in zip(FUNNEL_STEPS, (40, 30, 20, 10, 4), strict=True)
    }
    totals |= {metric_key("pool", "total"): 40, metric_key("segment", "S1"): 12}
    days = {
        end: {
            metric_key("captured", "channel", "referral"): 3,
            metric_key("email", "sent", "welcome", 0): 10,
            metric_key("email", "delivered", "welcome", 0): 8,
            metric_key("email", "opened", "welcome", 0): 4,
        }
    }
    cover = coverage(ReportRequest(period=period, date=end), now=datetime(2026, 11, 26, 6, tzinfo=UTC))
    summary = build_summary(
        Aggregates(totals, days, {end + timedelta(days=3): 7}),
        cover,
        segment_names={"S1": "Senior Python"},
        sequence_names={"welcome": "Welcome series"},
    )
    links = {
        name: f"http://bucket.test/{name}" for name in ("summary_json", "funnel_csv", "sources_csv", "sequences_csv")
    }
    return {
        "period": period,
        "date": cover.date.isoformat(),
        "summary": summary.model_dump(mode="json"),
        "links": {**links, "report_html": HTML_URL, "expires_at": "2026-11-26T08:15:00Z"},
    }


def test_report_shows_the_latest_summary_as_tables(tmp_path: Path) -> None:
    api = FakeApi().on("GET", "/reports/latest", httpx.Response(200, json=view()))

    result = cli(tmp_path, api).run("report")

    assert result.exit_code == 0, result.output
    (request,) = api.sent("GET", "/reports/latest")
    assert request.url.params["period"] == "day"
    out = result.stdout
    assert "Daily report · 25 Nov 2026 (UTC)" in out
    assert "Funnel, all time" in out and "Applied" in out and "25.0%" in out  # 10 of 40 captured
    assert "Referral" in out and "Step performance, last 30 days" in out and "Welcome series" in out
    assert "50.0%" in out  # 4 opened of 8 delivered
    assert "Senior Python" in out and "Consents expiring" in out


def test_a_date_and_week_ask_for_that_report(tmp_path: Path) -> None:
    api = FakeApi().on("GET", "/reports/2026-11-23", httpx.Response(200, json=view("week")))

    result = cli(tmp_path, api).run("report", "--date", "2026-11-23", "--week")

    assert result.exit_code == 0, result.output
    assert api.sent("GET", "/reports/2026-11-23")[0].url.params["period"] == "week"
    assert "Weekly report · 23 Nov 2026 to 25 Nov 2026 (UTC)" in result.stdout


def test_save_downloads_the_page_through_its_link_without_the_token(tmp_path: Path) -> None:
    api = FakeApi().on("GET", "/reports/latest", httpx.Response(200, json=view()))
    api.on("GET", HTML_URL.split("?")[0], httpx.Response(200, content=PAGE))
    target = tmp_path / "report.html"

    result = cli(tmp_path, api).run("report", "--save", str(target))

    assert result.exit_code == 0, result.output
    assert target.read_bytes() == PAGE
    download = next(r for r in api.requests if r.url.host == "bucket.test")
    assert "authorization" not in download.headers  # S3 would refuse a second authentication
    assert f"Saved {target}" in result.stderr.replace("\n", "")


def test_open_shows_a_copy_in_the_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    api = FakeApi().on("GET", "/reports/latest", httpx.Response(200, json=view()))
    api.on("GET", HTML_URL.split("?")[0], httpx.Response(200, content=PAGE))

    result = cli(tmp_path, api).run("report", "--open")

    assert result.exit_code == 0, result.output
    copy = tmp_path / "talentpool-report-day-2026-11-25.html"
    assert opened == [copy.as_uri()] and copy.read_bytes() == PAGE


def test_a_failed_download_is_an_error_not_an_empty_file(tmp_path: Path) -> None:
    expired = "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
    api = FakeApi().on("GET", "/reports/latest", httpx.Response(200, json=view()))
    api.on("GET", HTML_URL.split("?")[0], httpx.Response(403, text=expired))
    target = tmp_path / "report.html"

    result = cli(tmp_path, api).run("report", "--save", str(target))

    assert result.exit_code == 1
    assert "the download was refused: AccessDenied: Request has expired" in result.stderr
    assert not target.exists()


def test_no_report_for_a_date_exits_1_with_the_api_message(tmp_path: Path) -> None:
    api = FakeApi().on(
        "GET", "/reports/2026-11-20", error(404, "report_not_found", "There is no report for 2026-11-20")
    )
    result = cli(tmp_path, api).run("report", "--date", "2026-11-20")
    assert result.exit_code == 1 and "There is no report for 2026-11-20" in result.stderr


def test_a_malformed_date_is_a_usage_error_before_any_request(tmp_path: Path) -> None:
    api = FakeApi()
    result = cli(tmp_path, api).run("report", "--date", "25/11/2026")
    assert result.exit_code == 2 and api.requests == []


def test_list_shows_the_dates_or_says_there_are_none(tmp_path: Path) -> None:
    api = FakeApi().on(
        "GET",
        "/reports",
        httpx.Response(200, json={"period": "day", "dates": ["2026-11-25", "2026-11-24"]}),
        httpx.Response(200, json={"period": "day", "dates": []}),
    )
    listed = cli(tmp_path, api).run("report", "--list")
    empty = cli(tmp_path, api).run("report", "--list")
    assert listed.exit_code == 0 and "2026-11-25" in listed.stdout and "2026-11-24" in listed.stdout
    assert "No reports yet" in empty.stdout


def test_json_prints_the_api_answer(tmp_path: Path) -> None:
    answer = view()
    api = FakeApi().on("GET", "/reports/latest", httpx.Response(200, json=answer))
    result = cli(tmp_path, api).run("report", "--json")
    assert json.loads(result.stdout) == answer
