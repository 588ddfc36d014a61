"""The store operations logic depends on, as protocols, so unit tests can pass fakes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: a function that sends no email need not build the email and template models
    from datetime import datetime

    from talentpool.models.candidate import Candidate, EmailedLink, PendingChange, Stage, TimelineEntry
    from talentpool.models.email_message import OutgoingEmail
    from talentpool.models.events import BusEvent, CandidateCaptured
    from talentpool.models.submissions import Submission
    from talentpool.models.templates import StageEmailTemplate


class CandidateRepository(Protocol):
    def get(self, candidate_id: str) -> Candidate | None: ...

    def create(self, candidate: Candidate, entries: Sequence[TimelineEntry], *, clear_tombstone: bool) -> None: ...

    def save(
        self,
        before: Candidate,
        after: Candidate,
        entries: Sequence[TimelineEntry] = (),
        *,
        extra: Sequence[Any] = (),
    ) -> Candidate: ...

    def append_timeline(self, entries: Sequence[TimelineEntry]) -> None: ...


class MailboxAllowance(Protocol):
    """The per-mailbox limit on confirmation and change emails: take one, or raise RateLimited."""

    def take(self, mailbox: str, now: datetime) -> None: ...


class SubmissionInbox(Protocol):
    """Public submissions between their answer and their processing (talentpool.adapters.aws.submissions)."""

    def receive(self, submission: Submission) -> None: ...

    def get(self, submission_id: str) -> Submission | None: ...

    def discard(self, submission_id: str) -> None: ...

    def create_candidate(
        self, submission_id: str, candidate: Candidate, entries: Sequence[TimelineEntry], outcome: CandidateCaptured
    ) -> None: ...

    def save_candidate(
        self,
        submission_id: str,
        before: Candidate,
        after: Candidate,
        entries: Sequence[TimelineEntry],
        outcome: CandidateCaptured,
    ) -> Candidate: ...

    def hold_change(
        self,
        submission_id: str,
        holder: Candidate,
        change: PendingChange,
        entries: Sequence[TimelineEntry],
        outcome: CandidateCaptured,
    ) -> None: ...


class EventPublisher(Protocol):
    def publish(self, *events: BusEvent) -> None: ...


class ConfirmationLedger(Protocol):
    """Claim a confirmation or change link for emailing exactly once; release the claim if SES refused the send."""

    def get(self, candidate_id: str) -> Candidate | None: ...

    def claim_confirmation_email(self, candidate_id: str, now: datetime) -> Candidate | None: ...

    def claim_change_email(self, candidate_id: str, now: datetime) -> PendingChange | None: ...

    def release_link_email(self, candidate_id: str, link: EmailedLink, nonce: str) -> None: ...


class HeldChanges(CandidateRepository, Protocol):
    """The profile and the change held beside it, as the links that prove an address read and apply them."""

    def held_change(self, candidate_id: str) -> PendingChange | None: ...

    def apply_change(
        self, before: Candidate, after: Candidate, change: PendingChange, entries: Sequence[TimelineEntry]
    ) -> Candidate: ...


class MailSender(Protocol):
    def send(self, email: OutgoingEmail) -> str: ...


class CandidateAdmin(CandidateRepository, Protocol):
    """The wider store surface the recruiter API uses."""

    def id_for_email(self, email: str) -> str | None: ...

    def is_erased(self, email: str) -> bool: ...

    def timeline(
        self, candidate_id: str, *, limit: int, after: str | None
    ) -> tuple[list[TimelineEntry], str | None]: ...

    def items_of(self, candidate_id: str) -> list[dict[str, Any]]: ...

    def erase(self, candidate: Candidate, *, erased_at: str) -> None: ...

    def timeline_entry(self, candidate_id: str, at: str, entry_id: str) -> TimelineEntry | None: ...


class Continuations(Protocol):
    """Starting the execution that carries an enrolment on when this one is near Step Functions' limits."""

    def continuation_arn(self, execution_arn: str, generation: int) -> str: ...

    def start_continuation(self, execution_arn: str, generation: int, payload: dict[str, object]) -> str: ...


class WorkflowControl(Protocol):
    def stop(self, execution_arn: str, *, cause: str) -> None: ...


class Applications(Protocol):
    """Whether someone has applied: status emails are about an application, so only they get one."""

    def has_application(self, candidate_id: str) -> bool: ...


class StageTemplates(Protocol):
    def stage_template(self, stage: Stage) -> StageEmailTemplate | None: ...
