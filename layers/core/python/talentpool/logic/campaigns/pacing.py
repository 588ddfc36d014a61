"""The send rate: how many batches a run sends at once, and each task's pace within the account's SES rate."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

PER_TASK_RATE = 10  # emails a second one SendBatch sustains (SES answers in 50-100 ms, sends are sequential)
MAX_MAP_CONCURRENCY = 40  # an inline Map runs at most 40 iterations at once


def map_concurrency(send_rate: int) -> int:
    """How many batches the Map sends at once: enough tasks to use the account's SES rate, no more."""
    return min(MAX_MAP_CONCURRENCY, max(1, math.ceil(send_rate / PER_TASK_RATE)))


def task_send_rate(send_rate: int) -> float:
    """Each task's share of the rate: with `map_concurrency` tasks at once, the run never exceeds it."""
    return send_rate / map_concurrency(send_rate)


# The pacer's clock and sleep, as module attributes so tests can run it on a simulated clock.
monotonic: Callable[[], float] = time.monotonic
pause: Callable[[float], None] = time.sleep


class Pacer:
    """Spaces one task's SES calls at most `rate` a second. SES throttling is still retried, because engage
    sequences share the account's rate."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next: float | None = None

    def __call__(self) -> None:
        now = monotonic()
        if self._next is not None and self._next > now:
            pause(self._next - now)
            now = self._next
        self._next = now + self.interval
