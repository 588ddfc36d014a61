"""Local time: Wait states on TALENTPOOL_TIME_SCALE, and schedules from the local clock."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.clock import ClockEntry, ScheduleClock, SequenceTime, scheduled_event
from local.cron import ScheduleExpressionError
from local.moto_patches import ExecutionTimes, patch_wait, scaled_wait


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


class FakeTime:
    """Wall and monotonic seconds the test moves by hand."""

    def __init__(self, start: float) -> None:
        self.now = start

    def wall(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now


START = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)  # a Thursday, 05:00 UTC


def clock_at(start: datetime = START, scale: float = 8640) -> tuple[ScheduleClock, FakeTime]:
    fake = FakeTime(start.timestamp())
    time_source = SequenceTime(scale, wall=fake.wall, start=fake.now)
    return ScheduleClock(time_source, monotonic=fake.monotonic, min_interval_s=1.0), fake


def test_sequence_time_starts_at_real_time_and_passes_scale_times_faster() -> None:
    fake = FakeTime(START.timestamp())
    sequence = SequenceTime(8640, wall=fake.wall, start=fake.now)

    assert sequence.now() == START
    fake.now += 10
    assert sequence.now() == START + timedelta(days=1)
    assert sequence.of(START + timedelta(seconds=5)) == START + timedelta(hours=12)


def test_a_daily_cron_fires_at_its_hour_of_each_sequence_day() -> None:
    clock, fake = clock_at()
    fired: list[datetime] = []
    clock.add(ClockEntry("daily", "cron(0 6 * * ? *)", fired.append))

    fake.now += 0.4  # 05:57 sequence time
    assert clock.due() == []
    fake.now += 0.1  # 06:12
    [(entry, due_at)] = clock.due()
    assert due_at == datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    assert entry.next_at == datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    fake.now += 5  # the next sequence day's 06:00 has not come yet
    assert clock.due() == []
    fake.now += 5
    assert [due for _, due in clock.due()] == [datetime(2026, 11, 27, 6, 0, tzinfo=UTC)]


def test_firings_missed_together_become_one_and_none_comes_within_a_second_of_the_last() -> None:
    clock, fake = clock_at(scale=86400 * 10)  # a day is 0.1 s
    clock.add(ClockEntry("daily", "cron(0 6 * * ? *)", lambda _: None))

    fake.now += 0.55  # five sequence days
    assert len(clock.due()) == 1
    fake.now += 0.5  # five more, but only half a real second since the last firing
    assert clock.due() == []
    fake.now += 0.5
    assert len(clock.due()) == 1


def test_a_schedule_still_running_skips_the_firing_that_comes_meanwhile() -> None:
    clock, fake = clock_at()
    clock.add(ClockEntry("hourly", "rate(1 hour)", lambda _: None, anchor=START))
    fake.now += 0.5  # an hour and a bit
    [(entry, _)] = clock.due()

    entry.running = True
    fake.now += 1.5
    assert clock.due() == []
    entry.running = False
    assert len(clock.due()) == 1


def test_a_rate_counts_from_its_anchor() -> None:
    clock, fake = clock_at()
    clock.add(ClockEntry("every-2h", "rate(2 hours)", lambda _: None, anchor=START - timedelta(hours=1)))

    [entry_key] = clock.keys()
    assert entry_key == "every-2h"
    fake.now += 60 * 60 / 8640  # 06:00: one hour after start, two after the anchor
    [(_, due_at)] = clock.due()
    assert due_at == START + timedelta(hours=1)


def test_a_one_time_schedule_leaves_the_clock_after_it_fired() -> None:
    clock, fake = clock_at()
    clock.add(ClockEntry("once", "at(2026-11-26T08:00:00)", lambda _: None))

    fake.now += 2  # 09:48
    assert len(clock.due()) == 1
    assert clock.keys() == []


def test_the_clock_runs_each_firing_on_its_own_thread_and_survives_a_failing_one() -> None:
    clock = ScheduleClock(SequenceTime(86400 * 100), tick_s=0.01, min_interval_s=0.05)
    calls: list[str] = []
    done = threading.Event()

    def fails(_: datetime) -> None:
        calls.append("fails")
        raise RuntimeError("boom")

    def works(_: datetime) -> None:
        calls.append("works")
        if calls.count("works") >= 2:
            done.set()

    clock.add(ClockEntry("fails", "rate(1 hour)", fails))
    clock.add(ClockEntry("works", "rate(1 hour)", works))
    clock.start()
    try:
        assert done.wait(10)
    finally:
        clock.stop()
    assert "fails" in calls


def test_an_expression_the_clock_cannot_run_is_refused_when_added() -> None:
    clock, _ = clock_at()

    with pytest.raises(ScheduleExpressionError, match="L"):
        clock.add(ClockEntry("last-day", "cron(0 6 L * ? *)", lambda _: None))


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


# --- one clock for Waits until a timestamp ---------------------------------------------------------------

DAY = timedelta(days=1)


def test_a_wait_planned_from_the_last_one_lasts_its_own_length_not_the_time_since_real_now() -> None:
    """Given an execution that waited until `t + 1 day`, When its next round plans `t + 2 days` (a moment
    later in real time), Then the second Wait is one day long, not two."""
    real = START
    times = ExecutionTimes(now=lambda: real)

    first = times.seconds_until("run-1", START + DAY)
    real += timedelta(seconds=10)  # the first Wait ended (10 s at 8640x) and the round ran
    second = times.seconds_until("run-1", START + 2 * DAY)

    assert first == 86400
    assert second == 86400


def test_each_execution_keeps_its_own_instant_and_a_late_one_waits_from_real_now() -> None:
    real = START
    times = ExecutionTimes(now=lambda: real)
    times.seconds_until("ahead", START + 30 * DAY)

    fresh = times.seconds_until("fresh", START + DAY)
    real += 2 * DAY  # a timestamp already past: no wait, and the execution stands at real now
    late = times.seconds_until("late", START + DAY)

    assert fresh == 86400  # not pushed back by the other execution's thirty days
    assert late == -86400  # moto waits for nothing


WAITS_ASL = {
    "StartAt": "FirstRound",
    "States": {
        "FirstRound": {"Type": "Wait", "TimestampPath": "$.first", "Next": "SecondRound"},
        "SecondRound": {"Type": "Wait", "TimestampPath": "$.second", "End": True},
    },
}


def test_two_day_waits_in_one_moto_execution_each_last_a_day() -> None:
    """Given an execution whose second Wait is planned a day after its first (as engage plans rounds),
    When moto's interpreter runs it with the runtime's Wait patch, Then each Wait asks for one day."""
    import json

    import boto3
    from moto import mock_aws
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

    asked: list[float] = []
    undo = patch_wait(8640)
    WaitFunction._wait_interval = lambda self, env, wait_seconds: asked.append(wait_seconds)  # type: ignore[method-assign]
    try:
        with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
            sfn = boto3.client("stepfunctions", region_name="us-east-1")
            role = "arn:aws:iam::123456789012:role/sfn"
            machine = sfn.create_state_machine(name="waits", definition=json.dumps(WAITS_ASL), roleArn=role)
            now = datetime.now(UTC).replace(microsecond=0)
            stamps = {"first": now + DAY, "second": now + 2 * DAY}
            run = sfn.start_execution(
                stateMachineArn=machine["stateMachineArn"],
                input=json.dumps({key: at.strftime("%Y-%m-%dT%H:%M:%SZ") for key, at in stamps.items()}),
            )
            status = "RUNNING"
            for _ in range(100):
                status = sfn.describe_execution(executionArn=run["executionArn"])["status"]
                if status != "RUNNING":
                    break
                threading.Event().wait(0.05)
    finally:
        undo()

    assert status == "SUCCEEDED"
    assert len(asked) == 2
    assert 86400 - 5 <= asked[0] <= 86400
    assert asked[1] == 86400
