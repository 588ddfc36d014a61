"""What the capture routes depend on, built once per process from the function's environment."""

from __future__ import annotations

from functools import cache

from talentpool.config import CaptureEnv, load
from talentpool.store.candidates import CandidateStore
from talentpool.store.email_limits import MailboxLimit
from talentpool.store.events import EventBus
from talentpool.store.submissions import SubmissionStore
from talentpool.store.table import Table


def env() -> CaptureEnv:
    return load(CaptureEnv)


@cache
def table() -> Table:
    return Table(env().table_name)


@cache
def repo() -> CandidateStore:
    return CandidateStore(table())


@cache
def inbox() -> SubmissionStore:
    return SubmissionStore(table(), repo())


@cache
def limit() -> MailboxLimit:
    return MailboxLimit(table())


@cache
def bus() -> EventBus:
    return EventBus(env().event_bus_name)
