"""Links that prove an address: double opt-in, and applying new details held for a proven profile.

Mail security scanners open every link in a message, so opening a link (GET) only shows what it would
do; a person pressing its button (POST) does it. Both kinds are single use, signed and expire in 7 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from aws_lambda_powertools.metrics import MetricUnit

from talentpool import tokens
from talentpool.clock import isoformat, parse_iso
from talentpool.errors import InvalidToken, VersionConflict
from talentpool.ids import is_id, new_id
from talentpool.logic.capture.submissions import changed_fields, merge_profile
from talentpool.logic.optimistic import optimistic
from talentpool.logic.people.engagement import Interaction, credit
from talentpool.models import engagement
from talentpool.models.candidate import (
    Candidate,
    ConsentRecord,
    ConsentStatus,
    PendingChange,
    TimelineEntry,
    TimelineKind,
)
from talentpool.models.events import CandidateConfirmed, CandidateUpdated, DomainEvent
from talentpool.observability import metrics, tracer
from talentpool.ports.repositories import EventPublisher, HeldChanges

CONFIRM_PURPOSE = "confirm"
CHANGE_PURPOSE = "apply_change"
CONFIRM_LINK_TTL = timedelta(days=7)
SAVE_ATTEMPTS = 3


class LinkKind(StrEnum):
    CONFIRM = CONFIRM_PURPOSE
    CHANGE = CHANGE_PURPOSE


@dataclass(frozen=True)
class LinkView:
    """What a valid link would do, for the page its GET shows: which kind, and the fields a change touches."""

    kind: LinkKind
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConfirmOutcome:
    candidate_id: str
    kind: LinkKind


def confirmation_token(secret: bytes, candidate_id: str, nonce: str, now: datetime) -> str:
    return tokens.sign(
        secret, purpose=CONFIRM_PURPOSE, subject=candidate_id, nonce=nonce, now=now, ttl=CONFIRM_LINK_TTL
    )


def change_token(secret: bytes, candidate_id: str, change: PendingChange, now: datetime) -> str:
    """The link applying a held change lives exactly as long as the change is held."""
    ttl = max(parse_iso(change.lapses_at) - now, timedelta(0))
    return tokens.sign(secret, purpose=CHANGE_PURPOSE, subject=candidate_id, nonce=change.nonce, now=now, ttl=ttl)


def _claims(token: str, secret: bytes, now: datetime) -> tuple[LinkKind, tokens.Claims]:
    purpose = tokens.purpose_of(token)
    kind = LinkKind(purpose) if purpose in set(LinkKind) else LinkKind.CONFIRM
    claims = tokens.verify(secret, token, purpose=kind.value, now=now)
    if not is_id(claims.subject):
        raise InvalidToken("This link is not valid", "malformed")
    return kind, claims


@dataclass(frozen=True)
class _Held:
    """What a link is for: its candidate and, for a change link, the change held beside the profile."""

    candidate: Candidate
    change: PendingChange | None = None


def _holder(kind: LinkKind, claims: tokens.Claims, repo: HeldChanges, now: datetime) -> _Held:
    """The candidate the link is for (and its held change), if the link is still the current one of its kind."""
    candidate = repo.get(claims.subject)
    if candidate is None:
        raise InvalidToken("This link is no longer valid", "unknown")
    # Single use: a nonce is cleared when its link is used, and replaced when a newer link is sent.
    change = repo.held_change(claims.subject) if kind is LinkKind.CHANGE else None
    current = candidate.confirmation_nonce if kind is LinkKind.CONFIRM else change.nonce if change else None
    if current is None or current != claims.nonce:
        raise InvalidToken("This link has already been used", "used")
    if change is not None and parse_iso(change.lapses_at) < now:
        raise InvalidToken("This link has expired", "expired")
    return _Held(candidate, change)


def view_link(token: str, *, secret: bytes, now: datetime, repo: HeldChanges) -> LinkView:
    """What pressing the link's button would do. Reading changes nothing: scanners may open it freely."""
    kind, claims = _claims(token, secret, now)
    held = _holder(kind, claims, repo, now)
    if held.change is None:
        return LinkView(kind)
    return LinkView(kind, tuple(changed_fields(held.candidate, held.change.profile, now)))


