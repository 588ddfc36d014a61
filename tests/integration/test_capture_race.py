"""Two submissions of one address settled at once: the email guard's conditional write decides, the loser merges."""

from __future__ import annotations

from datetime import UTC, datetime

from talentpool.adapters.aws.candidates import CandidateStore
from talentpool.adapters.aws.email_limits import MailboxLimit
from talentpool.adapters.aws.events import EventBus
from talentpool.adapters.aws.submissions import SubmissionStore
from talentpool.adapters.aws.table import Table
from talentpool.logic.capture.submissions import CaptureContext, accept_submission, process_submission
from talentpool.models.candidate import CaptureRequest
from tests import factories
from tests.integration.helpers import candidates, timeline


class RacingInbox(SubmissionStore):
    """Lets a rival submission be settled between this one's decision to create and its write."""

    def __init__(self, table: Table, rival) -> None:
        super().__init__(table, CandidateStore(table))
        self.rival = rival

    def create_candidate(self, submission_id, candidate, entries, outcome):
        if self.rival:
            rival, self.rival = self.rival, None
            rival()
        return super().create_candidate(submission_id, candidate, entries, outcome)


def test_the_submission_that_loses_the_race_merges_instead_of_duplicating(aws):
    table = Table(factories.TABLE)
    repo, bus = CandidateStore(table), EventBus(factories.BUS)
    inbox = SubmissionStore(table, repo)
    context = CaptureContext(datetime(2026, 11, 26, 9, tzinfo=UTC), "hash", "ua")
    first = CaptureRequest.model_validate(factories.capture_body(skills=["python"]))
    second = CaptureRequest.model_validate(factories.capture_body(email="ANA.SILVA@example.com", skills=["go"]))
    answers = [
        accept_submission(request, context, allowance=MailboxLimit(table), inbox=inbox, bus=bus)
        for request in (first, second)
    ]
    rival_outcome = {}

    def rival() -> None:
        rival_outcome["event"] = process_submission(answers[1].request_id, inbox=inbox, repo=repo, bus=bus)

    # When the rival settles the same address after this submission began but before its write
    outcome = process_submission(answers[0].request_id, inbox=RacingInbox(table, rival), repo=repo, bus=bus)

    # Then both settled on the same candidate, which holds both submissions
    assert outcome and rival_outcome["event"]
    assert outcome.candidate_id == rival_outcome["event"].candidate_id
    assert (rival_outcome["event"].merged, outcome.merged) == (False, True)
    [stored] = candidates(aws.items())
    assert stored["skills"] == ["go", "python"]
    assert [e["kind"] for e in timeline(aws.items(), outcome.candidate_id)] == ["captured", "resubmitted"]
    assert len([i for i in aws.items() if i.get("entity") == "email_guard"]) == 1
