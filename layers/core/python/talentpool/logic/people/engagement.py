"""The engagement score: recency-weighted opens, clicks and confirmations, with a 30-day half-life.

    score(now) = Σ w(e) · 0.5 ^ (age_days(e, now) / 30)      w(open) = 1, w(click) = 3, w(confirmed) = 5

The sum is never recomputed from the timeline. It is kept as a pair (score, at): the score as of the
instant `at`. Decay is multiplicative, so the pair can be moved to any later instant, and an event is
folded in as it arrives. See docs/engagement.md.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from talentpool.models.engagement import Engagement

HALF_LIFE_DAYS = 30.0
_SECONDS_PER_DAY = 86_400.0
# Stored scores are rounded: enough precision to rank people, no float noise in the table.
_DIGITS = 4


class Interaction(StrEnum):
    """What a candidate did that says they are paying attention."""

    OPEN = "open"
    CLICK = "click"
    CONFIRMED = "confirmed"


WEIGHTS: dict[Interaction, float] = {
    Interaction.OPEN: 1.0,
    # A click is a deliberate act; an open may be an image proxy (Apple Mail Privacy Protection) loading pixels.
    Interaction.CLICK: 3.0,
    # Confirming consent is the strongest signal we get: they came back and asked for our email.
    Interaction.CONFIRMED: 5.0,
}


def decay_factor(elapsed_days: float) -> float:
    """How much of a score survives `elapsed_days`: halves every HALF_LIFE_DAYS."""
    return float(0.5 ** (max(elapsed_days, 0.0) / HALF_LIFE_DAYS))


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / _SECONDS_PER_DAY


def engagement_now(score: float, at: datetime | None, now: datetime) -> float:
    """The stored score read as of `now`, for search filters and reports; never more than what was stored."""
    if at is None or score <= 0:
        return 0.0
    return round(score * decay_factor(_days(at, now)), _DIGITS)


def credit(current: Engagement, interaction: Interaction, at: datetime) -> Engagement:
    """Fold one interaction that happened at `at` into the score.

    SES delivers events late and out of order, so an interaction older than the score's instant is decayed
    to that instant instead of dragging the instant back. Either way the result is the same as summing every
    interaction by the formula, whatever order they arrive in.
    """
    weight = WEIGHTS[interaction]
    if current.at is None:
        return Engagement(score=round(weight, _DIGITS), at=at)
    if at >= current.at:
        score = current.score * decay_factor(_days(current.at, at)) + weight
        return Engagement(score=round(score, _DIGITS), at=at)
    score = current.score + weight * decay_factor(_days(at, current.at))
    return Engagement(score=round(score, _DIGITS), at=current.at)
