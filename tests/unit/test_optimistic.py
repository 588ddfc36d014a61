"""The one optimistic-write helper: a lost race is decided again on fresh data, a bounded number of times."""

from __future__ import annotations

import pytest

from talentpool.errors import SendLogChanged, VersionConflict
from talentpool.logic.optimistic import optimistic


def test_a_lost_race_is_decided_again_and_the_second_write_wins() -> None:
    # Given a write that loses its first race
    seen: list[int] = []

    def attempt(number: int) -> str:
        seen.append(number)
        if number == 0:
            raise SendLogChanged
        return "written"

    # When it runs through the helper
    result = optimistic(attempt, conflicts=SendLogChanged, exhausted=lambda: VersionConflict("c1"))
    # Then the second attempt (told it is a retry, so it reads again) writes
    assert result == "written" and seen == [0, 1]


def test_a_record_that_keeps_changing_gives_up_with_the_callers_error_after_the_bound() -> None:
    calls: list[int] = []

    def attempt(number: int) -> None:
        calls.append(number)
        raise VersionConflict("c1")

    with pytest.raises(SendLogChanged):
        optimistic(attempt, conflicts=VersionConflict, exhausted=SendLogChanged, attempts=3)
    assert calls == [0, 1, 2]


def test_an_error_that_is_not_a_conflict_is_never_retried() -> None:
    calls: list[int] = []

    def attempt(number: int) -> None:
        calls.append(number)
        raise KeyError("boom")

    with pytest.raises(KeyError):
        optimistic(attempt, conflicts=VersionConflict, exhausted=SendLogChanged)
    assert calls == [0]
