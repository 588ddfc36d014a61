"""The ports the send path works through: the profile and its timeline, and the candidate's send log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from talentpool.models.candidate import Candidate, TimelineEntry
    from talentpool.models.sequences import SendLog


class CandidateReader(Protocol):
    def get(self, candidate_id: str) -> Candidate | None: ...

    def append_timeline(self, entries: list[TimelineEntry]) -> None: ...


class SendLogRepository(Protocol):
    def read(self, candidate_id: str) -> SendLog: ...

    def write(self, log: SendLog, entries: list[TimelineEntry]) -> SendLog: ...
