"""What recruiter routes depend on, injected with Powertools Depends so tests can override any of it."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler.request import Request

from talentpool import auth
from talentpool.adapters.aws.candidates import CandidateStore
from talentpool.adapters.aws.events import EventBus
from talentpool.adapters.aws.search import SearchIndex
from talentpool.adapters.aws.segments import SegmentStore
from talentpool.adapters.aws.table import Table
from talentpool.adapters.aws.workflows import Workflows
from talentpool.config import RecruiterApiEnv, load


def env() -> RecruiterApiEnv:
    return load(RecruiterApiEnv)


@cache
def candidates() -> CandidateStore:
    return CandidateStore(Table(env().table_name))


@cache
def bus() -> EventBus:
    return EventBus(env().event_bus_name)


@cache
def search_index() -> SearchIndex:
    return SearchIndex(Table(env().table_name))


@cache
def segment_store() -> SegmentStore:
    return SegmentStore(Table(env().table_name))


@cache
def workflows() -> Workflows:
    return Workflows()


def recruiter_from_event(event: dict[str, Any]) -> auth.Principal:
    """Any member of recruiters or admins, from the verified claims in the raw event."""
    return auth.require(auth.principal(event))


def recruiter(request: Request) -> auth.Principal:
    """Any member of recruiters or admins."""
    return auth.require(auth.principal(request.resolved_event.raw_event))


def admin(request: Request) -> auth.Principal:
    """Admins only: erasure and managing sequences."""
    return auth.require(auth.principal(request.resolved_event.raw_event), auth.ADMINS)
