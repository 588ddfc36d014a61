"""Campaign schedules with a fake Scheduler: what each campaign's schedule is, and syncing one or all."""

from __future__ import annotations

from typing import Any

from talentpool.adapters.aws.sequences import summary_of
from talentpool.logic.campaigns.schedules import (
    SCHEDULED_TIME,
    ScheduleSettings,
    desired_schedule,
    schedule_name,
    sync_all,
    sync_schedule,
)
from talentpool.logic.sequences import builtin as builtin_sequences
from talentpool.models.campaigns import CampaignSchedule
from talentpool.models.sequences import Sequence, SequenceSummary

SETTINGS = ScheduleSettings(
    group="talentpool-campaigns",
    role_arn="arn:aws:iam::123456789012:role/scheduler",
    state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:nurture",
)


class FakeScheduler:
    def __init__(self) -> None:
        self.schedules: dict[str, CampaignSchedule] = {}

    def put(self, schedule: CampaignSchedule) -> str:
        existed = schedule.name in self.schedules
        self.schedules[schedule.name] = schedule
        return "updated" if existed else "created"

    def delete(self, name: str) -> bool:
        return self.schedules.pop(name, None) is not None


class FakeSequences:
    def __init__(self, *stored: Sequence) -> None:
        self.stored = {s.sequence_id: s for s in stored}

    def latest(self, sequence_id: str) -> Sequence | None:
        return self.stored.get(sequence_id)

    def version(self, sequence_id: str, version: int) -> Sequence | None:
        return None

    def directory(self) -> list[SequenceSummary]:
        return [summary_of(s) for s in self.stored.values()]

    def save(self, sequence: Sequence, *, previous_version: int | None) -> None:
        raise NotImplementedError


def builtin(name: str, **changes: Any) -> Sequence:
    found = builtin_sequences.builtin(name)
    assert found is not None
    return found.model_copy(update=changes)


def test_a_campaign_schedule_starts_the_nurture_machine_on_its_cron_with_the_firing_time() -> None:
    schedule = desired_schedule(builtin("nurture-events"), SETTINGS)

    assert schedule is not None
    assert schedule.name == "campaign-nurture-events"
    assert (schedule.expression, schedule.enabled) == ("cron(0 9 1 * ? *)", True)
    assert (schedule.target_arn, schedule.role_arn) == (SETTINGS.state_machine_arn, SETTINGS.role_arn)
    assert schedule.input == {"campaign_id": "nurture-events", "trigger": "schedule", "scheduled_at": SCHEDULED_TIME}


def test_an_inactive_campaign_keeps_a_disabled_schedule() -> None:
    schedule = desired_schedule(builtin("nurture-events", active=False), SETTINGS)

    assert schedule is not None and not schedule.enabled


def test_engage_sequences_and_campaigns_without_a_cron_have_no_schedule() -> None:
    scheduler = FakeScheduler()
    sync_schedule(builtin("nurture-events"), scheduler, SETTINGS)

    assert sync_schedule(builtin("welcome"), scheduler, SETTINGS) == "none"
    assert sync_schedule(builtin("nurture-events", schedule=None), scheduler, SETTINGS) == "deleted"
    assert sync_schedule(builtin("nurture-events", schedule=None), scheduler, SETTINGS) == "none"
    assert scheduler.schedules == {}


def test_schedule_names_fit_schedulers_limit() -> None:
    assert len(schedule_name("x" * 64)) == 64


def test_syncing_all_covers_every_campaign_built_in_or_stored_and_runs_again_as_updates() -> None:
    stored = builtin("nurture-events", sequence_id="01M8B9VGHAH080YCQ49MGPAEJE", builtin=False, version=1)
    edited = builtin("nurture-job_alerts", version=2, builtin=False, schedule="cron(0 8 ? * MON *)")
    sequences, scheduler = FakeSequences(stored, edited), FakeScheduler()

    first = sync_all(sequences, scheduler, SETTINGS)
    again = sync_all(sequences, scheduler, SETTINGS)

    campaigns = {
        "nurture-career_advice",
        "nurture-events",
        "nurture-job_alerts",
        "nurture-sector_news",
        stored.sequence_id,
    }
    assert first == dict.fromkeys(sorted(campaigns), "created") and set(first) == campaigns
    assert set(again.values()) == {"updated"}
    # The stored version 2 of a built-in wins over the code's version 1.
    assert scheduler.schedules["campaign-nurture-job_alerts"].expression == "cron(0 8 ? * MON *)"
