"""The HTML report in a real browser (headless Debian chromium): it renders, every label fits, nothing overlaps,
and it prints.

The page is built from realistic aggregates (bench/reports.py: 30 days of captures across five channels, two
sequences of three steps, four segments) and from none at all. Set TALENTPOOL_SCREENSHOTS to a folder to keep
the PNGs and the PDF for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bench import reports as realistic
from talentpool.logic.reports.build import Aggregates, build_summary, coverage, sequence_names
from talentpool.models.aggregates import DAY_PREFIX, EXPIRY_PK, TOTAL_PK
from talentpool.models.reports import ReportRequest, ReportSummary
from talentpool.views import report
from tests.e2e.test_browser_careers import browser  # noqa: F401 - the shared chromium fixture

pytestmark = [pytest.mark.browser]

SCREENSHOTS = os.environ.get("TALENTPOOL_SCREENSHOTS")
NOW = datetime(2026, 11, 26, 6, tzinfo=UTC)
DESKTOP = {"width": 1100, "height": 900}


def realistic_summary(pool: int) -> ReportSummary:
    """The report the job would write for the generator's aggregates, computed without AWS."""
    partitions: dict[str, dict[str, Any]] = defaultdict(dict)
    for item in realistic.aggregate_items(pool) if pool else []:
        partitions[item["pk"]][item["sk"]] = item.get("n", item.get("name"))
    days = {
        date.fromisoformat(pk.removeprefix(DAY_PREFIX)): c for pk, c in partitions.items() if pk.startswith(DAY_PREFIX)
    }
    expiring = {date.fromisoformat(day): n for day, n in partitions[EXPIRY_PK].items()}
    return build_summary(
        Aggregates(partitions[TOTAL_PK], days, expiring),
        coverage(ReportRequest(), now=NOW),
        segment_names=partitions["SEGMENTS"],
        sequence_names=sequence_names(partitions["SEQUENCES"]),
    )


# Every <text> of each chart: inside the drawing, and not on top of another one.
LAYOUT_PROBLEMS = """() => {
  const problems = [];
  for (const svg of document.querySelectorAll('svg.chart')) {
    const view = svg.viewBox.baseVal;
    const boxes = [...svg.querySelectorAll('text')].filter(t => !t.getAttribute('transform')).map(t => {
      const b = t.getBBox();
      return {text: t.textContent, x: b.x, y: b.y, r: b.x + b.width, b: b.y + b.height};
    });
    for (const box of boxes) {
      if (box.x < -0.5 || box.y < -0.5 || box.r > view.width + 0.5 || box.b > view.height + 0.5) {
        problems.push(`${svg.id}: "${box.text}" is cut off`);
      }
    }
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i], c = boxes[j];
        const overlap = Math.min(a.r, c.r) - Math.max(a.x, c.x) > 1 && Math.min(a.b, c.b) - Math.max(a.y, c.y) > 1;
        if (overlap) problems.push(`${svg.id}: "${a.text}" overlaps "${c.text}"`);
      }
    }
  }
  return problems;
}"""


@pytest.fixture
def show(browser, tmp_path: Path) -> Iterator[Callable[[ReportSummary, dict[str, int]], Any]]:  # noqa: F811
    """Opens a summary's page in a fresh browser context with the given viewport; closes them all after."""
    contexts: list[Any] = []

    def open_page(summary: ReportSummary, viewport: dict[str, int]) -> Any:
        html = tmp_path / "report.html"
        html.write_text(report.render_html(summary), encoding="utf-8")
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.goto(html.as_uri())
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.mark.parametrize("pool", [10_000, 100_000, 0], ids=["10k", "100k", "empty"])
def test_the_report_renders_readably_in_chromium(show, tmp_path: Path, pool: int) -> None:
    page = show(realistic_summary(pool), DESKTOP)

    charts = page.locator("svg.chart")
    assert charts.count() == 4
    for index in range(4):
        box = charts.nth(index).bounding_box()
        assert box is not None and box["width"] >= 900 and box["height"] >= 150, box
    assert page.evaluate(LAYOUT_PROBLEMS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]

    png = tmp_path / f"report-{pool}.png"
    page.screenshot(path=str(png), full_page=True)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000

    pdf = page.pdf(format="A4", landscape=True, print_background=True, prefer_css_page_size=True)
    assert pdf[:5] == b"%PDF-"
    keep(png, tmp_path / f"report-{pool}.pdf", pdf)


def test_on_a_phone_a_chart_scrolls_instead_of_shrinking_its_labels(show) -> None:
    page = show(realistic_summary(10_000), {"width": 390, "height": 844})

    widths = page.evaluate("[...document.querySelectorAll('svg.chart')].map(s => s.getBoundingClientRect().width)")
    assert min(widths) >= 640  # so 12 px labels stay at least 8 px high
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the page itself does not scroll


def keep(png: Path, pdf_path: Path, pdf: bytes) -> None:
    pdf_path.write_bytes(pdf)
    if SCREENSHOTS:
        folder = Path(SCREENSHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(png, folder / png.name)
        shutil.copy(pdf_path, folder / pdf_path.name)
