"""A campaign's runs: starting one now (POST /campaigns/{id}/send), the run the next one would be, and how
long a run holds its campaign. One run of a campaign at a time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from talentpool.auth import Principal
from talentpool.clock import isoformat, parse_iso
from talentpool.errors import Conflict, NotFound
from talentpool.ids import new_id
from talentpool.logic.campaigns.ports import CampaignRunRepository, ExecutionStarter
from talentpool.logic.sequences.definitions import SequenceSource, current_sequence
from talentpool.models.campaigns import (
    CampaignRun,
    CampaignSendAccepted,
    CampaignStart,
    CampaignState,
    CampaignTrigger,
)
from talentpool.models.sequences import Sequence, SequenceKind
from talentpool.observability import logger, metrics

MAX_DEFERRAL = timedelta(days=7)  # the cap's window: anyone not sendable within it is given up on
RUN_HOLD = MAX_DEFERRAL + timedelta(days=1)  # how long a run can hold its campaign, even if its execution died


class CampaignNotFound(NotFound):
    code = "campaign_not_found"


class CampaignBusy(Conflict):
    """A run of this campaign is still in progress; `details` is that run, when it is known."""

    code = "campaign_busy"

    def __init__(self, message: str, run: CampaignRun | None = None) -> None:
        super().__init__(message, details=_run_details(run))


class CampaignAlreadySent(Conflict):
    """The run a send would start sends the very email an earlier run of the campaign sent; `details` is it."""

    code = "campaign_already_sent"

    def __init__(self, message: str, run: CampaignRun) -> None:
        super().__init__(message, details=_run_details(run))


def _run_details(run: CampaignRun | None) -> dict[str, Any] | None:
    return {"run": run.model_dump(mode="json", exclude_none=True)} if run is not None else None


def execution_name(campaign_id: str, run_id: str) -> str:
    """`<campaign>-<run_id>`, within Step Functions' 80 characters."""
    return f"{campaign_id[: 80 - len(run_id) - 1]}-{run_id}"


def start_campaign_send(
    sequences: SequenceSource,
    runs: CampaignRunRepository,
    launcher: ExecutionStarter,
    campaign_id: str,
    *,
    caller: Principal,
    now: datetime,
) -> CampaignSendAccepted:
    """Start a run of the campaign now, besides its schedule; the run resolves its audience when it starts.

    The run is claimed here, before its execution starts, so a second send a moment later finds it (409, with
    the run) instead of starting a second execution. A send whose email an earlier run of the same version
    already sent (a one-step campaign, or the step the rotation has come back to) is refused the same way:
    sending it again would email the same people the same thing. A new version can be sent.
    """
    from talentpool.errors import CampaignStateChanged, RunClaimed

    campaign = current_sequence(sequences, campaign_id)
    if campaign is None or campaign.kind is not SequenceKind.NURTURE:
        raise CampaignNotFound(f"No nurture campaign {campaign_id}")
    if not campaign.active:
        raise Conflict(f"Campaign {campaign_id} is inactive; activate it with PUT /sequences/{campaign_id} first")
    state = runs.state(campaign_id)
    _refuse_a_repeat(campaign, state, runs, now)
    run_id = new_id()
    name = execution_name(campaign_id, run_id)
    start = CampaignStart(
        campaign_id=campaign_id, trigger=CampaignTrigger.MANUAL, run_id=run_id, requested_by=caller.actor
    )
    run = new_run(run_id, campaign, state, start, launcher.execution_arn(name), now)
    try:
        runs.claim(run, taken(state, run, now))
    except (RunClaimed, CampaignStateChanged):
        # Another send (or a scheduled run) took the campaign between our read and our write.
        _refuse_a_repeat(campaign, runs.state(campaign_id), runs, now)
        raise CampaignBusy(f"Campaign {campaign_id} was started by someone else at the same moment") from None
    try:
        execution = launcher.start(name, start.model_dump(mode="json", exclude_none=True))
    except Exception:
        # Nothing was started: give the campaign back at once rather than hold it for RUN_HOLD.
        runs.finish(run.model_copy(update={"status": "failed", "error": "start_failed", "finished_at": isoformat(now)}))
        raise
    metrics.add_metric(name="CampaignSendsRequested", unit=MetricUnit.Count, value=1)
    logger.info("campaign send requested", extra={"campaign_id": campaign_id, "run_id": run_id})
    return CampaignSendAccepted(campaign_id=campaign_id, run_id=run_id, execution=execution)


def _refuse_a_repeat(campaign: Sequence, state: CampaignState, runs: CampaignRunRepository, now: datetime) -> None:
    """CampaignBusy while a run holds the campaign; CampaignAlreadySent when the next run would repeat the
    last one's email (same version, same step) and that run sent (or is sending) it."""
    if holds(state, now):
        active = runs.get(state.active_run) if state.active_run else None
        raise CampaignBusy(
            f"Run {state.active_run} of campaign {campaign.sequence_id} is still sending; try when it ends", active
        )
    last = runs.get(state.last_run_id) if state.last_run_id else None
    step = state.runs % len(campaign.steps)
    if (
        last is not None
        and last.status in ("running", "finished")
        and (last.version, last.step)
        == (
            campaign.version,
            step,
        )
    ):
        raise CampaignAlreadySent(
            f"Run {last.run_id} already sent version {campaign.version} of campaign {campaign.sequence_id}; "
            "save a new version to send it again",
            last,
        )


def new_run(
    run_id: str, campaign: Sequence, state: CampaignState, start: CampaignStart, execution: str, now: datetime
) -> CampaignRun:
    """The run the campaign's next run would be: its version pinned, its step the next in the rotation."""
    return CampaignRun(
        run_id=run_id,
        campaign_id=campaign.sequence_id,
        version=campaign.version,
        step=state.runs % len(campaign.steps),
        trigger=start.trigger,
        execution=execution,
        started_at=isoformat(now),
        requested_by=start.requested_by,
        scheduled_at=start.scheduled_at,
        number=state.runs,
    )


def taken(state: CampaignState, run: CampaignRun, now: datetime) -> CampaignState:
    """The campaign's state once `run` holds it."""
    return state.model_copy(
        update={
            "runs": state.runs + 1,
            "active_run": run.run_id,
            "active_execution": run.execution,
            "active_until": isoformat(now + RUN_HOLD),
            "last_run_id": run.run_id,
        }
    )


def holds(state: CampaignState, now: datetime) -> bool:
    """Whether a run still holds the campaign. A run whose execution died without a word holds it only until
    `active_until`, longer than any run can last."""
    return bool(state.active_run and state.active_until and parse_iso(state.active_until) > now)
