"""`talentpool segments ...` and `talentpool import`: the requests they make and the results they show."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import httpx

from tests.unit.test_cli_fakes import FakeApi, cli, error, summary

UPLOAD_URL = "http://bucket.test/uploads/i1.csv"
SEGMENT = {
    "segment_id": "s1",
    "name": "Senior Python",
    "description": "Lisbon campaign",
    "filter": {"skills": ["python", "go"], "skills_mode": "any", "min_experience": 5, "country": None},
    "created_at": "2026-11-20T10:00:00Z",
    "created_by": "recruiter:u-1",
}


def test_segments_create_sends_the_filters_as_the_segment_body(tmp_path: Path) -> None:
    api = FakeApi().on("POST", "/segments", httpx.Response(201, json=SEGMENT))

    result = cli(tmp_path, api).run(
        "segments", "create", "Senior Python", "--skill", "python,go", "--skills-mode", "any", "--min-exp", "5",
        "--description", "Lisbon campaign",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert api.body("POST", "/segments") == {
        "name": "Senior Python",
        "filter": {"skills": ["python", "go"], "skills_mode": "any", "min_experience": 5},
        "description": "Lisbon campaign",
    }
    assert "Saved segment s1: skills=python, go (any) · min_experience=5" in result.stdout


def test_segments_create_without_a_filter_needs_everyone(tmp_path: Path) -> None:
    api = FakeApi().on("POST", "/segments", httpx.Response(201, json={**SEGMENT, "filter": {}}))

    refused = cli(tmp_path, api).run("segments", "create", "All")
    accepted = cli(tmp_path, api).run("segments", "create", "All", "--everyone")

    assert refused.exit_code == 2 and "--everyone" in refused.stderr
    assert accepted.exit_code == 0
    assert api.body("POST", "/segments")["filter"] == {}


def test_a_bad_segment_filter_names_the_flag(tmp_path: Path) -> None:
    api = FakeApi().on(
        "POST", "/segments", error(422, "validation_failed", "Not valid", [(["filter", "min_experience"], "too big")])
    )

    result = cli(tmp_path, api).run("segments", "create", "X", "--min-exp", "99")

    assert result.stderr.splitlines()[1] == "  --min-exp: too big"


def test_segments_list_follows_every_page(tmp_path: Path) -> None:
    second = {**SEGMENT, "segment_id": "s2", "name": "Go"}
    api = FakeApi().on(
        "GET",
        "/segments",
        httpx.Response(200, json={"items": [SEGMENT], "next_cursor": "n"}),
        httpx.Response(200, json={"items": [second], "next_cursor": None}),
    )

    result = cli(tmp_path, api).run("segments", "list")

    assert result.exit_code == 0
    assert "Senior Python" in result.stdout and "Go" in result.stdout


def test_segments_show_with_candidates_evaluates_it(tmp_path: Path) -> None:
    members = {"items": [summary("c1")], "next_cursor": None, "read": {"index": "skill:python", "items_read": 1}}
    api = (
        FakeApi()
        .on("GET", "/segments/s1", httpx.Response(200, json=SEGMENT))
        .on("GET", "/segments/s1/candidates", httpx.Response(200, json=members))
    )

    result = cli(tmp_path, api).run("segments", "show", "s1", "--candidates")

    assert result.exit_code == 0
    assert "Lisbon campaign" in result.stdout and "c1" in result.stdout


def test_segments_count(tmp_path: Path) -> None:
    api = FakeApi().on(
        "GET", "/segments/s1/count", httpx.Response(200, json={"segment_id": "s1", "count": 42, "read": {}})
    )

    result = cli(tmp_path, api).run("segments", "count", "s1")

    assert result.stdout.strip() == "42 candidates"


# -- import ------------------------------------------------------------------------------------------------------


def started() -> httpx.Response:
    return httpx.Response(
        201,
        json={"import_id": "i1", "upload_url": f"{UPLOAD_URL}?X-Amz-Signature=abc", "upload_method": "PUT",
              "upload_headers": {"Content-Type": "text/csv"}, "expires_at": "2026-11-26T10:15:00Z",
              "status": "waiting_for_upload"},
    )  # fmt: skip


def status(state: str, processed: int = 0, **extra: object) -> httpx.Response:
    body = {"import_id": "i1", "status": state, "rows_total": 3 if state != "waiting_for_upload" else 0,
            "rows_processed": processed, "imported": 0, "merged": 0, "rejected": 0, "errors": [], **extra}  # fmt: skip
    return httpx.Response(200, json=body)


def people(tmp_path: Path) -> Path:
    file = tmp_path / "people.csv"
    file.write_text("email,first_name\nana@example.com,Ana\nbad,Bo\nce@example.com,\n", encoding="utf-8")
    return file


def test_import_uploads_the_file_without_the_token_then_follows_it_to_the_end(tmp_path: Path) -> None:
    errors = [{"row": 3, "column": "email", "reason": "must be an email address like name@example.com"}]
    api = (
        FakeApi()
        .on("POST", "/imports", started())
        .on("PUT", UPLOAD_URL, httpx.Response(200))
        .on(
            "GET",
            "/imports/i1",
            status("waiting_for_upload"),
            status("processing", 1),
            status("completed", 3, imported=2, rejected=1, errors=errors),
        )
    )
    file = people(tmp_path)

    result = cli(tmp_path, api).run("import", str(file), "--notes", "career fair")

    assert result.exit_code == 0, result.output
    assert api.body("POST", "/imports") == {"notes": "career fair"}
    (upload,) = [r for r in api.requests if r.method == "PUT"]
    assert upload.content == file.read_bytes()
    assert upload.headers["Content-Type"] == "text/csv"
    assert "Authorization" not in upload.headers  # the bearer token never goes to the bucket
    assert len(api.sent("GET", "/imports/i1")) == 3
    assert "completed" in result.stderr and "3/3" in result.stderr  # the progress bar's last state
    for text in ("Imported", "2", "Rejected", "row 3, email: must be an email address"):
        assert text in result.stdout
    rejected = tmp_path / "people.rejected.csv"
    assert f"Rejected rows: {rejected}" in result.stdout
    with rejected.open(newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [
            ["row", "column", "reason"],
            ["3", "email", "must be an email address like name@example.com"],
        ]


def test_a_failed_import_exits_1_with_the_reason(tmp_path: Path) -> None:
    failure = {"code": "no_email_column", "message": "The first row must be a header with an email column"}
    api = (
        FakeApi()
        .on("POST", "/imports", started())
        .on("PUT", UPLOAD_URL, httpx.Response(200))
        .on("GET", "/imports/i1", status("failed", failure=failure))
    )

    result = cli(tmp_path, api).run("import", str(people(tmp_path)))

    assert result.exit_code == 1
    assert "Why it failed" in result.stdout
    assert (
        result.stderr.splitlines()[-1]
        == "error: the import failed: The first row must be a header with an email column"
    )
    assert not (tmp_path / "people.rejected.csv").exists()


def test_a_refused_upload_shows_s3s_reason(tmp_path: Path) -> None:
    refusal = "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
    api = FakeApi().on("POST", "/imports", started()).on("PUT", UPLOAD_URL, httpx.Response(403, text=refusal))

    result = cli(tmp_path, api).run("import", str(people(tmp_path)))

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "error: the upload was refused: AccessDenied: Request has expired"


def test_import_no_wait_returns_after_the_upload_with_how_to_follow(tmp_path: Path) -> None:
    api = FakeApi().on("POST", "/imports", started()).on("PUT", UPLOAD_URL, httpx.Response(200))

    result = cli(tmp_path, api).run("import", str(people(tmp_path)), "--no-wait")

    assert result.exit_code == 0
    assert "talentpool import-status i1 --wait" in result.stdout
    assert api.sent("GET", "/imports/i1") == []


def test_a_missing_file_is_a_usage_error_before_any_request(tmp_path: Path) -> None:
    api = FakeApi()

    result = cli(tmp_path, api).run("import", str(tmp_path / "nope.csv"))

    assert result.exit_code == 2
    assert "does not exist" in result.stderr
    assert api.requests == []


def test_import_status_writes_the_rejected_rows_where_asked(tmp_path: Path) -> None:
    errors = [{"row": 2, "column": None, "reason": "a blank email"}]
    api = FakeApi().on("GET", "/imports/i1", status("completed", 3, rejected=1, errors=errors))
    target = tmp_path / "out.csv"

    result = cli(tmp_path, api).run("import-status", "i1", "--rejected", str(target))

    assert result.exit_code == 0
    assert target.read_text(encoding="utf-8").splitlines() == ["row,column,reason", "2,,a blank email"]


def test_a_column_spelt_as_a_formula_reaches_the_rejected_rows_file_as_text(tmp_path: Path) -> None:
    # Given a file whose email header was typed "=E-mail" (it still means email), and a row refused there
    errors = [{"row": 3, "column": "=E-mail", "reason": "must be an email address"}]
    api = FakeApi().on("GET", "/imports/i1", status("completed", 3, rejected=1, errors=errors))
    target = tmp_path / "out.csv"

    # When the CLI writes the rejected rows
    result = cli(tmp_path, api).run("import-status", "i1", "--rejected", str(target))

    # Then a spreadsheet shows the header as text and runs nothing
    assert result.exit_code == 0
    with target.open(newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle))[1] == ["3", "'=E-mail", "must be an email address"]


def test_import_status_of_a_running_import_shows_progress(tmp_path: Path) -> None:
    api = FakeApi().on("GET", "/imports/i1", status("processing", 2))

    result = cli(tmp_path, api).run("import-status", "i1")

    assert result.stdout.strip() == "processing: 2 of 3 rows"


def test_segment_json_output_is_plain_json(tmp_path: Path) -> None:
    api = FakeApi().on("GET", "/segments/s1", httpx.Response(200, json=SEGMENT))

    result = cli(tmp_path, api).run("segments", "show", "s1", "--json")

    assert json.loads(result.stdout) == SEGMENT
