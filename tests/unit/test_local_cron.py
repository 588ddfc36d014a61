"""EventBridge schedule expressions for the local clock: cron's six fields, rate and at, and what is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from local.cron import ScheduleExpressionError, next_firing, parse_cron, rate_seconds, validate

THU = datetime(2026, 11, 26, 5, 30, tzinfo=UTC)  # Thursday 26 November 2026, 05:30 UTC


def firings(expression: str, after: datetime, count: int, zone: str = "UTC") -> list[datetime]:
    out: list[datetime] = []
    for _ in range(count):
        upcoming = next_firing(expression, out[-1] if out else after, zone=zone)
        assert upcoming is not None
        out.append(upcoming)
    return out


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # the report: daily at 06:00
        ("cron(0 6 * * ? *)", [utc(2026, 11, 26, 6, 0), utc(2026, 11, 27, 6, 0)]),
        # weekly on Monday at 07:00, by name and by number (2 = MON)
        ("cron(0 7 ? * MON *)", [utc(2026, 11, 30, 7, 0), utc(2026, 12, 7, 7, 0)]),
        ("cron(0 7 ? * 2 *)", [utc(2026, 11, 30, 7, 0), utc(2026, 12, 7, 7, 0)]),
        # nurture: 09:00 on the first of each month
        ("cron(0 9 1 * ? *)", [utc(2026, 12, 1, 9, 0), utc(2027, 1, 1, 9, 0)]),
        # every 15 minutes
        ("cron(0/15 * * * ? *)", [utc(2026, 11, 26, 5, 45), utc(2026, 11, 26, 6, 0)]),
        ("cron(*/15 * * * ? *)", [utc(2026, 11, 26, 5, 45), utc(2026, 11, 26, 6, 0)]),
        # weekdays, a list of hours
        ("cron(0 8,17 ? * MON-FRI *)", [utc(2026, 11, 26, 8, 0), utc(2026, 11, 26, 17, 0), utc(2026, 11, 27, 8, 0)]),
        # weekends only: Sunday is 1, Saturday 7
        ("cron(30 10 ? * 1,7 *)", [utc(2026, 11, 28, 10, 30), utc(2026, 11, 29, 10, 30), utc(2026, 12, 5, 10, 30)]),
        # a range with a step, and a month by name
        ("cron(0 0 1-10/3 DEC ? *)", [utc(2026, 12, 1), utc(2026, 12, 4), utc(2026, 12, 7), utc(2026, 12, 10)]),
        # a year field
        ("cron(0 12 1 1 ? 2028)", [utc(2028, 1, 1, 12, 0)]),
        # the 31st skips short months
        ("cron(0 0 31 * ? *)", [utc(2026, 12, 31), utc(2027, 1, 31), utc(2027, 3, 31)]),
    ],
)
def test_cron_fires_when_eventbridge_would(expression: str, expected: list[datetime]) -> None:
    assert firings(expression, THU, len(expected)) == expected


def test_the_next_firing_is_strictly_after_the_moment_given() -> None:
    assert next_firing("cron(0 6 * * ? *)", utc(2026, 11, 26, 6, 0)) == utc(2026, 11, 27, 6, 0)


def test_cron_reads_its_fields_in_the_schedules_time_zone_across_daylight_saving() -> None:
    # 09:00 in New York is 14:00 UTC in winter and 13:00 UTC in summer; clocks go forward on 8 March 2026
    after = utc(2026, 3, 6, 0, 0)

    assert firings("cron(0 9 * * ? *)", after, 3, zone="America/New_York") == [
        utc(2026, 3, 6, 14, 0),
        utc(2026, 3, 7, 14, 0),
        utc(2026, 3, 8, 13, 0),
    ]


def test_an_expression_that_never_fires_again_has_no_next_firing() -> None:
    assert next_firing("cron(0 12 1 1 ? 2020)", THU) is None
    assert next_firing("cron(0 0 30 FEB ? *)", THU) is None


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("cron(0 6 * * *)", "six fields"),
        ("cron(0 6 * * * *)", "exactly one of day-of-month and day-of-week"),
        ("cron(0 6 ? * ? *)", "exactly one of day-of-month and day-of-week"),
        ("cron(60 6 * * ? *)", "minutes: 60 is outside 0-59"),
        ("cron(0 24 * * ? *)", "hours: 24 is outside 0-23"),
        ("cron(0 6 0 * ? *)", "day-of-month: 0 is outside 1-31"),
        ("cron(0 6 * 13 ? *)", "month: 13 is outside 1-12"),
        ("cron(0 6 ? * 8 *)", "day-of-week: 8 is outside 1-7"),
        ("cron(0 6 * FOO ? *)", "month: 'FOO' is not a number or a name"),
        ("cron(0 10-5 * * ? *)", "from low to high"),
        ("cron(0/0 6 * * ? *)", "positive number"),
        # valid in EventBridge, refused locally with a reason
        ("cron(0 6 L * ? *)", "'L' (last)"),
        ("cron(0 6 15W * ? *)", "'W' (nearest weekday)"),
        ("cron(0 6 LW * ? *)", "'LW' (last weekday)"),
        ("cron(0 6 ? * 6L *)", "'L' (last)"),
        ("cron(0 6 ? * 3#2 *)", "'#' (nth weekday of the month)"),
        ("every day", "not a schedule expression"),
    ],
)
def test_expressions_that_cannot_run_locally_are_refused_naming_why(expression: str, message: str) -> None:
    with pytest.raises(ScheduleExpressionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate(expression)


def test_names_containing_l_or_w_are_names_not_operators() -> None:
    cron = parse_cron("cron(0 6 ? JUL WED *)")

    assert cron.months == {7}
    assert cron.weekdays == {4}


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(1 day)", 86400), ("rate(2 hours)", 7200), ("rate(5 minutes)", 300), ("rate( 1 minute )", 60)],
)
def test_rate_expressions(expression: str, seconds: int) -> None:
    assert rate_seconds(expression) == seconds


@pytest.mark.parametrize("expression", ["rate(1 days)", "rate(2 hour)", "rate(0 minutes)", "rate(1 week)"])
def test_rates_eventbridge_would_refuse(expression: str) -> None:
    with pytest.raises(ScheduleExpressionError):
        rate_seconds(expression)


def test_a_rate_fires_every_period_from_its_anchor() -> None:
    anchor = utc(2026, 11, 26, 5, 0)

    assert next_firing("rate(2 hours)", utc(2026, 11, 26, 5, 0), anchor=anchor) == utc(2026, 11, 26, 7, 0)
    assert next_firing("rate(2 hours)", utc(2026, 11, 26, 8, 59), anchor=anchor) == utc(2026, 11, 26, 9, 0)


def test_a_one_time_schedule_fires_once_at_its_moment_in_its_zone() -> None:
    expression = "at(2026-12-01T09:00:00)"

    assert next_firing(expression, THU, zone="Europe/Lisbon") == utc(2026, 12, 1, 9, 0)
    assert next_firing(expression, THU, zone="Europe/Berlin") == utc(2026, 12, 1, 8, 0)
    assert next_firing(expression, utc(2026, 12, 2)) is None
