"""What the capture routes depend on, built once per process from the function's environment."""

from __future__ import annotations

from functools import cache

from talentpool.adapters.aws.candidates import CandidateStore
from talentpool.adapters.aws.email_limits import MailboxLimit
from talentpool.adapters.aws.events import EventBus
from talentpool.adapters.aws.submissions import SubmissionStore
from talentpool.adapters.aws.table import Table
from talentpool.config import CaptureEnv, load


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
