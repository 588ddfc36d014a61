"""The reports bucket: where each report's files go, which reports exist, and presigned links to read them.

Layout (the one place it is defined; docs/reports.md explains it):

    reports/dt=<date>/<file>                  a daily report's five files
    reports/weekly/dt=<monday>/<file>         a weekly report's five files
    tables/<name>/dt=<date>/<name>.csv        the daily CSVs again, one folder per Athena table

Athena reads every file in a table's folder, so a table cannot be one file name out of a folder of five: the
`tables/` copies (the same bytes, written in the same run) give each CSV a folder of its own. Weekly reports
are not copied there, because their figures repeat the daily ones and would be counted twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from talentpool.adapters.aws.clients import client, error_code
from talentpool.models.reports import (
    CONTENT_TYPES,
    FUNNEL_FILE,
    SEQUENCES_FILE,
    SOURCES_FILE,
    Period,
    ReportWritten,
)

REPORTS_PREFIX = "reports/"
WEEKLY_PREFIX = "reports/weekly/"
TABLES_PREFIX = "tables/"
ATHENA_TABLES = {FUNNEL_FILE: "funnel", SOURCES_FILE: "sources", SEQUENCES_FILE: "sequences"}
PARTITION = re.compile(r"dt=(\d{4}-\d{2}-\d{2})/$")
LINK_SECONDS = 15 * 60


def report_prefix(period: Period, report_date: date) -> str:
    base = WEEKLY_PREFIX if period is Period.WEEK else REPORTS_PREFIX
    return f"{base}dt={report_date.isoformat()}/"


def table_key(file_name: str, report_date: date) -> str:
    table = ATHENA_TABLES[file_name]
    return f"{TABLES_PREFIX}{table}/dt={report_date.isoformat()}/{table}.csv"


def _s3() -> Any:
    return client("s3")  # SigV4 for presigned URLs is configured in store/clients.py


def _error_code(exc: Exception) -> str:
    return error_code(exc) or ""


class ReportStore:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def write(self, period: Period, report_date: date, files: Mapping[str, bytes]) -> ReportWritten:
        """Put every file under the report's prefix (same keys on a re-run, so it overwrites)."""
        prefix = report_prefix(period, report_date)
        keys: list[str] = []
        targets = [(prefix + name, name, body) for name, body in files.items()]
        if period is Period.DAY:
            targets += [(table_key(name, report_date), name, files[name]) for name in ATHENA_TABLES if name in files]
        for key, name, body in targets:
            _s3().put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentType=CONTENT_TYPES.get(name, "application/octet-stream"),
                # A report is a snapshot: a cache must not keep yesterday's copy after a re-run replaced it.
                CacheControl="no-cache",
            )
            keys.append(key)
        return ReportWritten(bucket=self.bucket, period=period, date=report_date, prefix=prefix, keys=keys)

    def dates(self, period: Period) -> list[date]:
        """Dates with a report, newest first: one listing of common prefixes (1,000 dates per call)."""
        base = WEEKLY_PREFIX if period is Period.WEEK else REPORTS_PREFIX
        found: list[date] = []
        for page in _s3().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=base, Delimiter="/"):
            for common in page.get("CommonPrefixes", []):
                match = PARTITION.search(common["Prefix"])
                if match:
                    found.append(date.fromisoformat(match.group(1)))
        return sorted(found, reverse=True)

    def read(self, period: Period, report_date: date, name: str) -> bytes | None:
        """One file of a report; None when there is no such report."""
        try:
            response = _s3().get_object(Bucket=self.bucket, Key=report_prefix(period, report_date) + name)
        except Exception as exc:
            if _error_code(exc) in ("NoSuchKey", "404"):
                return None
            raise
        body: bytes = response["Body"].read()
        return body

    def link(self, period: Period, report_date: date, name: str, *, now: datetime) -> tuple[str, datetime]:
        """A presigned GET link to one file, and when it stops working."""
        url = _s3().generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": report_prefix(period, report_date) + name},
            ExpiresIn=LINK_SECONDS,
        )
        return str(url), now + timedelta(seconds=LINK_SECONDS)
