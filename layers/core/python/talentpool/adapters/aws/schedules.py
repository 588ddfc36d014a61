"""EventBridge Scheduler schedules of nurture campaigns, in one schedule group."""

from __future__ import annotations

import json
from typing import Any

from talentpool.adapters.aws.clients import client, error_code
from talentpool.models.campaigns import CampaignSchedule

# A missed firing (Scheduler or Step Functions briefly unavailable) is retried for an hour, then dropped:
# a monthly campaign a day late is worse than the next month's on time, and a recruiter can send it by hand.
RETRY_POLICY = {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 5}


def _code(exc: Exception) -> str | None:
    return error_code(exc)


class SchedulerSchedules:
    def __init__(self, group: str) -> None:
        self.group = group

    def put(self, schedule: CampaignSchedule) -> str:
        """Create the schedule, or update it in place when it exists: "created" or "updated"."""
        scheduler = client("scheduler")
        params = self._params(schedule)
        try:
            scheduler.create_schedule(**params)
        except Exception as exc:
            if _code(exc) != "ConflictException":
                raise
            scheduler.update_schedule(**params)
            return "updated"
        return "created"

    def get(self, name: str) -> dict[str, Any] | None:
        try:
            return dict(client("scheduler").get_schedule(GroupName=self.group, Name=name))
        except Exception as exc:
            if _code(exc) == "ResourceNotFoundException":
                return None
            raise

    def delete(self, name: str) -> bool:
        """Remove the schedule; False when there was none."""
        try:
            client("scheduler").delete_schedule(GroupName=self.group, Name=name)
        except Exception as exc:
            if _code(exc) == "ResourceNotFoundException":
                return False
            raise
        return True

    def _params(self, schedule: CampaignSchedule) -> dict[str, Any]:
        return {
            "Name": schedule.name,
            "GroupName": self.group,
            "Description": schedule.description,
            "ScheduleExpression": schedule.expression,
            # Campaign crons are written in UTC, as EventBridge rules are (cron(0 9 1 * ? *) is 09:00 UTC).
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "State": "ENABLED" if schedule.enabled else "DISABLED",
            "Target": {
                "Arn": schedule.target_arn,
                "RoleArn": schedule.role_arn,
                "Input": json.dumps(schedule.input),
                "RetryPolicy": RETRY_POLICY,
            },
        }
