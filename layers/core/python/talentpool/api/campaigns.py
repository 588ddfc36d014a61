"""Recruiter routes for nurture campaigns: send one now; and the schedule sync the sequence routes call on save."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path

from talentpool import http
from talentpool.api import deps
from talentpool.auth import Principal
from talentpool.clock import utcnow
from talentpool.composition import recruiter_api as wiring
from talentpool.logic.campaigns.schedules import ScheduleSettings, sync_schedule
from talentpool.models.api_errors import ErrorResponse
from talentpool.models.campaigns import CampaignSendAccepted
from talentpool.models.sequences import Sequence, SequenceKind
from talentpool.observability import logger

router = http.Router()

ScheduleSync = Callable[[Sequence], None]
"""Called after a sequence version is saved: keeps a campaign's schedule in step (engage: nothing to do)."""


def schedule_settings() -> ScheduleSettings | None:
    env = wiring.env()
    if not (env.schedule_group and env.scheduler_role_arn and env.nurture_state_machine_arn):
        return None
    return ScheduleSettings(
        group=env.schedule_group, role_arn=env.scheduler_role_arn, state_machine_arn=env.nurture_state_machine_arn
    )


def schedule_sync() -> ScheduleSync:
    """The hook POST and PUT /sequences call after saving a version (a dependency, so tests can override it)."""
    return syncing(schedule_settings())


def syncing(settings: ScheduleSettings | None) -> ScheduleSync:
    """Sync a saved campaign's schedule with `settings`; with none (nurture not deployed), only say so."""

    def sync(sequence: Sequence) -> None:
        if sequence.kind is not SequenceKind.NURTURE:
            return
        if settings is None:
            logger.warning("campaign schedules are not configured", extra={"campaign_id": sequence.sequence_id})
            return
        sync_schedule(sequence, wiring.schedules(settings.group), settings)

    return sync


CampaignId = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$", description="The campaign's sequence id")
]
Recruiter = Annotated[Principal, Depends(deps.recruiter)]
Sequences = Annotated[wiring.SequenceStore, Depends(wiring.sequence_store)]
Runs = Annotated[wiring.CampaignRunStore, Depends(wiring.run_store)]
Launcher = Annotated[wiring.CampaignLauncher, Depends(wiring.launcher)]


@router.post(
    "/campaigns/<sequence_id>/send",
    summary="Send a nurture campaign now",
    description="Starts a run of the campaign now, besides its schedule: one execution resolves its audience "
    "(its segment, or everyone with active consent who chose its topic), checks each candidate, and sends "
    "each eligible one the run's email once, with content chosen by their interests. Candidates at their "
    "frequency cap or outside their send window get it when they may, within 7 days. The answer is 202 with "
    "the run id and the execution. The run is claimed before the answer, so a second send finds it: 409.",
    responses={
        202: http.model_response(CampaignSendAccepted, "The run id and the execution"),
        401: {"description": "No valid token"},
        403: {"description": "Not in an allowed group"},
        404: {"description": "No such sequence, or it is an engage sequence"},
        409: http.model_response(
            ErrorResponse,
            "The campaign is inactive; a run of it is still sending (`campaign_busy`); or the run this send would "
            "start sends the email an earlier run of the same version sent (`campaign_already_sent`: save a new "
            "version to send again). The last two carry that run in `error.details.run`.",
        ),
    },
    tags=["Sequences"],
)
def post_campaign_send(
    sequence_id: CampaignId, caller: Recruiter, sequences: Sequences, runs: Runs, starter: Launcher
) -> Response[Any]:
    # Here, not at the top: the campaign logic (engage's send path, search) loads only when a send starts.
    from talentpool.logic.campaigns.runs import start_campaign_send

    accepted = start_campaign_send(sequences, runs, starter, sequence_id, caller=caller, now=utcnow())
    return http.json_response(HTTPStatus.ACCEPTED, accepted.model_dump(mode="json"))
