"""`talentpool candidates ...` against a scripted API: what goes over the wire, and what the recruiter sees."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import httpx

from tests.unit.test_cli_fakes import FakeApi, cli, error, summary, view


def page(*ids: str, next_cursor: str | None = None) -> httpx.Response:
    read = {"index": "skill:python", "items_read": len(ids), "items_returned": len(ids), "queries": 1}
    return httpx.Response(200, json={"items": [summary(i) for i in ids], "next_cursor": next_cursor, "read": read})


def test_search_sends_every_filter_in_the_apis_terms(tmp_path: Path) -> None:
    api = FakeApi().on("GET", "/candidates", page("c1"))

    result = cli(tmp_path, api).run(
        "candidates", "search",
        "--skill", "python,go", "--skill", "rust", "--skills-mode", "any", "--not-skill", "php",
        "--min-exp", "3", "--max-exp", "10", "--country", "pt", "--city", "Lisbon", "--stage", "lead",
        "--tag", "vip", "--channel", "referral", "--consent", "active", "--min-engagement", "2.5",
        "--captured-after", "2026-01-01", "--limit", "50",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    (request,) = api.sent("GET", "/candidates")
    assert request.url.params.multi_items() == [
        ("skills", "python"), ("skills", "go"), ("skills", "rust"), ("skills_mode", "any"), ("not_skills", "php"),
        ("min_experience", "3"), ("max_experience", "10"), ("country", "PT"), ("city", "Lisbon"),
        ("stage", "lead"), ("tag", "vip"), ("source_channel", "referral"), ("consent", "active"),
        ("min_engagement", "2.5"), ("captured_after", "2026-01-01"), ("limit", "50"),
    ]  # fmt: skip


def test_search_shows_a_table_of_summaries_and_what_the_query_read(tmp_path: Path) -> None:
    api = FakeApi().on("GET", "/candidates", page("01ALPHA", "01BRAVO", next_cursor="CURSOR-2"))

    result = cli(tmp_path, api).run("candidates", "search", "--skill", "python")

    assert result.exit_code == 0
    for text in ("01ALPHA", "01BRAVO", "python", "Lisbon, PT", "lead", "active", "1.5"):
        assert text in result.stdout
    assert "2 candidates · 2 index entries read via skill:python" in result.stdout
    assert "next cursor: CURSOR-2" in result.stdout


def test_search_all_follows_the_cursor_to_the_end(tmp_path: Path) -> None:
    api = FakeApi().on("GET", "/candidates", page("c1", next_cursor="k2"), page("c2", next_cursor="k3"), page("c3"))

    result = cli(tmp_path, api).run("candidates", "search", "--stage", "lead", "--all", "--json")

    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    assert [item["candidate_id"] for item in printed["items"]] == ["c1", "c2", "c3"]
    assert printed["next_cursor"] is None
    cursors = [r.url.params.get("cursor") for r in api.sent("GET", "/candidates")]
    assert cursors == [None, "k2", "k3"]
    assert all(r.url.params["stage"] == "lead" for r in api.sent("GET", "/candidates"))


def test_search_json_is_the_page_as_the_api_gave_it(tmp_path: Path) -> None:
    api = FakeApi().on("GET", "/candidates", page("c1", next_cursor="k2"))

    result = cli(tmp_path, api).run("candidates", "search", "--json")

    assert json.loads(result.stdout)["next_cursor"] == "k2"


def test_show_prints_the_profile_status_and_timeline(tmp_path: Path) -> None:
    entry = {"entry_id": "e1", "kind": "stage_changed", "at": "2026-11-02T09:00:00Z", "actor": "recruiter:u-1",
             "data": {"from": "lead", "to": "applied", "reason": "applied online"}}  # fmt: skip
    api = (
        FakeApi()
        .on("GET", "/candidates/c1", httpx.Response(200, json=view("c1", 4, last_name="Silva", tags=["vip"])))
        .on("GET", "/candidates/c1/timeline", httpx.Response(200, json={"items": [entry], "next_cursor": None}))
    )

    result = cli(tmp_path, api).run("candidates", "show", "c1", "--timeline")

    assert result.exit_code == 0
    for text in (
        "Ana Silva",
        "ana@example.com",
        "careers_site",
        "vip",
        '"v4"',
        "stage_changed",
        "reason=applied online",
    ):
        assert text in result.stdout


def test_update_reads_the_etag_then_patches_with_if_match_keeping_the_rest_of_the_location(tmp_path: Path) -> None:
    current = view("c1", 3, location={"city": "Lisbon", "country": "PT", "timezone": "Europe/Lisbon"})
    after = view("c1", 4, first_name="Paula", location={"city": "Porto", "country": "PT", "timezone": "Europe/Lisbon"})
    api = (
        FakeApi()
        .on("GET", "/candidates/c1", httpx.Response(200, json=current))
        .on("PATCH", "/candidates/c1", httpx.Response(200, json=after))
    )

    result = cli(tmp_path, api).run("candidates", "update", "c1", "--first-name", "Paula", "--city", "Porto")

    assert result.exit_code == 0, result.output
    (patch,) = api.sent("PATCH", "/candidates/c1")
    assert patch.headers["If-Match"] == '"v3"'
    assert json.loads(patch.content) == {
        "first_name": "Paula",
        "location": {"city": "Porto", "country": "PT", "timezone": "Europe/Lisbon"},
    }
    assert 'Updated c1: first_name, location; now version "v4"' in result.stdout


def test_update_with_if_match_protects_the_version_the_user_saw(tmp_path: Path) -> None:
    api = (
        FakeApi()
        .on("GET", "/candidates/c1", httpx.Response(200, json=view("c1", 5)))
        .on("PATCH", "/candidates/c1", error(409, "conflict", 'The candidate changed since you read it (now "v5")'))
    )

    result = cli(tmp_path, api).run("candidates", "update", "c1", "--years", "7", "--if-match", '"v4"')

    assert api.sent("PATCH", "/candidates/c1")[0].headers["If-Match"] == '"v4"'
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == 'error: The candidate changed since you read it (now "v5")'
    assert result.stderr.splitlines()[1].startswith("hint: someone else changed it")


def test_update_clears_fields_and_lists_as_the_api_expects(tmp_path: Path) -> None:
    api = (
        FakeApi()
        .on("GET", "/candidates/c1", httpx.Response(200, json=view("c1")))
        .on("PATCH", "/candidates/c1", httpx.Response(200, json=view("c1", 2)))
    )

    cli(tmp_path, api).run("candidates", "update", "c1", "--clear", "phone", "--clear", "skills")

    assert api.body("PATCH", "/candidates/c1") == {"phone": None, "skills": []}


def test_update_with_nothing_to_change_is_a_usage_error_before_any_request(tmp_path: Path) -> None:
    api = FakeApi()

    result = cli(tmp_path, api).run("candidates", "update", "c1")

    assert result.exit_code == 2
    assert "nothing to update" in result.stderr
    assert api.requests == []


def test_stage_sends_the_reason_job_feedback_and_the_email_opt_out(tmp_path: Path) -> None:
    api = FakeApi().on("POST", "/candidates/c1/stage", httpx.Response(200, json=view("c1", 2, stage="rejected")))

    result = cli(tmp_path, api).run(
        "candidates", "stage", "c1", "rejected", "--reason", "role filled", "--job-ref", "BE-7",
        "--feedback", "Strong Python", "--no-email",
    )  # fmt: skip

    assert result.exit_code == 0
    assert api.body("POST", "/candidates/c1/stage") == {
        "stage": "rejected",
        "reason": "role filled",
        "notify_candidate": False,
        "job_ref": "BE-7",
        "feedback": "Strong Python",
    }
    assert "c1 is now rejected (no status email)" in result.stdout


def test_note_reads_stdin_with_a_dash(tmp_path: Path) -> None:
    api = FakeApi().on("POST", "/candidates/c1/notes", httpx.Response(201, json={"entry_id": "e9"}))

    result = cli(tmp_path, api).run("candidates", "note", "c1", "-", input="Call back in May\n")

    assert result.exit_code == 0
    assert api.body("POST", "/candidates/c1/notes") == {"text": "Call back in May"}
    assert "(e9)" in result.stdout


def test_tag_puts_the_whole_list(tmp_path: Path) -> None:
    api = FakeApi().on("PUT", "/candidates/c1/tags", httpx.Response(200, json=view("c1", tags=["a", "b"])))

    result = cli(tmp_path, api).run("candidates", "tag", "c1", "a", "b,a")

    assert api.body("PUT", "/candidates/c1/tags") == {"tags": ["a", "b"]}
    assert "c1 tags: a, b" in result.stdout
    assert api.sent("GET", "/candidates/c1") == []


def test_tag_add_and_remove_merge_with_the_current_tags(tmp_path: Path) -> None:
    api = (
        FakeApi()
        .on("GET", "/candidates/c1", httpx.Response(200, json=view("c1", tags=["vip", "lisbon"])))
        .on("PUT", "/candidates/c1/tags", httpx.Response(200, json=view("c1")))
    )
    runner = cli(tmp_path, api)

    runner.run("candidates", "tag", "c1", "--add", "python", "vip")
    runner.run("candidates", "tag", "c1", "--remove", "vip")

    sent = [json.loads(r.content)["tags"] for r in api.sent("PUT", "/candidates/c1/tags")]
    assert sent == [["vip", "lisbon", "python"], ["lisbon"]]


def test_tag_without_tags_needs_clear(tmp_path: Path) -> None:
    api = FakeApi().on("PUT", "/candidates/c1/tags", httpx.Response(200, json=view("c1")))

    refused = cli(tmp_path, api).run("candidates", "tag", "c1")
    cleared = cli(tmp_path, api).run("candidates", "tag", "c1", "--clear")

    assert refused.exit_code == 2
    assert cleared.exit_code == 0
    assert api.body("PUT", "/candidates/c1/tags") == {"tags": []}


def test_export_writes_a_private_file(tmp_path: Path) -> None:
    export = {"exported_at": "2026-11-26T10:00:00Z", "profile": {"email": "ana@example.com"}, "consent": {},
              "tags": ["vip"], "notes": [{"text": "hi"}], "timeline": [{}, {}], "other_records": []}  # fmt: skip
    api = FakeApi().on("GET", "/candidates/c1/export", httpx.Response(200, json=export))
    target = tmp_path / "ana.json"

    result = cli(tmp_path, api).run("candidates", "export", "c1", "-o", str(target))

    assert result.exit_code == 0
    assert json.loads(target.read_text()) == export
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "(2 timeline, 1 notes, 1 tags)" in result.stdout


def test_delete_asks_naming_the_person_and_a_no_erases_nothing(tmp_path: Path) -> None:
    api = FakeApi().on("GET", "/candidates/c1", httpx.Response(200, json=view("c1", last_name="Silva")))

    result = cli(tmp_path, api).run("candidates", "delete", "c1", input="n\n")

    assert "Erase c1 (Ana Silva ana@example.com)" in result.stderr
    assert result.exit_code == 1
    assert api.sent("DELETE", "/candidates/c1") == []


def test_delete_with_yes_erases_without_asking(tmp_path: Path) -> None:
    api = FakeApi().on("DELETE", "/candidates/c1", httpx.Response(204))

    result = cli(tmp_path, api).run("candidates", "delete", "c1", "--yes")

    assert result.exit_code == 0
    assert "Erased c1" in result.stdout
    assert api.sent("GET", "/candidates/c1") == []


def test_add_posts_a_sourced_candidate_with_a_nested_location(tmp_path: Path) -> None:
    api = FakeApi().on(
        "POST", "/candidates", httpx.Response(201, json={"candidate_id": "c9", "status": "notice_pending"})
    )

    result = cli(tmp_path, api).run(
        "candidates", "add", "jo@example.com", "--first-name", "Jo", "--skills", "go,k8s", "--country", "es",
        "--interest", "events", "--tag", "meetup",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert api.body("POST", "/candidates") == {
        "email": "jo@example.com",
        "first_name": "Jo",
        "skills": ["go", "k8s"],
        "interests": ["events"],
        "location": {"country": "ES"},
        "tags": ["meetup"],
    }
    assert "Added c9 (notice_pending)" in result.stdout


def test_every_request_carries_the_bearer_token(tmp_path: Path) -> None:
    api = FakeApi().on("GET", "/candidates/c1", httpx.Response(200, json=view("c1")))
    runner = cli(tmp_path, api)

    runner.run("candidates", "show", "c1")

    assert api.requests[0].headers["Authorization"] == f"Bearer {runner.environ['TALENTPOOL_TOKEN']}"


def test_an_id_cannot_reach_another_route(tmp_path: Path) -> None:
    api = FakeApi()

    cli(tmp_path, api).run("candidates", "show", "../segments")

    assert api.requests[0].url.raw_path == b"/candidates/..%2Fsegments"


def test_find_sends_the_text_as_q_with_the_filters_and_shows_each_address(tmp_path: Path) -> None:
    # Given the API finds two people by name
    read = {"index": "name", "items_read": 2, "items_returned": 2, "queries": 1}
    items = [summary("01ZOE", email="Zoe.Nandu@example.com"), summary("01ZORA", email="zora@example.com")]
    api = FakeApi().on(
        "GET", "/candidates", httpx.Response(200, json={"items": items, "next_cursor": None, "read": read})
    )

    # When the recruiter types the start of a name, with a filter
    result = cli(tmp_path, api).run("candidates", "find", "zo", "--country", "pt")

    # Then the text goes as q beside the filter, and the table shows who each one is
    assert result.exit_code == 0, result.output
    (request,) = api.sent("GET", "/candidates")
    assert request.url.params.multi_items() == [("country", "PT"), ("q", "zo"), ("limit", "25")]
    for text in ("01ZOE", "Zoe.Nandu@example.com", "01ZORA", "zora@example.com", "2 candidates"):
        assert text in result.stdout


def test_find_names_the_text_when_the_api_refuses_it(tmp_path: Path) -> None:
    api = FakeApi().on(
        "GET",
        "/candidates",
        error(
            422,
            "validation_failed",
            "Some fields are missing or not valid",
            [(["query", "q"], "is not a full email address")],
        ),
    )

    result = cli(tmp_path, api).run("candidates", "find", "ana@")

    assert result.exit_code == 2
    assert "  TEXT: is not a full email address" in result.stderr.splitlines()


def test_search_results_without_addresses_have_no_email_column(tmp_path: Path) -> None:
    api = FakeApi().on("GET", "/candidates", page("01ALPHA"))

    result = cli(tmp_path, api).run("candidates", "search", "--skill", "python")

    assert "Email" not in result.stdout
