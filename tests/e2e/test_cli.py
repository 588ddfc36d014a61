"""The `talentpool` CLI against `python -m local` over real HTTP, as a recruiter uses it after `make run`."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from talentpool_client.cli import app
from talentpool_client.cli.context import Session
from tests.e2e import local_process
from tests.e2e.local_process import LocalProcess, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runtime() -> Iterator[LocalProcess]:
    running = local_process.start()
    yield running
    running.kill()


def mint(runtime: LocalProcess, **claims: Any) -> str:
    with runtime.client as client:
        token: str = client.post("/_local/token", json=claims).json()["token"]
    return token


class Talentpool:
    """Runs `talentpool ...` in-process with a config file of its own, exactly as typed at a terminal."""

    def __init__(self, config_path: Path) -> None:
        self.environ = {"TALENTPOOL_CONFIG": str(config_path), "HOME": str(config_path.parent)}

    def __call__(self, *args: str, input: str | None = None) -> Result:
        session = Session(environ=self.environ)
        return CliRunner().invoke(app, list(args), obj=session, input=input, env={"COLUMNS": "200"})

    def json(self, *args: str) -> Any:
        result = self(*args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


@pytest.fixture(scope="module")
def talentpool(runtime: LocalProcess, tmp_path_factory: pytest.TempPathFactory) -> Talentpool:
    cli = Talentpool(tmp_path_factory.mktemp("cli") / "config.json")
    # The line make run prints, pasted
    configured = cli("config", "--endpoint", runtime.base_url, "--token", mint(runtime))
    assert configured.exit_code == 0, configured.output
    return cli


@pytest.fixture(scope="module")
def skill() -> str:
    """A skill only this module's candidates have, so searches see exactly them."""
    return f"elixir{uuid.uuid4().hex[:6]}"


def capture(runtime: LocalProcess, talentpool: Talentpool, email: str, skill: str, years: int, country: str) -> str:
    """A careers-site sign-up through the public POST /candidates; its id, found as a recruiter finds it."""
    body = {
        "email": email,
        "first_name": email.split("@")[0].title(),
        "skills": [skill, "python"],
        "years_experience": years,
        "location": {"country": country, "city": "Lisbon" if country == "PT" else "Madrid"},
        "consent": {"given": True, "text_version": "2026-11"},
        "source": {"channel": "careers_site"},
    }
    with runtime.client as client:
        response = client.post("/candidates", json=body)
    assert response.status_code == 202, response.text
    assert "candidate_id" not in response.json()  # the public answer names nobody
    # Settled after the answer: the address reaches the pool a moment later.
    found: list[dict[str, Any]] = wait_for(
        lambda: talentpool.json("candidates", "find", email)["items"], 30, f"{email} in the pool"
    )
    return str(found[0]["candidate_id"])


@pytest.fixture(scope="module")
def pool(runtime: LocalProcess, talentpool: Talentpool, skill: str) -> dict[str, str]:
    tag = uuid.uuid4().hex[:6]
    return {
        "senior_pt": capture(runtime, talentpool, f"ana.{tag}@example.com", skill, 7, "PT"),
        "junior_pt": capture(runtime, talentpool, f"bo.{tag}@example.com", skill, 1, "PT"),
        "senior_es": capture(runtime, talentpool, f"cruz.{tag}@example.com", skill, 9, "ES"),
    }


def test_find_goes_from_an_address_or_a_name_to_the_person(talentpool: Talentpool, pool: dict[str, str]) -> None:
    email = talentpool.json("candidates", "show", pool["senior_pt"])["candidate"]["email"]
    local, domain = email.split("@")
    first_name = local.title()  # as capture() filled it in: unique to this module's run

    by_address = talentpool("candidates", "find", f"{local}@{domain.upper()}")
    by_name = talentpool.json("candidates", "find", first_name.lower(), "--country", "PT")
    elsewhere = talentpool.json("candidates", "find", first_name, "--country", "ES")
    partial = talentpool("candidates", "find", f"{local}@")

    assert by_address.exit_code == 0, by_address.output
    assert pool["senior_pt"] in by_address.stdout and email in by_address.stdout
    assert [(i["candidate_id"], i["email"]) for i in by_name["items"]] == [(pool["senior_pt"], email)]
    assert elsewhere["items"] == []
    assert partial.exit_code == 2 and "TEXT: is not a full email address" in partial.stderr


def ids(page: dict[str, Any]) -> set[str]:
    return {item["candidate_id"] for item in page["items"]}


def test_search_with_filters_finds_exactly_the_matching_candidates(
    talentpool: Talentpool, pool: dict[str, str], skill: str
) -> None:
    found = talentpool.json("candidates", "search", "--skill", skill, "--min-exp", "3", "--country", "pt")

    assert ids(found) == {pool["senior_pt"]}


def test_search_all_follows_cursors_across_pages(talentpool: Talentpool, pool: dict[str, str], skill: str) -> None:
    every = talentpool.json("candidates", "search", "--skill", skill, "--limit", "1", "--all")

    assert ids(every) == set(pool.values())
    assert len(every["items"]) == 3


