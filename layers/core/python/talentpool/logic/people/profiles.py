"""Recruiters working a profile: read it, edit it, add notes and tags, set the owner, add a candidate."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from talentpool import cursor
from talentpool.auth import Principal
from talentpool.clock import isoformat
from talentpool.errors import CandidateNotFound, Conflict, EmailTaken, StaleVersion, VersionConflict
from talentpool.ids import is_id, new_id
from talentpool.logic.optimistic import optimistic
from talentpool.models.candidate import (
    Candidate,
    Channel,
    ConsentRecord,
    ConsentStatus,
    Owner,
    Source,
    TimelineEntry,
    TimelineKind,
)
from talentpool.models.events import CandidateCaptured, CandidateUpdated
from talentpool.models.recruiter import ProfilePatch, RecruiterCandidateRequest, TimelinePage, etag
from talentpool.observability import metrics
from talentpool.ports.repositories import CandidateAdmin, EventPublisher

TIMELINE_CURSOR_KEYS = frozenset({"sk"})


def get_candidate(repo: CandidateAdmin, candidate_id: str) -> Candidate:
    candidate = repo.get(candidate_id) if is_id(candidate_id) else None
    if candidate is None:
        raise CandidateNotFound(f"No candidate {candidate_id}")
    return candidate


def _check_etag(candidate: Candidate, if_match: str | None) -> None:
    if if_match and if_match.strip() not in (etag(candidate), "*"):
        raise StaleVersion(f"The candidate changed since you read it (now {etag(candidate)}); reload and try again")


def _entry(candidate_id: str, kind: TimelineKind, now: datetime, actor: str, data: dict[str, Any]) -> TimelineEntry:
    return TimelineEntry(
        entry_id=new_id(), candidate_id=candidate_id, kind=kind, at=isoformat(now), actor=actor, data=data
    )


def update_profile(
    repo: CandidateAdmin,
    bus: EventPublisher,
    candidate_id: str,
    patch: ProfilePatch,
    *,
    if_match: str | None,
    caller: Principal,
    now: datetime,
) -> Candidate:
    """Apply the fields the recruiter sent. With If-Match, a stale version is a conflict, never a lost update."""
    candidate = get_candidate(repo, candidate_id)
    _check_etag(candidate, if_match)
    changes = {name: getattr(patch, name) for name in patch.model_fields_set}
    # null removes a value (RFC 7396); a list without its values is the empty list, as a new profile has it.
    changes |= {
        name: [] for name, value in changes.items() if value is None and isinstance(getattr(candidate, name), list)
    }
    if patch.location is not None and candidate.location is not None:
        # Merge-patch (RFC 7396) for the nested object: sending {"location": {"city": "Porto"}} keeps the country.
        sent = patch.location.model_dump(include=patch.location.model_fields_set)
        changes["location"] = candidate.location.model_copy(update=sent)
    # How skills are written is part of the skills: a new spelling ("AWS" for "aws") is a change to skills.
    changed = sorted(
        {
            "skills" if name == "skill_names" else name
            for name, value in changes.items()
            if getattr(candidate, name) != value
        }
    )
    if not changed:
        return candidate
    updated = candidate.model_copy(update={**changes, "updated_at": isoformat(now)})
    updated = Candidate.model_validate(updated.model_dump())
    entry = _entry(candidate_id, TimelineKind.PROFILE_UPDATED, now, caller.actor, {"fields": changed})
    try:
        saved = repo.save(candidate, updated, [entry])
    except VersionConflict as exc:
        raise Conflict("The candidate changed while you were saving; reload and try again") from exc
    bus.publish(CandidateUpdated(candidate_id=candidate_id, occurred_at=entry.at, fields=changed))
    return saved


def _save_with_retry(
    repo: CandidateAdmin, candidate_id: str, change: dict[str, Any], entry: TimelineEntry
) -> Candidate:
    def attempt(_: int) -> Candidate:
        candidate = get_candidate(repo, candidate_id)
        updated = candidate.model_copy(update={**change, "updated_at": entry.at})
        return repo.save(candidate, updated, [entry])

    return optimistic(
        attempt,
        conflicts=VersionConflict,
        exhausted=lambda: Conflict("The candidate is being changed by someone else; try again"),
        attempts=3,
    )


def add_note(repo: CandidateAdmin, candidate_id: str, text: str, *, caller: Principal, now: datetime) -> TimelineEntry:
    get_candidate(repo, candidate_id)
    entry = _entry(candidate_id, TimelineKind.NOTE, now, caller.actor, {"text": text})
    repo.append_timeline([entry])
    return entry


def set_tags(
    repo: CandidateAdmin, bus: EventPublisher, candidate_id: str, tags: list[str], *, caller: Principal, now: datetime
) -> Candidate:
    entry = _entry(candidate_id, TimelineKind.TAGS_CHANGED, now, caller.actor, {"tags": tags})
    saved = _save_with_retry(repo, candidate_id, {"tags": tags}, entry)
    bus.publish(CandidateUpdated(candidate_id=candidate_id, occurred_at=entry.at, fields=["tags"]))
    return saved


def set_owner(
    repo: CandidateAdmin, bus: EventPublisher, candidate_id: str, owner: Owner, *, caller: Principal, now: datetime
) -> Candidate:
    entry = _entry(candidate_id, TimelineKind.OWNER_CHANGED, now, caller.actor, {"owner_id": owner.id})
    saved = _save_with_retry(repo, candidate_id, {"owner": owner}, entry)
    bus.publish(CandidateUpdated(candidate_id=candidate_id, occurred_at=entry.at, fields=["owner"]))
    return saved


def timeline_page(repo: CandidateAdmin, candidate_id: str, *, limit: int, page_cursor: str | None) -> TimelinePage:
    get_candidate(repo, candidate_id)
    position = cursor.decode(page_cursor, required_keys=TIMELINE_CURSOR_KEYS)
    entries, last = repo.timeline(candidate_id, limit=limit, after=position["sk"] if position else None)
    return TimelinePage(
        items=[e.model_dump(mode="json") for e in entries],
        next_cursor=cursor.encode({"sk": last}) if last else None,
    )


def create_by_recruiter(
    repo: CandidateAdmin,
    bus: EventPublisher,
    request: RecruiterCandidateRequest,
    *,
    caller: Principal,
    now: datetime,
) -> Candidate:
    """A sourced candidate: channel recruiter, no consent yet, so they get an Art. 14 notice and no marketing."""
    if repo.is_erased(request.email):
        raise Conflict("This person asked for their data to be erased; only they can sign up again")
    existing = repo.id_for_email(request.email)
    if existing:
        raise Conflict(f"This person is already in the pool as candidate {existing}")
    stamp = isoformat(now)
    consent = ConsentRecord(status=ConsentStatus.PENDING, channel=Channel.RECRUITER)
    fields = request.model_dump(exclude={"email", "tags"}, exclude_none=True)
    candidate = Candidate(
        **fields,
        candidate_id=new_id(),
        email=request.email,
        tags=request.tags,
        owner=None,
        source=Source(channel=Channel.RECRUITER, referrer_id=caller.subject),
        consent=consent,
        consent_history=[],
        captured_at=stamp,
        updated_at=stamp,
    )
    entry = _entry(
        candidate.candidate_id, TimelineKind.CAPTURED, now, caller.actor, {"channel": Channel.RECRUITER.value}
    )
    try:
        repo.create(candidate, [entry], clear_tombstone=False)
    except EmailTaken as taken:
        raise Conflict(f"This person is already in the pool as candidate {taken.candidate_id}") from taken
    metrics.add_metric(name="CandidatesSourced", unit=MetricUnit.Count, value=1)
    bus.publish(
        CandidateCaptured(
            candidate_id=candidate.candidate_id,
            occurred_at=stamp,
            channel=Channel.RECRUITER,
            merged=False,
            confirmation_requested=False,
            notice_requested=True,
        )
    )
    return candidate
