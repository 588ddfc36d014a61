"""Capture: create a candidate from a form, or merge into the one who already has that address."""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from aws_lambda_powertools.metrics import MetricUnit

from talentpool.clock import isoformat, parse_iso
from talentpool.errors import EmailTaken, VersionConflict
from talentpool.ids import new_id
from talentpool.logic.ports import CandidateRepository, EventPublisher
from talentpool.models.candidate import (
    MAX_ROLES,
    MAX_SKILLS,
    Candidate,
    CaptureRequest,
    CaptureResponse,
    ConsentRecord,
    ConsentStatus,
    Location,
    ProfileFields,
    Source,
    TimelineEntry,
)
from talentpool.models.events import CandidateCaptured
from talentpool.observability import logger, metrics
from talentpool.store.events import EventPublishFailed

# A resubmission within this window does not send another confirmation email: stops mail-bombing an address.
CONFIRMATION_RESEND_AFTER = timedelta(minutes=10)
WRITE_ATTEMPTS = 6


@dataclass(frozen=True)
class CaptureContext:
    now: datetime
    source_ip: str
    user_agent: str
    ip_hash_salt: str


def hash_ip(ip: str, salt: str) -> str | None:
    """Pseudonymous: proves which network a consent came from without storing the address itself."""
    if not ip:
        return None
    return hashlib.sha256(f"{salt}:{ip}".encode()).hexdigest()[:32]


def capture_candidate(
    request: CaptureRequest, context: CaptureContext, repo: CandidateRepository, bus: EventPublisher
) -> CaptureResponse:
    """Store the candidate (new or merged), then announce it. A filled honeypot stores and sends nothing."""
    if (bot := honeypot_response(request)) is not None:
        return bot

    candidate, merged, confirmation_requested = _store(request, context, repo)
    event = CandidateCaptured(
        candidate_id=candidate.candidate_id,
        occurred_at=isoformat(context.now),
        channel=request.source.channel,
        merged=merged,
        confirmation_requested=confirmation_requested,
    )
    try:
        bus.publish(event)
    except EventPublishFailed:
        # The candidate is safely stored; a resubmission re-requests confirmation. The alarm tells operators.
        metrics.add_metric(name="EventPublishFailed", unit=MetricUnit.Count, value=1)
        logger.exception("CandidateCaptured not published", extra={"candidate_id": candidate.candidate_id})
    return CaptureResponse(candidate_id=candidate.candidate_id)


def honeypot_response(request: CaptureRequest) -> CaptureResponse | None:
    """For a filled honeypot (a bot), the answer a person would get; None for everyone else.

    Checked before anything is written, the idempotency record included, so bots cost nothing.
    """
    if not request.website:
        return None
    metrics.add_metric(name="HoneypotTriggered", unit=MetricUnit.Count, value=1)
    return CaptureResponse(candidate_id=new_id())


def _consent_record(request: CaptureRequest, context: CaptureContext) -> ConsentRecord:
    return ConsentRecord(
        status=ConsentStatus.PENDING,
        text_version=request.consent.text_version,
        given_at=isoformat(context.now),
        ip_hash=hash_ip(context.source_ip, context.ip_hash_salt),
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
        kind="captured",
        at=candidate.captured_at,
        data=_source_data(request),
    )


def _store(request: CaptureRequest, context: CaptureContext, repo: CandidateRepository) -> tuple[Candidate, bool, bool]:
    """Create the candidate, or merge into the owner of the address: (candidate, merged, confirmation requested).

    Racing submissions of one address are settled by the email guard's condition in DynamoDB; the loser
    merges. A write that lost a race to another writer is retried after a short, jittered pause.
    """
    for attempt in range(WRITE_ATTEMPTS):
        candidate = _new_candidate(request, context)
        try:
            repo.create(candidate, [_captured_entry(candidate, request)], clear_tombstone=True)
            metrics.add_metric(name="CandidatesCaptured", unit=MetricUnit.Count, value=1)
            return candidate, False, True
        except EmailTaken as taken:
            existing = repo.get(taken.candidate_id)
            if existing is not None:
                try:
                    merged, confirmation_requested = _merge(existing, request, context, repo)
                    metrics.add_metric(name="CandidatesMerged", unit=MetricUnit.Count, value=1)
                    return merged, True, confirmation_requested
                except VersionConflict:
                    pass
        except VersionConflict:
            pass
        time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # noqa: S311 - jitter, not security
    raise VersionConflict()


def _merge(
    existing: Candidate, request: CaptureRequest, context: CaptureContext, repo: CandidateRepository
) -> tuple[Candidate, bool]:
    merged, confirmation_requested = merge_resubmission(existing, request, context)
    entry = TimelineEntry(
        entry_id=new_id(),
        candidate_id=existing.candidate_id,
        kind="resubmitted",
        at=merged.updated_at,
        data={**_source_data(request), "confirmation_requested": confirmation_requested},
    )
    return repo.save(existing, merged, [entry]), confirmation_requested


def _union(first: list[str], second: list[str], limit: int) -> list[str]:
    return list(dict.fromkeys([*first, *second]))[:limit]


def merge_profile(existing: Candidate, submitted: ProfileFields, now: datetime) -> Candidate:
    """The profile after the same person is seen again: lists unioned, non-empty fields updated.

    Shared by capture and import, so a resubmitted form and an imported row merge by the same rules.
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


def merge_resubmission(existing: Candidate, request: CaptureRequest, context: CaptureContext) -> tuple[Candidate, bool]:
    """The profile after the same person submits the form again, and whether to send a fresh confirmation.

    The profile merges by `merge_profile`. Consent: an already confirmed address stays confirmed with the new
    wording recorded; otherwise a new confirmation link goes out, unless one was sent in the last minutes.
    """
    now = isoformat(context.now)
    update: dict[str, object] = {}
    consent = _consent_record(request, context)
    confirmation_requested = False
    if existing.consent.status is ConsentStatus.ACTIVE:
        # Already confirmed: the address is proven, so the new wording is recorded without another round-trip.
        consent = existing.consent.model_copy(update={"text_version": consent.text_version})
    else:
        last = existing.confirmation_requested_at
        confirmation_requested = last is None or context.now - parse_iso(last) >= CONFIRMATION_RESEND_AFTER
        if confirmation_requested:
            update["confirmation_nonce"] = new_id()
            update["confirmation_requested_at"] = now
    update["consent"] = consent
    update["consent_history"] = [*existing.consent_history, _consent_record(request, context)]
    merged = merge_profile(existing, request, context.now)
    return merged.model_copy(update=update), confirmation_requested
