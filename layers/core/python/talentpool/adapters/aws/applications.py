"""Whether a candidate has an application, read from their stage history on the timeline.

Until jobs and application records exist (issue 12), "has an application" means the candidate's stage was,
at some point, applied or later: a `stage_changed` timeline entry says so. Application records will answer
the same question (logic.ports.Applications) from their own items; only the wiring in notify changes.
"""

from __future__ import annotations

from talentpool.adapters.aws import keys
from talentpool.adapters.aws.table import Table
from talentpool.models.candidate import TimelineKind
from talentpool.models.stages import CONVERTED
from talentpool.ports.item_kinds import TIMELINE_PREFIX

STAGE_CHANGED = TimelineKind.STAGE_CHANGED


class StageHistoryApplications:
    def __init__(self, table: Table) -> None:
        self.table = table

    def has_application(self, candidate_id: str) -> bool:
        """Whether any stage change on the timeline moved the candidate into applied or a later stage.

        One query of the person's own timeline, filtered to stage changes on the server; it stops at the first.
        """
        entries = self.table.query_all(
            keys.candidate_pk(candidate_id),
            sk_prefix=TIMELINE_PREFIX,
            filter_contains=("kind", STAGE_CHANGED),
            consistent=True,
        )
        converted = {stage.value for stage in CONVERTED}
        return any(e.get("kind") == STAGE_CHANGED and (e.get("data") or {}).get("to") in converted for e in entries)
