"""CSV import: the status record, the file format (columns, aliases, rows) and its limits.

Everything here is pure: it reads a byte stream and returns models or raises FileRejected, so the rules
about what a good file and a good row look like are unit-testable without AWS.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import chain
from typing import IO, Annotated, Any, BinaryIO

from pydantic import ConfigDict, Field, StringConstraints, ValidationError

from talentpool.models.base import Model
from talentpool.models.candidate import Candidate, Channel, EmailAddress, ProfileFields, SourceInput
from talentpool.models.capture_form import FORM_FIELDS
from talentpool.models.recruiter import Tags

MAX_FILE_BYTES = 20 * 1024 * 1024
# The default of IMPORT_MAX_ROWS (cdk.json `import_max_rows`): rows are written one by one, and 25,000 take
# about half of the 900 s Lambda limit on AWS.
MAX_ROWS = 25_000
MAX_COLUMNS = 200  # every column is read for every row, and unknown ones are listed on the status item
MAX_CELL_CHARS = 10_000  # far above any field we keep (2,000 at most); a bigger cell is a broken or hostile file
MAX_HEADER_BYTES = 64 * 1024
MAX_ERRORS_LISTED = 1000  # keeps the status item far below DynamoDB's 400 KB, with room for long reasons
MAX_REASON_CHARS = 200
MAX_COLUMN_CHARS = 100
UPLOAD_URL_SECONDS = 15 * 60
STATUS_RETENTION_DAYS = 90
CONTENT_TYPE = "text/csv"


class ImportStatus(StrEnum):
    WAITING_FOR_UPLOAD = "waiting_for_upload"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


class FileProblem(StrEnum):
    """Why a whole file was refused (or stopped); each is a `failure.code` on the status."""

    EMPTY_FILE = "empty_file"
    NO_DATA_ROWS = "no_data_rows"
    NO_EMAIL_COLUMN = "no_email_column"
    DUPLICATE_COLUMNS = "duplicate_columns"
    NOT_CSV = "not_csv"
    NOT_UTF8 = "not_utf8"
    TOO_LARGE = "too_large"
    TOO_MANY_ROWS = "too_many_rows"
    TOO_MANY_COLUMNS = "too_many_columns"
    HEADER_TOO_LARGE = "header_too_large"
    UPLOAD_CHANGED = "upload_changed"
    OUT_OF_TIME = "out_of_time"
    INTERNAL_ERROR = "internal_error"


class FileRejected(Exception):
    """The file as a whole cannot be imported; the message tells the recruiter what to do about it."""

    def __init__(self, problem: FileProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.message = message


class UploadChanged(Exception):
    """The uploaded object is gone, or is no longer the one whose event started the import."""


# --- the API's inputs and outputs -------------------------------------------------------------------------


class CreateImportRequest(Model):
    model_config = ConfigDict(extra="forbid")

    notes: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = Field(
        default=None, description="Free text for your team, e.g. where the list came from"
    )


class ImportCreated(Model):
    import_id: str
    upload_url: str = Field(description="PUT the CSV here, with the header Content-Type: text/csv")
    upload_method: str = "PUT"
    upload_headers: dict[str, str] = Field(default_factory=lambda: {"Content-Type": CONTENT_TYPE})
    expires_at: str = Field(description="The upload URL stops working at this time")
    status: ImportStatus = ImportStatus.WAITING_FOR_UPLOAD


class RowError(Model):
    """One problem with one row: its number as in the file (the header is row 1), the column and why."""

    row: int
    column: str | None = None
    reason: str


class ImportFailure(Model):
    code: FileProblem
    message: str


class ImportProgress(Model):
    """The counters an import updates as it goes; imported + merged + rejected = rows_processed."""

    rows_total: int = 0
    rows_processed: int = 0
    imported: int = 0
    merged: int = 0
    rejected: int = 0
    errors_not_listed: int = Field(default=0, description="Row errors beyond the first 1000, counted only")
    events_unpublished: int = Field(default=0, description="Candidates stored whose CandidateCaptured was lost")
    columns: dict[str, str] = Field(default_factory=dict, description="Header in the file -> field it fills")
    ignored_columns: list[str] = Field(default_factory=list, description="Headers the importer does not know")


class ImportRecord(ImportProgress):
    """The status of one import, as stored and as GET /imports/{id} returns it."""

    model_config = ConfigDict(extra="ignore")

    import_id: str
    status: ImportStatus
    created_by: str
    created_at: str
    updated_at: str
    notes: str | None = None
    object_key: str
    etag: str | None = None
    size_bytes: int | None = None
    errors: list[RowError] = Field(default_factory=list)
    failure: ImportFailure | None = None
    started_at: str | None = None
    finished_at: str | None = None


@dataclass(frozen=True)
class PoolEntry:
    """What the pool holds for one address: the candidate, if any, and whether the person was erased."""

    candidate: Candidate | None
    erased: bool


# --- one row ----------------------------------------------------------------------------------------------


class ImportRow(ProfileFields):
    """One data row, validated by the same field types as capture, plus tags and the campaign source."""

    email: EmailAddress
    tags: Tags = Field(default_factory=list)
    source: SourceInput = Field(default_factory=lambda: SourceInput(channel=Channel.IMPORT))


# Canonical column -> accepted header spellings. Headers are compared "squashed": case-folded with
# everything but letters and digits removed, so "E-mail", "email_address" and "Email Address" all match.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "email": ("email", "e-mail", "email address", "mail"),
    "first_name": ("first name", "firstname", "given name", "forename"),
    "last_name": ("last name", "lastname", "surname", "family name"),
    "phone": ("phone", "phone number", "mobile", "mobile phone", "telephone", "tel"),
    "city": ("city", "town"),
    "country": ("country", "country code"),
    "timezone": ("timezone", "time zone", "tz"),
    "skills": ("skills", "skill"),
    "years_experience": ("years experience", "years of experience", "experience", "experience (years)"),
    "desired_roles": ("desired roles", "desired role", "roles", "role"),
    "interests": ("interests", "topics"),
    "linkedin_url": ("linkedin", "linkedin url", "linkedin profile"),
    "tags": ("tags", "tag"),
    "utm_source": ("utm source",),
    "utm_medium": ("utm medium",),
    "utm_campaign": ("utm campaign",),
}
LIST_COLUMNS = frozenset({"skills", "desired_roles", "interests", "tags"})
LIST_SEPARATORS = re.compile(r"[;,|]")
# Where each column lands in the row model: the careers form's paths, so a CSV "country" lands exactly where
# the form's does; tags exist only for recruiters.
COLUMN_PATHS: dict[str, tuple[str, ...]] = {name: FORM_FIELDS.get(name, (name,)) for name in COLUMN_ALIASES}
_COLUMN_FOR_PATH = {path: name for name, path in COLUMN_PATHS.items()}


def squash(header: str) -> str:
    return re.sub(r"[^0-9a-z]", "", header.casefold())


_ALIAS_INDEX = {squash(alias): name for name, aliases in COLUMN_ALIASES.items() for alias in (name, *aliases)}


@dataclass(frozen=True)
class HeaderMap:
    """What the header row means: which column index fills which field, and what was ignored."""

    fields: dict[int, str]
    names: dict[str, str]  # field -> the header text as written in the file
    ignored: list[str] = field(default_factory=list)
    width: int = 0

    def column_of(self, loc: Sequence[str | int]) -> str | None:
        """The file's header for a validation error at model path `loc` (list positions dropped)."""
        path = tuple(str(p) for p in loc if not isinstance(p, int))
        name = _COLUMN_FOR_PATH.get(path)
        return self.names.get(name) if name else None


