"""DynamoDB stream records as Lambda receives them, built from the store's own item builders.

Items come from talentpool.adapters.aws (profile_item, timeline_item, the segment store's item shape), so a record
here has exactly the attributes a real write streams; images are DynamoDB JSON, times epoch seconds.
`from_stream_api` turns records read with the dynamodbstreams API into the same Lambda shape.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from talentpool.adapters.aws import codec, segments
from talentpool.adapters.aws.candidates import profile_item, timeline_item
from talentpool.adapters.aws.schema import PK, SK
from talentpool.clock import isoformat
from talentpool.ids import new_id
from talentpool.models.candidate import (
    Candidate,
    ConsentRecord,
    ConsentStatus,
    Location,
    Source,
    Stage,
    TimelineEntry,
)
from talentpool.models.search import CandidateFilter, Segment
from tests import factories

STREAM_ARN = (
    f"arn:aws:dynamodb:{factories.REGION}:{factories.ACCOUNT}:table/{factories.TABLE}/stream/2026-11-01T00:00:00.000"
)
_sequence = itertools.count(4_000_000_000_000_000_000)


def record(
    event_name: str,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
    *,
    at: datetime,
    event_id: str | None = None,
) -> dict[str, Any]:
    """One stream record (NEW_AND_OLD_IMAGES) of a change from `old` to `new`, made at `at`."""
    item = new if new is not None else old
    assert item is not None
    body: dict[str, Any] = {
        "ApproximateCreationDateTime": at.timestamp(),
        "Keys": codec.to_item({PK: item[PK], SK: item[SK]}),
        "SequenceNumber": str(next(_sequence)),
        "SizeBytes": 512,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new is not None:
        body["NewImage"] = codec.to_item(dict(new))
    if old is not None:
        body["OldImage"] = codec.to_item(dict(old))
    return {
        "eventID": event_id or uuid.uuid4().hex,
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": factories.REGION,
        "dynamodb": body,
        "eventSourceARN": STREAM_ARN,
    }


def insert(item: Mapping[str, Any], *, at: datetime, **kwargs: Any) -> dict[str, Any]:
    return record("INSERT", None, item, at=at, **kwargs)


def modify(old: Mapping[str, Any], new: Mapping[str, Any], *, at: datetime, **kwargs: Any) -> dict[str, Any]:
    return record("MODIFY", old, new, at=at, **kwargs)


def remove(old: Mapping[str, Any], *, at: datetime, **kwargs: Any) -> dict[str, Any]:
    return record("REMOVE", old, None, at=at, **kwargs)


def batch(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


# --- items, from the store's builders ----------------------------------------------------------------------


def candidate(captured_at: datetime, **overrides: Any) -> Candidate:
    """A careers-site candidate with pending consent, as capture stores one."""
    stamp = isoformat(captured_at)
    consent = ConsentRecord(status=ConsentStatus.PENDING, text_version="2026-11", given_at=stamp)
    values: dict[str, Any] = {
        "candidate_id": new_id(int(captured_at.timestamp() * 1000)),
        "email": "ana.silva@example.com",
        "first_name": "Ana",
        "last_name": "Silva",
        "phone": "+351 912 345 678",
        "location": Location(city="Lisbon", country="PT"),
        "skills": ["python", "aws"],
        "years_experience": 6,
        "source": Source(channel="careers_site", utm_source="linkedin"),
        "consent": consent,
        "consent_history": [consent],
        "captured_at": stamp,
        "updated_at": stamp,
    }
    values.update(overrides)
    return Candidate(**values)


def profile(candidate: Candidate) -> dict[str, Any]:
    return profile_item(candidate)


def confirmed(candidate: Candidate, at: datetime) -> Candidate:
    stamp = isoformat(at)
    consent = candidate.consent.model_copy(update={"status": ConsentStatus.ACTIVE, "confirmed_at": stamp})
    return candidate.model_copy(update={"consent": consent, "updated_at": stamp, "version": candidate.version + 1})


def moved(candidate: Candidate, stage: str, at: datetime) -> Candidate:
    update = {"stage": Stage(stage), "updated_at": isoformat(at), "version": candidate.version + 1}
    return candidate.model_copy(update=update)


def timeline(candidate_id: str, kind: str, at: datetime, **data: object) -> dict[str, Any]:
    entry = TimelineEntry(entry_id=new_id(), candidate_id=candidate_id, kind=kind, at=isoformat(at), data=data)
    return timeline_item(entry)


def segment(filter: CandidateFilter, created_at: datetime, segment_id: str | None = None) -> dict[str, Any]:
    """A saved segment's definition item, as SegmentStore.create writes it."""
    saved = Segment(
        segment_id=segment_id or new_id(),
        name="Python people",
        filter=filter,
        created_at=isoformat(created_at),
        created_by="recruiter:rec-1",
    )
    return {**segments.segment_key(saved.segment_id), **saved.model_dump(mode="json"), "entity": "segment"}


