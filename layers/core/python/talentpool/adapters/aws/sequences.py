"""Stored sequence versions and the directory that lists them (built-ins live in logic, not here)."""

from __future__ import annotations

from typing import Any

from talentpool.adapters.aws.schema import PK, SK
from talentpool.adapters.aws.table import Table, TransactionCancelled, Write
from talentpool.errors import SequenceVersionTaken
from talentpool.models.sequences import Sequence, SequenceSummary, summary_of

DIRECTORY_PK = "SEQUENCES"
SEQUENCE_PREFIX = "SEQ#"
VERSION_PREFIX = "V#"


def version_key(sequence_id: str, version: int) -> dict[str, str]:
    # Zero-padded so versions sort as numbers, and the newest is the first item of a backwards query.
    return {PK: f"{SEQUENCE_PREFIX}{sequence_id}", SK: f"{VERSION_PREFIX}{version:05d}"}


def directory_key(sequence_id: str) -> dict[str, str]:
    return {PK: DIRECTORY_PK, SK: sequence_id}


class SequenceStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def latest(self, sequence_id: str) -> Sequence | None:
        """The newest stored version, in one query; None when only the built-in (or nothing) exists."""
        page = self.table.query(
            f"{SEQUENCE_PREFIX}{sequence_id}", sk_prefix=VERSION_PREFIX, forward=False, limit=1, consistent=True
        )
        return Sequence.model_validate(page.items[0]) if page.items else None

    def version(self, sequence_id: str, version: int) -> Sequence | None:
        item = self.table.get(version_key(sequence_id, version))
        return Sequence.model_validate(item) if item else None

    def directory(self) -> list[SequenceSummary]:
        """Every stored sequence's directory entry; a small partition (one item per sequence)."""
        return [SequenceSummary.model_validate(i) for i in self.table.query_all(DIRECTORY_PK, consistent=True)]

    def save(self, sequence: Sequence, *, previous_version: int | None) -> None:
        """Store a new version and point the directory at it, unless another save got there first.

        `previous_version` is the stored version the change was based on; None for the first stored version
        (a new sequence, or the first edit of a built-in), which must not find a directory entry.
        """
        item: dict[str, Any] = {
            **sequence.model_dump(mode="json", exclude_none=True),
            "entity": "sequence_version",
        }
        if previous_version is None:
            directory_condition = "attribute_not_exists(pk)"
            values: dict[str, Any] = {}
        else:
            directory_condition = "current_version = :previous"
            values = {":previous": previous_version}
        writes = [
            Write(
                "Put",
                version_key(sequence.sequence_id, sequence.version),
                item=item,
                condition="attribute_not_exists(pk)",
            ),
            Write(
                "Put",
                directory_key(sequence.sequence_id),
                item={**summary_of(sequence).model_dump(mode="json", exclude_none=True), "entity": "sequence"},
                condition=directory_condition,
                values=values,
            ),
        ]
        try:
            self.table.transact(writes)
        except TransactionCancelled as exc:
            raise SequenceVersionTaken(sequence.sequence_id) from exc