def check_header_size(cells: Sequence[str]) -> None:
    """Refuse a header too wide or too long to be a list of people: each data row is read against it."""
    if len(cells) > MAX_COLUMNS:
        raise FileRejected(
            FileProblem.TOO_MANY_COLUMNS,
            f"The header has {len(cells):,} columns; the limit is {MAX_COLUMNS}. Keep only the columns you want "
            "to import (docs/imports.md lists them) and upload the file again",
        )
    size = len(",".join(cells).encode("utf-8"))
    if size > MAX_HEADER_BYTES:
        raise FileRejected(
            FileProblem.HEADER_TOO_LARGE,
            f"The header row is {size / 1024:,.0f} KB; the limit is {MAX_HEADER_BYTES // 1024} KB. Column names "
            "are short words such as email or first name: check that the first row is the header",
        )


def map_header(cells: Sequence[str]) -> HeaderMap:
    """Read the header row. Unknown columns are ignored (and reported); no email column rejects the file."""
    check_header_size(cells)
    fields: dict[int, str] = {}
    names: dict[str, str] = {}
    ignored: list[str] = []
    for index, raw in enumerate(cells):
        header = raw.strip()[:MAX_COLUMN_CHARS]
        if not header:
            continue
        name = _ALIAS_INDEX.get(squash(header))
        if name is None:
            ignored.append(header)
        elif name in names:
            raise FileRejected(
                FileProblem.DUPLICATE_COLUMNS,
                f'The columns "{names[name]}" and "{header}" both mean {name}; keep one of them',
            )
        else:
            fields[index] = name
            names[name] = header
    if "email" not in names:
        raise FileRejected(
            FileProblem.NO_EMAIL_COLUMN,
            "The first row must be a header with an email column (email, e-mail or email address); "
            f"found {len(names)} known column(s). See docs/imports.md for the column names",
        )
    return HeaderMap(fields=fields, names=names, ignored=ignored, width=len(cells))


def _cell_value(name: str, cell: str) -> Any:
    if name not in LIST_COLUMNS:
        return cell
    parts = [part.strip() for part in LIST_SEPARATORS.split(cell) if part.strip()]
    if name == "interests":
        # The topics are stored as career_advice etc.; a spreadsheet says "Career advice".
        return [re.sub(r"[\s-]+", "_", part.lower()) for part in parts]
    return parts


