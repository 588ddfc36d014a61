"""EventBridge Scheduler locally: schedules created at run time (nurture campaigns) fire from the local clock.

moto stores schedules and never runs them. A watcher polls moto's Scheduler API, puts each enabled schedule
on the clock (cron, rate or at, in its own time zone, between its start and end dates), and on firing calls
the target the way Scheduler does: a state machine is started with the schedule's Input, a function invoked
with it, and the universal `aws-sdk:sfn:startExecution` target is understood too.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any

from local.clock import ClockEntry, ScheduleClock
from local.cron import ScheduleExpressionError
from local.dispatch import deliver_with_retries

log = logging.getLogger("local.scheduler")

POLL_S = 0.5
UNIVERSAL_START_EXECUTION = "arn:aws:scheduler:::aws-sdk:sfn:startExecution"
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")

StartExecution = Callable[[str, str, str], None]  # state machine ARN, execution name, input
InvokeFunction = Callable[[str, Any], None]  # function name, event; raises when the function failed


def context_input(text: str, *, schedule_arn: str, scheduled: datetime, execution_id: str, attempt: int) -> str:
    """The target input with Scheduler's context attributes filled in, as Scheduler fills them."""
    values = {
        "<aws.scheduler.schedule-arn>": schedule_arn,
        "<aws.scheduler.scheduled-time>": scheduled.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "<aws.scheduler.execution-id>": execution_id,
        "<aws.scheduler.attempt-number>": str(attempt),
    }
    for name, value in values.items():
        text = text.replace(name, value)
    return text


def execution_name(schedule: str, execution_id: str) -> str:
    suffix = "-" + execution_id
    return _NAME_UNSAFE.sub("-", schedule)[: 80 - len(suffix)] + suffix


class SchedulerTargets:
    """Calls one schedule's target once per firing, with retries; what it cannot call it logs, once."""

    def __init__(self, start_execution: StartExecution, invoke: InvokeFunction, stopping: threading.Event) -> None:
        self._start_execution = start_execution
        self._invoke = invoke
        self._stopping = stopping
        self._warned: set[str] = set()

    def fire(self, schedule: dict[str, Any], scheduled: datetime) -> None:
        """Call the target for the firing due at `scheduled` (sequence time): Scheduler's scheduled-time, the
        same on every retry of this firing, which is what a target may use to recognise a duplicate."""
        target = schedule.get("Target") or {}
        arn = str(target.get("Arn", ""))
        name = f"{schedule.get('GroupName', 'default')}/{schedule.get('Name')}"
        execution_id = str(uuid.uuid4())
        payload = context_input(
            str(target.get("Input") or "{}"),
            schedule_arn=str(schedule.get("Arn", "")),
            scheduled=scheduled,
            execution_id=execution_id,
            attempt=1,
        )
        call = self._call(arn, str(schedule.get("Name")), execution_id, payload)
        if call is None:
            if arn not in self._warned:
                self._warned.add(arn)
                log.warning("schedule %s: the local clock cannot call target %s; it is skipped", name, arn)
            return
        if deliver_with_retries(call, f"schedule {name} to {arn}", self._stopping):
            log.info("schedule %s fired: %s", name, arn)

    def _call(self, arn: str, schedule: str, execution_id: str, payload: str) -> Callable[[], None] | None:
        """One attempt at the target, or None for a target the local clock cannot call."""

        def start_execution() -> None:
            self._start_execution(arn, execution_name(schedule, execution_id), payload)

        def universal_start() -> None:
            self._universal_start(payload, schedule, execution_id)

        def invoke() -> None:
            self._invoke(arn.split(":")[6], json.loads(payload))

        if ":states:" in arn and ":stateMachine:" in arn:
            return start_execution
        if arn == UNIVERSAL_START_EXECUTION:
            return universal_start
        if ":lambda:" in arn and ":function:" in arn:
            return invoke
        return None

    def _universal_start(self, payload: str, schedule: str, execution_id: str) -> None:
        request = json.loads(payload)
        self._start_execution(
            str(request["StateMachineArn"]),
            str(request.get("Name") or execution_name(schedule, execution_id)),
            request["Input"] if isinstance(request.get("Input"), str) else json.dumps(request.get("Input", {})),
        )


class SchedulerWatcher:
    """Keeps the clock's entries equal to moto's enabled schedules, polling every POLL_S seconds."""

    PREFIX = "scheduler:"

    def __init__(self, scheduler: Any, clock: ScheduleClock, targets: SchedulerTargets, *, poll_s: float = POLL_S):
        self._scheduler = scheduler
        self._clock = clock
        self._targets = targets
        self._poll_s = poll_s
        self._versions: dict[str, Any] = {}
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scheduler-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(2.0)

    def sync(self) -> None:
        """One poll: new and changed schedules onto the clock, deleted and disabled ones off it."""
        current = {f"{self.PREFIX}{s['GroupName']}/{s['Name']}": s for s in self._list()}
        for key in set(self._versions) - set(current):
            self._versions.pop(key)
            self._clock.remove(key)
        for key, summary in current.items():
            version = (summary.get("LastModificationDate"), summary.get("State"))
            if self._versions.get(key) == version:
                continue
            self._versions[key] = version
            self._place(key, summary)

    def _list(self) -> Iterator[dict[str, Any]]:
        for page in self._scheduler.get_paginator("list_schedules").paginate():
            yield from page.get("Schedules", [])

    def _place(self, key: str, summary: dict[str, Any]) -> None:
        self._clock.remove(key)
        if summary.get("State") != "ENABLED":
            return
        schedule = self._scheduler.get_schedule(GroupName=summary["GroupName"], Name=summary["Name"])
        clock_time = self._clock.time
        created = schedule.get("CreationDate") or datetime.now(UTC)
        modified = schedule.get("LastModificationDate") or created
        entry = ClockEntry(
            key=key,
            expression=str(schedule["ScheduleExpression"]),
            fire=partial(self._fire, schedule),
            zone=str(schedule.get("ScheduleExpressionTimezone") or "UTC"),
            anchor=clock_time.of(created),
            not_before=schedule.get("StartDate"),
            not_after=schedule.get("EndDate"),
        )
        try:
            # Counted from the change, mapped onto sequence time: a firing between the change and this poll
            # still comes.
            self._clock.add(entry, after=clock_time.of(modified))
        except (ScheduleExpressionError, ValueError) as exc:
            log.warning("schedule %s cannot run locally: %s", key, exc)

    def _fire(self, schedule: dict[str, Any], due: datetime) -> None:
        self._targets.fire(schedule, due)
        one_time = str(schedule.get("ScheduleExpression", "")).startswith("at(")
        if one_time and schedule.get("ActionAfterCompletion") == "DELETE":
            try:
                self._scheduler.delete_schedule(GroupName=schedule["GroupName"], Name=schedule["Name"])
            except Exception:
                log.exception("could not delete completed schedule %s", schedule.get("Name"))

    def _run(self) -> None:
        while not self._stopping.wait(self._poll_s):
            try:
                self.sync()
            except Exception:
                if not self._stopping.is_set():
                    log.exception("polling EventBridge Scheduler failed")