def test_search_shows_a_table(talentpool: Talentpool, pool: dict[str, str], skill: str) -> None:
    result = talentpool("candidates", "search", "--skill", skill, "--skill", "python", "--max-exp", "8")

    assert result.exit_code == 0
    assert pool["senior_pt"] in result.stdout and pool["junior_pt"] in result.stdout
    assert pool["senior_es"] not in result.stdout
    assert "2 candidates · " in result.stdout and "index entries read via skill:" in result.stdout


def test_show_update_with_the_etag_and_a_stale_etag_conflicts(talentpool: Talentpool, pool: dict[str, str]) -> None:
    candidate_id = pool["senior_pt"]
    before = talentpool.json("candidates", "show", candidate_id)

    updated = talentpool(
        "candidates", "update", candidate_id, "--first-name", "Ana Maria", "--city", "Porto", "--years", "8"
    )
    after = talentpool.json("candidates", "show", candidate_id)
    stale = talentpool("candidates", "update", candidate_id, "--last-name", "Late", "--if-match", before["etag"])

    assert updated.exit_code == 0, updated.output
    assert after["candidate"]["first_name"] == "Ana Maria"
    assert after["candidate"]["location"] == {**before["candidate"]["location"], "city": "Porto"}
    assert after["candidate"]["years_experience"] == 8
    assert after["etag"] != before["etag"]
    assert stale.exit_code == 1
    assert stale.stderr.splitlines()[0].startswith("error: The candidate changed since you read it")
    assert "last_name" not in talentpool.json("candidates", "show", candidate_id)["candidate"]


def test_a_profile_validation_error_names_the_flag(talentpool: Talentpool, pool: dict[str, str]) -> None:
    result = talentpool("candidates", "update", pool["junior_pt"], "--phone", "call me")

    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "error: Some fields are missing or not valid"
    assert result.stderr.splitlines()[1].startswith("  --phone: ")


def test_stage_moves_forward_and_an_illegal_move_is_a_clear_error(talentpool: Talentpool, pool: dict[str, str]) -> None:
    candidate_id = pool["senior_es"]

    moved = talentpool(
        "candidates", "stage", candidate_id, "applied", "--reason", "applied online", "--job-ref", "BE-1"
    )
    back = talentpool("candidates", "stage", candidate_id, "lead", "--reason", "oops")
    timeline = talentpool("candidates", "show", candidate_id, "--timeline")

    assert moved.exit_code == 0, moved.output
    assert f"{candidate_id} is now applied" in moved.stdout
    assert back.exit_code == 1
    assert back.stderr.splitlines()[0].startswith("error: A candidate in applied cannot move to lead; allowed: ")
    assert back.stderr.splitlines()[1].startswith("  STAGE: allowed from applied: ")
    assert "stage_changed" in timeline.stdout and "reason=applied online" in timeline.stdout


def test_note_and_tags_land_on_the_candidate(talentpool: Talentpool, pool: dict[str, str], skill: str) -> None:
    candidate_id = pool["junior_pt"]

    noted = talentpool("candidates", "note", candidate_id, "Met at the Lisbon meetup")
    talentpool("candidates", "tag", candidate_id, "meetup", "lisbon")
    talentpool("candidates", "tag", candidate_id, "--add", "python-guild")
    removed = talentpool("candidates", "tag", candidate_id, "--remove", "lisbon")
    by_tag = talentpool.json("candidates", "search", "--skill", skill, "--tag", "python-guild")

    assert noted.exit_code == 0 and removed.exit_code == 0
    assert talentpool.json("candidates", "show", candidate_id)["candidate"]["tags"] == ["meetup", "python-guild"]
    assert ids(by_tag) == {candidate_id}
    timeline = talentpool.json("candidates", "show", candidate_id, "--timeline")["timeline"]["items"]
    assert {"kind": "note", "text": "Met at the Lisbon meetup"} in [
        {"kind": entry["kind"], "text": entry["data"].get("text")} for entry in timeline
    ]


