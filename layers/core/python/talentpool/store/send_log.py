"""The per-candidate send log: marketing sends of the last seven days, for the frequency cap and send-once."""

from __future__ import annotations

from collections.abc import Sequence

from talentpool.models.candidate import TimelineEntry
from talentpool.models.sequences import SendLog
from talentpool.store import keys
from talentpool.store.enrolments import timeline_writes
from talentpool.store.schema import PK, SK
from talentpool.store.table import Table, TransactionCancelled, Write

SEND_LOG_SK = "SENDLOG"


class SendLogChanged(Exception):
    """Another send for the same candidate wrote the log since it was read: re-read and decide again."""


def send_log_key(candidate_id: str) -> dict[str, str]:
    return {PK: keys.candidate_pk(candidate_id), SK: SEND_LOG_SK}


class SendLogStore:
    """One small item per candidate, written with an optimistic version so two sequences cannot both take
    the last slot under the cap."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def read(self, candidate_id: str) -> SendLog:
        item = self.table.get(send_log_key(candidate_id))
        return SendLog.model_validate(item) if item else SendLog(candidate_id=candidate_id)

    def write(self, log: SendLog, entries: Sequence[TimelineEntry] = ()) -> SendLog:
        """Store `log` as the successor of the version it was read at; SendLogChanged if that is stale.

        Timeline `entries` commit in the same transaction, so "sent" and its record on the timeline agree.
        """
        saved = log.model_copy(update={"version": log.version + 1})
        condition = "attribute_not_exists(pk)" if log.version == 0 else "#version = :version"
        put = Write(
            "Put",
            send_log_key(log.candidate_id),
            item={**saved.model_dump(mode="json", exclude_none=True), "entity": "send_log"},
            condition=condition,
            names={"#version": "version"} if log.version else {},
            values={":version": log.version} if log.version else {},
        )
        try:
            self.table.transact([put, *timeline_writes(entries)])
        except TransactionCancelled as exc:
            if exc.failed_at(0) or exc.conflicted:
                raise SendLogChanged(log.candidate_id) from exc
            raise
        return saved
