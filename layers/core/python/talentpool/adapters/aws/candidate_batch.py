"""Profiles read many at a time, for enrolling a list or a segment of candidates in one request."""

from __future__ import annotations

from collections.abc import Sequence

from talentpool.adapters.aws import keys
from talentpool.adapters.aws.candidates import CandidateStore
from talentpool.models.candidate import Candidate


class CandidateBatch:
    """The candidate store's single reads, plus BatchGetItem for up to hundreds of profiles at once."""

    def __init__(self, store: CandidateStore) -> None:
        self.store = store

    def get(self, candidate_id: str) -> Candidate | None:
        return self.store.get(candidate_id)

    def many(self, candidate_ids: Sequence[str]) -> dict[str, Candidate]:
        items = self.store.table.batch_get([keys.candidate_key(c) for c in candidate_ids])
        return {str(i["candidate_id"]): Candidate.model_validate(i) for i in items}
