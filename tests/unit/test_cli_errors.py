"""The CLI's failures as a person reads them: one `error:` line, the fields in flag names, a hint, an exit code."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from talentpool_client.api import ApiError
from talentpool_client.render import field_name
from tests.unit.test_cli_fakes import FakeApi, cli, error, token


def test_a_validation_error_names_the_flags_the_user_typed_and_exits_2(tmp_path: Path) -> None:
    # Given the API refuses two query parameters, reporting them where Powertools puts them
    api = FakeApi().on(
        "GET",
        "/candidates",
        error(
            422,
            "validation_failed",
            "Some fields are missing or not valid",
            [
                (["query", "params", "min_experience"], "Input should be less than or equal to 60"),
                (["query", "country"], "String should have at most 2 characters"),
            ],
        ),
    )

    # When the recruiter searches
    result = cli(tmp_path, api).run("candidates", "search", "--min-exp", "70", "--country", "PTX")

    # Then stderr has one error line and one line per field, in the CLI's own terms
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: Some fields are missing or not valid",
        "  --min-exp: Input should be less than or equal to 60",
        "  --country: String should have at most 2 characters",
    ]
    assert result.stdout == ""


def test_an_expired_token_gets_a_hint_to_sign_in_again(tmp_path: Path) -> None:
    api = FakeApi().on("GET", "/segments", error(401, "unauthenticated", "Sign in first"))

    result = cli(tmp_path, api, access=token(expires_in=-120)).run("segments", "list")

    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "error: Sign in first"
    assert lines[1].startswith("hint: token expired at ") and "talentpool login" in lines[1]


def test_a_rejected_but_unexpired_token_points_at_the_endpoint_and_the_local_key(tmp_path: Path) -> None:
    api = FakeApi().on("GET", "/segments", error(401, "unauthenticated", "Sign in first"))

    result = cli(tmp_path, api).run("segments", "list")

    assert result.exit_code == 1
    assert "new key each time it starts" in result.stderr
    assert "talentpool config --endpoint URL --token TOKEN" in result.stderr


def test_api_gateways_own_error_body_is_still_one_readable_line(tmp_path: Path) -> None:
    # API Gateway's Cognito authorizer answers {"message": "Unauthorized"}, not our contract
    api = FakeApi().on("GET", "/segments", httpx.Response(401, json={"message": "Unauthorized"}))

    result = cli(tmp_path, api).run("segments", "list")

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "error: Unauthorized"


def test_an_html_error_page_becomes_the_status_phrase(tmp_path: Path) -> None:
    api = FakeApi().on("GET", "/segments", httpx.Response(502, text="<html>Bad gateway</html>"))

    result = cli(tmp_path, api).run("segments", "list")

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "error: Bad Gateway"


def test_a_conflict_is_one_line_with_what_to_do_and_exit_1(tmp_path: Path) -> None:
    api = FakeApi().on(
        "POST",
        "/candidates/c1/stage",
        error(
            409,
            "illegal_stage_move",
            "A candidate in hired cannot move to lead; allowed: rejected, archived",
            [(["stage"], "allowed from hired: rejected, archived")],
        ),
    )

    result = cli(tmp_path, api).run("candidates", "stage", "c1", "lead", "--reason", "oops")

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: A candidate in hired cannot move to lead; allowed: rejected, archived",
        "  STAGE: allowed from hired: rejected, archived",
    ]


def test_not_found_exits_1(tmp_path: Path) -> None:
    api = FakeApi().on("GET", "/candidates/nope", error(404, "candidate_not_found", "No candidate nope"))

    result = cli(tmp_path, api).run("candidates", "show", "nope")

    assert (result.exit_code, result.stderr.strip()) == (1, "error: No candidate nope")


def test_an_unreachable_api_says_where_it_tried_and_what_to_check(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    result = cli(tmp_path, FakeApi().on("GET", "/segments", refuse)).run("segments", "list")

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "error: cannot reach http://api.test: connection refused"
    assert "make run" in result.stderr and "talentpool config --show" in result.stderr


def test_a_timeout_is_reported_as_one(tmp_path: Path) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    result = cli(tmp_path, FakeApi().on("GET", "/segments", slow)).run("segments", "list")

    assert "no answer in time" in result.stderr.splitlines()[0]


def test_without_configuration_the_cli_says_how_to_configure_and_exits_2(tmp_path: Path) -> None:
    api = FakeApi()

    result = cli(tmp_path, api, configured=False).run("candidates", "search")

    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "error: no API endpoint and token configured"
    assert "talentpool config --endpoint URL --token TOKEN" in result.stderr
    assert api.requests == []


def test_usage_errors_are_one_line_too_and_exit_2(tmp_path: Path) -> None:
    result = cli(tmp_path, FakeApi()).run("candidates", "stage", "c1", "leed", "--reason", "x")

    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith("error: Invalid value for 'STAGE'")
    assert result.stderr.splitlines()[1] == "hint: see talentpool candidates stage --help"


def test_a_forbidden_erase_explains_the_admins_group(tmp_path: Path) -> None:
    api = FakeApi().on("DELETE", "/candidates/c1", error(403, "forbidden", "Only admins may erase candidates"))

    result = cli(tmp_path, api).run("candidates", "delete", "c1", "--yes")

    assert result.exit_code == 1
    assert "admins group" in result.stderr


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        (["query", "params", "min_experience"], "--min-exp"),
        (["filter", "skills", 3], "--skill[3]"),
        (["body", "nickname"], "nickname"),
        (["location", "timezone"], "location.timezone"),
        ([], "request"),
    ],
)
def test_field_locations_become_flags_where_known(loc: list[str | int], expected: str) -> None:
    flags = {"min_experience": "--min-exp", "skills": "--skill"}

    assert field_name(loc, flags) == expected


def test_an_error_body_without_fields_parses_to_an_empty_list() -> None:
    response = httpx.Response(409, json={"error": {"code": "conflict", "message": "Changed"}})

    parsed = ApiError.from_response(response)

    assert (parsed.status, parsed.code, parsed.message, parsed.fields) == (409, "conflict", "Changed", [])
