"""Wiring for capture's routes: each store, the bus and the idempotency records, built once per process from the
function's environment."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from talentpool.adapters.aws.candidates import CandidateStore
from talentpool.adapters.aws.email_limits import MailboxLimit
from talentpool.adapters.aws.events import EventBus
from talentpool.adapters.aws.idempotency import persistence
from talentpool.adapters.aws.submissions import SubmissionStore
from talentpool.adapters.aws.table import Table
from talentpool.config import CaptureEnv, load

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer


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


def idempotency_records() -> DynamoDBPersistenceLayer:
    return persistence(env().table_name, "capture")
