"""A local clock that fires schedules, since moto's EventBridge never does, at TALENTPOOL_TIME_SCALE speed."""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("local.clock")

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> int:
    """Seconds between firings of an EventBridge `rate(...)` expression."""
    match = _RATE.match(expression.strip())
    if match is None:
        raise ValueError(f"the local clock understands rate(N unit) schedules, not {expression!r}")
    amount, unit = int(match.group(1)), match.group(2).rstrip("s")
    if amount < 1 or (amount == 1) != (match.group(2) == unit):
        raise ValueError(f"{expression!r}: use rate(1 day) or rate(N days), as EventBridge requires")
    return amount * _UNIT_SECONDS[unit]


def scheduled_event(rule_name: str, *, account: str, region: str, now: datetime | None = None) -> dict[str, Any]:
    """The event EventBridge Scheduler-style rules deliver: source aws.events, detail-type Scheduled Event."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account}:rule/{rule_name}"],
        "detail": {},
    }


@dataclass(frozen=True)
class Schedule:
    name: str
    expression: str
    fire: Callable[[], None]


class ScheduleClock:
    """Fires each schedule every rate/scale real seconds on one daemon thread; a failing fire is logged."""

    def __init__(self, scale: float, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.scale = scale
        self._monotonic = monotonic
        self._schedules: list[tuple[Schedule, float]] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="schedule-clock", daemon=True)

    def add(self, schedule: Schedule) -> None:
        self._schedules.append((schedule, rate_seconds(schedule.expression) / self.scale))

    def start(self) -> None:
        if self._schedules:
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(2.0)

    def due(self, started: float, fired: dict[str, int]) -> list[Schedule]:
        """Schedules whose next firing (the first one period after start) has come; counts what it returns."""
        elapsed = self._monotonic() - started
        out = []
        for schedule, period in self._schedules:
            if int(elapsed // period) > fired.get(schedule.name, 0):
                fired[schedule.name] = fired.get(schedule.name, 0) + 1
                out.append(schedule)
        return out

    def _run(self) -> None:
        started = self._monotonic()
        fired: dict[str, int] = {}
        tick = min(period for _, period in self._schedules) / 4
        while not self._stopping.wait(min(max(tick, 0.05), 1.0)):
            for schedule in self.due(started, fired):
                try:
                    schedule.fire()
                except Exception:
                    log.exception("schedule %s failed", schedule.name)
