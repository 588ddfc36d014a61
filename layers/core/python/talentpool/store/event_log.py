"""The event log in the reports bucket: JSON lines under events/dt=<yyyy-mm-dd>/, ready for Athena.

One object per day per stream batch, named by the batch (logic.aggregates.batch_name), so a redelivered
batch overwrites its own objects with the same lines. A record that comes back in a batch of another shape
(after a partial failure) can appear in two objects: its `event_id` is the same in both, so a query that
counts events counts DISTINCT event_id.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from talentpool.models import aggregates as agg
from talentpool.models.aggregate_changes import EventLine
from talentpool.store.clients import client

CONTENT_TYPE = "application/x-ndjson"


def object_key(day: str, name: str) -> str:
    return f"{agg.EVENT_LOG_PREFIX}dt={day}/{name}.jsonl"


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
