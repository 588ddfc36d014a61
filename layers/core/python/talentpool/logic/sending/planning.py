"""When the next email may go: the step's delay, moved into the candidate's send window, then the frequency cap.

Everything about local time is computed with zoneinfo in the candidate's own zone, so a window of 9:00-18:00
means 9:00 where they are, on either side of a daylight-saving change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from talentpool.models.sequences import SendWindow

CAP_PERIOD = timedelta(days=7)
_SEARCH_DAYS = 15  # a window with at least one weekday always has an opening within two weeks


def _intervals(window: SendWindow) -> list[tuple[int, int]]:
    """The window's open hours as [start, end) pairs, with quiet hours cut out."""
    open_hours = [(window.start_hour, window.end_hour)]
    for quiet in sorted(window.quiet_hours, key=lambda q: q.start_hour):
        cut: list[tuple[int, int]] = []
        for start, end in open_hours:
            if quiet.end_hour <= start or quiet.start_hour >= end:
                cut.append((start, end))
                continue
            if start < quiet.start_hour:
                cut.append((start, quiet.start_hour))
            if quiet.end_hour < end:
                cut.append((quiet.end_hour, end))
        open_hours = cut
    return open_hours


def longest_closed(window: SendWindow) -> timedelta | None:
    """The longest a send can be held back by the window: its longest closed stretch in a week, plus the hour
    a clock change can add to it. None when quiet hours leave no hour open."""
    week = 7 * 24
    opens = sorted((day * 24 + start, day * 24 + end) for day in window.weekdays for start, end in _intervals(window))
    if not opens:
        return None
    # Each gap runs from one opening's end to the next one's start, the last one wrapping into next week.
    following = [*opens[1:], opens[0]]
    gaps = [(after[0] - before[1]) % week for before, after in zip(opens, following, strict=True)]
    return timedelta(hours=max(gaps) + 1)


def _local_instant(day: date, hour: int, zone: ZoneInfo) -> datetime:
    """`hour`:00 on `day` where the candidate is, in UTC. Midnight ending a day is the next day's 00:00.

    A wall-clock time skipped by a spring-forward change resolves (PEP 495, fold=0) with the offset in force
    before the change, which is the same distance past the end of the gap: 01:00 in a 01:00-02:00 gap is the
    gap's end. A repeated time in autumn takes its first occurrence.
    """
    if hour == 24:
        day, hour = day + timedelta(days=1), 0
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def first_in_window(earliest: datetime, zone: ZoneInfo, window: SendWindow) -> datetime:
    """The first instant at or after `earliest` that falls inside the window in `zone`."""
    earliest = earliest.astimezone(UTC)
    first_day = earliest.astimezone(zone).date()
    for offset in range(_SEARCH_DAYS):
        day = first_day + timedelta(days=offset)
        if day.weekday() not in window.weekdays:
            continue
        for start_hour, end_hour in _intervals(window):
            opens, closes = _local_instant(day, start_hour, zone), _local_instant(day, end_hour, zone)
            candidate = max(earliest, opens)
            if candidate < closes:
                return candidate
    raise ValueError("the send window never opens")


def next_send_time(
    *,
    earliest: datetime,
    zone: ZoneInfo,
    window: SendWindow,
    recent_sends: Iterable[datetime],
    cap: int,
    paused_until: datetime | None = None,
) -> datetime:
    """The earliest instant that is in the window and keeps the candidate under `cap` emails per 7 days."""
    sends = sorted(s.astimezone(UTC) for s in recent_sends)
    moment = max(earliest, paused_until) if paused_until else earliest
    for _ in range(cap + 20):
        moment = first_in_window(moment, zone, window)
        in_period = [s for s in sends if moment - CAP_PERIOD < s <= moment]
        if len(in_period) < cap:
            return moment
        # Wait until enough of the period's sends have aged out to leave room for one more.
        moment = in_period[len(in_period) - cap] + CAP_PERIOD + timedelta(seconds=1)
    raise ValueError("no send time satisfies the window and the cap")
