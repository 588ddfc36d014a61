"""Send-time planning: windows in the candidate's own zone, quiet hours, DST changes and the frequency cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from talentpool.logic.sending.planning import first_in_window, next_send_time
from talentpool.models.sequences import QuietHours, SendWindow

LONDON, NEW_YORK, TOKYO = ZoneInfo("Europe/London"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")
WEEKDAYS_9_TO_6 = SendWindow()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_time_inside_the_window_is_kept():
    assert first_in_window(utc(2026, 11, 24, 10), LONDON, WEEKDAYS_9_TO_6) == utc(2026, 11, 24, 10)


def test_the_window_is_in_the_candidates_zone_not_utc():
    # 10:00 UTC is 05:00 in New York: the email waits for 09:00 there (14:00 UTC in winter)
    assert first_in_window(utc(2026, 11, 24, 10), NEW_YORK, WEEKDAYS_9_TO_6) == utc(2026, 11, 24, 14)
    # 10:00 UTC is 19:00 in Tokyo, after hours: next morning 09:00 JST is 00:00 UTC
    assert first_in_window(utc(2026, 11, 24, 10), TOKYO, WEEKDAYS_9_TO_6) == utc(2026, 11, 25, 0)


def test_weekends_roll_to_monday_across_the_autumn_clock_change():
    # Saturday 24 Oct 2026 late: clocks go back on Sunday; Monday 09:00 London is then 09:00 UTC
    assert first_in_window(utc(2026, 10, 24, 23), LONDON, WEEKDAYS_9_TO_6) == utc(2026, 10, 26, 9)


def test_the_spring_clock_change_moves_the_utc_instant_not_the_local_hour():
    # Friday evening before the change in late March: Monday 09:00 BST is 08:00 UTC
    assert first_in_window(utc(2026, 3, 27, 20), LONDON, WEEKDAYS_9_TO_6) == utc(2026, 3, 30, 8)
    # The same local hour on either side of the change lands an hour apart in UTC
    before = first_in_window(utc(2026, 3, 27, 0), LONDON, WEEKDAYS_9_TO_6)
    after = first_in_window(utc(2026, 3, 30, 0), LONDON, WEEKDAYS_9_TO_6)
    assert (before.hour, after.hour) == (9, 8)
    assert (before.astimezone(LONDON).hour, after.astimezone(LONDON).hour) == (9, 9)


def test_a_window_opening_inside_the_spring_gap_opens_at_the_end_of_the_gap():
    sunday_small_hours = SendWindow(start_hour=1, end_hour=5, weekdays=[6])
    # 01:00 does not exist in London on 29 March 2026; the window opens when clocks reach 02:00 BST
    assert first_in_window(utc(2026, 3, 28, 12), LONDON, sunday_small_hours) == utc(2026, 3, 29, 1)


def test_quiet_hours_are_skipped():
    lunch_is_quiet = SendWindow(quiet_hours=[QuietHours(start_hour=12, end_hour=14)])
    assert first_in_window(utc(2026, 11, 24, 12, 30), LONDON, lunch_is_quiet) == utc(2026, 11, 24, 14)


@pytest.mark.parametrize(("start", "end"), [(18, 9), (10, 10)])
def test_a_window_that_never_opens_is_refused(start, end):
    with pytest.raises(ValueError, match="end_hour"):
        SendWindow(start_hour=start, end_hour=end)


def test_the_cap_waits_until_the_oldest_send_ages_out():
    sends = [utc(2026, 11, 20, 10), utc(2026, 11, 23, 10)]
    planned = next_send_time(
        earliest=utc(2026, 11, 24, 10), zone=LONDON, window=WEEKDAYS_9_TO_6, recent_sends=sends, cap=2
    )
    assert planned == utc(2026, 11, 20, 10) + timedelta(days=7, seconds=1)
    in_week = [s for s in [*sends, planned] if planned - timedelta(days=7) < s <= planned]
    assert len(in_week) == 2


def test_the_cap_pushes_into_the_next_window_when_the_slot_falls_outside_it():
    sends = [utc(2026, 11, 20, 17, 30), utc(2026, 11, 23, 10)]
    planned = next_send_time(
        earliest=utc(2026, 11, 24, 10), zone=LONDON, window=WEEKDAYS_9_TO_6, recent_sends=sends, cap=2
    )
    # 20 Nov + 7 days = Friday 27 Nov 17:30:01, still inside 09:00-18:00
    assert planned == utc(2026, 11, 27, 17, 30, 1)
    late = next_send_time(
        earliest=utc(2026, 11, 24, 10),
        zone=LONDON,
        window=WEEKDAYS_9_TO_6,
        recent_sends=[utc(2026, 11, 20, 18, 30), utc(2026, 11, 23, 10)],
        cap=2,
    )
    assert late == utc(2026, 11, 30, 9)  # Friday's slot is after hours; Monday morning


def test_a_pause_defers_the_send():
    planned = next_send_time(
        earliest=utc(2026, 11, 24, 10),
        zone=LONDON,
        window=WEEKDAYS_9_TO_6,
        recent_sends=[],
        cap=2,
        paused_until=utc(2026, 12, 8, 0),
    )
    assert planned == utc(2026, 12, 8, 9)
