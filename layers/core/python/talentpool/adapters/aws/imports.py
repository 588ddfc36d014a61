"""Import persistence: status items in the table, uploads in the imports bucket, batched pool lookups."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from talentpool.adapters.aws import keys
from talentpool.adapters.aws.candidates import CandidateStore
from talentpool.adapters.aws.clients import client, error_code
from talentpool.adapters.aws.schema import PK, SK, TTL_ATTRIBUTE
from talentpool.adapters.aws.table import Table, is_conditional_failure
from talentpool.clock import isoformat
from talentpool.models.candidate import Candidate
from talentpool.models.imports import (
    STATUS_RETENTION_DAYS,
    ImportFailure,
    ImportProgress,
    ImportRecord,
    ImportStatus,
    PoolEntry,
    RowError,
    UploadChanged,
)

STATUS_SK = "STATUS"


def status_key(import_id: str) -> dict[str, str]:
    return {PK: f"IMPORT#{import_id}", SK: STATUS_SK}


class ImportStatusStore:
    """The one status item per import: pk=IMPORT#<id>, sk=STATUS, removed by TTL after 90 days."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def create(self, record: ImportRecord, *, now: datetime) -> None:
        expires = int((now + timedelta(days=STATUS_RETENTION_DAYS)).timestamp())
        item = {
            **status_key(record.import_id),
            **record.model_dump(mode="json", exclude_none=True),
            "entity": "import",
            TTL_ATTRIBUTE: expires,
        }
        self.table.put(item, condition="attribute_not_exists(pk)")

    def get(self, import_id: str) -> ImportRecord | None:
        item = self.table.get(status_key(import_id))
        return ImportRecord.model_validate(item) if item else None

    def claim(self, import_id: str, *, etag: str, size_bytes: int, now: datetime) -> ImportRecord | None:
        """waiting_for_upload -> processing, once. None when the import is unknown or already ran.

        This conditional transition is what makes a re-delivered S3 event, or a second upload to the same
        URL, a no-op: only the first object to arrive is imported.
        """
        stamp = isoformat(now)
        try:
            item = self.table.update(
                status_key(import_id),
                "SET #status = :processing, etag = :etag, size_bytes = :size, started_at = :now, updated_at = :now",
                condition="#status = :waiting",
                names={"#status": "status"},
                values={
                    ":processing": ImportStatus.PROCESSING.value,
                    ":waiting": ImportStatus.WAITING_FOR_UPLOAD.value,
                    ":etag": etag,
                    ":size": size_bytes,
                    ":now": stamp,
                },
            )
        except Exception as exc:
            if is_conditional_failure(exc):
                return None
            raise
        return ImportRecord.model_validate(item)

    def record_progress(
        self,
        import_id: str,
        progress: ImportProgress,
        new_errors: Sequence[RowError],
        *,
        now: datetime,
        finished: tuple[ImportStatus, ImportFailure | None] | None = None,
    ) -> ImportRecord:
        """Write the counters and append the errors found since the last write; with `finished`, end it.

        Errors are appended with list_append, so a progress write costs the size of what is new, not of
        every error so far.
        """
        # Every name goes through an alias: several (columns, status...) are DynamoDB reserved words.
        fields: dict[str, Any] = {**progress.model_dump(mode="json"), "updated_at": isoformat(now)}
        if finished is not None:
            status, failure = finished
            fields.update(status=status.value, finished_at=fields["updated_at"])
            if failure is not None:
                fields["failure"] = failure.model_dump(mode="json")
        names = {f"#{name}": name for name in fields}
        values = {f":{name}": value for name, value in fields.items()}
        assignments = [f"#{name} = :{name}" for name in fields]
        if new_errors:
            names["#errors"] = "errors"
            assignments.append("#errors = list_append(if_not_exists(#errors, :none), :errors)")
            values[":errors"] = [e.model_dump(mode="json", exclude_none=True) for e in new_errors]
            values[":none"] = []
        item = self.table.update(
            status_key(import_id),
            "SET " + ", ".join(assignments),
            condition="attribute_exists(pk)",
            names=names,
            values=values,
        )
        return ImportRecord.model_validate(item)


def _s3() -> Any:
    return client("s3")  # SigV4 for presigned URLs is configured in store/clients.py


class ImportUploads:
    """The imports bucket: presigned upload URLs, and streaming reads of one exact object version."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def presign_put(self, key: str, *, content_type: str, expires_in: int) -> str:
        return str(
            _s3().generate_presigned_url(
                "put_object",
                Params={"Bucket": self.bucket, "Key": key, "ContentType": content_type},
                ExpiresIn=expires_in,
                HttpMethod="PUT",
            )
        )

    def open(self, key: str, etag: str) -> BinaryIO:
        """The object's body as a stream, only if it is still the object with `etag` (If-Match)."""
        quoted = etag if etag.startswith('"') else f'"{etag}"'
        try:
            response = _s3().get_object(Bucket=self.bucket, Key=key, IfMatch=quoted)
        except Exception as exc:
            code = error_code(exc)
            if code in ("PreconditionFailed", "NoSuchKey", "404", "412"):
                raise UploadChanged(key) from exc
            raise
        body: BinaryIO = response["Body"]
        return body

    def delete(self, key: str) -> None:
        _s3().delete_object(Bucket=self.bucket, Key=key)


class ImportCandidateStore(CandidateStore):
    """The candidate store plus one batched lookup, so a chunk of rows costs two reads, not two per row."""

    def lookup(self, emails: Sequence[str]) -> dict[str, PoolEntry]:
        # Keys by identity: `Ana@x.com` and `ana@x.com` share one guard, and BatchGetItem refuses a key twice.
        guards = {email: keys.email_guard_key(email) for email in emails}
        tombstones = {email: keys.tombstone_key(email) for email in emails}
        wanted = {key[PK]: key for key in [*guards.values(), *tombstones.values()]}
        found = {item[PK]: item for item in self.table.batch_get(list(wanted.values()))}
        owners = {email: str(found[key[PK]]["candidate_id"]) for email, key in guards.items() if key[PK] in found}
        ids = set(owners.values())
        profiles = self.table.batch_get([keys.candidate_key(cid) for cid in ids]) if ids else []
        candidates = {str(p["candidate_id"]): Candidate.model_validate(p) for p in profiles}
        return {
            email: PoolEntry(candidate=candidates.get(owners.get(email, "")), erased=tombstones[email][PK] in found)
            for email in emails
        }
