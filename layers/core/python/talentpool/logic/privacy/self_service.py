"""Candidate self-service through signed links: one-click unsubscribe and the preference centre.

Every entry point first proves the link: a token signed for this purpose about one candidate. A link that
is tampered with, expired or meant for the other purpose changes nothing. Every change lands on the
timeline and the bus, with ids only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from aws_lambda_powertools.metrics import MetricUnit

from talentpool import tokens
from talentpool.clock import isoformat, parse_iso
from talentpool.errors import Conflict, InvalidToken, ValidationFailed, VersionConflict
from talentpool.ids import is_id, new_id
from talentpool.logic.optimistic import optimistic
from talentpool.logic.privacy import gdpr
from talentpool.logic.sending import links
from talentpool.models.candidate import Candidate, Channel, ConsentRecord, ConsentStatus, TimelineEntry, TimelineKind
from talentpool.models.events import CandidateUnsubscribed, CandidateUpdated, DomainEvent
from talentpool.models.preferences import (
    Action,
    DeleteEverything,
    NoLongerHeld,
    Notice,
    PauseEmails,
    PreferencesInvalid,
    PreferencesView,
    ResumeEmails,
    SaveChoices,
    UnsubscribeAll,
    UnsubscribeView,
    email_hint,
    is_subscribed,
    parse_request,
)
from talentpool.observability import logger, metrics
from talentpool.ports.repositories import CandidateAdmin, EventPublisher, WorkflowControl
from talentpool.views.dates import day_label

ACTOR = "candidate"
UnsubscribeVia = Literal["one_click", "preferences"]
# A change computed from the profile as read: the new profile, its timeline entries and its events.
Change = tuple[Candidate, list[TimelineEntry], list[DomainEvent]]
_SAVE_ATTEMPTS = 3


@dataclass(frozen=True)
class PreferencesOutcome:
    """What a preference-centre post did: the notice to show, and the page as it is now (None once erased)."""

    action: Action
    notice: Notice | None
    view: PreferencesView | None


# --- Reading -------------------------------------------------------------------------------------------


def _holder(token: str, purpose: str, *, secret: bytes, now: datetime, repo: CandidateAdmin) -> Candidate | None:
    """The candidate a genuine link is about, or None when their data is gone; InvalidToken otherwise.

    A genuine link that has expired still says who it was for: if that person was erased, they are told their
    data was deleted, not that the link expired. A link we did not sign never gets that far, so a stranger
    learns nothing about anyone.
    """
    try:
        claims = tokens.verify(secret, token, purpose=purpose, now=now)
    except tokens.TokenExpired as expired:
        if is_id(expired.claims.subject) and repo.get(expired.claims.subject) is None:
            return None
        raise
    if not is_id(claims.subject):
        raise InvalidToken("This link is not valid", "malformed")
    return repo.get(claims.subject)


def _held(candidate: Candidate | None) -> Candidate:
    if candidate is None:
        # Only we can sign a link, so a genuine one for nobody means the person was erased.
        raise NoLongerHeld("We no longer hold any data about you")
    return candidate


def _day(stamp: str) -> str:
    return day_label(parse_iso(stamp))


def reason_for(candidate: Candidate) -> str:
    """Why this person does or does not get our email, in one sentence they can check against their memory."""
    joined = _day(candidate.captured_at)
    if candidate.suppressed_at:
        return (
            f"We stopped emailing you on {_day(candidate.suppressed_at)} because our emails to your address "
            "could not be delivered or were reported as unwanted."
        )
    if not is_subscribed(candidate):
        left = candidate.unsubscribed_at or candidate.consent.withdrawn_at or candidate.updated_at
        return f"You unsubscribed on {_day(left)}, so we send you no marketing email."
    if candidate.consent.status is ConsentStatus.ACTIVE:
        return (
            f"You receive our emails because you joined our talent community on {joined} "
            "and confirmed your email address."
        )
    if candidate.source.channel in (Channel.RECRUITER, Channel.IMPORT):
        return (
            f"One of our recruiters added your professional details on {joined}. We send you no marketing email "
            "unless you sign up yourself."
        )
    return (
        f"You signed up on {joined} but have not confirmed your email address yet, so we send you no marketing email."
    )


def _view(candidate: Candidate, now: datetime) -> PreferencesView:
    paused = candidate.preferences.paused_until
    until = parse_iso(paused) if paused else None
    return PreferencesView(
        candidate=candidate,
        reason=reason_for(candidate),
        subscribed=is_subscribed(candidate),
        paused_until=until if until and until > now else None,
    )


def preferences_view(token: str, *, secret: bytes, now: datetime, repo: CandidateAdmin) -> PreferencesView:
    """The preference centre for the holder of a preferences link. Reading changes nothing."""
    return _view(_held(_holder(token, links.PREFERENCES, secret=secret, now=now, repo=repo)), now)


def unsubscribe_page(token: str, *, secret: bytes, now: datetime, repo: CandidateAdmin) -> UnsubscribeView:
    """What the confirm page behind an unsubscribe link shows. Never a change: link scanners prefetch GETs."""
    candidate = _held(_holder(token, links.UNSUBSCRIBE, secret=secret, now=now, repo=repo))
    return UnsubscribeView(already=not is_subscribed(candidate), email_hint=email_hint(candidate.email))


# --- Changing ------------------------------------------------------------------------------------------


def _entry(candidate_id: str, kind: TimelineKind, now: datetime, data: dict[str, Any] | None = None) -> TimelineEntry:
    return TimelineEntry(
        entry_id=new_id(), candidate_id=candidate_id, kind=kind, at=isoformat(now), actor=ACTOR, data=data or {}
    )


def _apply(
    repo: CandidateAdmin, bus: EventPublisher, candidate: Candidate, change: Callable[[Candidate], Change | None]
) -> tuple[Candidate, bool]:
    """Save `change(candidate)` unless someone saved first, then re-read and recompute; (profile, changed)."""
    candidate_id = candidate.candidate_id

    def attempt(number: int) -> tuple[Candidate, bool]:
        current = candidate if number == 0 else _held(repo.get(candidate_id))
        computed = change(current)
        if computed is None:
            return current, False
        updated, entries, events = computed
        saved = repo.save(current, updated, entries)
        bus.publish(*events)
        return saved, True

    return optimistic(
        attempt, conflicts=VersionConflict, exhausted=lambda: VersionConflict(candidate_id), attempts=_SAVE_ATTEMPTS
    )


def _unsubscribed(via: UnsubscribeVia, now: datetime) -> Callable[[Candidate], Change | None]:
    def change(candidate: Candidate) -> Change | None:
        if candidate.unsubscribed_at:
            return None  # idempotent: a second click, or a mail client retrying, changes nothing
        stamp = isoformat(now)
        consent, history = candidate.consent, candidate.consent_history
        if consent.status is not ConsentStatus.WITHDRAWN:
            consent = consent.model_copy(update={"status": ConsentStatus.WITHDRAWN, "withdrawn_at": stamp})
            # A record of its own: the giving record's IP hash and browser describe the giving, not this.
            withdrawal = ConsentRecord(
                status=ConsentStatus.WITHDRAWN, text_version=consent.text_version, withdrawn_at=stamp
            )
            history = [*history, withdrawal]
        updated = candidate.model_copy(
            update={"consent": consent, "consent_history": history, "unsubscribed_at": stamp, "updated_at": stamp}
        )
        entry = _entry(candidate.candidate_id, TimelineKind.UNSUBSCRIBED, now, {"via": via})
        return (
            updated,
            [entry],
            [CandidateUnsubscribed(candidate_id=candidate.candidate_id, occurred_at=stamp, via=via)],
        )

    return change


def _unsubscribe(
    repo: CandidateAdmin, bus: EventPublisher, candidate: Candidate, via: UnsubscribeVia, now: datetime
) -> tuple[Candidate, bool]:
    saved, changed = _apply(repo, bus, candidate, _unsubscribed(via, now))
    if changed:
        metrics.add_metric(name="CandidatesUnsubscribed", unit=MetricUnit.Count, value=1)
        logger.info("candidate unsubscribed", extra={"candidate_id": candidate.candidate_id, "via": via})
    return saved, changed


def unsubscribe(
    token: str, *, secret: bytes, now: datetime, repo: CandidateAdmin, bus: EventPublisher
) -> UnsubscribeView:
    """RFC 8058 one-click: stop all marketing email at once. Repeating it, or a link for an erased person
    (who gets no email either), is a success that changes nothing, so a mail client never shows a failure."""
    candidate = _holder(token, links.UNSUBSCRIBE, secret=secret, now=now, repo=repo)
    if candidate is None:
        return UnsubscribeView(held=False)
    saved, changed = _unsubscribe(repo, bus, candidate, "one_click", now)
    return UnsubscribeView(already=not changed, changed=changed, email_hint=email_hint(saved.email))


def _updated_event(candidate_id: str, stamp: str, fields: list[str]) -> CandidateUpdated:
    return CandidateUpdated(candidate_id=candidate_id, occurred_at=stamp, fields=fields)


def _save_choices(request: SaveChoices, now: datetime) -> Callable[[Candidate], Change | None]:
    def change(candidate: Candidate) -> Change | None:
        # Same topics in another order are no change: the stored order (their first choice first) is kept.
        interests = candidate.interests if set(candidate.interests) == set(request.interests) else request.interests
        max_per_week = request.max_per_week
        changed = [
            name
            for name, differs in (
                ("interests", interests != candidate.interests),
                ("max_per_week", max_per_week != candidate.preferences.max_per_week),
            )
            if differs
        ]
        if not changed:
            return None
        stamp = isoformat(now)
        preferences = candidate.preferences.model_copy(update={"max_per_week": max_per_week})
        updated = candidate.model_copy(update={"interests": interests, "preferences": preferences, "updated_at": stamp})
        data = {"fields": changed, "interests": [t.value for t in interests], "max_per_week": max_per_week}
        entry = _entry(candidate.candidate_id, TimelineKind.PREFERENCES_CHANGED, now, data)
        profile_fields = sorted({"interests" if name == "interests" else "preferences" for name in changed})
        return updated, [entry], [_updated_event(candidate.candidate_id, stamp, profile_fields)]

    return change


def _pause(request: PauseEmails, now: datetime) -> Callable[[Candidate], Change | None]:
    def change(candidate: Candidate) -> Change | None:
        stamp, until = isoformat(now), isoformat(now + timedelta(weeks=request.weeks))
        preferences = candidate.preferences.model_copy(update={"paused_until": until})
        updated = candidate.model_copy(update={"preferences": preferences, "updated_at": stamp})
        entry = _entry(candidate.candidate_id, TimelineKind.PAUSED, now, {"weeks": request.weeks, "until": until})
        return updated, [entry], [_updated_event(candidate.candidate_id, stamp, ["preferences"])]

    return change


def _resume(now: datetime) -> Callable[[Candidate], Change | None]:
    def change(candidate: Candidate) -> Change | None:
        if candidate.preferences.paused_until is None:
            return None
        stamp = isoformat(now)
        preferences = candidate.preferences.model_copy(update={"paused_until": None})
        updated = candidate.model_copy(update={"preferences": preferences, "updated_at": stamp})
        entry = _entry(candidate.candidate_id, TimelineKind.RESUMED, now)
        return updated, [entry], [_updated_event(candidate.candidate_id, stamp, ["preferences"])]

    return change


def _require_subscribed(candidate: Candidate) -> None:
    """Topics, frequency and pauses shape email an unsubscribed person no longer gets; a stale page says so."""
    if not is_subscribed(candidate):
        raise Conflict(
            "You have unsubscribed from all our emails, so there is nothing to change here. To hear from us "
            "again, sign up on our careers page and confirm your address."
        )


def change_preferences(
    token: str,
    submitted: Mapping[str, Any],
    *,
    secret: bytes,
    now: datetime,
    repo: CandidateAdmin,
    bus: EventPublisher,
    workflows: WorkflowControl,
) -> PreferencesOutcome:
    """Apply one button of the preference centre. The link is checked before the fields, so a bad link
    learns nothing; fields that do not validate come back with the page as it is (PreferencesInvalid)."""
    candidate = _held(_holder(token, links.PREFERENCES, secret=secret, now=now, repo=repo))
    try:
        request = parse_request(submitted)
    except ValidationFailed as invalid:
        raise PreferencesInvalid(invalid, _view(candidate, now), str(submitted.get("action", ""))) from None
    if isinstance(request, DeleteEverything):
        gdpr.erase_candidate(repo, bus, workflows, candidate.candidate_id, requested_by=ACTOR, now=now)
        return PreferencesOutcome(Action.DELETE, None, None)
    if isinstance(request, UnsubscribeAll):
        saved, _ = _unsubscribe(repo, bus, candidate, "preferences", now)
        return PreferencesOutcome(Action.UNSUBSCRIBE, Notice.UNSUBSCRIBED, _view(saved, now))
    _require_subscribed(candidate)
    if isinstance(request, SaveChoices):
        action, notice, change = Action.SAVE, Notice.SAVED, _save_choices(request, now)
    elif isinstance(request, PauseEmails):
        action, notice, change = Action.PAUSE, Notice.PAUSED, _pause(request, now)
    else:
        assert isinstance(request, ResumeEmails)
        action, notice, change = Action.RESUME, Notice.RESUMED, _resume(now)
    saved, changed = _apply(repo, bus, candidate, change)
    if changed:
        metrics.add_metric(name="PreferencesChanged", unit=MetricUnit.Count, value=1)
        logger.info("preferences changed", extra={"candidate_id": candidate.candidate_id, "action": action.value})
    return PreferencesOutcome(action, notice, _view(saved, now))


def export_data(token: str, *, secret: bytes, now: datetime, repo: CandidateAdmin) -> dict[str, Any]:
    """'Download my data': the same Art. 15/20 export a recruiter gets, recorded as asked for by the candidate."""
    candidate = _held(_holder(token, links.PREFERENCES, secret=secret, now=now, repo=repo))
    return gdpr.export_candidate(repo, candidate.candidate_id, actor=ACTOR, now=now)
