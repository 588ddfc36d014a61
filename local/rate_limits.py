"""The local gateway's per-IP limit on public submissions: what the WAF's rate-based rule does in AWS.

Every POST to a public route (a sign-up, a confirmation, an unsubscribe, a preferences change) counts
against its client's IP in a sliding window; over the limit, the gateway answers 429 with Retry-After
before any function runs. TALENTPOOL_RATE_LIMITS=off turns it off (load tests, benches);
TALENTPOOL_SUBMISSIONS_PER_MINUTE sets the limit (default 30).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

DEFAULT_PER_MINUTE = 30
WINDOW_S = 60.0
SWEEP_EVERY = 1000  # checks between sweeps of idle clients, so memory follows current clients only


def per_minute_from(environ: Mapping[str, str]) -> int | None:
    """The configured limit, or None when limits are off."""
    switch = (environ.get("TALENTPOOL_RATE_LIMITS") or "on").strip().lower()
    if switch in ("off", "0", "false", "no"):
        return None
    if switch not in ("on", "1", "true", "yes"):
        raise ValueError(f"TALENTPOOL_RATE_LIMITS must be on or off, not {switch!r}")
    raw = (environ.get("TALENTPOOL_SUBMISSIONS_PER_MINUTE") or str(DEFAULT_PER_MINUTE)).strip()
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"TALENTPOOL_SUBMISSIONS_PER_MINUTE must be a whole number of at least 1, not {raw!r}")
    return int(raw)


class SubmissionLimit:
    """At most `limit` submissions per client IP in any `window_s` seconds; safe across gateway threads."""

    def __init__(self, limit: int, *, window_s: float = WINDOW_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._checks = 0

    def take(self, client_ip: str) -> int | None:
        """Count one submission from `client_ip`; None if allowed, else the seconds until the next one is."""
        with self._lock:
            now = self._clock()
            self._checks += 1
            if self._checks % SWEEP_EVERY == 0:
                self._sweep(now)
            times = self._seen.setdefault(client_ip, deque())
            while times and times[0] <= now - self.window_s:
                times.popleft()
            if len(times) >= self.limit:
                return max(1, math.ceil(times[0] + self.window_s - now))
            times.append(now)
            return None

    def _sweep(self, now: float) -> None:
        idle = [ip for ip, times in self._seen.items() if not times or times[-1] <= now - self.window_s]
        for ip in idle:
            del self._seen[ip]
