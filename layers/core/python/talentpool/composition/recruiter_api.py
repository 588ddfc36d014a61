"""Wiring for the recruiter API's routers: each store or service a route depends on, built once per process.

The routers reach adapters only through this module (the import contracts in pyproject.toml allow no other
path); the adapter classes are named here so the routers' dependency annotations can use them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from typing import TYPE_CHECKING

from talentpool.adapters.aws.campaign_runs import CampaignLauncher, CampaignRunStore
from talentpool.adapters.aws.candidate_batch import CandidateBatch
from talentpool.adapters.aws.candidates import CandidateStore
from talentpool.adapters.aws.enrolments import EnrolmentStore
from talentpool.adapters.aws.events import EventBus
from talentpool.adapters.aws.imports import ImportStatusStore, ImportUploads
from talentpool.adapters.aws.search import SearchIndex
from talentpool.adapters.aws.segments import SegmentStore
from talentpool.adapters.aws.sequences import SequenceStore
from talentpool.adapters.aws.table import Table
from talentpool.adapters.aws.templates import TemplateStore
from talentpool.adapters.aws.workflows import Workflows
from talentpool.config import RecruiterApiEnv, load

if TYPE_CHECKING:
    from talentpool.logic.campaigns.schedules import ScheduleRepository
    from talentpool.logic.reports.build import ReportArchive

__all__ = [
    "CampaignLauncher",
    "CampaignRunStore",
    "CandidateBatch",
    "CandidateStore",
    "EnrolmentStore",
    "EventBus",
    "ImportStatusStore",
    "ImportUploads",
    "SearchIndex",
    "SegmentStore",
    "SequenceStore",
    "TemplateStore",
    "Workflows",
]


def env() -> RecruiterApiEnv:
    return load(RecruiterApiEnv)


@cache
def table() -> Table:
    return Table(env().table_name)


@cache
def candidates() -> CandidateStore:
    return CandidateStore(table())


@cache
def bus() -> EventBus:
    return EventBus(env().event_bus_name)


@cache
def search_index() -> SearchIndex:
    return SearchIndex(table())


@cache
def segment_store() -> SegmentStore:
    return SegmentStore(table())


@cache
def workflows() -> Workflows:
    return Workflows()


@cache
def sequence_store() -> SequenceStore:
    return SequenceStore(table())


@cache
def run_store() -> CampaignRunStore:
    return CampaignRunStore(table())


def launcher() -> CampaignLauncher:
    arn = env().nurture_state_machine_arn
    if not arn:
        raise RuntimeError("NURTURE_STATE_MACHINE_ARN is not set: the nurture state machine is not deployed")
    return CampaignLauncher(arn)


def schedules(group: str) -> ScheduleRepository:
    """The Scheduler schedules of `group` (imported only when a campaign's schedule is synced)."""
    from talentpool.adapters.aws.schedules import SchedulerSchedules

    return SchedulerSchedules(group)


@cache
def enrolment_store() -> EnrolmentStore:
    return EnrolmentStore(table())


@cache
def candidate_batch() -> CandidateBatch:
    return CandidateBatch(candidates())


def segment_members() -> Callable[[str], Iterator[str]]:
    """Who a saved segment matches now, from the segments feature's evaluator (index reads, never a scan)."""
    from talentpool.logic.people.segments import evaluate_segment

    def members(segment_id: str) -> Iterator[str]:
        return (summary.candidate_id for summary in evaluate_segment(segment_store(), search_index(), segment_id))

    return members


@cache
def import_statuses() -> ImportStatusStore:
    return ImportStatusStore(table())


@cache
def import_uploads() -> ImportUploads:
    return ImportUploads(env().imports_bucket)


@cache
def template_store() -> TemplateStore:
    return TemplateStore(table())


def report_store(bucket: str) -> ReportArchive:
    from talentpool.adapters.aws.reports import ReportStore

    return ReportStore(bucket)
