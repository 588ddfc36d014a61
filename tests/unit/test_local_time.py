"""Local time: Wait states on TALENTPOOL_TIME_SCALE, and schedules from the local clock."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from local.clock import Schedule, ScheduleClock, rate_seconds, scheduled_event
from local.moto_patches import patch_wait, scaled_wait


class FakeEnvironment:
    """The two things a Wait state uses from moto's interpreter environment."""

    def __init__(self, running: bool = True) -> None:
        self.program_state_event = threading.Event()
        self.running = running

    def is_running(self) -> bool:
        return self.running


def run_in_thread(target: Any) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def test_a_days_wait_lasts_a_scaled_moment() -> None:
    wait = scaled_wait(scale=86400 * 100)  # a day is 10 ms

    thread = run_in_thread(lambda: wait(None, FakeEnvironment(), 86400))
    thread.join(5)

    assert not thread.is_alive()


def test_a_stopped_execution_ends_its_wait_early() -> None:
    wait = scaled_wait(scale=1)  # a real day, unless interrupted
    env = FakeEnvironment()

    thread = run_in_thread(lambda: wait(None, env, 86400))
    env.running = False
    env.program_state_event.set()
    thread.join(5)

    assert not thread.is_alive()


def test_an_unrelated_wake_up_keeps_a_running_execution_waiting() -> None:
    wait = scaled_wait(scale=1)
    env = FakeEnvironment()

    thread = run_in_thread(lambda: wait(None, env, 3600))
    env.program_state_event.set()  # still running: the Wait must go on
    thread.join(0.3)

    assert thread.is_alive()
    env.running = False
    thread.join(5)
    assert not thread.is_alive()


def test_the_wait_patch_replaces_moto_and_can_be_undone() -> None:
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

    original = WaitFunction.__dict__["_wait_interval"]
    undo = patch_wait(1000)
    try:
        assert WaitFunction.__dict__["_wait_interval"] is not original
    finally:
        undo()

    assert WaitFunction.__dict__["_wait_interval"] is original


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(1 day)", 86400), ("rate(2 hours)", 7200), ("rate(5 minutes)", 300), ("rate( 1 minute )", 60)],
)
def test_rate_expressions(expression: str, seconds: int) -> None:
    assert rate_seconds(expression) == seconds


@pytest.mark.parametrize("expression", ["rate(1 days)", "rate(2 hour)", "rate(0 minutes)", "cron(0 6 * * ? *)"])
def test_expressions_eventbridge_or_the_local_clock_would_refuse(expression: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        rate_seconds(expression)


def test_the_clock_fires_each_schedule_once_per_scaled_period() -> None:
    now = [0.0]
    clock = ScheduleClock(scale=8640, monotonic=lambda: now[0])  # a day is 10 s
    clock.add(Schedule("daily", "rate(1 day)", lambda: None))
    clock.add(Schedule("hourly", "rate(1 hour)", lambda: None))
    fired: dict[str, int] = {}

    now[0] = 0.2
    assert clock.due(0.0, fired) == []
    now[0] = 0.5  # an hour of scaled time
    assert [s.name for s in clock.due(0.0, fired)] == ["hourly"]
    now[0] = 10.0  # a day
    assert sorted(s.name for s in clock.due(0.0, fired)) == ["daily", "hourly"]


def test_a_scheduled_event_is_shaped_like_eventbridges() -> None:
    event = scheduled_event(
        "report", account="123456789012", region="us-east-1", now=datetime(2026, 11, 26, tzinfo=UTC)
    )

    assert event["source"] == "aws.events"
    assert event["detail-type"] == "Scheduled Event"
    assert event["time"] == "2026-11-26T00:00:00Z"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/report"]
    assert event["detail"] == {}


# A timestamp Wait in moto subtracts naive local now from a UTC timestamp; `python -m local` runs in UTC.
WAIT_PROBE = """
import datetime
from types import SimpleNamespace
from moto.stepfunctions.parser.asl.component.common.string.string_expression import StringLiteral
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import TimestampPath
from local.__main__ import use_utc

def wait_seconds():
    ahead = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    wait = TimestampPath(StringLiteral(ahead.strftime("%Y-%m-%dT%H:%M:%SZ")))
    return wait._get_wait_seconds(SimpleNamespace(stack=[], is_running=lambda: True, next_field_name=None))

before = wait_seconds()
use_utc()
print(before, wait_seconds())
"""


@pytest.fixture(scope="module")
def timestamp_waits() -> tuple[int, int]:
    """Seconds moto waits for a timestamp a day ahead, in a zone eight hours west of UTC: before and after
    the runtime's use_utc()."""
    # A POSIX zone rule needs no tz database: local time is UTC minus eight hours, all year.
    env = {**os.environ, "TZ": "TEST+8", "PYTHONPATH": os.pathsep.join(sys.path)}
    probe = subprocess.run(  # noqa: S603 - our own interpreter and probe
        [sys.executable, "-c", WAIT_PROBE], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    before, after = (int(value) for value in probe.stdout.split())
    return before, after


def test_a_timestamp_wait_a_day_ahead_lasts_ten_seconds_at_the_default_scale_in_any_zone(
    timestamp_waits: tuple[int, int],
) -> None:
    _, seconds = timestamp_waits

    assert abs(seconds - 86400) <= 5
    assert 9.9 <= seconds / 8640 <= 10.1


def test_without_utc_moto_would_wait_the_zones_offset_longer(timestamp_waits: tuple[int, int]) -> None:
    """Why the runtime sets TZ: the same Wait without it is eight hours (3.3 s at 8640x) too long."""
    before, _ = timestamp_waits

    assert abs(before - (86400 + 8 * 3600)) <= 5
