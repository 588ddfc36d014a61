"""CSV import: start one (a presigned upload), report on it, and run it row by row when the file arrives."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import islice
from typing import BinaryIO, Protocol, TypeVar

from aws_lambda_powertools.metrics import MetricUnit

from talentpool.auth import Principal
from talentpool.clock import isoformat
from talentpool.errors import EmailTaken, EventPublishFailed, NotFound, VersionConflict
from talentpool.ids import is_id, new_id
from talentpool.logic.capture.submissions import merge_profile
from talentpool.models.candidate import (
    MAX_TAGS,
    Candidate,
    Channel,
    ConsentRecord,
    ConsentStatus,
    ProfileFields,
    Source,
    TimelineEntry,
    TimelineKind,
)
from talentpool.models.events import CandidateCaptured
from talentpool.models.imports import (
    CONTENT_TYPE,
    MAX_ERRORS_LISTED,
    MAX_FILE_BYTES,
    MAX_ROWS,
    UPLOAD_URL_SECONDS,
    FileProblem,
    FileRejected,
    FileSummary,
    HeaderMap,
    ImportCreated,
    ImportFailure,
    ImportProgress,
    ImportRecord,
    ImportRow,
    ImportStatus,
    PoolEntry,
    RowError,
    UploadChanged,
    data_rows,
    parse_row,
    read_records,
    scan,
)
from talentpool.observability import logger, metrics, tracer
from talentpool.ports.repositories import CandidateRepository, EventPublisher

CHUNK_ROWS = 100  # one batched lookup (tombstones, guards, then profiles) per chunk
# The status is written after at most this many rows or this many seconds, whichever comes first: a progress
# bar that moves while a recruiter watches, for one small write per 50 rows.
PROGRESS_ROWS = 50
PROGRESS_SECONDS = 1.0
EVENTS_PER_PUT = 10  # EventBridge PutEvents takes at most 10 entries
STOP_MARGIN_SECONDS = 20  # stop this long before the Lambda deadline, so the status can still be written
WRITE_ATTEMPTS = 5
UPLOAD_PREFIX = "uploads/"
_UPLOAD_KEY = re.compile(r"^uploads/([0-9A-HJKMNP-TV-Z]{26})\.csv$")
ERASED_REASON = "this person asked for their data to be erased; only they can sign up again"
BUSY_REASON = "could not be saved: the candidate was being changed at the same time; import this row again"

T = TypeVar("T")

# The progress clock, a module attribute so tests can run an import on a simulated one.
monotonic: Callable[[], float] = time.monotonic


class ImportNotFound(NotFound):
    code = "import_not_found"


class StatusBook(Protocol):
    def create(self, record: ImportRecord, *, now: datetime) -> None: ...

    def get(self, import_id: str) -> ImportRecord | None: ...

    def claim(self, import_id: str, *, etag: str, size_bytes: int, now: datetime) -> ImportRecord | None: ...

    def record_progress(
        self,
        import_id: str,
        progress: ImportProgress,
        new_errors: Sequence[RowError],
        *,
        now: datetime,
        finished: tuple[ImportStatus, ImportFailure | None] | None = None,
    ) -> ImportRecord: ...


class UploadArea(Protocol):
    def presign_put(self, key: str, *, content_type: str, expires_in: int) -> str: ...

    def open(self, key: str, etag: str) -> BinaryIO: ...

    def delete(self, key: str) -> None: ...


class Pool(CandidateRepository, Protocol):
    def lookup(self, emails: Sequence[str]) -> dict[str, PoolEntry]: ...


@dataclass(frozen=True)
class ImportServices:
    book: StatusBook
    area: UploadArea
    pool: Pool
    bus: EventPublisher


@dataclass(frozen=True)
class Upload:
    """One object the S3 event announced."""

    key: str
    etag: str
    size_bytes: int


def upload_key(import_id: str) -> str:
    return f"{UPLOAD_PREFIX}{import_id}.csv"


def import_id_for_key(key: str) -> str | None:
    match = _UPLOAD_KEY.match(key)
    return match.group(1) if match else None


def create_import(
    book: StatusBook, area: UploadArea, *, caller: Principal, notes: str | None, now: datetime
) -> ImportCreated:
    """A new import waiting for its file, and a short-lived URL to PUT the file to."""
    import_id = new_id()
    stamp = isoformat(now)
    record = ImportRecord(
        import_id=import_id,
        status=ImportStatus.WAITING_FOR_UPLOAD,
        created_by=caller.subject,
        created_at=stamp,
        updated_at=stamp,
        notes=notes or None,
        object_key=upload_key(import_id),
    )
    # The status exists before the URL does, so an upload can never arrive for an import nobody can see.
    book.create(record, now=now)
    url = area.presign_put(record.object_key, content_type=CONTENT_TYPE, expires_in=UPLOAD_URL_SECONDS)
    metrics.add_metric(name="ImportsStarted", unit=MetricUnit.Count, value=1)
    return ImportCreated(
        import_id=import_id, upload_url=url, expires_at=isoformat(now + timedelta(seconds=UPLOAD_URL_SECONDS))
    )


def get_import(book: StatusBook, import_id: str) -> ImportRecord:
    record = book.get(import_id) if is_id(import_id) else None
    if record is None:
        raise ImportNotFound(f"No import {import_id}")
    return record


@tracer.capture_method(capture_response=False)  # a span per step; answers may hold PII, so not recorded
def run_import(
    upload: Upload,
    services: ImportServices,
    *,
    clock: Callable[[], datetime],
    time_left: Callable[[], float],
    max_rows: int = MAX_ROWS,
) -> ImportRecord | None:
    """Import the uploaded file once: a repeated event, or a second upload to the same import, changes nothing.

    `max_rows` is the deployment's row limit (IMPORT_MAX_ROWS); a longer file fails before any row is written.
    """
    import_id = import_id_for_key(upload.key)
    if import_id is None:
        logger.warning("object is not an import upload; ignored")
        return None
    record = services.book.claim(import_id, etag=upload.etag, size_bytes=upload.size_bytes, now=clock())
    if record is None:
        existing = services.book.get(import_id)
        metrics.add_metric(name="ImportUploadsIgnored", unit=MetricUnit.Count, value=1)
        logger.info(
            "import already ran or is unknown; upload ignored",
            extra={
                "import_id": import_id,
                "status": existing.status.value if existing else None,
                "same_object": bool(existing and existing.etag == upload.etag),
            },
        )
        return existing
    return _ImportRun(record, upload, services, clock, time_left, max_rows).execute()


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def merge_row(existing: Candidate, row: ImportRow, now: datetime) -> Candidate:
    """The profile after an import row for someone already in the pool.

    Capture's merge rules decide the profile fields (lists unioned, non-empty values win), so the two never
    drift apart. An import is not the person submitting a form, so consent, confirmation and source stay
    exactly as they were.
    """
    submitted = ProfileFields.model_construct(**{name: getattr(row, name) for name in ProfileFields.model_fields})
    tags = list(dict.fromkeys([*existing.tags, *row.tags]))[:MAX_TAGS]
    return merge_profile(existing, submitted, now).model_copy(update={"tags": tags})


def new_candidate(row: ImportRow, *, created_by: str, now: datetime) -> Candidate:
    """An imported person: channel import, consent pending (no marketing until they opt in themselves)."""
    stamp = isoformat(now)
    return Candidate(
        **{name: getattr(row, name) for name in ProfileFields.model_fields},
        candidate_id=new_id(),
        email=row.email,
        tags=row.tags,
        source=Source(**{**row.source.model_dump(), "channel": Channel.IMPORT, "referrer_id": created_by}),
        consent=ConsentRecord(status=ConsentStatus.PENDING, channel=Channel.IMPORT),
        consent_history=[],
        captured_at=stamp,
        updated_at=stamp,
    )


class Outcome(StrEnum):
    IMPORTED = "imported"
    MERGED = "merged"
    REJECTED = "rejected"


@dataclass
class RowOutcome:
    row: int
    outcome: Outcome
    errors: list[RowError] = field(default_factory=list)
    event: CandidateCaptured | None = None


class _ImportRun:
    """One claimed import from start to finish: check the file, write the rows, keep the status current."""

    def __init__(
        self,
        record: ImportRecord,
        upload: Upload,
        services: ImportServices,
        clock: Callable[[], datetime],
        time_left: Callable[[], float],
        max_rows: int,
    ) -> None:
        self.record = record
        self.upload = upload
        self.services = services
        self.clock = clock
        self.time_left = time_left
        self.max_rows = max_rows
        self.flushed_at = monotonic()
        self.actor = Principal(record.created_by, None, frozenset()).actor
        self.progress = ImportProgress()
        self.pending_errors: list[RowError] = []
        self.errors_listed = 0
        self.unflushed_rows = 0
        self.events: list[CandidateCaptured] = []

    @property
    def import_id(self) -> str:
        return self.record.import_id

    def execute(self) -> ImportRecord:
        logger.info("import started", extra={"import_id": self.import_id, "size_bytes": self.upload.size_bytes})
        try:
            summary = self._check_file()
            self._import_rows(summary)
        except FileRejected as rejected:
            return self._finish(ImportStatus.FAILED, ImportFailure(code=rejected.problem, message=rejected.message))
        except Exception:
            # Rows already written stay written (each is complete on its own); say where it stopped.
            logger.exception("import stopped by an unexpected error", extra={"import_id": self.import_id})
            message = (
                f"The import stopped unexpectedly after {self.progress.rows_processed} rows, which were imported. "
                "Upload the file again as a new import to finish: rows already imported will merge, not duplicate"
            )
            return self._finish(ImportStatus.FAILED, ImportFailure(code=FileProblem.INTERNAL_ERROR, message=message))
        return self._finish(ImportStatus.COMPLETED, None)

    def _open(self) -> BinaryIO:
        try:
            return self.services.area.open(self.upload.key, self.upload.etag)
        except UploadChanged as exc:
            raise FileRejected(
                FileProblem.UPLOAD_CHANGED,
                "The file was replaced or removed while it was being imported; start a new import",
            ) from exc

    def _check_file(self) -> FileSummary:
        """Everything about the file as a whole is checked before the first row is written."""
        if self.upload.size_bytes > MAX_FILE_BYTES:
            raise FileRejected(
                FileProblem.TOO_LARGE,
                f"The file is {self.upload.size_bytes / 1024 / 1024:.1f} MB; the limit is "
                f"{MAX_FILE_BYTES // 1024 // 1024} MB. Split it into smaller files",
            )
        if self.upload.size_bytes == 0:
            raise FileRejected(FileProblem.EMPTY_FILE, "The file is empty")
        summary = scan(read_records(self._open()), self.max_rows)
        self.progress.rows_total = summary.rows_total
        self.progress.columns = {summary.header.names[name]: name for name in summary.header.fields.values()}
        self.progress.ignored_columns = summary.header.ignored
        if summary.header.ignored:
            logger.info("columns ignored", extra={"import_id": self.import_id, "count": len(summary.header.ignored)})
        self._flush()
        return summary

    def _import_rows(self, summary: FileSummary) -> None:
        rows = data_rows(read_records(self._open()), summary.header_row)
        for chunk in chunked(rows, CHUNK_ROWS):
            if self.time_left() < STOP_MARGIN_SECONDS:
                raise FileRejected(
                    FileProblem.OUT_OF_TIME,
                    f"Stopped at row {chunk[0][0]} to finish within the time limit; rows before it were imported. "
                    "Upload the file again as a new import to finish: rows already imported will merge, not "
                    "duplicate",
                )
            self._import_chunk(chunk, summary.header)

    def _import_chunk(self, chunk: list[tuple[int, list[str]]], header: HeaderMap) -> None:
        """Validate the chunk's rows, look their people up in one batch, then write them in file order.

        Rows are written one after another: the two transactions of one person must not race, and moto (the
        local runtime) is not safe for concurrent transactions. See docs/imports.md for the time budget.
        """
        parsed = [(number, parse_row(number, cells, header)) for number, cells in chunk]
        emails = list(dict.fromkeys(row.email for _, row in parsed if isinstance(row, ImportRow)))
        known = self.services.pool.lookup(emails) if emails else {}
        now = self.clock()
        for number, row in parsed:
            if isinstance(row, list):
                self._tally(RowOutcome(number, Outcome.REJECTED, row))
            elif known[row.email].erased and known[row.email].candidate is None:
                self._tally(self._erased(number, header.names["email"]))
            else:
                outcome, known[row.email] = self._write_row(
                    number, row, known[row.email].candidate, now, header.names["email"]
                )
                self._tally(outcome)
            self._row_done()
        self._publish(everything=False)

    def _row_done(self) -> None:
        """Count one finished row, and write the status when PROGRESS_ROWS or PROGRESS_SECONDS have passed."""
        self.progress.rows_processed += 1
        self.unflushed_rows += 1
        if self.unflushed_rows >= PROGRESS_ROWS or monotonic() - self.flushed_at >= PROGRESS_SECONDS:
            self._flush()

    @staticmethod
    def _erased(number: int, email_column: str) -> RowOutcome:
        return RowOutcome(number, Outcome.REJECTED, [RowError(row=number, column=email_column, reason=ERASED_REASON)])

    def _write_row(
        self, number: int, row: ImportRow, current: Candidate | None, now: datetime, email_column: str
    ) -> tuple[RowOutcome, PoolEntry]:
        """Create the person, or merge into them; the email guard settles a race exactly as in capture.

        Returns what the pool now holds for the address, for the file's later rows about the same person.
        """
        pool = self.services.pool
        for attempt in range(WRITE_ATTEMPTS):
            try:
                if current is None:
                    candidate = new_candidate(row, created_by=self.record.created_by, now=now)
                    pool.create(candidate, [self._entry(candidate, number, now, merged=False)], clear_tombstone=False)
                    return self._stored(number, candidate, now, merged=False), PoolEntry(candidate, erased=False)
                saved = pool.save(current, merge_row(current, row, now), [self._entry(current, number, now, True)])
                return self._stored(number, saved, now, merged=True), PoolEntry(saved, erased=False)
            except EmailTaken as taken:
                current = pool.get(taken.candidate_id)
            except VersionConflict:
                # Someone else wrote the same items at that moment: pause (jittered) and re-read.
                time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # noqa: S311 - jitter, not security
                current = pool.get(current.candidate_id) if current else None
            if current is None:
                # Gone between two reads (erased, most likely): look again, tombstone included.
                entry = pool.lookup([row.email])[row.email]
                if entry.erased and entry.candidate is None:
                    return self._erased(number, email_column), entry
                current = entry.candidate
        busy = RowOutcome(number, Outcome.REJECTED, [RowError(row=number, reason=BUSY_REASON)])
        return busy, PoolEntry(current, erased=False)

    def _entry(self, candidate: Candidate, number: int, now: datetime, merged: bool) -> TimelineEntry:
        return TimelineEntry(
            entry_id=new_id(),
            candidate_id=candidate.candidate_id,
            kind=TimelineKind.IMPORTED,
            at=isoformat(now),
            actor=self.actor,
            data={"import_id": self.import_id, "row": number, "merged": merged},
        )

    @staticmethod
    def _stored(number: int, candidate: Candidate, now: datetime, *, merged: bool) -> RowOutcome:
        # A new person gets the Art. 14 notice (we hold their data without having asked them); someone
        # already in the pool was told when they first arrived, so a merge sends nothing.
        event = CandidateCaptured(
            candidate_id=candidate.candidate_id,
            occurred_at=isoformat(now),
            channel=Channel.IMPORT,
            merged=merged,
            confirmation_requested=False,
            notice_requested=not merged,
        )
        return RowOutcome(number, Outcome.MERGED if merged else Outcome.IMPORTED, event=event)

    def _tally(self, outcome: RowOutcome) -> None:
        if outcome.outcome is Outcome.IMPORTED:
            self.progress.imported += 1
        elif outcome.outcome is Outcome.MERGED:
            self.progress.merged += 1
        else:
            self.progress.rejected += 1
        for error in outcome.errors:
            if self.errors_listed < MAX_ERRORS_LISTED:
                self.pending_errors.append(error)
                self.errors_listed += 1
            else:
                self.progress.errors_not_listed += 1
        if outcome.event is not None:
            self.events.append(outcome.event)

    def _publish(self, *, everything: bool) -> None:
        while len(self.events) >= EVENTS_PER_PUT or (everything and self.events):
            batch, self.events = self.events[:EVENTS_PER_PUT], self.events[EVENTS_PER_PUT:]
            try:
                self.services.bus.publish(*batch)
            except EventPublishFailed:
                # The candidates are stored; the count on the status tells an operator who missed a notice.
                self.progress.events_unpublished += len(batch)
                metrics.add_metric(name="EventPublishFailed", unit=MetricUnit.Count, value=1)
                logger.exception("CandidateCaptured not published", extra={"import_id": self.import_id})

    def _discard_upload(self) -> None:
        """The file is read and will never be read again (an import runs once): it goes now, not in 7 days, so
        the addresses in it are not kept, and erasing someone leaves no copy of them in the bucket."""
        try:
            self.services.area.delete(self.upload.key)
        except Exception:
            # The bucket's 7-day expiry still removes it; the import's result stands.
            logger.exception("uploaded file not deleted", extra={"import_id": self.import_id})

    def _flush(self, finished: tuple[ImportStatus, ImportFailure | None] | None = None) -> ImportRecord:
        self.record = self.services.book.record_progress(
            self.import_id, self.progress, self.pending_errors, now=self.clock(), finished=finished
        )
        self.pending_errors = []
        self.unflushed_rows = 0
        self.flushed_at = monotonic()
        return self.record

    def _finish(self, status: ImportStatus, failure: ImportFailure | None) -> ImportRecord:
        self._publish(everything=True)
        record = self._flush((status, failure))
        self._discard_upload()
        counts = {
            "imported": self.progress.imported,
            "merged": self.progress.merged,
            "rejected": self.progress.rejected,
        }
        for name, value in counts.items():
            metrics.add_metric(name=f"ImportRows{name.capitalize()}", unit=MetricUnit.Count, value=value)
        metrics.add_metric(
            name="ImportsCompleted" if status is ImportStatus.COMPLETED else "ImportsFailed",
            unit=MetricUnit.Count,
            value=1,
        )
        logger.info(
            "import finished",
            extra={
                "import_id": self.import_id,
                "status": status.value,
                "failure": failure.code.value if failure else None,
                "rows_total": self.progress.rows_total,
                **counts,
            },
        )
        return record
