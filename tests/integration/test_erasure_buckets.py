"""After an erasure, no object in any bucket holds the person's id or address: every bucket is scanned."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests import factories
from tests import stream_records as sr
from tests.integration.helpers import call, candidates, capture
from tests.integration.test_imports import Imports, csv_bytes

REPORTS = factories.ENVIRONMENT["REPORTS_BUCKET"]
ANA = "ana.silva@example.com"


@pytest.fixture
def world(aws) -> tuple[Imports, sr.StreamTap]:
    import boto3

    boto3.client("s3").create_bucket(Bucket=REPORTS)
    return Imports(aws), sr.StreamTap()


def deliver(tap: sr.StreamTap) -> None:
    """Everything written since the last delivery, to the aggregates function, until nothing new comes."""
    while batches := tap.batches():
        for batch in batches:
            assert call("aggregates", batch) == {"batchItemFailures": []}


def every_object() -> dict[str, str]:
    """Every object in every bucket of the account, by bucket/key."""
    import boto3

    s3 = boto3.client("s3")
    found = {}
    for bucket in s3.list_buckets()["Buckets"]:
        name = bucket["Name"]
        for listed in s3.list_objects_v2(Bucket=name).get("Contents", []):
            body = s3.get_object(Bucket=name, Key=listed["Key"])["Body"].read()
            found[f"{name}/{listed['Key']}"] = f"{listed['Key']}\n{body.decode('utf-8', 'replace')}"
    return found


def holding(needles: list[str]) -> list[str]:
    return sorted(key for key, text in every_object().items() if any(n.lower() in text.lower() for n in needles))


def person_id(aws, email: str) -> str:
    [found] = [c for c in candidates(aws.items()) if c["email"] == email]
    return str(found["candidate_id"])


def erase(candidate_id: str) -> None:
    event = factories.api_event("DELETE", f"/candidates/{candidate_id}", claims=factories.ADMIN)
    assert call("recruiter_api", event)["statusCode"] == 204


def move(candidate_id: str, stage: str) -> None:
    body = {"stage": stage, "reason": "test", "notify_candidate": False}
    event = factories.api_event("POST", f"/candidates/{candidate_id}/stage", body=body, claims=factories.RECRUITER)
    assert call("recruiter_api", event)["statusCode"] == 200


def test_after_an_erasure_no_object_in_any_bucket_holds_their_id_or_address(aws, world):
    imports, tap = world
    # Given Ana, who signed up, was moved along and is in a recruiter's import with Bo; all in the event log
    capture()
    ana = person_id(aws, ANA)
    move(ana, "engaged")
    deliver(tap)
    status = imports.run(csv_bytes("email,first name", f"{ANA},Ana", "bo@example.com,Bo"))
    assert (status["imported"], status["merged"]) == (1, 1)
    deliver(tap)
    bo = person_id(aws, "bo@example.com")
    assert holding([ana]) and holding([bo]), "the event log holds both before the erasure"

    # When an admin erases Ana, and the stream consumer sees it
    erase(ana)
    deliver(tap)

    # Then no object in any bucket holds her id or her address; Bo's lines and the counts stay
    assert holding([ana, ANA]) == []
    assert holding([bo]), "only Ana's lines went"
    lines = [json.loads(line) for text in every_object().values() for line in text.splitlines()[1:] if line]
    erased = [line for line in lines if line["kind"] == "erased"]
    assert len(erased) == 1 and erased[0]["candidate_id"] is None
    assert not [item for item in aws.items() if ana in json.dumps(item)], "nor any item in the table"


def test_lines_written_in_the_same_batch_as_the_erasure_never_reach_the_bucket(aws, world):
    _, tap = world
    # Given a capture and its erasure that the stream delivers together
    capture()
    ana = person_id(aws, ANA)
    move(ana, "engaged")
    erase(ana)

    # When the consumer gets them in one batch
    records = tap.read()
    assert call("aggregates", sr.batch(*records)) == {"batchItemFailures": []}
    deliver(tap)

    # Then the log holds the erasure and nothing about who it was
    assert holding([ana, ANA]) == []
    assert any('"kind":"erased"' in text for text in every_object().values())


def test_an_imported_file_is_deleted_once_its_import_has_finished(world):
    imports, _ = world
    imports.run(csv_bytes("email", ANA, "bo@example.com"))

    assert [key for key in every_object() if key.startswith(f"{factories.ENVIRONMENT['IMPORTS_BUCKET']}/")] == []


def test_an_erasure_whose_cleanup_failed_is_cleaned_when_the_batch_comes_again(aws, world, monkeypatch):
    from talentpool.adapters.aws.event_log import EventLog

    _, tap = world
    capture()
    ana = person_id(aws, ANA)
    deliver(tap)
    erase(ana)
    erasure: dict[str, Any] = sr.batch(*tap.read())

    # Given a delivery whose counters were applied but whose rewrite of the log failed (S3 unavailable)
    def unavailable(self: EventLog, key: str, candidate_id: str) -> None:
        raise RuntimeError("S3 unavailable")

    with monkeypatch.context() as patched:
        patched.setattr(EventLog, "rewrite_without", unavailable)
        with pytest.raises(RuntimeError):
            call("aggregates", erasure)
    assert holding([ana]), "her lines are still there after the failed attempt"

    # When Lambda delivers the batch again (its records are duplicates for the counters now)
    assert call("aggregates", erasure) == {"batchItemFailures": []}
    deliver(tap)

    # Then the log no longer holds her
    assert holding([ana, ANA]) == []


def test_an_erasure_whose_logged_object_has_already_expired_still_completes(aws, world):
    import boto3

    _, tap = world
    capture()
    ana = person_id(aws, ANA)
    deliver(tap)
    # Given her lines' object gone from the log (the bucket expires objects; the table remembers keys longer)
    s3 = boto3.client("s3")
    logged = s3.list_objects_v2(Bucket=REPORTS, Prefix="events/")["Contents"]
    assert logged
    for listed in logged:
        s3.delete_object(Bucket=REPORTS, Key=listed["Key"])

    # When an admin erases her, and the stream consumer sees it (S3 says NoSuchKey only to who may list)
    erase(ana)
    deliver(tap)

    # Then the batch succeeds, and nothing in any bucket holds her
    assert holding([ana, ANA]) == []
