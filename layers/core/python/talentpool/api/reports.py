"""Recruiter routes for reading reports: which dates have one, and a report's summary with links to its files."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Annotated

from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import Field

from talentpool import http
from talentpool.api import deps
from talentpool.api.segments import known_params
from talentpool.auth import Principal
from talentpool.clock import utcnow
from talentpool.composition import recruiter_api as wiring
from talentpool.errors import FieldError, ValidationFailed
from talentpool.logic.reports import build as reports
from talentpool.models.base import Model
from talentpool.models.reports import Period, ReportDates, ReportView
from talentpool.observability import logger

router = http.Router()


class ReportQuery(Model):
    period: Period = Field(default=Period.DAY, description="day (the default) or week")


class MissingArchive:
    """Stands in for the bucket when none is configured: no dates, and so no report."""

    def dates(self, period: Period) -> list[date]:
        return []

    def read(self, period: Period, report_date: date, name: str) -> bytes | None:
        return None

    def link(self, period: Period, report_date: date, name: str, *, now: datetime) -> tuple[str, datetime]:
        raise AssertionError("no report can be found, so none is linked")


@cache
def archive() -> reports.ReportArchive:
    bucket = wiring.env().reports_bucket
    if not bucket:
        # A deployment without the reporting construct: say so in the log, and answer as if none ran yet.
        logger.warning("REPORTS_BUCKET is not set: the recruiter API sees no reports")
        return MissingArchive()
    return wiring.report_store(bucket)


def report_date(value: str) -> date:
    """A calendar date as YYYY-MM-DD; anything else (2026-02-30, 20261125) is a 422 naming the path."""
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise ValidationFailed(
        f"{value!r} is not a date: use YYYY-MM-DD, such as 2026-11-25",
        [FieldError(["path", "date"], "must be a date as YYYY-MM-DD")],
    )


Recruiter = Annotated[Principal, Depends(deps.recruiter)]
Archive = Annotated[reports.ReportArchive, Depends(archive)]
PeriodQuery = Annotated[None, Depends(known_params(ReportQuery))]
AS_DATE = {"format": "date"}
# The document says date (so a client sends one); report_date checks it, with a message naming the path.
DateParam = Annotated[
    str,
    Path(min_length=1, max_length=32, description="The report's date, YYYY-MM-DD", json_schema_extra=AS_DATE),
]

ERRORS: dict[int, OpenAPIResponse] = {
    401: {"description": "No valid token"},
    403: {"description": "Not in an allowed group"},
    422: {"description": "An unknown period, an unknown parameter, or a malformed date"},
}
NOT_FOUND: dict[int, OpenAPIResponse] = {404: {"description": "No report for that date (or none yet)"}}
VIEW = (
    "summary.json's content (every metric; schema in docs/reports.md) and presigned links, valid for 15 minutes, "
    "to each file: summary.json, funnel.csv, sources.csv, sequences.csv and report.html."
)


@router.get(
    "/reports",
    summary="List reports",
    description="The dates that have a report, newest first. Daily reports are filed by the day they cover; "
    "weekly ones (period=week) by the Monday of their week.",
    responses={200: {"description": "The dates"}, **ERRORS},
    tags=["Reports"],
)
def get_reports(
    params: Annotated[ReportQuery, Query()], caller: Recruiter, store: Archive, _: PeriodQuery
) -> ReportDates:
    return reports.list_reports(store, params.period)


@router.get(
    "/reports/latest",
    summary="The latest report",
    description="The newest report of the period: " + VIEW,
    responses={200: {"description": "The report"}, **NOT_FOUND, **ERRORS},
    tags=["Reports"],
)
def get_latest_report(
    params: Annotated[ReportQuery, Query()], caller: Recruiter, store: Archive, _: PeriodQuery
) -> ReportView:
    return reports.latest_report(store, params.period, now=utcnow())


@router.get(
    "/reports/<date>",
    summary="A report by date",
    description="The report for a day (period=week: the week starting that Monday): " + VIEW,
    responses={200: {"description": "The report"}, **NOT_FOUND, **ERRORS},
    tags=["Reports"],
)
def get_report(
    date: DateParam, params: Annotated[ReportQuery, Query()], caller: Recruiter, store: Archive, _: PeriodQuery
) -> ReportView:
    return reports.get_report(store, params.period, report_date(date), now=utcnow())
