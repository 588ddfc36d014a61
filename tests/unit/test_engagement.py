"""The engagement score: weights, the 30-day half-life, and folding events in whatever order they arrive."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from talentpool.logic.people.engagement import WEIGHTS, Interaction, credit, decay_factor, engagement_now
from talentpool.models.engagement import Engagement

T0 = datetime(2026, 11, 1, 9, tzinfo=UTC)


def days(n: float) -> datetime:
    return T0 + timedelta(days=n)


def by_formula(events: list[tuple[Interaction, datetime]], now: datetime) -> float:
    """The documented definition, summed from scratch: Σ w(e) · 0.5^(age_days / 30)."""
    return sum(WEIGHTS[kind] * 0.5 ** ((now - at).total_seconds() / 86_400 / 30) for kind, at in events)


def test_the_weights_are_open_1_click_3_confirmed_5():
    assert WEIGHTS == {Interaction.OPEN: 1.0, Interaction.CLICK: 3.0, Interaction.CONFIRMED: 5.0}


def test_a_score_halves_every_thirty_days():
    assert decay_factor(0) == 1.0
    assert decay_factor(30) == pytest.approx(0.5)
    assert decay_factor(60) == pytest.approx(0.25)
    assert engagement_now(8.0, T0, days(90)) == pytest.approx(1.0)


def test_the_first_interaction_starts_the_score_at_its_weight_and_time():
    assert credit(Engagement(), Interaction.CLICK, T0) == Engagement(score=3.0, at=T0)


def test_a_later_interaction_decays_the_old_score_to_its_own_time_then_adds():
    opened = credit(Engagement(), Interaction.OPEN, T0)

    clicked = credit(opened, Interaction.CLICK, days(30))

    assert clicked == Engagement(score=3.5, at=days(30))


def test_a_late_arriving_interaction_is_decayed_to_the_scores_time_which_does_not_move_back():
    clicked = credit(Engagement(), Interaction.CLICK, days(30))

    with_late_open = credit(clicked, Interaction.OPEN, T0)

    assert with_late_open == Engagement(score=3.5, at=days(30))


def test_any_arrival_order_gives_the_formulas_score():
    events = [
        (Interaction.OPEN, days(0)),
        (Interaction.CLICK, days(3.5)),
        (Interaction.CONFIRMED, days(-10)),
        (Interaction.OPEN, days(41)),
        (Interaction.CLICK, days(12.25)),
    ]
    now = days(50)
    expected = by_formula(events, now)

    for order in itertools.permutations(events):
        state = Engagement()
        for kind, at in order:
            state = credit(state, kind, at)
        assert state.at == days(41)
        assert engagement_now(state.score, state.at, now) == pytest.approx(expected, abs=1e-3)


def test_reading_as_of_now_never_exceeds_the_stored_score_and_is_zero_without_a_time():
    assert engagement_now(5.0, days(10), days(10)) == 5.0
    assert engagement_now(5.0, days(10), days(5)) == 5.0  # a clock behind the score's time does not inflate it
    assert engagement_now(0.0, None, days(10)) == 0.0
