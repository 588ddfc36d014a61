"""EventBridge schedule expressions for the local clock: `cron(...)` (six fields), `rate(...)`, Scheduler's `at(...)`.

cron fields: minutes, hours, day-of-month, month, day-of-week, year. Each takes `*`, a value, a range `a-b`, a
list `a,b`, and a step `*/n` or `a/n` or `a-b/n`; months and weekdays also by name (JAN, MON). Weekdays count
1 = SUN to 7 = SAT. One of day-of-month and day-of-week must be `?` (EventBridge requires exactly one).
`L`, `W` and `#` are valid in EventBridge but not understood here: they are refused with a clear error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_AT = re.compile(r"^at\(\s*(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\s*\)$")
# How far ahead a search may look before deciding an expression never fires again (a past year, 30 FEB).
_HORIZON_YEARS = 200


class ScheduleExpressionError(ValueError):
    """An expression EventBridge would refuse, or one the local clock does not understand (it says which)."""


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # names[i] stands for low + i


_FIELDS = (
    _Field("minutes", 0, 59),
    _Field("hours", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, _MONTHS),
    _Field("day-of-week", 1, 7, _WEEKDAYS),
    _Field("year", 1970, 2199),
)


@dataclass(frozen=True)
class Cron:
    """A parsed cron(...) expression: the allowed values of each field (None for `?`)."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None
    months: frozenset[int]
    weekdays: frozenset[int] | None  # 1 = Sunday
    years: frozenset[int]

    def matches_day(self, day: datetime) -> bool:
        if day.year not in self.years or day.month not in self.months:
            return False
        if self.days is not None:
            return day.day in self.days
        assert self.weekdays is not None
        return (day.isoweekday() % 7) + 1 in self.weekdays

    def next_after(self, moment: datetime, zone: tzinfo = UTC) -> datetime:
        """The first firing strictly after `moment` (aware), with the fields read as wall-clock time in `zone`."""
        local = moment.astimezone(zone).replace(second=0, microsecond=0, tzinfo=None) + timedelta(minutes=1)
        limit = datetime(min(local.year + _HORIZON_YEARS, 9999), 1, 1)
        while local < limit:
            if local.year not in self.years:
                later = [year for year in self.years if year > local.year]
                if not later:
                    break
                local = datetime(min(later), 1, 1)
                continue
            if local.month not in self.months:
                local = datetime(local.year + local.month // 12, local.month % 12 + 1, 1)
                continue
            if not self.matches_day(local):
                local = datetime(local.year, local.month, local.day) + timedelta(days=1)
                continue
            if local.hour not in self.hours:
                local = local.replace(minute=0) + timedelta(hours=1)
                continue
            if local.minute not in self.minutes:
                local += timedelta(minutes=1)
                continue
            firing = local.replace(tzinfo=zone).astimezone(UTC)
            if firing > moment:  # a wall-clock time repeated by a DST change can map to the past
                return firing
            local += timedelta(minutes=1)
        raise ScheduleExpressionError("this cron expression never fires again")


def parse_cron(expression: str) -> Cron:
    """Parse `cron(m h dom mon dow year)`; raise ScheduleExpressionError naming the field that is wrong."""
    text = expression.strip()
    if not (text.startswith("cron(") and text.endswith(")")):
        raise ScheduleExpressionError(f"not a cron(...) expression: {expression!r}")
    parts = text[5:-1].split()
    if len(parts) != len(_FIELDS):
        raise ScheduleExpressionError(
            f"{expression!r}: EventBridge cron has six fields (minutes hours day-of-month month day-of-week year)"
        )
    days_text, weekdays_text = parts[2], parts[4]
    if (days_text == "?") == (weekdays_text == "?"):
        raise ScheduleExpressionError(f"{expression!r}: exactly one of day-of-month and day-of-week must be '?'")
    values = [None if text == "?" else _values(text, field) for text, field in zip(parts, _FIELDS, strict=True)]
    minutes, hours, days, months, weekdays, years = values
    assert minutes is not None and hours is not None and months is not None and years is not None
    return Cron(minutes, hours, days, months, weekdays, years)


def _values(text: str, field: _Field) -> frozenset[int]:
    _refuse_special(text, field)
    values: set[int] = set()
    for item in text.split(","):
        values |= _item(item, field)
    return frozenset(values)


def _refuse_special(text: str, field: _Field) -> None:
    """EventBridge's L (last), W (nearest weekday) and # (nth weekday) are not supported locally: say so."""
    specials = {"L": "last", "W": "nearest weekday", "LW": "last weekday"}
    words = [word.upper() for word in re.findall(r"[A-Za-z]+", text)]
    special = next((word for word in words if word in specials and word not in field.names), None)
    if "#" in text or special:
        operator = "#" if "#" in text else special
        meaning = "nth weekday of the month" if operator == "#" else specials[str(special)]
        raise ScheduleExpressionError(
            f"{field.name} {text!r}: {operator!r} ({meaning}) is valid in EventBridge, but the local clock does "
            "not support it; use explicit values"
        )


def _item(item: str, field: _Field) -> set[int]:
    range_text, _, step_text = item.partition("/")
    step = 1
    if step_text:
        if not step_text.isdigit() or int(step_text) < 1:
            raise ScheduleExpressionError(f"{field.name} {item!r}: the step after '/' must be a positive number")
        step = int(step_text)
    if range_text == "*":
        low, high = field.low, field.high
    elif "-" in range_text:
        start, _, end = range_text.partition("-")
        low, high = _number(start, field), _number(end, field)
        if low > high:
            raise ScheduleExpressionError(f"{field.name} {item!r}: a range must run from low to high")
    else:
        low = _number(range_text, field)
        # `a/n` means from a to the field's end, every n.
        high = field.high if step_text else low
    return set(range(low, high + 1, step))


def _number(text: str, field: _Field) -> int:
    upper = text.strip().upper()
    if upper in field.names:
        return field.low + field.names.index(upper)
    if not upper.isdigit():
        raise ScheduleExpressionError(f"{field.name}: {text!r} is not a number{' or a name' if field.names else ''}")
    value = int(upper)
    if not field.low <= value <= field.high:
        raise ScheduleExpressionError(f"{field.name}: {value} is outside {field.low}-{field.high}")
    return value


def rate_seconds(expression: str) -> int:
    """Seconds between firings of an EventBridge `rate(...)` expression."""
    match = _RATE.match(expression.strip())
    if match is None:
        raise ScheduleExpressionError(f"not a rate(N unit) expression: {expression!r}")
    amount, unit = int(match.group(1)), match.group(2).rstrip("s")
    if amount < 1 or (amount == 1) != (match.group(2) == unit):
        raise ScheduleExpressionError(f"{expression!r}: use rate(1 day) or rate(N days), as EventBridge requires")
    return amount * _UNIT_SECONDS[unit]


def at_moment(expression: str, zone: tzinfo = UTC) -> datetime:
    """The one instant of a Scheduler `at(yyyy-mm-ddThh:mm:ss)` expression, read in `zone`."""
    match = _AT.match(expression.strip())
    if match is None:
        raise ScheduleExpressionError(f"not an at(yyyy-mm-ddThh:mm:ss) expression: {expression!r}")
    return datetime.fromisoformat(match.group(1)).replace(tzinfo=zone).astimezone(UTC)


def next_firing(
    expression: str, after: datetime, *, zone: str = "UTC", anchor: datetime | None = None
) -> datetime | None:
    """The first firing of any expression strictly after `after`; None when it never fires again.

    A rate fires every period counted from `anchor` (when the rule or schedule was created), first one
    period after it, as EventBridge does.
    """
    text = expression.strip()
    tz = ZoneInfo(zone)
    if text.startswith("cron("):
        try:
            return parse_cron(text).next_after(after, tz)
        except ScheduleExpressionError as exc:
            if "never fires" in str(exc):
                return None
            raise
    if text.startswith("rate("):
        period = timedelta(seconds=rate_seconds(text))
        start = anchor or after
        periods = max(1, int((after - start) // period) + 1)
        return start + periods * period
    if text.startswith("at("):
        moment = at_moment(text, tz)
        return moment if moment > after else None
    raise ScheduleExpressionError(f"not a schedule expression (cron, rate or at): {expression!r}")


def validate(expression: str) -> None:
    """Raise ScheduleExpressionError if the local clock cannot run this expression."""
    text = expression.strip()
    if text.startswith("cron("):
        parse_cron(text)
    elif text.startswith("rate("):
        rate_seconds(text)
    elif text.startswith("at("):
        at_moment(text)
    else:
        raise ScheduleExpressionError(f"not a schedule expression (cron, rate or at): {expression!r}")
