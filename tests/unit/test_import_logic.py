"""Import logic with in-memory fakes of the status book, the bucket, the pool and the bus."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from talentpool.adapters.aws.events import EventPublishFailed
from talentpool.auth import Principal
from talentpool.clock import isoformat
from talentpool.errors import EmailTaken, VersionConflict
from talentpool.logic.capture import imports
from talentpool.logic.capture.imports import (
    ImportServices,
    Upload,
    import_id_for_key,
    merge_row,
    new_candidate,
    run_import,
)
from talentpool.models.candidate import Candidate, Channel, ConsentRecord, ConsentStatus, Source
from talentpool.models.imports import ImportRecord, ImportRow, ImportStatus, PoolEntry

NOW = datetime(2026, 11, 26, 9, tzinfo=UTC)
RECRUITER = Principal("rec-1", "rita@example.com", frozenset({"recruiters"}))


class FakeBook:
    def __init__(self) -> None:
        self.records: dict[str, ImportRecord] = {}
        self.writes = 0
        self.processed: list[int] = []  # rows_processed at each status write

    def create(self, record, *, now):
        self.records[record.import_id] = record

    def get(self, import_id):
        return self.records.get(import_id)

    def claim(self, import_id, *, etag, size_bytes, now):
        record = self.records.get(import_id)
        if record is None or record.status is not ImportStatus.WAITING_FOR_UPLOAD:
            return None
        record = record.model_copy(update={"status": ImportStatus.PROCESSING, "etag": etag, "size_bytes": size_bytes})
        self.records[import_id] = record
        return record

    def record_progress(self, import_id, progress, new_errors, *, now, finished=None):
        self.writes += 1
        self.processed.append(progress.rows_processed)
        record = self.records[import_id]
        update = {**dict(progress), "errors": [*record.errors, *new_errors], "updated_at": isoformat(now)}
        if finished:
            update.update(status=finished[0], failure=finished[1], finished_at=isoformat(now))
        self.records[import_id] = record.model_copy(update=update)
        return self.records[import_id]


class FakeArea:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def presign_put(self, key, *, content_type, expires_in):
        return f"https://bucket.example/{key}?expires={expires_in}"

    def open(self, key, etag):
        return io.BytesIO(self.files[key])

    def delete(self, key):
        self.files.pop(key, None)


class FakePool:
    def __init__(self) -> None:
        self.by_id: dict[str, Candidate] = {}
        self.guards: dict[str, str] = {}
        self.erased: set[str] = set()
        self.entries: list = []
        self.before_create = None

    def lookup(self, emails):
        return {e: PoolEntry(candidate=self.by_id.get(self.guards.get(e, "")), erased=e in self.erased) for e in emails}

    def get(self, candidate_id):
        return self.by_id.get(candidate_id)

    def create(self, candidate, entries, *, clear_tombstone):
        if self.before_create:
            hook, self.before_create = self.before_create, None
            hook()
        if candidate.email in self.guards:
            raise EmailTaken(self.guards[candidate.email])
        self.guards[candidate.email] = candidate.candidate_id
        self.by_id[candidate.candidate_id] = candidate
        self.entries.extend(entries)

    def save(self, before, after, entries=(), *, extra=()):
        if self.by_id[before.candidate_id].version != before.version:
            raise VersionConflict(before.candidate_id)
        saved = after.model_copy(update={"version": before.version + 1})
        self.by_id[saved.candidate_id] = saved
        self.entries.extend(entries)
        return saved

    def append_timeline(self, entries):
        self.entries.extend(entries)


class FakeBus:
    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list] = []
        self.fail = fail

    def publish(self, *events):
        if self.fail:
            raise EventPublishFailed("down")
        self.batches.append(list(events))


class World:
    def __init__(self, bus: FakeBus | None = None) -> None:
        self.book, self.area, self.pool, self.bus = FakeBook(), FakeArea(), FakePool(), bus or FakeBus()
        self.services = ImportServices(book=self.book, area=self.area, pool=self.pool, bus=self.bus)

    def run(self, content: bytes, time_left=lambda: 900.0) -> ImportRecord:
        created = imports.create_import(self.book, self.area, caller=RECRUITER, notes=None, now=NOW)
        key = f"uploads/{created.import_id}.csv"
        self.area.files[key] = content
        result = run_import(Upload(key, "etag-1", len(content)), self.services, clock=lambda: NOW, time_left=time_left)
        assert result is not None
        return result


def csv_bytes(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def people(count: int, start: int = 0) -> list[str]:
    return [f"p{n}@example.com,P{n}" for n in range(start, start + count)]


def existing_candidate(**overrides) -> Candidate:
    values = {
        "candidate_id": "01M8B9VGHAH080YCQ49MGPAEJE",
        "email": "ana@example.com",
        "first_name": "Ana",
        "skills": ["python"],
        "tags": ["pycon"],
        "source": Source(channel=Channel.CAREERS_SITE, utm_source="linkedin"),
        "consent": ConsentRecord(status=ConsentStatus.ACTIVE, text_version="2026-11", confirmed_at="2026-11-01"),
        "consent_history": [ConsentRecord(status=ConsentStatus.PENDING, text_version="2026-11")],
        "captured_at": "2026-11-01T00:00:00.000Z",
        "updated_at": "2026-11-01T00:00:00.000Z",
        "confirmation_nonce": "nonce-1",
        "confirmation_requested_at": "2026-11-01T00:00:00.000Z",
    }
    return Candidate(**{**values, **overrides})


def test_a_merge_follows_captures_field_rules_and_never_touches_consent_or_source():
    existing = existing_candidate()
    row = ImportRow.model_validate(
        {"email": "ana@example.com", "first_name": "Ana Maria", "skills": ["Go"], "tags": ["vip"], "phone": "+351 91"}
    )

    merged = merge_row(existing, row, NOW + timedelta(days=30))

    assert (merged.first_name, merged.phone) == ("Ana Maria", "+351 91")
    assert (merged.skills, merged.tags) == (["python", "go"], ["pycon", "vip"])
    assert merged.consent == existing.consent
    assert merged.consent_history == existing.consent_history
    assert merged.source == existing.source
    assert (merged.confirmation_nonce, merged.confirmation_requested_at) == ("nonce-1", "2026-11-01T00:00:00.000Z")
    assert merged.updated_at == isoformat(NOW + timedelta(days=30))


def test_a_new_person_is_import_channel_with_consent_pending_and_the_recruiter_as_referrer():
    row = ImportRow.model_validate({"email": "bo@example.com", "source": {"channel": "import", "utm_source": "fair"}})
    candidate = new_candidate(row, created_by="rec-1", now=NOW)
    assert candidate.source == Source(channel=Channel.IMPORT, utm_source="fair", referrer_id="rec-1")
    assert candidate.consent == ConsentRecord(status=ConsentStatus.PENDING, channel=Channel.IMPORT)
    assert candidate.confirmation_nonce is None


def test_a_person_captured_while_the_import_runs_is_merged_not_duplicated():
    world = World()

    def rival_capture():
        rival = existing_candidate(candidate_id="01M8B9VGHAH080YCQ49MGPAEJF", email="p0@example.com")
        world.pool.by_id[rival.candidate_id] = rival
        world.pool.guards[rival.email] = rival.candidate_id

    world.pool.before_create = rival_capture
    status = world.run(csv_bytes("email,first name", *people(1)))

    assert (status.imported, status.merged) == (0, 1)
    assert list(world.pool.guards) == ["p0@example.com"]
    assert world.pool.by_id["01M8B9VGHAH080YCQ49MGPAEJF"].first_name == "P0"


def test_the_status_is_written_every_50_rows_and_at_the_end(monkeypatch):
    monkeypatch.setattr(imports, "monotonic", lambda: 0.0)  # rows that take no time: only the count matters
    world = World()
    status = world.run(csv_bytes("email,first name", *people(1200)))

    assert (status.status, status.imported, status.rows_processed) == (ImportStatus.COMPLETED, 1200, 1200)
    # After the file check, every 50 rows (the 50 rows of a half chunk too), and at the end.
    assert world.book.processed == [0, *range(50, 1201, 50), 1200]


def test_slow_rows_still_move_the_progress_every_second(monkeypatch):
    # Given rows that take 0.3 s each (a busy table)
    clock = {"now": 0.0}
    monkeypatch.setattr(imports, "monotonic", lambda: clock["now"])
    world = World()
    original = world.pool.create

    def slow_create(*args, **kwargs):
        clock["now"] += 0.3
        return original(*args, **kwargs)

    world.pool.create = slow_create

    # When 20 of them are imported
    world.run(csv_bytes("email,first name", *people(20)))

    # Then the status moved about every second, long before 50 rows were done
    assert world.book.processed == [0, 4, 8, 12, 16, 20, 20]


def test_events_go_out_ten_at_a_time():
    world = World()
    world.run(csv_bytes("email,first name", *people(25)))

    assert [len(b) for b in world.bus.batches] == [10, 10, 5]
    assert all(e.notice_requested and not e.merged for b in world.bus.batches for e in b)


def test_a_lost_event_is_counted_and_the_import_still_completes():
    world = World(bus=FakeBus(fail=True))
    status = world.run(csv_bytes("email,first name", *people(12)))

    assert (status.status, status.imported, status.events_unpublished) == (ImportStatus.COMPLETED, 12, 12)


def test_only_the_first_1000_errors_are_listed_and_the_rest_counted(monkeypatch):
    monkeypatch.setattr(imports, "MAX_ERRORS_LISTED", 2)
    world = World()
    status = world.run(csv_bytes("email", *(f"bad{n}" for n in range(5))))

    assert [e.row for e in status.errors] == [2, 3]
    assert (status.rejected, status.errors_not_listed) == (5, 3)


def test_near_the_deadline_the_import_stops_between_chunks_and_says_where():
    world = World()
    remaining = iter([900.0, 5.0])
    status = world.run(csv_bytes("email,first name", *people(150)), time_left=lambda: next(remaining))

    assert status.status is ImportStatus.FAILED
    assert status.failure is not None and status.failure.code == "out_of_time"
    assert "row 102" in status.failure.message
    assert (status.imported, status.rows_processed) == (100, 100)
    assert sum(len(b) for b in world.bus.batches) == 100  # everyone stored was announced


def test_an_unexpected_error_fails_the_import_with_the_rows_done_so_far(monkeypatch):
    world = World()
    calls = {"n": 0}
    real_lookup = world.pool.lookup

    def flaky_lookup(emails):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("throttled for too long")
        return real_lookup(emails)

    world.pool.lookup = flaky_lookup
    status = world.run(csv_bytes("email,first name", *people(150)))

    assert (status.status, status.failure.code) == (ImportStatus.FAILED, "internal_error")
    assert "after 100 rows" in status.failure.message
    assert status.imported == 100


def test_an_import_runs_once():
    world = World()
    first = world.run(csv_bytes("email", "a@example.com"))
    again = run_import(
        Upload(first.object_key, "etag-2", 10), world.services, clock=lambda: NOW, time_left=lambda: 900.0
    )

    assert again == first
    assert len(world.pool.guards) == 1


@pytest.mark.parametrize(
    ("key", "import_id"),
    [
        ("uploads/01M8B9VGHAH080YCQ49MGPAEJE.csv", "01M8B9VGHAH080YCQ49MGPAEJE"),
        ("uploads/01M8B9VGHAH080YCQ49MGPAEJE.csv.zip", None),
        ("elsewhere/01M8B9VGHAH080YCQ49MGPAEJE.csv", None),
        ("uploads/../01M8B9VGHAH080YCQ49MGPAEJE.csv", None),
        ("uploads/not-an-id.csv", None),
    ],
)
def test_only_keys_of_the_upload_shape_name_an_import(key, import_id):
    assert import_id_for_key(key) == import_id
