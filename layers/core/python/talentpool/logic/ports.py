"""The store operations logic depends on, as protocols, so unit tests can pass fakes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from talentpool.models.candidate import Candidate, TimelineEntry
from talentpool.models.email_message import OutgoingEmail
from talentpool.models.events import DomainEvent


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
