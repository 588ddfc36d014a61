"""The report's chart kit (talentpool.views.charts): round axes, escaped text, an accessible name on every chart."""

from __future__ import annotations

import pytest

from talentpool.views import charts


@pytest.mark.parametrize(
    ("highest", "ticks"),
    [(0, [0, 1]), (1, [0, 1]), (7, [0, 2, 4, 6, 8]), (31, [0, 10, 20, 30, 40]), (143, [0, 50, 100, 150])],
)
def test_axes_have_round_ticks(highest: float, ticks: list[float]) -> None:
    assert charts.axis_ticks(highest) == ticks


def test_percent_axes_step_by_quarters() -> None:
    assert charts.axis_ticks(1.0, smallest_step=0.25) == [0, 0.25, 0.5, 0.75, 1.0]


def test_every_piece_of_text_in_a_drawing_is_escaped() -> None:
    svg = charts.Svg(width=100, height=50, title="<script>", desc="a & b", ident="c")
    svg.text(0, 0, "</svg><img src=x>")
    drawn = svg.render()
    assert "<script>" not in drawn and "<img" not in drawn
    assert "&lt;/svg&gt;&lt;img src=x&gt;" in drawn and "a &amp; b" in drawn


def test_a_drawing_is_named_for_screen_readers_by_its_title_and_description() -> None:
    drawn = charts.Svg(width=100, height=50, title="Funnel", desc="Captured 10", ident="funnel").render()
    assert 'role="img"' in drawn and 'aria-labelledby="funnel-title funnel-desc"' in drawn
    assert '<title id="funnel-title">Funnel</title>' in drawn
