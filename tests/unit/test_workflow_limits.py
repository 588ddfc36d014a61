"""The arithmetic behind staying inside Step Functions' limits: backoff, continuation names, closed windows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from talentpool.adapters.aws.workflows import Workflows, continuation_name
from talentpool.logic import workflow_limits as limits
from talentpool.logic.sending.planning import longest_closed
from talentpool.models.sequences import SendWindow

ARN = "arn:aws:states:eu-west-1:123456789012:execution:Engage-AbC123:0a1b2c3d-welcome"


def test_backoff_doubles_from_four_seconds_to_half_an_hour_and_never_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "draw", lambda: 1.0)

    ceilings = [limits.retry_after(n).total_seconds() for n in range(12)]

    assert ceilings == [4, 8, 16, 32, 64, 128, 256, 512, 1024, 1800, 1800, 1800]
    assert limits.retry_after(10_000) == timedelta(minutes=30)
    assert sum(ceilings[:10]) > 30 * 60  # more than half an hour of retrying before the ceiling stops growing


def test_full_jitter_draws_anywhere_below_the_ceiling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "draw", lambda: 0.0)
    assert limits.retry_after(5) == timedelta(0)
    monkeypatch.setattr(limits, "draw", lambda: 0.25)
    assert limits.retry_after(5) == timedelta(seconds=32)


def test_a_continuation_is_named_after_the_original_and_its_generation_within_80_characters() -> None:
    long_name = "x" * 80

    assert continuation_name("welcome-1", 1) == "welcome-1-c1"
    assert continuation_name("welcome-1-c1", 2) == "welcome-1-c2"
    assert continuation_name("ends-c1", 1) == "ends-c1-c1"  # an original name is never cut at a look-alike
    assert [len(continuation_name(long_name, g)) for g in (1, 10, 100)] == [80, 80, 80]
    assert continuation_name(continuation_name(long_name, 9), 10) == "x" * 76 + "-c10"


def test_the_continuations_arn_is_the_same_state_machine_with_the_new_name() -> None:
    assert Workflows().continuation_arn(ARN, 1) == f"{ARN}-c1"
    assert Workflows().continuation_arn(f"{ARN}-c1", 2) == f"{ARN}-c2"
    with pytest.raises(ValueError, match="execution ARN"):
        Workflows().continuation_arn("arn:aws:states:eu-west-1:1:stateMachine:Engage", 1)


@pytest.mark.parametrize(
    ("window", "closed"),
    [
        ({}, timedelta(hours=64)),  # Friday 18:00 to Monday 9:00, and a clock change
        ({"start_hour": 8, "end_hour": 20, "weekdays": [0, 1, 2, 3, 4, 5, 6]}, timedelta(hours=13)),
        ({"start_hour": 9, "end_hour": 10, "weekdays": [2]}, timedelta(days=7)),
        ({"start_hour": 0, "end_hour": 24, "weekdays": [0, 1, 2, 3, 4, 5, 6]}, timedelta(hours=1)),
        ({"quiet_hours": [{"start_hour": 12, "end_hour": 14}], "weekdays": [0]}, timedelta(hours=160)),
    ],
)
def test_the_longest_a_window_holds_a_send_back(window: dict[str, object], closed: timedelta) -> None:
    assert longest_closed(SendWindow.model_validate(window)) == closed


def test_a_window_that_quiet_hours_close_all_day_never_opens() -> None:
    window = SendWindow.model_validate({"quiet_hours": [{"start_hour": 0, "end_hour": 24}]})

    assert longest_closed(window) is None
