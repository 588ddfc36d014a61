"""The store operations logic depends on, as protocols, so unit tests can pass fakes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: a function that sends no email need not build the email and template models
    from talentpool.models.candidate import Candidate, Stage, TimelineEntry
    from talentpool.models.email_message import OutgoingEmail
    from talentpool.models.events import DomainEvent
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


class EventPublisher(Protocol):
    def publish(self, *events: DomainEvent) -> None: ...


class ConfirmationLedger(Protocol):
    """Claim a confirmation link for emailing exactly once; release the claim if SES refused the send."""

    def claim_confirmation_email(self, candidate_id: str, now: str) -> Candidate | None: ...

    def release_confirmation_email(self, candidate_id: str, nonce: str) -> None: ...


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


class WorkflowControl(Protocol):
    def stop(self, execution_arn: str, *, cause: str) -> None: ...


class Applications(Protocol):
    """Whether someone has applied: status emails are about an application, so only they get one."""

    def has_application(self, candidate_id: str) -> bool: ...


class StageTemplates(Protocol):
    def stage_template(self, stage: Stage) -> StageEmailTemplate | None: ...
