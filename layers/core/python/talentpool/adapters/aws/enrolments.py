"""Enrolment items: one per candidate and sequence, under the candidate's partition, with their timeline entries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from talentpool.adapters.aws import keys
from talentpool.adapters.aws.candidates import timeline_item
from talentpool.adapters.aws.clients import error_code
from talentpool.adapters.aws.schema import PK, SK
from talentpool.adapters.aws.table import Table, TransactionCancelled, Write, is_conditional_failure
from talentpool.models.candidate import TimelineEntry
from talentpool.models.sequences import Enrolment
from talentpool.ports.item_kinds import ENROLMENT_PREFIX, enrolment_sk


def enrolment_key(candidate_id: str, sequence_id: str) -> dict[str, str]:
    return {PK: keys.candidate_pk(candidate_id), SK: enrolment_sk(sequence_id)}


def is_write_conflict(exc: Exception) -> bool:
    """A single-item conditional write lost: its condition failed, or a transaction held the item just then."""
    return is_conditional_failure(exc) or error_code(exc) == "TransactionConflictException"


def timeline_writes(entries: Iterable[TimelineEntry]) -> list[Write]:
    # Timeline items are built by the candidate store, so every writer of the timeline writes the same shape.
    return [Write("Put", {PK: i[PK], SK: i[SK]}, item=i) for i in map(timeline_item, entries)]


class EnrolmentStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, candidate_id: str, sequence_id: str) -> Enrolment | None:
        item = self.table.get(enrolment_key(candidate_id, sequence_id))
        return Enrolment.model_validate(item) if item else None

    def of_candidate(self, candidate_id: str) -> list[Enrolment]:
        items = self.table.query_all(keys.candidate_pk(candidate_id), sk_prefix=ENROLMENT_PREFIX, consistent=True)
        return [Enrolment.model_validate(i) for i in items]

    def many(self, candidate_ids: Sequence[str], sequence_id: str) -> dict[str, Enrolment]:
        """The enrolments of these candidates in one sequence, by candidate id (batched reads)."""
        items = self.table.batch_get([enrolment_key(c, sequence_id) for c in candidate_ids])
        return {str(i["candidate_id"]): Enrolment.model_validate(i) for i in items}

    def claim(self, enrolment: Enrolment, entries: Sequence[TimelineEntry] = ()) -> bool:
        """Start an enrolment unless one is running for the same candidate and sequence; False if one is.

        A finished enrolment (completed, exited, stopped, failed) is replaced: its story stays on the timeline.
        """
        return self._write(
            enrolment,
            "attribute_not_exists(pk) OR #status <> :running",
            {":running": "running"},
            entries,
        )

    def replace(self, enrolment: Enrolment, entries: Sequence[TimelineEntry] = ()) -> bool:
        """Write the enrolment's new state if it is still running under the same execution; False otherwise.

        The condition is what makes a stop (DELETE, erasure) win over a step that was already under way.
        """
        return self._write(
            enrolment,
            "#status = :running AND execution_arn = :arn",
            {":running": "running", ":arn": enrolment.execution_arn},
            entries,
        )

    def hand_over(self, enrolment: Enrolment, previous_execution: str) -> bool:
        """Give a running enrolment to the execution `enrolment` names, from `previous_execution`, which is
        continuing as that new one; False if it stopped running, or another execution holds it, meanwhile."""
        return self._write(
            enrolment,
            "#status = :running AND execution_arn = :arn",
            {":running": "running", ":arn": previous_execution},
            (),
        )

    def _write(
        self, enrolment: Enrolment, condition: str, values: dict[str, str], entries: Sequence[TimelineEntry]
    ) -> bool:
        key = enrolment_key(enrolment.candidate_id, enrolment.sequence_id)
        item = {**enrolment.model_dump(mode="json", exclude_none=True), "entity": "enrolment"}
        names = {"#status": "status"}
        if not entries:
            # One item: a conditional PutItem, the same condition at half a one-item transaction's write units.
            try:
                self.table.put({**item, **key}, condition=condition, names=names, values=values)
            except Exception as exc:
                if is_conditional_failure(exc):
                    return False
                raise
            return True
        put = Write("Put", key, item=item, condition=condition, names=names, values=values)
        try:
            self.table.transact([put, *timeline_writes(entries)])
        except TransactionCancelled as exc:
            if exc.failed_at(0):
                return False
            raise
        return True
