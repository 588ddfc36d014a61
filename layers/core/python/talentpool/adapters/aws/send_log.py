"""The per-candidate send log: marketing sends of the last seven days, for the frequency cap and send-once."""

from __future__ import annotations

from collections.abc import Sequence

from talentpool.adapters.aws import keys
from talentpool.adapters.aws.enrolments import is_write_conflict, timeline_writes
from talentpool.adapters.aws.schema import PK, SK
from talentpool.adapters.aws.table import Table, TransactionCancelled, Write
from talentpool.errors import SendLogChanged
from talentpool.models.candidate import TimelineEntry
from talentpool.models.sequences import SendLog

SEND_LOG_SK = "SENDLOG"


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
        Without entries (a reservation, a release) it is one conditional PutItem: the same condition, so the
        same guarantee, at half a transaction's write units.
        """
        saved = log.model_copy(update={"version": log.version + 1})
        condition = "attribute_not_exists(pk)" if log.version == 0 else "#version = :version"
        names = {"#version": "version"} if log.version else {}
        values = {":version": log.version} if log.version else {}
        item = {**send_log_key(log.candidate_id), **saved.model_dump(mode="json", exclude_none=True)}
        item["entity"] = "send_log"
        if not entries:
            try:
                self.table.put(item, condition=condition, names=names, values=values)
            except Exception as exc:
                if is_write_conflict(exc):
                    raise SendLogChanged(log.candidate_id) from exc
                raise
            return saved
        put = Write("Put", send_log_key(log.candidate_id), item=item, condition=condition, names=names, values=values)
        try:
            self.table.transact([put, *timeline_writes(entries)])
        except TransactionCancelled as exc:
            if exc.failed_at(0) or exc.conflicted:
                raise SendLogChanged(log.candidate_id) from exc
            raise
        return saved
