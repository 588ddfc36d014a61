"""Public submissions in the table between their answer and their processing, and the writes that settle them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from talentpool.adapters.aws import keys
from talentpool.adapters.aws.candidates import CandidateStore
from talentpool.adapters.aws.schema import TTL_ATTRIBUTE
from talentpool.adapters.aws.table import Table, TransactionCancelled, Write
from talentpool.clock import parse_iso
from talentpool.errors import SubmissionSettled, VersionConflict
from talentpool.models.candidate import Candidate, PendingChange, TimelineEntry
from talentpool.models.events import CandidateCaptured
from talentpool.models.submissions import Submission

# Longer than EventBridge retries a delivery (24 hours), so a submission is never lost to its TTL first.
KEPT_FOR = timedelta(days=2)


class SubmissionStore:
    """Submissions are keyed by their random id. Their personal data lives only until processing, which
    swaps it for the outcome in the same transaction as the candidate write."""

    def __init__(self, table: Table, candidates: CandidateStore) -> None:
        self.table = table
        self.candidates = candidates

    def receive(self, submission: Submission) -> None:
        expires = parse_iso(submission.received_at) + KEPT_FOR
        self.table.put(
            {
                **keys.submission_key(submission.submission_id),
                **submission.model_dump(mode="json", exclude_none=True),
                "entity": "submission",
                TTL_ATTRIBUTE: int(expires.timestamp()),
            }
        )

    def get(self, submission_id: str) -> Submission | None:
        item = self.table.get(keys.submission_key(submission_id))
        return Submission.model_validate(item) if item else None

    def discard(self, submission_id: str) -> None:
        self.table.delete(keys.submission_key(submission_id))

    def create_candidate(
        self, submission_id: str, candidate: Candidate, entries: Sequence[TimelineEntry], outcome: CandidateCaptured
    ) -> None:
        """A new candidate from the submission; EmailTaken if the address has one, SubmissionSettled if another
        delivery of the same submission got there first."""
        try:
            self.candidates.create(candidate, entries, clear_tombstone=True, extra=[_settle(submission_id, outcome)])
        except TransactionCancelled as exc:
            if _settle_failed(exc):
                raise SubmissionSettled() from exc
            raise

    def save_candidate(
        self,
        submission_id: str,
        before: Candidate,
        after: Candidate,
        entries: Sequence[TimelineEntry],
        outcome: CandidateCaptured,
    ) -> Candidate:
        """The known candidate as the submission leaves it; VersionConflict or SubmissionSettled as for create."""
        try:
            return self.candidates.save(before, after, entries, extra=[_settle(submission_id, outcome)])
        except TransactionCancelled as exc:
            if _settle_failed(exc):
                raise SubmissionSettled() from exc
            raise

    def hold_change(
        self,
        submission_id: str,
        holder: Candidate,
        change: PendingChange,
        entries: Sequence[TimelineEntry],
        outcome: CandidateCaptured,
    ) -> None:
        """Hold the change beside its profile; VersionConflict if the address left the holder meanwhile (erased),
        so the caller looks again, or SubmissionSettled as for create."""
        writes = [*self.candidates.hold_change_writes(holder, change, entries), _settle(submission_id, outcome)]
        try:
            self.table.transact(writes)
        except TransactionCancelled as exc:
            if _settle_failed(exc):
                raise SubmissionSettled() from exc
            if exc.failed_at(0) or exc.conflicted:
                raise VersionConflict(change.candidate_id) from exc
            raise


def _settle(submission_id: str, outcome: CandidateCaptured) -> Write:
    """The last write of a processing transaction: the form's data gives way to what came of it, once."""
    return Write(
        "Update",
        keys.submission_key(submission_id),
        update="SET outcome = :outcome REMOVE #request, ip_hash, user_agent",
        condition="attribute_exists(#request)",
        names={"#request": "request"},  # a DynamoDB reserved word
        values={":outcome": outcome.model_dump(mode="json")},
    )


def _settle_failed(exc: TransactionCancelled) -> bool:
    return bool(exc.reasons) and exc.failed_at(len(exc.reasons) - 1)
