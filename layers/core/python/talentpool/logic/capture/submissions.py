"""Capture: answer every public submission alike, then create, merge, or hold it for the address's owner.

Anyone can type any address into a careers form. So the answer must not tell a new address from a known
or a confirmed one (or a bot from a person), by its content or by its timing: the request path only counts
the email it may cause, keeps the submission and announces it (`accept_submission`). What it leads to is
decided after the answer (`process_submission`, the intake function):
- a new address becomes a pending candidate, with a double opt-in email;
- a profile whose address was never proven takes the submission (nothing was proven to protect);
- a proven profile changes only through its address: the submission is held, and the address is asked to
  confirm it (a newer submission replaces the held one; it lapses after CHANGE_HOLD);
- a filled honeypot is dropped.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from aws_lambda_powertools.metrics import MetricUnit

from talentpool.clock import isoformat, parse_iso
from talentpool.errors import EmailTaken, SubmissionSettled, VersionConflict
from talentpool.ids import new_id
from talentpool.models.candidate import (
    MAX_ROLES,
    MAX_SKILLS,
    Candidate,
    CaptureRequest,
    CaptureResponse,
    ConsentRecord,
    ConsentStatus,
    Location,
    PendingChange,
    ProfileFields,
    SkillNames,
    Source,
    TimelineEntry,
    TimelineKind,
)
from talentpool.models.email_address import mailbox_key
from talentpool.models.events import CandidateCaptured, SubmissionReceived
from talentpool.models.submissions import Submission
from talentpool.observability import metrics, tracer
from talentpool.ports.repositories import CandidateRepository, EventPublisher, MailboxAllowance, SubmissionInbox

# A resubmission within this window does not send another confirmation email: stops mail-bombing an address.
CONFIRMATION_RESEND_AFTER = timedelta(minutes=10)
# A held change waits this long for its owner (the link in the change email lives as long).
CHANGE_HOLD = timedelta(days=7)
WRITE_ATTEMPTS = 6


@dataclass(frozen=True)
class CaptureContext:
    """When the submission arrived, and the pseudonymous facts about its sender the consent record keeps."""

    now: datetime
    ip_hash: str | None
    user_agent: str | None


def hash_ip(ip: str, salt: str) -> str | None:
    """Pseudonymous: proves which network a consent came from without storing the address itself."""
    if not ip:
        return None
    return hashlib.sha256(f"{salt}:{ip}".encode()).hexdigest()[:32]


# --- The request path: the same for everyone ---------------------------------------------------------------


@tracer.capture_method(capture_response=False)  # a span per step; answers may hold PII, so not recorded
def accept_submission(
    request: CaptureRequest,
    context: CaptureContext,
    *,
    allowance: MailboxAllowance,
    inbox: SubmissionInbox,
    bus: EventPublisher,
) -> CaptureResponse:
    """Count the email this may cause against the mailbox's limit, keep the submission, announce it.

    The same three writes whoever the address belongs to, and for a bot: the answer carries a random
    reference, never a candidate id. A mailbox over its limit is refused (RateLimited) before anything is kept.
    """
    allowance.take(mailbox_key(request.email), context.now)
    submission = Submission(
        submission_id=new_id(),
        received_at=isoformat(context.now),
        request=request,
        ip_hash=context.ip_hash,
        user_agent=context.user_agent,
    )
    inbox.receive(submission)
    bus.publish(SubmissionReceived(submission_id=submission.submission_id, occurred_at=submission.received_at))
    return CaptureResponse(request_id=submission.submission_id)


# --- After the answer --------------------------------------------------------------------------------------


@tracer.capture_method(capture_response=False)  # a span per step; answers may hold PII, so not recorded
def process_submission(
    submission_id: str, *, inbox: SubmissionInbox, repo: CandidateRepository, bus: EventPublisher
) -> CandidateCaptured | None:
    """Settle one submission, once: store what it leads to, announce it, and let the submission go.

    A redelivery finds either nothing (all done) or the outcome of a run that stopped before announcing,
    which it announces again with the same event id, so downstream consumers still act once.
    """
    submission = inbox.get(submission_id)
    if submission is None:
        return None
    outcome = submission.outcome
    if outcome is None and submission.request is not None:
        if submission.request.website:
            # A bot filled the honeypot: it was answered like anyone else, and nothing comes of it.
            metrics.add_metric(name="HoneypotTriggered", unit=MetricUnit.Count, value=1)
            inbox.discard(submission_id)
            return None
        try:
            outcome = _store(submission, submission.request, inbox, repo)
        except SubmissionSettled:
            return process_submission(submission_id, inbox=inbox, repo=repo, bus=bus)
    if outcome is not None:
        bus.publish(outcome)
    inbox.discard(submission_id)
    return outcome


def _context(submission: Submission) -> CaptureContext:
    return CaptureContext(parse_iso(submission.received_at), submission.ip_hash, submission.user_agent)


def _store(
    submission: Submission, request: CaptureRequest, inbox: SubmissionInbox, repo: CandidateRepository
) -> CandidateCaptured:
    """Create the candidate, or settle the submission against the owner of the address.

    Racing submissions of one address are settled by the email guard's condition in DynamoDB; the loser
    treats the address as known. A write that lost a race to another writer is retried after a short,
    jittered pause.
    """
    context = _context(submission)
    for attempt in range(WRITE_ATTEMPTS):
        candidate = _new_candidate(request, context)
        event = _captured(candidate, context, merged=False, confirmation_requested=True)
        try:
            inbox.create_candidate(submission.submission_id, candidate, [_captured_entry(candidate, request)], event)
            metrics.add_metric(name="CandidatesCaptured", unit=MetricUnit.Count, value=1)
            return event
        except EmailTaken as taken:
            existing = repo.get(taken.candidate_id)
            if existing is not None:
                with contextlib.suppress(VersionConflict):  # changed meanwhile: read it again
                    return _settle_known(submission.submission_id, existing, request, context, inbox)
        except VersionConflict:
            pass
        time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # noqa: S311 - jitter, not security
    raise VersionConflict()


def _settle_known(
    submission_id: str, existing: Candidate, request: CaptureRequest, context: CaptureContext, inbox: SubmissionInbox
) -> CandidateCaptured:
    """A proven profile gets the submission held beside it; any other takes it (VersionConflict: read again)."""
    if is_proven(existing):
        change, entry, event = hold_change(existing, request, context)
        inbox.hold_change(submission_id, existing, change, [entry], event)
        metrics.add_metric(name="ChangesHeld", unit=MetricUnit.Count, value=1)
        return event
    merged, entry, event = resubmission(existing, request, context)
    inbox.save_candidate(submission_id, existing, merged, [entry], event)
    metrics.add_metric(name="CandidatesMerged", unit=MetricUnit.Count, value=1)
    return event


def _captured(
    candidate: Candidate,
    context: CaptureContext,
    *,
    merged: bool,
    confirmation_requested: bool,
    change_requested: bool = False,
) -> CandidateCaptured:
    return CandidateCaptured(
        candidate_id=candidate.candidate_id,
        occurred_at=isoformat(context.now),
        channel=candidate.source.channel,
        merged=merged,
        confirmation_requested=confirmation_requested,
        change_requested=change_requested,
    )


def _consent_record(request: CaptureRequest, context: CaptureContext) -> ConsentRecord:
    return ConsentRecord(
        status=ConsentStatus.PENDING,
        text_version=request.consent.text_version,
        given_at=isoformat(context.now),
        ip_hash=context.ip_hash,
        user_agent=context.user_agent or None,
        channel=request.source.channel,
    )


def _new_candidate(request: CaptureRequest, context: CaptureContext) -> Candidate:
    now = isoformat(context.now)
    consent = _consent_record(request, context)
    return Candidate(
        candidate_id=new_id(),
        email=request.email,
        first_name=request.first_name,
        last_name=request.last_name,
        phone=request.phone,
        location=request.location,
        skills=request.skills,
        skill_names=request.skill_names,
        years_experience=request.years_experience,
        desired_roles=request.desired_roles,
        interests=request.interests,
        linkedin_url=request.linkedin_url,
        source=Source(**request.source.model_dump()),
        consent=consent,
        consent_history=[consent],
        captured_at=now,
        updated_at=now,
        confirmation_nonce=new_id(),
        confirmation_requested_at=now,
    )


def _source_data(request: CaptureRequest) -> dict[str, object]:
    source = request.source.model_dump(mode="json", exclude_none=True)
    return {**source, "consent_text_version": request.consent.text_version}


def _captured_entry(candidate: Candidate, request: CaptureRequest) -> TimelineEntry:
    return TimelineEntry(
        entry_id=new_id(),
        candidate_id=candidate.candidate_id,
        kind=TimelineKind.CAPTURED,
        at=candidate.captured_at,
        data=_source_data(request),
    )


def _union(first: list[str], second: list[str], limit: int) -> list[str]:
    return list(dict.fromkeys([*first, *second]))[:limit]


def merge_profile(existing: Candidate, submitted: ProfileFields, now: datetime) -> Candidate:
    """The profile after the same person is seen again: lists unioned, non-empty fields updated.

    Shared by capture, an applied change and import, so a resubmitted form and an imported row merge by the
    same rules.
    """
    fields = submitted.model_dump(exclude_none=True, include=set(ProfileFields.model_fields) - {"location"})
    update: dict[str, object] = {k: v for k, v in fields.items() if v not in ([], "")}
    skills = _union(existing.skills, submitted.skills, MAX_SKILLS)
    update["skills"] = skills
    # The latest spelling of a skill wins ("AWS" after "Aws"); names of skills that did not fit are dropped.
    names = {**existing.skill_names, **submitted.skill_names}
    update["skill_names"] = {key: names[key] for key in skills if key in names}
    update["desired_roles"] = _union(existing.desired_roles, submitted.desired_roles, MAX_ROLES)
    update["interests"] = list(dict.fromkeys([*existing.interests, *submitted.interests]))
    if submitted.location:
        old = existing.location.model_dump(exclude_none=True) if existing.location else {}
        update["location"] = Location(**{**old, **submitted.location.model_dump(exclude_none=True)})
    update["updated_at"] = isoformat(now)
    return existing.model_copy(update=update)


def changed_fields(existing: Candidate, submitted: ProfileFields, now: datetime) -> list[str]:
    """The names of the profile fields that merging `submitted` would change (never their values)."""
    merged = merge_profile(existing, submitted, now)
    return [name for name in _PROFILE_FIELD_ORDER if getattr(merged, name) != getattr(existing, name)]


# The fields in the order a person reads them: the profile's own first, then its skills (inherited from
# SkillNames, so pydantic lists them first). A skill's spelling (skill_names) is part of its skills.
_PROFILE_FIELD_ORDER = [
    *(name for name in ProfileFields.model_fields if name not in SkillNames.model_fields),
    "skills",
]


def is_proven(candidate: Candidate) -> bool:
    """Whether the address was ever confirmed by its owner: then nobody else may change the profile."""
    return any(record.confirmed_at for record in (candidate.consent, *candidate.consent_history))


def resubmission(
    existing: Candidate, request: CaptureRequest, context: CaptureContext
) -> tuple[Candidate, TimelineEntry, CandidateCaptured]:
    """What a public submission does to an unproven profile: merged in, with its timeline entry and event."""
    merged, confirmation_requested = merge_resubmission(existing, request, context)
    entry = TimelineEntry(
        entry_id=new_id(),
        candidate_id=existing.candidate_id,
        kind=TimelineKind.RESUBMITTED,
        at=merged.updated_at,
        data={**_source_data(request), "confirmation_requested": confirmation_requested},
    )
    return merged, entry, _captured(existing, context, merged=True, confirmation_requested=confirmation_requested)


def merge_resubmission(existing: Candidate, request: CaptureRequest, context: CaptureContext) -> tuple[Candidate, bool]:
    """An unproven profile after its address is submitted again, and whether to send a fresh confirmation.

    Nothing was proven, so the latest submission is taken (merged by `merge_profile`) with a new pending
    consent; a new confirmation link goes out, unless one was sent in the last minutes.
    """
    now = isoformat(context.now)
    update: dict[str, object] = {}
    last = existing.confirmation_requested_at
    confirmation_requested = last is None or context.now - parse_iso(last) >= CONFIRMATION_RESEND_AFTER
    if confirmation_requested:
        update["confirmation_nonce"] = new_id()
        update["confirmation_requested_at"] = now
    consent = _consent_record(request, context)
    update["consent"] = consent
    update["consent_history"] = [*existing.consent_history, consent]
    merged = merge_profile(existing, request, context.now)
    return merged.model_copy(update=update), confirmation_requested


def hold_change(
    existing: Candidate, request: CaptureRequest, context: CaptureContext
) -> tuple[PendingChange, TimelineEntry, CandidateCaptured]:
    """A proven profile keeps its details; the submission waits beside it for the address's owner to confirm."""
    change = PendingChange(
        candidate_id=existing.candidate_id,
        nonce=new_id(),
        submitted_at=isoformat(context.now),
        lapses_at=isoformat(context.now + CHANGE_HOLD),
        profile=ProfileFields.model_validate(request.model_dump(include=set(ProfileFields.model_fields))),
        consent=_consent_record(request, context),
        source=Source(**request.source.model_dump()),
    )
    entry = TimelineEntry(
        entry_id=new_id(),
        candidate_id=existing.candidate_id,
        kind=TimelineKind.CHANGE_REQUESTED,
        at=change.submitted_at,
        data={**_source_data(request), "fields": changed_fields(existing, change.profile, context.now)},
    )
    return change, entry, _captured(existing, context, merged=True, confirmation_requested=False, change_requested=True)
