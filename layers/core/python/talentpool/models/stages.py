"""The recruitment funnel and which stage moves are allowed."""

from __future__ import annotations

from talentpool.models.candidate import Stage

FUNNEL: tuple[Stage, ...] = (
    Stage.LEAD,
    Stage.ENGAGED,
    Stage.NURTURED,
    Stage.APPLIED,
    Stage.INTERVIEWING,
    Stage.OFFERED,
    Stage.HIRED,
)

# Stages that end every sequence for the candidate (DESIGN: "Convert").
CONVERTED: frozenset[Stage] = frozenset({Stage.APPLIED, Stage.INTERVIEWING, Stage.OFFERED, Stage.HIRED})


def allowed_moves(current: Stage) -> list[Stage]:
    """Forward along the funnel (skipping is fine: a lead may apply straight away), or out of it.

    Rejected and archived are reachable from anywhere. A rejected candidate can go back to being nurtured
    (the silver medallist you keep warm); an archived one can be reopened as a lead. Nothing moves backwards
    inside the funnel, and a hire can only be archived.
    """
    if current is Stage.HIRED:
        return [Stage.ARCHIVED]
    if current is Stage.REJECTED:
        return [Stage.NURTURED, Stage.ARCHIVED]
    if current is Stage.ARCHIVED:
        return [Stage.LEAD]
    later = list(FUNNEL[FUNNEL.index(current) + 1 :])
    return [*later, Stage.REJECTED, Stage.ARCHIVED]
