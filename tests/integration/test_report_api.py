"""Reading reports through the recruiter API handler: dates, latest, by date, links, and every refusal."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from talentpool.adapters.aws import clients
from talentpool.models.reports import ReportSummary
from tests import factories
from tests.integration.helpers import call

BUCKET = factories.ENVIRONMENT["REPORTS_BUCKET"]


@pytest.fixture
def bucket(aws) -> Any:
    s3 = clients.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    return s3


@pytest.fixture
def reports(bucket) -> None:
    """Three daily reports and one weekly, written by the real job from an empty table (valid, all zeros)."""
    for day, at in (("2026-11-23", "2026-11-24"), ("2026-11-25", "2026-11-26"), ("2026-11-24", "2026-11-25")):
        call("report", {"date": day, "time": f"{at}T06:00:00Z"})
    call("report", {"period": "week", "time": "2026-11-30T06:00:00Z"})


def api(path: str, *, query: dict[str, str] | None = None, claims: Any = factories.RECRUITER) -> dict[str, Any]:
    return call("recruiter_api", factories.api_event("GET", path, query=query, claims=claims))


def body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def test_the_report_dates_are_listed_newest_first_by_period(reports):
    daily = api("/reports")
    assert daily["statusCode"] == 200
    assert body(daily) == {"period": "day", "dates": ["2026-11-25", "2026-11-24", "2026-11-23"]}
    assert body(api("/reports", query={"period": "week"})) == {"period": "week", "dates": ["2026-11-23"]}


def test_no_reports_yet_is_an_empty_list_and_a_404_for_the_latest(bucket):
    assert body(api("/reports")) == {"period": "day", "dates": []}
    latest = api("/reports/latest")
    assert latest["statusCode"] == 404 and body(latest)["error"]["code"] == "report_not_found"


def test_the_latest_report_is_its_summary_with_a_fifteen_minute_link_to_each_file(reports):
    response = api("/reports/latest")

    assert response["statusCode"] == 200
    view = body(response)
    assert (view["period"], view["date"]) == ("day", "2026-11-25")
    summary = ReportSummary.model_validate(view["summary"])
    assert summary.coverage.end.isoformat() == "2026-11-25"
    links = view["links"]
    assert set(links) == {"summary_json", "funnel_csv", "sources_csv", "sequences_csv", "report_html", "expires_at"}
    for name, file_name in (("funnel_csv", "funnel.csv"), ("report_html", "report.html")):
        url = urlsplit(links[name])
        query = parse_qs(url.query)
        assert unquote(url.path) == f"/reports/dt=2026-11-25/{file_name}"  # the bucket is in the host
        assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Expires"] == ["900"]


def test_a_report_by_date_and_a_weekly_one_by_its_monday(reports):
    day = api("/reports/2026-11-24")
    assert day["statusCode"] == 200 and body(day)["summary"]["coverage"]["end"] == "2026-11-24"
    week = body(api("/reports/2026-11-23", query={"period": "week"}))
    assert week["summary"]["coverage"]["period"] == "week"
    assert (week["summary"]["coverage"]["start"], week["summary"]["coverage"]["end"]) == ("2026-11-23", "2026-11-29")
    assert unquote(urlsplit(week["links"]["report_html"]).path) == "/reports/weekly/dt=2026-11-23/report.html"


def test_a_date_without_a_report_is_a_404(reports):
    response = api("/reports/2026-11-20")
    assert response["statusCode"] == 404
    assert body(response)["error"] == {
        "code": "report_not_found",
        "message": "There is no report for 2026-11-20",
        "fields": [],
    }


@pytest.mark.parametrize("value", ["2026-02-30", "25-11-2026", "20261125", "yesterday", "2026-11-25T00:00"])
def test_a_malformed_date_is_a_422_naming_the_path(bucket, value):
    response = api(f"/reports/{value}")
    assert response["statusCode"] == 422
    assert body(response)["error"]["fields"] == [{"loc": ["path", "date"], "msg": "must be a date as YYYY-MM-DD"}]


@pytest.mark.parametrize("query", [{"period": "month"}, {"perod": "week"}])
def test_an_unknown_period_or_parameter_is_a_422(bucket, query):
    for path in ("/reports", "/reports/latest", "/reports/2026-11-25"):
        assert api(path, query=query)["statusCode"] == 422, path


def test_reports_are_for_recruiters_only(bucket):
    outsider = {"sub": "x-1", "email": "x@example.com", "cognito:groups": "candidates"}
    for path in ("/reports", "/reports/latest", "/reports/2026-11-25"):
        assert api(path, claims=None)["statusCode"] == 401
        assert api(path, claims=outsider)["statusCode"] == 403