@tracer.capture_method(capture_response=False)  # a span per step; answers may hold PII, so not recorded
def use_link(token: str, *, secret: bytes, now: datetime, repo: HeldChanges, bus: EventPublisher) -> ConfirmOutcome:
    """Do what the link is for, once: confirm the address, or apply the held change. A tampered, expired or
    already-used link changes nothing."""
    kind, claims = _claims(token, secret, now)

    def attempt(_: int) -> ConfirmOutcome:
        held = _holder(kind, claims, repo, now)
        events = _confirm(held.candidate, now, repo) if held.change is None else _apply(held, now, repo)
        metrics.add_metric(
            name="CandidatesConfirmed" if kind is LinkKind.CONFIRM else "ChangesApplied", unit=MetricUnit.Count, value=1
        )
        bus.publish(*events)
        return ConfirmOutcome(held.candidate.candidate_id, kind)

    return optimistic(
        attempt, conflicts=VersionConflict, exhausted=lambda: VersionConflict(claims.subject), attempts=SAVE_ATTEMPTS
    )


def _activated(candidate: Candidate, consent: ConsentRecord, now: datetime, *, credited: bool = True) -> Candidate:
    """The candidate with `consent` now active, confirmed at `now`, and (`credited`) the engagement it earns."""
    active = consent.model_copy(update={"status": ConsentStatus.ACTIVE, "confirmed_at": isoformat(now)})
    confirmed = candidate.model_copy(
        update={
            "consent": active,
            "consent_history": [*candidate.consent_history, active],
            "updated_at": isoformat(now),
        }
    )
    if not credited:
        return confirmed
    # Confirming is the strongest engagement signal there is; it counts once, with this save.
    return engagement.onto(confirmed, credit(engagement.of(candidate), Interaction.CONFIRMED, now))


def _entry(candidate: Candidate, kind: TimelineKind, now: datetime, data: dict[str, object]) -> TimelineEntry:
    return TimelineEntry(
        entry_id=new_id(), candidate_id=candidate.candidate_id, kind=kind, at=isoformat(now), data=data
    )


def _confirm_event(candidate: Candidate, now: datetime) -> CandidateConfirmed:
    return CandidateConfirmed(
        candidate_id=candidate.candidate_id, occurred_at=isoformat(now), channel=candidate.source.channel
    )


def _confirm(candidate: Candidate, now: datetime, repo: HeldChanges) -> list[DomainEvent]:
    confirmed = _activated(candidate, candidate.consent, now).model_copy(update={"confirmation_nonce": None})
    entry = _entry(candidate, TimelineKind.CONFIRMED, now, {"consent_text_version": candidate.consent.text_version})
    repo.save(candidate, confirmed, [entry])
    return [_confirm_event(candidate, now)]


def _apply(held: _Held, now: datetime, repo: HeldChanges) -> list[DomainEvent]:
    """The held details merged in, and the consent given with them recorded as proven by this click.

    An active consent only takes the new wording; a withdrawn one becomes active again, as a confirmation
    would make it (the form's consent box was ticked, and the address's owner has now pressed the button).
    """
    candidate, change = held.candidate, held.change
    assert change is not None  # only a change link reaches here
    fields = changed_fields(candidate, change.profile, now)
    # Already active: new wording, no second confirmation (nor its engagement credit, nor a new welcome series).
    reactivated = candidate.consent.status is not ConsentStatus.ACTIVE
    applied = _activated(merge_profile(candidate, change.profile, now), change.consent, now, credited=reactivated)
    data: dict[str, object] = {"fields": fields, "consent_text_version": change.consent.text_version}
    repo.apply_change(candidate, applied, change, [_entry(candidate, TimelineKind.CHANGE_APPLIED, now, data)])
    events: list[DomainEvent] = [
        CandidateUpdated(candidate_id=candidate.candidate_id, occurred_at=isoformat(now), fields=fields)
    ]
    return [*events, _confirm_event(candidate, now)] if reactivated else events
