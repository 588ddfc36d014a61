"""EventBridge Scheduler schedules created at run time fire from the local clock, and call their targets."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from local.clock import ScheduleClock, SequenceTime
from local.scheduler import SchedulerTargets, SchedulerWatcher, context_input

START = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)
MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:nurture"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:report"


class FakeScheduler:
    """The Scheduler API calls the watcher makes, over a dict of schedules."""

    def __init__(self) -> None:
        self.schedules: dict[tuple[str, str], dict[str, Any]] = {}
        self.deleted: list[str] = []

    def put(self, name: str, expression: str, target: dict[str, Any], **extra: Any) -> None:
        self.schedules[("default", name)] = {
            "Arn": f"arn:aws:scheduler:us-east-1:123456789012:schedule/default/{name}",
            "Name": name,
            "GroupName": "default",
            "State": "ENABLED",
            "ScheduleExpression": expression,
            "Target": target,
            "CreationDate": START,
            "LastModificationDate": extra.pop("modified", START),
            **extra,
        }

    def get_paginator(self, name: str) -> Any:
        assert name == "list_schedules"
        schedules = self.schedules

        class Paginator:
            def paginate(self) -> list[dict[str, Any]]:
                return [{"Schedules": [dict(s, Target={"Arn": s["Target"]["Arn"]}) for s in schedules.values()]}]

        return Paginator()

    def get_schedule(self, GroupName: str, Name: str) -> dict[str, Any]:
        return self.schedules[(GroupName, Name)]

    def delete_schedule(self, GroupName: str, Name: str) -> None:
        self.schedules.pop((GroupName, Name))
        self.deleted.append(Name)


class Calls:
    def __init__(self) -> None:
        self.started: list[tuple[str, str, Any]] = []
        self.invoked: list[tuple[str, Any]] = []

    def start_execution(self, arn: str, name: str, payload: str) -> None:
        self.started.append((arn, name, json.loads(payload)))

    def invoke(self, function: str, event: Any) -> None:
        self.invoked.append((function, event))


@pytest.fixture
def world() -> SimpleNamespace:
    now = [START.timestamp()]
    clock = ScheduleClock(
        SequenceTime(8640, wall=lambda: now[0], start=now[0]), monotonic=lambda: now[0], min_interval_s=0
    )
    scheduler, calls = FakeScheduler(), Calls()
    watcher = SchedulerWatcher(
        scheduler, clock, SchedulerTargets(calls.start_execution, calls.invoke, threading.Event())
    )

    def advance(seconds: float) -> None:
        now[0] += seconds
        for entry, due_at in clock.due():
            entry.fire(due_at)

    return SimpleNamespace(clock=clock, scheduler=scheduler, calls=calls, watcher=watcher, advance=advance)


def test_a_monthly_campaign_schedule_starts_its_state_machine_with_its_input(world: Any) -> None:
    # Given a nurture campaign's schedule, created at run time through the Scheduler API
    target = {"Arn": MACHINE, "RoleArn": "arn:aws:iam::123456789012:role/s", "Input": '{"campaign_id": "c1"}'}
    world.scheduler.put("campaign-c1", "cron(0 9 1 * ? *)", target)

    # When the watcher polls and the clock reaches 09:00 on 1 December (five sequence days later)
    world.watcher.sync()
    world.advance(4 * 10)
    assert world.calls.started == []
    world.advance(2 * 10)

    # Then the campaign's execution started, once, with the schedule's input and a valid unique name
    [(arn, name, payload)] = world.calls.started
    assert (arn, payload) == (MACHINE, {"campaign_id": "c1"})
    assert name.startswith("campaign-c1-") and len(name) <= 80


def test_a_schedule_targeting_a_function_invokes_it_with_context_attributes_filled(world: Any) -> None:
    payload = '{"schedule": "<aws.scheduler.schedule-arn>", "at": "<aws.scheduler.scheduled-time>"}'
    world.scheduler.put("report-now", "rate(1 hour)", {"Arn": FUNCTION, "Input": payload})

    world.watcher.sync()
    world.advance(0.5)  # an hour and a bit of sequence time

    [(function, event)] = world.calls.invoked
    assert function == "report"
    assert event["schedule"] == "arn:aws:scheduler:us-east-1:123456789012:schedule/default/report-now"
    # The firing's own scheduled instant (sequence time), which nurture uses to recognise a second delivery
    assert event["at"] == "2026-11-26T06:00:00Z"


def test_the_universal_start_execution_target_is_understood(world: Any) -> None:
    request = {"StateMachineArn": MACHINE, "Input": {"campaign_id": "c2"}}
    target = {"Arn": "arn:aws:scheduler:::aws-sdk:sfn:startExecution", "Input": json.dumps(request)}
    world.scheduler.put("campaign-c2", "rate(1 day)", target)

    world.watcher.sync()
    world.advance(10.5)

    [(arn, _, payload)] = world.calls.started
    assert (arn, payload) == (MACHINE, {"campaign_id": "c2"})


def test_deleted_disabled_and_changed_schedules_follow_the_api(world: Any) -> None:
    world.scheduler.put("a", "rate(1 day)", {"Arn": FUNCTION})
    world.scheduler.put("b", "rate(1 day)", {"Arn": FUNCTION})
    world.watcher.sync()
    assert sorted(world.clock.keys()) == ["scheduler:default/a", "scheduler:default/b"]

    world.scheduler.schedules.pop(("default", "a"))
    world.scheduler.schedules[("default", "b")]["State"] = "DISABLED"
    world.watcher.sync()
    assert world.clock.keys() == []

    world.scheduler.put("b", "rate(2 hours)", {"Arn": FUNCTION}, modified=START + timedelta(seconds=1))
    world.watcher.sync()
    assert world.clock.keys() == ["scheduler:default/b"]


def test_a_one_time_schedule_fires_once_and_is_deleted_when_it_asks_to_be(world: Any) -> None:
    world.scheduler.put(
        "send-once", "at(2026-11-26T06:00:00)", {"Arn": FUNCTION, "Input": "{}"}, ActionAfterCompletion="DELETE"
    )

    world.watcher.sync()
    world.advance(10)
    world.advance(10)

    assert len(world.calls.invoked) == 1
    assert world.scheduler.deleted == ["send-once"]


def test_a_schedule_the_clock_cannot_run_is_left_off_without_stopping_the_others(world: Any) -> None:
    world.scheduler.put("last-day", "cron(0 9 L * ? *)", {"Arn": FUNCTION})
    world.scheduler.put("daily", "rate(1 day)", {"Arn": FUNCTION})

    world.watcher.sync()

    assert world.clock.keys() == ["scheduler:default/daily"]


def test_a_target_the_clock_cannot_call_is_skipped(world: Any, caplog: pytest.LogCaptureFixture) -> None:
    world.scheduler.put("to-sqs", "rate(1 day)", {"Arn": "arn:aws:sqs:us-east-1:123456789012:q"})

    world.watcher.sync()
    world.advance(10.5)

    assert world.calls.started == [] and world.calls.invoked == []
    assert "cannot call target" in caplog.text


def test_context_attributes_are_replaced_everywhere_they_appear() -> None:
    text = context_input(
        '["<aws.scheduler.execution-id>", "<aws.scheduler.attempt-number>", "<aws.scheduler.scheduled-time>"]',
        schedule_arn="arn",
        scheduled=datetime(2026, 11, 26, 6, tzinfo=UTC),
        execution_id="e-1",
        attempt=1,
    )

    assert json.loads(text) == ["e-1", "1", "2026-11-26T06:00:00Z"]
