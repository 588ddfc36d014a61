"""Reports locally: run the spec's `report` function now, and mirror what it wrote to .local/reports/."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger("local.reports")

REPORT_FUNCTION = "report"  # the spec function POST /_local/run/report invokes
REPORTS_BUCKET = "reports"  # the spec.BUCKETS entry it writes to
PREFIX = "reports/"  # what is mirrored; dt=YYYY-MM-DD/ folders are kept


class ReportMirror:
    """Copies new and changed objects under reports/ in the reports bucket into a local folder."""

    def __init__(self, s3: Any, bucket: str | None, folder: Path) -> None:
        self._s3 = s3
        self.bucket = bucket
        self.folder = folder
        self._etags: dict[str, str] = {}

    def mirror(self, always: Iterable[str] = ()) -> list[str]:
        """The paths (relative to the folder) written this time; none when there is no reports bucket yet.

        Keys in `always` (what a run says it wrote) are copied even when unchanged, so a run's answer can
        name its files whether or not an earlier run wrote the same bytes.
        """
        if self.bucket is None:
            return []
        forced = set(always)
        written = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=PREFIX):
            for item in page.get("Contents", []):
                key, etag = str(item["Key"]), str(item.get("ETag", ""))
                relative = key.removeprefix(PREFIX)
                if not relative or relative.endswith("/"):
                    continue
                if self._etags.get(key) == etag and key not in forced:
                    continue
                target = self._inside(relative)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())
                self._etags[key] = etag
                written.append(relative)
        if written:
            log.info("mirrored %d report file(s) to %s", len(written), self.folder)
        return sorted(written)

    def _inside(self, relative: str) -> Path:
        """The local path of a key, refusing any key that would land outside the folder."""
        target = (self.folder / relative).resolve()
        if not target.is_relative_to(self.folder.resolve()):
            raise ValueError(f"report key {relative!r} leaves {self.folder}")
        return target
