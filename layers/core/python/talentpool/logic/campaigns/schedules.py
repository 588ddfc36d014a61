"""Each nurture campaign's EventBridge Scheduler schedule, kept in step with the campaign's current version.

A campaign with a `schedule` (an EventBridge cron) has one schedule named `campaign-<id>` that starts the
nurture machine with `{campaign_id, trigger: "schedule", scheduled_at}`; it is disabled while the campaign is
inactive, and removed when the campaign has no schedule. The recruiter API syncs a campaign when it is
saved, and the `seed` function syncs every campaign (built-ins included) on each deploy and local start,
so a schedule that missed an update (Scheduler unavailable at save time) is put right by the next deploy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from talentpool.logic.sequences.definitions import SequenceRepository, current_sequence, list_sequences
from talentpool.models.campaigns import CampaignSchedule, CampaignTrigger
from talentpool.models.sequences import Sequence, SequenceKind
from talentpool.observability import logger

SCHEDULE_PREFIX = "campaign-"
MAX_NAME = 64  # Scheduler's limit on schedule names
# Scheduler replaces this context attribute with the firing's own scheduled time. Two deliveries of one firing
# (Scheduler delivers at least once) therefore name the same instant, and the run started by the second
# finds the first's run and sends nothing (logic/campaigns/nurture.py).
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"

SyncResult = Literal["created", "updated", "deleted", "none"]


@dataclass(frozen=True)
class ScheduleSettings:
    """Where schedules live and what they start: the group, the role Scheduler assumes, the nurture machine."""

    group: str
    role_arn: str
    state_machine_arn: str


class ScheduleRepository(Protocol):
    def put(self, schedule: CampaignSchedule) -> str: ...

    def delete(self, name: str) -> bool: ...


def schedule_name(campaign_id: str) -> str:
    return f"{SCHEDULE_PREFIX}{campaign_id}"[:MAX_NAME]


def desired_schedule(campaign: Sequence, settings: ScheduleSettings) -> CampaignSchedule | None:
    """The schedule a campaign should have; None for engage sequences and campaigns without a cron."""
    if campaign.kind is not SequenceKind.NURTURE or not campaign.schedule:
        return None
    return CampaignSchedule(
        name=schedule_name(campaign.sequence_id),
        expression=campaign.schedule,
        enabled=campaign.active,
        target_arn=settings.state_machine_arn,
        role_arn=settings.role_arn,
        input={
            "campaign_id": campaign.sequence_id,
            "trigger": CampaignTrigger.SCHEDULE.value,
            "scheduled_at": SCHEDULED_TIME,
        },
        # Ids only: the description shows in the console and in CloudTrail.
        description=f"Nurture campaign {campaign.sequence_id}, version {campaign.version}",
    )


def sync_schedule(campaign: Sequence, schedules: ScheduleRepository, settings: ScheduleSettings) -> SyncResult:
    """Create, update or remove the campaign's schedule to match this version of it."""
    if campaign.kind is not SequenceKind.NURTURE:
        return "none"
    desired = desired_schedule(campaign, settings)
    if desired is None:
        return "deleted" if schedules.delete(schedule_name(campaign.sequence_id)) else "none"
    result: SyncResult = "created" if schedules.put(desired) == "created" else "updated"
    logger.info(
        "campaign schedule synced",
        extra={"campaign_id": campaign.sequence_id, "version": campaign.version, "result": result},
    )
    return result


def sync_all(
    sequences: SequenceRepository, schedules: ScheduleRepository, settings: ScheduleSettings
) -> dict[str, SyncResult]:
    """Sync the current version of every campaign, built-in or stored; safe to run any number of times."""
    results: dict[str, SyncResult] = {}
    for summary in list_sequences(sequences).items:
        if summary.kind is not SequenceKind.NURTURE:
            continue
        campaign = current_sequence(sequences, summary.sequence_id)
        if campaign is not None:
            results[summary.sequence_id] = sync_schedule(campaign, schedules, settings)
    return results