def test_export_writes_everything_held_to_a_private_file(
    talentpool: Talentpool, pool: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "export.json"

    result = talentpool("candidates", "export", pool["junior_pt"], "-o", str(target))

    assert result.exit_code == 0, result.output
    exported = json.loads(target.read_text())
    assert exported["profile"]["candidate_id"] == pool["junior_pt"]
    assert {"consent", "timeline", "notes", "tags"} <= set(exported)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_segments_create_list_count_and_members(talentpool: Talentpool, pool: dict[str, str], skill: str) -> None:
    created = talentpool.json(
        "segments", "create", f"Seniors {skill}", "--skill", skill, "--min-exp", "5", "--description", "e2e"
    )
    segment_id = created["segment_id"]

    listed = talentpool("segments", "list")
    counted = talentpool.json("segments", "count", segment_id)
    members = talentpool.json("segments", "show", segment_id, "--candidates")

    assert created["filter"]["skills"] == [skill] and created["filter"]["min_experience"] == 5
    assert segment_id in listed.stdout and f"Seniors {skill}" in listed.stdout
    assert counted["count"] == 2
    assert ids(members) == {pool["senior_pt"], pool["senior_es"]}
    assert talentpool("segments", "count", segment_id).stdout.strip() == "2 candidates"


def test_import_shows_progress_a_summary_and_writes_the_rejected_rows(talentpool: Talentpool, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:6]
    skill = f"cobol{tag}"
    csv_file = tmp_path / "fair.csv"
    csv_file.write_text(
        "email,first_name,skills,years_experience,country\n"
        f"dee.{tag}@example.com,Dee,{skill},4,PT\n"
        "not-an-email,Bad,go,2,PT\n"
        f"eve.{tag}@example.com,Eve,{skill},many,PT\n"
        f"fay.{tag}@example.com,Fay,{skill},2,ES\n",
        encoding="utf-8",
    )

    result = talentpool("import", str(csv_file), "--notes", "career fair")

    assert result.exit_code == 0, result.output
    assert "completed" in result.stderr and "4/4" in result.stderr  # the progress bar, finished
    assert "Imported" in result.stdout and "Rejected" in result.stdout
    rejected = tmp_path / "fair.rejected.csv"
    assert f"Rejected rows: {rejected}" in result.stdout
    lines = rejected.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "row,column,reason"
    assert [line.split(",")[:2] for line in lines[1:]] == [["3", "email"], ["4", "years_experience"]]
    assert len(talentpool.json("candidates", "search", "--skill", skill)["items"]) == 2


def test_an_import_of_an_empty_file_fails_with_exit_1(talentpool: Talentpool, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")

    result = talentpool("import", str(empty))

    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith("error: the import failed: ")


def test_delete_needs_admins_then_erases(
    runtime: LocalProcess, talentpool: Talentpool, pool: dict[str, str], tmp_path: Path
) -> None:
    candidate_id = pool["junior_pt"]
    recruiter_only = Talentpool(tmp_path / "recruiter.json")
    recruiter_only("config", "--endpoint", runtime.base_url, "--token", mint(runtime, groups=["recruiters"]))

    refused = recruiter_only("candidates", "delete", candidate_id, "--yes")
    declined = talentpool("candidates", "delete", candidate_id, input="n\n")
    erased = talentpool("candidates", "delete", candidate_id, "--yes")
    gone = talentpool("candidates", "show", candidate_id)

    assert refused.exit_code == 1 and "admins group" in refused.stderr
    assert declined.exit_code == 1 and "not erased" in declined.stderr
    assert erased.exit_code == 0 and f"Erased {candidate_id}" in erased.stdout
    assert gone.exit_code == 1
    assert gone.stderr.strip() == f"error: No candidate {candidate_id}"


def test_a_bad_or_expired_token_is_one_clear_line(runtime: LocalProcess, tmp_path: Path) -> None:
    cli = Talentpool(tmp_path / "bad.json")
    cli("config", "--endpoint", runtime.base_url, "--token", mint(runtime, expires_in=-60))

    expired = cli("segments", "list")
    cli.environ["TALENTPOOL_TOKEN"] = "e30.e30.c2ln"  # a JWT no key signed
    forged = cli("segments", "list")

    assert expired.exit_code == 1
    assert expired.stderr.splitlines()[0].startswith("error: ")
    assert expired.stderr.splitlines()[1].startswith("hint: token expired at ")
    assert forged.exit_code == 1
    assert "did not accept the token" in forged.stderr


def test_an_api_that_is_not_running_gets_a_hint(tmp_path: Path) -> None:
    cli = Talentpool(tmp_path / "down.json")
    port = local_process.free_port()
    cli.environ |= {"TALENTPOOL_ENDPOINT": f"http://127.0.0.1:{port}", "TALENTPOOL_TOKEN": "e30.e30.c2ln"}

    result = cli("segments", "list")

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"error: cannot reach http://127.0.0.1:{port}: connection refused"


def test_the_installed_talentpool_command_works_as_a_subprocess(
    runtime: LocalProcess, pool: dict[str, str], tmp_path: Path
) -> None:
    command = Path(sys.executable).parent / "talentpool"
    assert command.exists(), "the talentpool command is missing: pip install -e client (make test does)"
    env = {**os.environ, "TALENTPOOL_CONFIG": str(tmp_path / "config.json")}
    env.pop("TALENTPOOL_ENDPOINT", None)
    env.pop("TALENTPOOL_TOKEN", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(command), *args], env=env, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603

    configured = run("config", "--endpoint", runtime.base_url, "--token", mint(runtime))
    shown = run("config", "--show")
    found = run("candidates", "show", pool["senior_pt"], "--json")

    assert configured.returncode == 0, configured.stderr
    assert stat.S_IMODE((tmp_path / "config.json").stat().st_mode) == 0o600
    assert runtime.base_url in shown.stdout and "recruiter@example.com" in shown.stdout
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["candidate"]["candidate_id"] == pool["senior_pt"]
