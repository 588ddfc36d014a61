"""Report models: what a report run covers, the metrics in summary.json, and what the API returns about reports.

A report is computed from the aggregates only (talentpool.models.aggregates), never from candidates, and holds
counts and the ids and names of segments and sequences: no candidate data of any kind. Every rate is a
fraction from 0 to 1, rounded to four places, and null where its denominator is zero.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import ConfigDict, Field

from talentpool.models.base import Model

SCHEMA_VERSION = 1
WINDOW_DAYS = 30  # the trend window: captures per day, and step performance
EXPIRY_DAYS = 30  # consents expiring in the next 30 days

# The five files of a report, in the order the API lists their links.
SUMMARY_FILE = "summary.json"
FUNNEL_FILE = "funnel.csv"
SOURCES_FILE = "sources.csv"
SEQUENCES_FILE = "sequences.csv"
HTML_FILE = "report.html"
REPORT_FILES = (SUMMARY_FILE, FUNNEL_FILE, SOURCES_FILE, SEQUENCES_FILE, HTML_FILE)
CONTENT_TYPES = {
    SUMMARY_FILE: "application/json",
    FUNNEL_FILE: "text/csv; charset=utf-8",
    SOURCES_FILE: "text/csv; charset=utf-8",
    SEQUENCES_FILE: "text/csv; charset=utf-8",
    HTML_FILE: "text/html; charset=utf-8",
}

Rate = float | None
Day = date  # fields named `date` would shadow the type inside a class body


class Period(StrEnum):
    """A daily report covers one UTC day; a weekly one the ISO week (Monday to Sunday) up to its end date."""

    DAY = "day"
    WEEK = "week"


class _Model(Model):
    # extra="ignore": a newer summary.json (more fields, same schema version) still reads.
    model_config = ConfigDict(frozen=True, extra="ignore")


class Coverage(_Model):
    """What a report covers. `date` is its partition (dt=): the day itself, or the week's Monday."""

    period: Period
    date: Day
    start: Day = Field(description="First day of the period (UTC)")
    end: Day = Field(description="Last day of the period (UTC), inclusive")
    window_start: Day = Field(description="First day of the 30-day trend window, which ends on `end`")
    window_end: Day
    generated_at: datetime = Field(
        description="When the report ran. Running totals (pool, funnel, segments, time to apply) are as of "
        "this moment, not as of `end`"
    )


class PoolSize(_Model):
    total: int
    consent_active: int
    consent: dict[str, int] = Field(description="Candidates by consent status")
    by_stage: dict[str, int] = Field(description="Candidates by pipeline stage, every stage listed")


class Activity(_Model):
    """What happened during the period (daily counters summed over its days)."""

    captured: int
    captured_by_channel: dict[str, int]
    confirmed: int
    erased: int
    entered_stage: dict[str, int] = Field(description="Stage entries during the period, by stage")
    emails: dict[str, int] = Field(description="Email events during the period, by event")


class DayCaptures(_Model):
    date: Day
    total: int
    by_channel: dict[str, int]


class CaptureTrend(_Model):
    """Captures per day by channel over the window, oldest first; every day listed, zeros included."""

    channels: list[str] = Field(description="Channels seen, in a fixed order (so colours are stable)")
    days: list[DayCaptures]
    total: int
    by_channel: dict[str, int]


class FunnelStep(_Model):
    step: str
    candidates: int = Field(description="Candidates who ever reached this step (all time)")
    from_previous: Rate = Field(description="candidates / candidates at the previous step")
    from_captured: Rate = Field(description="candidates / candidates captured")


class Funnel(_Model):
    steps: list[str]
    overall: list[FunnelStep]
    by_channel: dict[str, list[FunnelStep]]


class SourceRow(_Model):
    """Captures and conversion for one source. Conversion is kept per channel only: for a utm_source the
    all-time and conversion figures are null."""

    dimension: Literal["channel", "utm_source"]
    value: str
    captured_in_period: int
    captured_in_window: int
    captured_all_time: int | None = None
    confirmed_all_time: int | None = None
    engaged_all_time: int | None = None
    applied_all_time: int | None = None
    hired_all_time: int | None = None
    confirmed_rate: Rate = None
    applied_rate: Rate = None
    hired_rate: Rate = None


class StepPerformance(_Model):
    """Email events for one step over the window. open_rate and click_rate are per email delivered."""

    step: int | None = Field(description="The step's index in its sequence (0 is the first); null outside one")
    sent: int
    delivered: int
    opened: int
    clicked: int
    bounced: int
    complained: int
    unsubscribed: int
    open_rate: Rate
    click_rate: Rate


class SequencePerformance(_Model):
    sequence_id: str = Field(description='The sequence\'s id; "-" for emails sent outside any sequence')
    name: str | None
    steps: list[StepPerformance]
    total: StepPerformance


class HistogramBin(_Model):
    days: int
    candidates: int


class TimeToApply(_Model):
    """Whole days from capture to applied, all time. The median and p90 are nearest-rank: half (nine in ten)
    of the candidates who applied did so within that many days."""

    candidates: int
    median_days: int | None
    p90_days: int | None
    histogram: list[HistogramBin]


class SegmentSize(_Model):
    segment_id: str
    name: str
    size: int


class ExpiringDay(_Model):
    date: Day
    consents: int


class ExpiringConsents(_Model):
    """Active consents that expire after `end` and on or before `end` + 30 days."""

    first_day: Day
    last_day: Day
    total: int
    by_day: list[ExpiringDay] = Field(description="Days with at least one expiring consent")


class ReportSummary(_Model):
    """summary.json: every metric of one report. `schema_version` changes when a field changes meaning."""

    schema_version: Literal[1] = 1
    coverage: Coverage
    pool: PoolSize
    activity: Activity
    captures: CaptureTrend
    funnel: Funnel
    sources: list[SourceRow]
    sequences: list[SequencePerformance]
    time_to_apply: TimeToApply
    segments: list[SegmentSize]
    expiring_consents: ExpiringConsents


class ReportRequest(_Model):
    """What a run is asked for: a scheduled event's input, the local run endpoint's body, or a test's dict."""

    period: Period = Period.DAY
    date: Day | None = Field(default=None, description="The last day to cover; default yesterday (UTC)")


class ReportWritten(_Model):
    """The outcome of a run: where its files are (the local runtime mirrors them from these keys)."""

    bucket: str
    period: Period
    date: Day
    prefix: str
    keys: list[str]


class ReportDates(_Model):
    """GET /reports: the dates that have a report of this period, newest first."""

    period: Period
    dates: list[Day]


class ReportLinks(_Model):
    """Presigned GET links, valid for 15 minutes."""

    summary_json: str
    funnel_csv: str
    sources_csv: str
    sequences_csv: str
    report_html: str
    expires_at: datetime


class ReportView(_Model):
    """GET /reports/{date} and /reports/latest: the summary, and links to every file of the report."""

    period: Period
    date: Day
    summary: ReportSummary
    links: ReportLinks