# --- records read from the stream API ---------------------------------------------------------------------


def from_stream_api(records: list[dict[str, Any]], stream_arn: str) -> list[dict[str, Any]]:
    """Records from dynamodbstreams GetRecords in the shape Lambda's event source mapping passes on."""
    shaped = []
    for raw in records:
        body = dict(raw["dynamodb"])
        created = body.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            aware = created if created.tzinfo else created.replace(tzinfo=UTC)
            body["ApproximateCreationDateTime"] = aware.timestamp()
        shaped.append(
            {**{k: v for k, v in raw.items() if k != "dynamodb"}, "dynamodb": body, "eventSourceARN": stream_arn}
        )
    return shaped


class StreamTap:
    """The table's stream read with the dynamodbstreams API, as Lambda's event source mapping reads it.

    moto keeps every record in one shard when no event source mapping consumes them, so reading from the
    last sequence number seen gives exactly the records written since, in order; our own writes among them.
    """

    def __init__(self, table: str = factories.TABLE) -> None:
        import boto3

        self.arn = boto3.client("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"]
        # botocore derives an account-specific host from the stream ARN (<account>.streams-ddb...), which moto
        # does not route; the regional endpoint reaches the same API.
        endpoint = f"https://streams.dynamodb.{factories.REGION}.amazonaws.com"
        self.streams = boto3.client("dynamodbstreams", endpoint_url=endpoint)
        self.shard = self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"][0]["ShardId"]
        self.table = table
        self.last: str | None = None

    def read(self) -> list[dict[str, Any]]:
        """Every record since the last read, in the shape Lambda passes them on."""
        # A fresh iterator each time: moto restores a table (and its stream) from a copy when a transaction
        # is cancelled, so an iterator held across writes could point at a stream that no longer exists.
        position = {"ShardIteratorType": "TRIM_HORIZON"}
        if self.last is not None:
            position = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": self.last}
        iterator = self.streams.get_shard_iterator(StreamArn=self.arn, ShardId=self.shard, **position)["ShardIterator"]
        records: list[dict[str, Any]] = []
        while True:
            page = self.streams.get_records(ShardIterator=iterator, Limit=1000)
            if not page["Records"]:
                break
            records.extend(page["Records"])
            iterator = page["NextShardIterator"]
        if records:
            self.last = records[-1]["dynamodb"]["SequenceNumber"]
            self._trim(int(self.last))
        return from_stream_api(records, self.arn)

    def _trim(self, last: int) -> None:
        """Drop what was read from moto's shard, as DynamoDB trims records after a day. moto copies the whole
        table, stream included, for every transaction: without this, each write costs more than the last."""
        from moto.dynamodb.models import dynamodb_backends

        shard = dynamodb_backends[factories.ACCOUNT][factories.REGION].get_table(self.table).stream_shard
        read = last - shard.starting_sequence_number + 1
        if read > 0:
            del shard.items[:read]
            shard.starting_sequence_number += read

    def batches(self, size: int = 100) -> list[dict[str, Any]]:
        """What was written since the last read, as event source mapping batches of at most `size` records."""
        records = self.read()
        return [batch(*records[i : i + size]) for i in range(0, len(records), size)]
