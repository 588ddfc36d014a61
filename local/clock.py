"""A local clock that fires schedules, since moto's EventBridge and Scheduler never do, at TALENTPOOL_TIME_SCALE.

Schedules run on sequence time: it starts at the real time the runtime starts and passes `scale` times faster,
so at the default 8640x a `cron(0 6 * * ? *)` fires every 10 real seconds, at 06:00 of each sequence day. A
firing is never more frequent than MIN_INTERVAL_S real seconds per schedule, and a schedule still running when
its next firing comes skips it: at a high scale, firings that fall due together are merged into one.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from local.cron import next_firing, rate_seconds, validate

log = logging.getLogger("local.clock")

__all__ = ["ClockEntry", "ScheduleClock", "SequenceTime", "rate_seconds", "scheduled_event"]

MIN_INTERVAL_S = 1.0
TICK_S = 0.1


class SequenceTime:
    """Sequence time: equal to real time when the runtime starts, then passing `scale` times faster."""

    def __init__(self, scale: float, *, wall: Callable[[], float] = time.time, start: float | None = None) -> None:
        self.scale = scale
        self._wall = wall
        self._start = wall() if start is None else start

    def now(self) -> datetime:
        return self.at(self._wall())

    def at(self, real: float) -> datetime:
        """The sequence time at real (epoch) second `real`."""
        return datetime.fromtimestamp(self._start + (real - self._start) * self.scale, UTC)

    def of(self, real: datetime) -> datetime:
        """The sequence time at a real instant, such as the moment a schedule was created."""
        return self.at(real.timestamp())


@dataclass
class ClockEntry:
    """One schedule on the clock; `fire` gets the sequence instant it was due at."""

    key: str
    expression: str
    fire: Callable[[datetime], None]
    zone: str = "UTC"
    anchor: datetime | None = None  # when a rate(...) starts counting (its creation)
    not_before: datetime | None = None  # Scheduler's StartDate
    not_after: datetime | None = None  # Scheduler's EndDate
    next_at: datetime | None = None
    last_fired_real: float = field(default=float("-inf"))
    running: bool = False

    def plan(self, after: datetime) -> None:
        """The next firing after `after`, inside the start and end dates; None when there is none."""
        start = max(after, self.not_before - timedelta(microseconds=1)) if self.not_before else after
        upcoming = next_firing(self.expression, start, zone=self.zone, anchor=self.anchor)
        self.next_at = None if upcoming is None or (self.not_after and upcoming > self.not_after) else upcoming


class ScheduleClock:
    """Fires entries on one daemon thread; each firing runs on a thread of its own, and a failure is logged."""

    def __init__(
        self,
        time_source: SequenceTime,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        tick_s: float = TICK_S,
        min_interval_s: float = MIN_INTERVAL_S,
    ) -> None:
        self.time = time_source
        self._monotonic = monotonic
        self._tick_s = tick_s
        self._min_interval_s = min_interval_s
        self._entries: dict[str, ClockEntry] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="schedule-clock", daemon=True)

    def add(self, entry: ClockEntry, *, after: datetime | None = None) -> None:
        """Put an entry on the clock (replacing one with its key), planned from `after` (default: now)."""
        validate(entry.expression)
        entry.plan(after or self.time.now())
        with self._lock:
            self._entries[entry.key] = entry
        log.info("schedule %s (%s): next at %s sequence time", entry.key, entry.expression, entry.next_at)

    def remove(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._entries)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(2.0)

    def due(self) -> list[tuple[ClockEntry, datetime]]:
        """Entries whose firing has come (and that may fire now), each with the instant it was due at.

        Each is re-planned from the current sequence time, so firings missed meanwhile are merged into this one.
        """
        now, real = self.time.now(), self._monotonic()
        out = []
        with self._lock:
            entries = list(self._entries.values())
        for entry in entries:
            if entry.next_at is None or entry.next_at > now:
                continue
            if entry.running or real - entry.last_fired_real < self._min_interval_s:
                continue
            out.append((entry, entry.next_at))
            entry.last_fired_real = real
            entry.plan(now)
            if entry.next_at is None:
                self.remove(entry.key)  # an at(...) schedule, or one past its end date
        return out

    def _run(self) -> None:
        while not self._stopping.wait(self._tick_s):
            for entry, due_at in self.due():
                entry.running = True
                threading.Thread(
                    target=self._fire, args=(entry, due_at), name=f"fire-{entry.key}"[:60], daemon=True
                ).start()

    def _fire(self, entry: ClockEntry, due_at: datetime) -> None:
        try:
            entry.fire(due_at)
        except Exception:
            log.exception("schedule %s failed", entry.key)
        finally:
            entry.running = False


def scheduled_event(rule_name: str, *, account: str, region: str, now: datetime | None = None) -> dict[str, Any]:
    """The event a scheduled EventBridge rule delivers: source aws.events, detail-type Scheduled Event."""
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
