"""Optimistic concurrency, one way: read, decide, conditional write; on a lost race read again, a bounded number of
times with a jittered pause, then give up with the caller's own error."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

WRITE_ATTEMPTS = 5  # optimistic writes race only with the same record's other writers: five rounds settle them
_JITTER = (0.01, 0.05)  # seconds, times the attempt number: enough for the winner's write to land


def optimistic(
    attempt: Callable[[int], T],
    *,
    conflicts: type[Exception] | tuple[type[Exception], ...],
    exhausted: Callable[[], Exception],
    attempts: int = WRITE_ATTEMPTS,
) -> T:
    """`attempt(n)` reads (again when n > 0), decides and writes with a condition; raising one of `conflicts`
    means someone wrote first, so it runs again on fresh data. After `attempts` lost races, `exhausted()` is
    raised: the record is too busy right now, which callers report or retry as a whole."""
    for number in range(attempts):
        if number:
            time.sleep(random.uniform(*_JITTER) * number)  # noqa: S311 - jitter, not security
        try:
            return attempt(number)
        except conflicts:
            continue
    raise exhausted()
