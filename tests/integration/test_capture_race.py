"""Two submissions of one address racing: the email guard's conditional write decides, the loser merges."""

from __future__ import annotations

from datetime import UTC, datetime

from talentpool.logic.capture import CaptureContext, capture_candidate
from talentpool.models.candidate import CaptureRequest
from talentpool.store.candidates import CandidateStore
from talentpool.store.events import EventBus
from talentpool.store.table import Table
from tests import factories
from tests.integration.helpers import candidates, timeline


class RacingStore(CandidateStore):
    """Lets a rival submission land between this one's decision to create and its write."""

    def __init__(self, table: Table, rival) -> None:
        super().__init__(table)
        self.rival = rival

    def create(self, candidate, entries, *, clear_tombstone):
        if self.rival:
            rival, self.rival = self.rival, None
            rival()
        return super().create(candidate, entries, clear_tombstone=clear_tombstone)


def test_the_submission_that_loses_the_race_merges_instead_of_duplicating(aws):
    table = Table(factories.TABLE)
    bus = EventBus(factories.BUS)
    context = CaptureContext(datetime(2026, 11, 26, 9, tzinfo=UTC), "198.51.100.1", "ua", "salt")
    first = CaptureRequest.model_validate(factories.capture_body(skills=["python"]))
    second = CaptureRequest.model_validate(factories.capture_body(email="ANA.SILVA@example.com", skills=["go"]))
    rival_result = {}

    def rival() -> None:
        rival_result["id"] = capture_candidate(second, context, CandidateStore(table), bus).candidate_id

    # When the rival writes the same address after this submission began but before its write
    result = capture_candidate(first, context, RacingStore(table, rival), bus)

    # Then both got the same candidate, which holds both submissions
    assert result.candidate_id == rival_result["id"]
    [stored] = candidates(aws.items())
    assert stored["skills"] == ["go", "python"]
    assert [e["kind"] for e in timeline(aws.items(), result.candidate_id)] == ["captured", "resubmitted"]
    assert len([i for i in aws.items() if i.get("entity") == "email_guard"]) == 1
