"""The event log in the reports bucket: JSON lines under events/dt=<yyyy-mm-dd>/, ready for Athena.

One object per day per stream batch, named by the batch (logic.reports.aggregates.batch_name), so a redelivered
batch overwrites its own objects with the same lines. A record that comes back in a batch of another shape
(after a partial failure) can appear in two objects: its `event_id` is the same in both, so a query that
counts events counts DISTINCT event_id.

Erasure: the table remembers which objects hold each candidate's lines (`AGG#LOG#<id>`, one item per object),
and erasing someone writes those objects again without their lines (logic.reports.aggregates.keep_event_log).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from talentpool.adapters.aws.clients import client
from talentpool.adapters.aws.schema import PK, SK, TTL_ATTRIBUTE
from talentpool.adapters.aws.table import Table
from talentpool.clock import utcnow
from talentpool.models import aggregates as agg
from talentpool.models.aggregate_changes import EventLine

CONTENT_TYPE = "application/x-ndjson"
# The reports bucket expires objects after 400 days (infra/spec.py); a reference outlives its object a little.
REF_RETENTION = timedelta(days=410)


def object_key(day: str, name: str) -> str:
    return agg.event_log_key(day, name)


def encode(lines: Sequence[EventLine]) -> bytes:
    """One compact JSON object per line, every column present (null where it does not apply)."""
    return b"".join(json.dumps(asdict(line), separators=(",", ":")).encode() + b"\n" for line in lines)


class EventLog:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    @property
    def _s3(self) -> Any:
        return client("s3")

    def write(self, name: str, lines: Sequence[EventLine]) -> list[str]:
        """Write `lines` as one object per day, named `name`; returns the keys written (none for no lines)."""
        by_day: dict[str, list[EventLine]] = {}
        for line in lines:
            by_day.setdefault(line.day, []).append(line)
        written = []
        for day, day_lines in sorted(by_day.items()):
            key = object_key(day, name)
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=encode(day_lines), ContentType=CONTENT_TYPE)
            written.append(key)
        return written

    def rewrite_without(self, key: str, candidate_id: str) -> None:
        """Write the object again without the candidate's lines (nothing to do when it is gone or has none)."""
        try:
            body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except self._s3.exceptions.NoSuchKey:
            return
        kept = [raw for raw in body.splitlines(keepends=True) if json.loads(raw).get("candidate_id") != candidate_id]
        if len(kept) < len(body.splitlines()):
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=b"".join(kept), ContentType=CONTENT_TYPE)


def ref_pk(candidate_id: str) -> str:
    return f"{agg.LOG_REF_PREFIX}{candidate_id}"


class EventLogRefs:
    """Which event-log objects hold a candidate's lines: one small item per (candidate, object)."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def remember(self, keys_by_candidate: Mapping[str, set[str]]) -> None:
        expires = int((utcnow() + REF_RETENTION).timestamp())
        self.table.batch_put(
            [
                {PK: ref_pk(candidate_id), SK: key, "entity": "aggregate", TTL_ATTRIBUTE: expires}
                for candidate_id, keys in sorted(keys_by_candidate.items())
                for key in sorted(keys)
            ]
        )

    def keys_of(self, candidate_id: str) -> list[str]:
        return [str(item[SK]) for item in self.table.query_all(ref_pk(candidate_id), consistent=True)]

    def forget(self, candidate_id: str, keys: Sequence[str]) -> None:
        self.table.batch_delete([{PK: ref_pk(candidate_id), SK: key} for key in keys])