def row_body(cells: Sequence[str], header: HeaderMap) -> dict[str, Any]:
    """The nested body a row stands for (empty cells left out), in the shape ImportRow validates."""
    body: dict[str, Any] = {"source": {"channel": Channel.IMPORT.value}}
    for index, name in header.fields.items():
        cell = cells[index].strip() if index < len(cells) else ""
        value = _cell_value(name, cell) if cell else None
        if value in (None, "", []):
            continue
        *parents, leaf = COLUMN_PATHS[name]
        target = body
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return body


def _reason(error: Any) -> str:
    if error.get("type") == "missing":
        return "is required"
    return str(error.get("msg", "is not valid")).removeprefix("Value error, ")[:MAX_REASON_CHARS]


def _oversized_cells(number: int, cells: Sequence[str], header: HeaderMap) -> list[RowError]:
    """A row error for each cell over MAX_CELL_CHARS, at its column when the importer knows the column."""
    return [
        RowError(
            row=number,
            column=header.names.get(header.fields.get(index, "")),
            reason=f"has a cell of {len(cell):,} characters in column {index + 1}; the limit is {MAX_CELL_CHARS:,}",
        )
        for index, cell in enumerate(cells)
        if len(cell) > MAX_CELL_CHARS
    ]


def parse_row(number: int, cells: Sequence[str], header: HeaderMap) -> ImportRow | list[RowError]:
    """A validated row, or every problem with it. Never raises for bad data."""
    oversized = _oversized_cells(number, cells, header)
    if oversized:
        return oversized
    if len(cells) > header.width and any(c.strip() for c in cells[header.width :]):
        # Usually an unquoted comma inside a value: the cells after it are shifted, so none can be trusted.
        return [
            RowError(
                row=number,
                reason=f"has {len(cells)} cells but the header has {header.width}; quote values that contain "
                "the separator",
            )
        ]
    try:
        return ImportRow.model_validate(row_body(cells, header))
    except ValidationError as exc:
        return [
            RowError(row=number, column=header.column_of(e["loc"]), reason=_reason(e))
            for e in exc.errors(include_url=False, include_input=False)
        ]


# --- the file ---------------------------------------------------------------------------------------------

_DELIMITERS = (",", ";", "\t")


def _delimiter(header_line: str) -> str:
    """Comma, unless the header clearly uses semicolons (European Excel) or tabs."""
    counts = {d: header_line.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _checked_lines(text: IO[str]) -> Iterator[str]:
    try:
        for line in text:
            if "\x00" in line:
                raise FileRejected(FileProblem.NOT_CSV, "The file is not a CSV text file (it contains binary data)")
            yield line
    except UnicodeDecodeError as exc:
        raise FileRejected(
            FileProblem.NOT_UTF8,
            "The file is not UTF-8 text: if it is a spreadsheet, save it as 'CSV UTF-8' and upload that",
        ) from exc


# The csv module refuses a field over 128 KiB with an error that would fail the whole file; the importer
# refuses big cells itself (MAX_CELL_CHARS, MAX_HEADER_BYTES), per row, so the reader takes any field the file
# size allows. Raised, never lowered: the limit is the process's, and another reader may need more.
csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))


def read_records(stream: BinaryIO) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for every record, blank ones included so numbers match a spreadsheet's rows.

    Decodes as it reads (a UTF-8 byte-order mark is dropped); nothing is held beyond the current record.
    """
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    lines = _checked_lines(text)
    head: list[str] = []
    for line in lines:
        head.append(line)
        if line.strip():
            break
    reader = csv.reader(chain(head, lines), delimiter=_delimiter(head[-1] if head else ""))
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise FileRejected(FileProblem.NOT_CSV, f"The file is not a readable CSV file: {exc}") from exc


def _blank(cells: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in cells)


@dataclass(frozen=True)
class FileSummary:
    header: HeaderMap
    header_row: int
    rows_total: int


def scan(records: Iterable[tuple[int, list[str]]], max_rows: int = MAX_ROWS) -> FileSummary:
    """Check the whole file before anything is written: readable, a usable header, 1..max_rows data rows."""
    header: HeaderMap | None = None
    header_row = 0
    total = 0
    for number, cells in records:
        if _blank(cells):
            continue
        if header is None:
            header, header_row = map_header(cells), number
            continue
        total += 1
        if total > max_rows:
            raise FileRejected(
                FileProblem.TOO_MANY_ROWS, f"The file has more than {max_rows:,} rows; split it into smaller files"
            )
    if header is None:
        raise FileRejected(FileProblem.EMPTY_FILE, "The file is empty")
    if total == 0:
        raise FileRejected(FileProblem.NO_DATA_ROWS, "The file has a header but no data rows")
    return FileSummary(header=header, header_row=header_row, rows_total=total)


def data_rows(records: Iterable[tuple[int, list[str]]], header_row: int) -> Iterator[tuple[int, list[str]]]:
    """The non-blank records after the header, with their row numbers."""
    return ((n, cells) for n, cells in records if n > header_row and not _blank(cells))
