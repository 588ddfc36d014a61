"""The aggregates function on the table's real stream under moto: exactly once, partial failure, its own items.

Records are read from the stream with the dynamodbstreams API and delivered in batches, as Lambda's event
source mapping would (tests.stream_records.StreamTap); one test runs moto's own event source mapping instead,
which delivers synchronously inside each write, the way the local runtime sees it.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from talentpool.adapters.aws.aggregates import AggregateStore, nonzero
from talentpool.adapters.aws.segments import SegmentStore, directory_key
from talentpool.adapters.aws.table import Table
from talentpool.logic.capture.confirm import confirmation_token
from talentpool.models import aggregates as agg
from talentpool.models.search import CandidateFilter, Segment
from tests import factories
from tests import stream_records as sr
from tests.integration.helpers import call, candidates, captured_id

SECRET = b"s3cr3t-for-tests"
BUCKET = factories.ENVIRONMENT["REPORTS_BUCKET"]


@pytest.fixture
def tap(aws) -> sr.StreamTap:
    import boto3

    boto3.client("s3").create_bucket(Bucket=BUCKET)
    return sr.StreamTap()


@pytest.fixture
def store(aws) -> AggregateStore:
    return AggregateStore(Table(factories.TABLE))


def deliver(event: dict[str, Any]) -> dict[str, Any]:
    return call("aggregates", event)


def deliver_all(tap: sr.StreamTap) -> list[dict[str, Any]]:
    """Everything written since the last delivery, in batches of 100; our own writes come back next time."""
    return [deliver(batch) for batch in tap.batches()]


def log_objects() -> dict[str, str]:
    import boto3

    s3 = boto3.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    return {key: s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode() for key in keys}


def captured(email: str, **source: str) -> str:
    body = factories.capture_body(email=email, source={"channel": "careers_site", **source})
    return captured_id(body)


def confirm(aws, candidate_id: str) -> None:
    [profile] = [c for c in candidates(aws.items()) if c["candidate_id"] == candidate_id]
    from talentpool.clock import utcnow

    token = confirmation_token(SECRET, candidate_id, profile["confirmation_nonce"], utcnow())
    response = call("confirm", factories.api_event("POST", "/confirm", form={"token": token}))
    assert response["statusCode"] == 200


def test_a_redelivered_batch_counts_nothing_again_and_rewrites_the_same_log_object(aws, tap, store):
    captured("ana.silva@example.com")
    [batch] = tap.batches()

    assert deliver(batch) == {"batchItemFailures": []}
    totals, objects = store.read_totals(), log_objects()
    assert deliver(batch) == {"batchItemFailures": []}

    assert store.read_totals() == totals
    assert nonzero(totals) == {
        "pool#total": 1,
        "consent#pending": 1,
        "stage#lead": 1,
        "reached#captured#careers_site": 1,
    }
    assert log_objects() == objects and len(objects) == 1
    [(key, body)] = objects.items()
    assert key.startswith("events/dt=") and key.endswith(".jsonl")
    [line] = [json.loads(text) for text in body.splitlines()]
    assert line["kind"] == "captured" and list(line) == list(agg.EVENT_LOG_COLUMNS)


def test_a_bad_record_fails_alone_and_the_records_after_it_count_once(aws, tap, store):
    captured("ana.silva@example.com")
    captured("bruno.costa@example.com")
    profiles = [r for r in tap.read() if r["dynamodb"]["Keys"]["sk"] == {"S": "PROFILE"}]
    bad = json.loads(json.dumps(profiles[0]))
    bad["eventID"] = "bad-record"
    del bad["dynamodb"]["NewImage"]["source"]  # a profile this consumer cannot read
    first, second = sr.batch(profiles[0]), [bad, profiles[1]]

    deliver(first)
    response = deliver(sr.batch(*first["Records"], *second))

    assert response == {"batchItemFailures": [{"itemIdentifier": bad["dynamodb"]["SequenceNumber"]}]}
    assert store.read_totals()["pool#total"] == 2
    # Lambda retries from the failed record: the one after it comes back, and counts nothing again.
    again = deliver(sr.batch(*second))
    assert again == {"batchItemFailures": [{"itemIdentifier": bad["dynamodb"]["SequenceNumber"]}]}
    assert store.read_totals()["pool#total"] == 2


def test_the_functions_own_writes_come_back_through_the_stream_and_change_nothing(aws, tap, store):
    captured("ana.silva@example.com")
    deliver_all(tap)
    items, objects = aws.items(), log_objects()

    own = tap.read()
    deliver(sr.batch(*own))

    assert own and all(agg.is_aggregate_key(r["dynamodb"]["Keys"]["pk"]["S"]) for r in own)
    assert aws.items() == items, "no write at all: nothing for the stream to bring back again"
    assert log_objects() == objects
    assert tap.read() == []


def test_a_change_that_moves_more_than_99_counters_is_split_and_still_counted_once(aws, tap, store):
    # 100 saved segments, already seeded with no members: written directly, as seeding each one through the
    # stream (tested below) would cost moto a table copy per transaction.
    listed, seeds = [], []
    for n in range(100):
        segment = Segment(
            segment_id=f"01JSEGMENT{n:016d}",
            name=f"Python people {n}",
            filter=CandidateFilter(skills=["python"]),
            created_at="2026-11-01T09:00:00.000Z",
            created_by="recruiter:rec-1",
        )
        listed.append({**directory_key(segment.segment_id), **segment.model_dump(mode="json"), "entity": "directory"})
        seeds.append({"pk": agg.TOTAL_PK, "sk": f"segment#{segment.segment_id}", agg.COUNT: 0, agg.SINCE: 0.0})
    Table(factories.TABLE).batch_put(listed + seeds)
    tap.read()
    captured("ana.silva@example.com")
    batches = tap.batches()

    for batch in batches:
        deliver(batch)
    once = store.read_totals()
    for batch in batches:
        deliver(batch)

    assert store.read_totals() == once
    sizes = {k: n for k, n in once.items() if k.startswith("segment#")}
    assert len(sizes) == 100 and set(sizes.values()) == {1}
    markers = [i for i in aws.items() if str(i["pk"]).startswith(agg.SEEN_PREFIX) and i["sk"] != "000"]
    assert [m["sk"] for m in markers] == ["001"], "the profile's update took two transactions"


def test_a_segment_saved_over_an_existing_pool_starts_from_its_members_then_follows_them(aws, tap, store):
    captured("ana.silva@example.com")
    captured("bruno.costa@example.com")
    deliver_all(tap)
    segment = SegmentStore(Table(factories.TABLE))
    segment.create(
        Segment(
            segment_id="01JSEGMENT0000000000000001",
            name="Careers site, PT",
            filter=CandidateFilter(country="PT", source_channel="careers_site"),
            created_at="2026-11-01T09:00:00.000Z",
            created_by="recruiter:rec-1",
        )
    )
    deliver_all(tap)
    assert store.read_totals()["segment#01JSEGMENT0000000000000001"] == 2

    captured("carla.dias@example.com")
    captured("dario.reis@example.com", utm_source="google")
    deliver_all(tap)
    deliver_all(tap)

    assert store.read_totals()["segment#01JSEGMENT0000000000000001"] == 4


# --- moto's own event source mapping (the local runtime) ----------------------------------------------------


@pytest.fixture
def mapped(aws, monkeypatch) -> list[dict[str, Any]]:
    """The aggregates function on the table's stream through moto's event source mapping, run in-process.

    moto invokes it inside each write, with every record since its last successful delivery, so a write the
    function makes delivers to it again, nested. Returns the events it was invoked with.
    """
    import boto3
    from moto.awslambda.models import LambdaFunction

    boto3.client("s3").create_bucket(Bucket=BUCKET)
    role = boto3.client("iam").create_role(RoleName="aggregates", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "")
    awslambda = boto3.client("lambda")
    awslambda.create_function(
        FunctionName="aggregates",
        Runtime="python3.12",
        Role=role,
        Handler="handler.lambda_handler",
        Code={"ZipFile": code.getvalue()},
    )
    stream_arn = boto3.client("dynamodb").describe_table(TableName=factories.TABLE)["Table"]["LatestStreamArn"]
    awslambda.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName="aggregates", StartingPosition="TRIM_HORIZON", BatchSize=100
    )
    invocations: list[dict[str, Any]] = []

    def invoke(self: Any, event: Any = None) -> tuple[str, bool, str]:
        response = deliver(event)
        invocations.append({**event, "response": response})
        return json.dumps(response), False, ""

    monkeypatch.setattr(LambdaFunction, "_invoke_lambda", invoke)
    return invocations


def test_under_motos_event_source_mapping_each_change_counts_once_without_recursion(aws, mapped, store):
    ana = captured("ana.silva@example.com")
    confirm(aws, ana)

    totals = nonzero(store.read_totals())
    assert totals == {
        "pool#total": 1,
        "consent#active": 1,
        "stage#lead": 1,
        "reached#captured#careers_site": 1,
        "reached#confirmed#careers_site": 1,
    }
    lines = [json.loads(text) for body in log_objects().values() for text in body.splitlines()]
    assert sorted(line["kind"] for line in lines) == ["captured", "confirmed"], "one line each, no nested copies"
    nested = [e for e in mapped if len(e["Records"]) > 1]
    assert nested, "moto did deliver our own writes, nested in the write that made them"
    assert all(e["response"] == {"batchItemFailures": []} for e in mapped)
