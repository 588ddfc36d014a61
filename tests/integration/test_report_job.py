"""The report function under moto: the files it writes, where, how they parse, what it reads, and no PII."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from bench import reports as realistic
from talentpool import spreadsheet
from talentpool.adapters.aws import clients
from talentpool.adapters.aws.table import Table
from talentpool.models.reports import ReportSummary
from tests import factories
from tests.integration.helpers import call

BUCKET = factories.ENVIRONMENT["REPORTS_BUCKET"]
RUN_AT = "2026-11-26T06:00:00Z"
DAILY = "reports/dt=2026-11-25/"
FILES = ("summary.json", "funnel.csv", "sources.csv", "sequences.csv", "report.html")
ATHENA = ("tables/funnel/dt=2026-11-25/funnel.csv", "tables/sources/dt=2026-11-25/sources.csv")
ATHENA += ("tables/sequences/dt=2026-11-25/sequences.csv",)
POOL = 2_000


@pytest.fixture
def bucket(aws) -> Any:
    s3 = clients.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    return s3


@pytest.fixture
def pool(aws, bucket) -> list[dict[str, Any]]:
    """Aggregates for a 2,000-candidate pool (the 31 days a report reads), and 100 of its profiles with
    distinctive names and addresses. Small on purpose: moto sorts the whole table on every query."""
    people = realistic.candidate_items(100)
    Table(factories.TABLE).batch_put(people + realistic.aggregate_items(POOL, days=31))
    return people


def run(event: dict[str, Any]) -> dict[str, Any]:
    return call("report", event)


def objects(s3: Any) -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}


def csv_rows(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
    return list(reader.fieldnames or []), list(reader)


def test_the_daily_job_writes_five_files_under_the_date_and_a_copy_of_each_csv_per_athena_table(pool, bucket):
    result = run({"time": RUN_AT})

    assert result["date"] == "2026-11-25" and result["period"] == "day" and result["prefix"] == DAILY
    stored = objects(bucket)
    assert sorted(stored) == sorted([DAILY + name for name in FILES] + list(ATHENA))
    assert sorted(result["keys"]) == sorted(stored)
    for table_key in ATHENA:
        assert stored[table_key] == stored[DAILY + table_key.rsplit("/", 1)[1]]
    head = bucket.head_object(Bucket=BUCKET, Key=DAILY + "report.html")
    assert head["ContentType"] == "text/html; charset=utf-8"

    # The files parse, with their documented headers, and the summary validates.
    summary = ReportSummary.model_validate_json(stored[DAILY + "summary.json"])
    assert summary.coverage.end.isoformat() == "2026-11-25"
    assert summary.pool.total == POOL - POOL // 100  # the generator erased 1%
    assert summary.funnel.overall[0].candidates == POOL
    assert [s.name for s in summary.segments] == sorted(n for n, _ in realistic.SEGMENTS.values())
    assert {s.name for s in summary.sequences} == {
        "Graduate programme 2027",
        "Welcome series",
        "Emails outside sequences",
    }
    for name, header in (
        ("funnel.csv", spreadsheet.FUNNEL_HEADER),
        ("sources.csv", spreadsheet.SOURCES_HEADER),
        ("sequences.csv", spreadsheet.SEQUENCES_HEADER),
    ):
        fields, rows = csv_rows(stored[DAILY + name])
        assert fields == list(header), name
        assert rows and all(len(row) == len(header) and None not in row for row in rows), name
    _, sequences = csv_rows(stored[DAILY + "sequences.csv"])
    assert len([r for r in sequences if r["sequence_id"] == "welcome"]) == 3

    # Re-running for the same date writes the same keys again: nothing is duplicated.
    run({"date": "2026-11-25", "time": RUN_AT})
    assert objects(bucket) == stored


def test_a_scheduled_event_reports_the_day_before_its_own_time(pool, bucket):
    event = factories.eventbridge_event("Scheduled Event", {}, source="aws.events")
    event["time"] = "2026-11-26T06:00:41Z"  # even if the function ran late, or after midnight on a retry
    assert run(event)["prefix"] == DAILY


def test_the_weekly_job_files_the_week_under_its_monday_without_athena_copies(pool, bucket):
    result = run({"period": "week", "time": "2026-11-30T06:00:00Z"})

    prefix = "reports/weekly/dt=2026-11-23/"
    assert result["prefix"] == prefix
    assert sorted(objects(bucket)) == sorted(prefix + name for name in FILES)
    summary = ReportSummary.model_validate_json(objects(bucket)[prefix + "summary.json"])
    assert (summary.coverage.start.isoformat(), summary.coverage.end.isoformat()) == ("2026-11-23", "2026-11-29")


def test_a_day_with_no_data_is_an_empty_report_not_an_error(aws, bucket):
    result = run({"date": "2026-11-25", "time": RUN_AT})

    stored = objects(bucket)
    assert sorted(result["keys"]) == sorted(stored) and len(stored) == 8
    summary = ReportSummary.model_validate_json(stored[DAILY + "summary.json"])
    assert summary.pool.total == 0 and summary.captures.total == 0 and summary.sequences == []


def test_a_date_in_the_future_is_refused(aws, bucket):
    with pytest.raises(Exception, match="in the future"):
        run({"date": "2026-11-28", "time": RUN_AT})
    assert objects(bucket) == {}


def test_no_candidate_data_reaches_any_file(pool, bucket):
    run({"time": RUN_AT})
    run({"period": "week", "time": RUN_AT})
    stored = objects(bucket)
    assert len(stored) == 13

    # Every personal value in the pool, and every candidate id: none may appear in any report file.
    needles = {p["candidate_id"] for p in pool} | {p["email"] for p in pool} | {p["phone"] for p in pool}
    needles |= set(realistic.FIRST_NAMES) | set(realistic.LAST_NAMES) | {"Canarytown", "pii-canary"}
    for key, body in stored.items():
        text = body.decode("utf-8")
        found = sorted(n for n in needles if n.lower() in text.lower())
        assert not found, f"{key} holds {found[:5]}"
        assert "@" not in text.replace("@media", "").replace("@page", ""), key


@pytest.fixture
def reads(aws) -> list[tuple[str, str | None]]:
    """Every DynamoDB call the job makes: the operation, and the partition a query names."""
    seen: list[tuple[str, str | None]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        values = params.get("ExpressionAttributeValues") or {}
        seen.append((model.name, (values.get(":pk") or {}).get("S")))

    clients.client("dynamodb").meta.events.register("before-parameter-build.dynamodb", record)
    return seen


def test_the_job_reads_aggregate_partitions_and_directories_only(pool, bucket, reads):
    run({"time": RUN_AT})

    assert {operation for operation, _ in reads} == {"Query"}  # no Scan, no GetItem, no index
    partitions = [pk for _, pk in reads]
    days = [pk for pk in partitions if pk and pk.startswith("AGG#DAY#")]
    assert len(days) == 30 and days[0] == "AGG#DAY#2026-10-27" and days[-1] == "AGG#DAY#2026-11-25"
    assert sorted(set(partitions) - set(days)) == ["AGG#EXPIRY", "AGG#TOTAL", "SEGMENTS", "SEQUENCES"]
    assert len(reads) == 34
