"""Reports written to the local reports bucket are mirrored to .local/reports/, dt= folders and all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.reports import ReportMirror

BUCKET = "talentpool-reports"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        client.create_bucket(Bucket=BUCKET)
        yield client


def put(s3: Any, key: str, body: str) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body=body.encode())


def test_report_files_are_copied_under_their_dt_folders_and_nothing_else(s3: Any, tmp_path: Path) -> None:
    put(s3, "reports/dt=2026-11-25/summary.json", '{"pool": 3}')
    put(s3, "reports/dt=2026-11-25/funnel.csv", "stage,count\n")
    put(s3, "events/dt=2026-11-25/part-0.jsonl", "{}\n")  # the event log is not a report
    mirror = ReportMirror(s3, BUCKET, tmp_path / "reports")

    written = mirror.mirror()

    assert written == ["dt=2026-11-25/funnel.csv", "dt=2026-11-25/summary.json"]
    assert (tmp_path / "reports" / "dt=2026-11-25" / "summary.json").read_text() == '{"pool": 3}'
    assert not (tmp_path / "reports" / "events").exists()


def test_only_new_or_changed_files_are_copied_again(s3: Any, tmp_path: Path) -> None:
    put(s3, "reports/dt=2026-11-25/summary.json", '{"pool": 3}')
    mirror = ReportMirror(s3, BUCKET, tmp_path)
    mirror.mirror()

    assert mirror.mirror() == []
    put(s3, "reports/dt=2026-11-25/summary.json", '{"pool": 4}')  # a re-run overwrites the day
    put(s3, "reports/dt=2026-11-26/summary.json", '{"pool": 5}')
    assert mirror.mirror() == ["dt=2026-11-25/summary.json", "dt=2026-11-26/summary.json"]
    assert (tmp_path / "dt=2026-11-25" / "summary.json").read_text() == '{"pool": 4}'


def test_the_files_a_run_names_are_copied_even_when_unchanged(s3: Any, tmp_path: Path) -> None:
    """A re-run for the same day may write the same bytes; its answer should still name its files."""
    put(s3, "reports/dt=2026-11-25/summary.json", '{"pool": 3}')
    put(s3, "reports/dt=2026-11-25/funnel.csv", "stage,count\n")
    mirror = ReportMirror(s3, BUCKET, tmp_path)
    mirror.mirror()

    again = mirror.mirror(always=["reports/dt=2026-11-25/summary.json", "tables/funnel/dt=2026-11-25/funnel.csv"])

    assert again == ["dt=2026-11-25/summary.json"]


def test_a_key_that_would_leave_the_folder_is_refused(s3: Any, tmp_path: Path) -> None:
    put(s3, "reports/../../escape.txt", "no")

    with pytest.raises(ValueError, match="leaves"):
        ReportMirror(s3, BUCKET, tmp_path / "reports").mirror()
    assert not (tmp_path / "escape.txt").exists()


def test_without_a_reports_bucket_there_is_nothing_to_mirror(tmp_path: Path) -> None:
    assert ReportMirror(None, None, tmp_path).mirror() == []
