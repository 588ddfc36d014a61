"""The candidate's rights: a copy of everything held (Art. 15/20) and erasure (Art. 17)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from talentpool.clock import isoformat
from talentpool.ids import new_id
from talentpool.logic.people.profiles import get_candidate
from talentpool.models.candidate import TimelineEntry, TimelineKind
from talentpool.models.events import CandidateErased
from talentpool.observability import logger, metrics
from talentpool.ports.item_kinds import ENROLMENT_PREFIX, TIMELINE_PREFIX
from talentpool.ports.repositories import CandidateAdmin, EventPublisher, WorkflowControl

_INTERNAL = frozenset({"pk", "sk", "entity"})


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in _INTERNAL and not k.startswith("by_")}


def export_candidate(repo: CandidateAdmin, candidate_id: str, *, actor: str, now: datetime) -> dict[str, Any]:
    """Everything held about the person, as JSON: profile, consent records, timeline, tags and notes."""
    candidate = get_candidate(repo, candidate_id)
    items = repo.items_of(candidate_id)
    timeline = sorted((_public(i) for i in items if str(i["sk"]).startswith(TIMELINE_PREFIX)), key=lambda e: e["at"])
    other = [_public(i) for i in items if not str(i["sk"]).startswith((TIMELINE_PREFIX, "PROFILE"))]
    profile = candidate.shown(also=frozenset({"version"}))
    entry = TimelineEntry(
        entry_id=new_id(), candidate_id=candidate_id, kind=TimelineKind.EXPORTED, at=isoformat(now), actor=actor
    )
    repo.append_timeline([entry])
    return {
        "exported_at": entry.at,
        "profile": profile,
        "consent": {"current": profile["consent"], "history": profile.get("consent_history", [])},
        "tags": candidate.tags,
        "notes": [e for e in timeline if e.get("kind") == "note"],
        "timeline": timeline,
        "other_records": other,
    }


def erase_candidate(
    repo: CandidateAdmin,
    bus: EventPublisher,
    workflows: WorkflowControl,
    candidate_id: str,
    *,
    requested_by: str,
    now: datetime,
) -> None:
    """Stop their sequences, delete every item about them, keep a PII-free tombstone, and announce it."""
    candidate = get_candidate(repo, candidate_id)
    for item in repo.items_of(candidate_id):
        arn = item.get("execution_arn")
        if str(item["sk"]).startswith(ENROLMENT_PREFIX) and arn and item.get("status") == "running":
            workflows.stop(str(arn), cause="candidate erased")
    repo.erase(candidate, erased_at=isoformat(now))
    metrics.add_metric(name="CandidatesErased", unit=MetricUnit.Count, value=1)
    logger.info("candidate erased", extra={"candidate_id": candidate_id})
    bus.publish(CandidateErased(candidate_id=candidate_id, occurred_at=isoformat(now), requested_by=requested_by))
