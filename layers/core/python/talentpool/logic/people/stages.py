"""Moving a candidate through the funnel, with the candidate told what happened."""

from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from talentpool.auth import Principal
from talentpool.clock import isoformat
from talentpool.errors import Conflict, FieldError, VersionConflict
from talentpool.ids import new_id
from talentpool.logic.optimistic import optimistic
from talentpool.logic.people.profiles import get_candidate
from talentpool.models.candidate import Candidate, TimelineEntry, TimelineKind
from talentpool.models.events import StageChanged
from talentpool.models.recruiter import StageRequest
from talentpool.models.stages import allowed_moves
from talentpool.observability import metrics
from talentpool.ports.repositories import CandidateAdmin, EventPublisher


class IllegalStageMove(Conflict):
    code = "illegal_stage_change"

    def __init__(self, current: str, requested: str, allowed: list[str]) -> None:
        super().__init__(
            f"A candidate in {current} cannot move to {requested}; allowed: {', '.join(allowed)}",
            [FieldError(["stage"], f"allowed from {current}: {', '.join(allowed)}")],
        )
        self.allowed = allowed


def change_stage(
    repo: CandidateAdmin,
    bus: EventPublisher,
    candidate_id: str,
    request: StageRequest,
    *,
    caller: Principal,
    now: datetime,
) -> Candidate:
    """Move the candidate, record why, and announce it (which ends sequences and sends the status email)."""

    def attempt(_: int) -> Candidate:
        candidate = get_candidate(repo, candidate_id)
        allowed = allowed_moves(candidate.stage)
        if request.stage not in allowed:
            raise IllegalStageMove(candidate.stage.value, request.stage.value, [s.value for s in allowed])
        stamp = isoformat(now)
        entry = TimelineEntry(
            entry_id=new_id(),
            candidate_id=candidate_id,
            kind=TimelineKind.STAGE_CHANGED,
            at=stamp,
            actor=caller.actor,
            data={
                "from": candidate.stage.value,
                "to": request.stage.value,
                "reason": request.reason,
                "job_ref": request.job_ref,
                "feedback": request.feedback,
                "notify_candidate": request.notify_candidate,
            },
        )
        moved = candidate.model_copy(update={"stage": request.stage, "updated_at": stamp})
        saved = repo.save(candidate, moved, [entry])  # VersionConflict: someone saved first, so decide again
        metrics.add_metric(name="StageChanges", unit=MetricUnit.Count, value=1)
        bus.publish(
            StageChanged(
                candidate_id=candidate_id,
                occurred_at=stamp,
                from_stage=candidate.stage,
                to_stage=request.stage,
                job_ref=request.job_ref,
                notify_candidate=request.notify_candidate,
                timeline_entry_id=entry.entry_id,
            )
        )
        return saved

    return optimistic(
        attempt,
        conflicts=VersionConflict,
        exhausted=lambda: Conflict("The candidate is being changed by someone else; try again"),
        attempts=3,
    )
