"""`talentpool config`: where the endpoint and token are kept, how they are shown, and what overrides them."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import httpx

from talentpool_client import config
from tests.unit.test_cli_fakes import ENDPOINT, FakeApi, cli, token


def test_config_saves_a_file_only_its_owner_can_read(tmp_path: Path) -> None:
    runner = cli(tmp_path, FakeApi(), configured=False)
    access = token()

    result = runner.run("config", "--endpoint", "http://127.0.0.1:3000/", "--token", f"Bearer {access}")

    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(runner.config_path.stat().st_mode) == 0o600
    assert json.loads(runner.config_path.read_text()) == {"endpoint": "http://127.0.0.1:3000", "token": access}


def test_the_saved_configuration_is_what_later_commands_use(tmp_path: Path) -> None:
    api = FakeApi().on("GET", "/segments", httpx.Response(200, json={"items": [], "next_cursor": None}))
    runner = cli(tmp_path, api, configured=False)
    access = token()

    runner.run("config", "--endpoint", ENDPOINT, "--token", access)
    result = runner.run("segments", "list")

    assert result.exit_code == 0
    assert str(api.requests[0].url) == f"{ENDPOINT}/segments"
    assert api.requests[0].headers["Authorization"] == f"Bearer {access}"


def test_config_show_prints_who_and_when_it_expires_but_never_the_token(tmp_path: Path) -> None:
    runner = cli(tmp_path, FakeApi(), configured=False)
    access = token(expires_in=2 * 3600 + 600, email="rita@example.com", groups=["recruiters", "admins"])
    runner.run("config", "--endpoint", ENDPOINT, "--token", access)

    result = runner.run("config", "--show")

    assert result.exit_code == 0
    assert access not in result.output
    assert access.split(".")[1] not in result.output
    assert ENDPOINT in result.stdout
    assert "rita@example.com, groups recruiters, admins, expires" in result.stdout
    assert "(in 2 h 9 min)" in result.stdout or "(in 2 h 10 min)" in result.stdout
    assert "mode 600" in result.stdout


def test_config_show_says_when_a_token_has_expired(tmp_path: Path) -> None:
    runner = cli(tmp_path, FakeApi(), configured=False)
    runner.run("config", "--endpoint", ENDPOINT, "--token", token(expires_in=-300))

    result = runner.run("config", "--show")

    assert "expired" in result.stdout and "ago" in result.stdout


def test_environment_variables_override_the_file_and_show_says_so(tmp_path: Path) -> None:
    runner = cli(tmp_path, FakeApi(), configured=False)
    runner.run("config", "--endpoint", "http://file.test", "--token", token())
    runner.environ["TALENTPOOL_ENDPOINT"] = "http://env.test"

    settings = config.load(runner.environ)
    result = runner.run("config", "--show")

    assert (settings.endpoint, settings.endpoint_from) == ("http://env.test", "TALENTPOOL_ENDPOINT")
    assert "http://env.test" in result.stdout and "(TALENTPOOL_ENDPOINT)" in result.stdout


def test_changing_the_endpoint_keeps_the_token(tmp_path: Path) -> None:
    runner = cli(tmp_path, FakeApi(), configured=False)
    access = token()
    runner.run("config", "--endpoint", "http://one.test", "--token", access)

    runner.run("config", "--endpoint", "http://two.test")

    assert json.loads(runner.config_path.read_text()) == {"endpoint": "http://two.test", "token": access}


def test_a_token_can_come_from_stdin_to_stay_out_of_shell_history(tmp_path: Path) -> None:
    runner = cli(tmp_path, FakeApi(), configured=False)
    access = token()

    result = runner.run("config", "--endpoint", ENDPOINT, "--token", "-", input=f"{access}\n")

    assert result.exit_code == 0
    assert json.loads(runner.config_path.read_text())["token"] == access


def test_a_token_set_by_hand_drops_the_stored_refresh_token(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    cognito = config.Cognito("client-1", "eu-west-1", "rita")
    config.save(path, endpoint=ENDPOINT, token=token(), cognito=cognito, refresh_token="refresh-1")
    runner = cli(tmp_path, FakeApi(), configured=False)

    runner.run("config", "--token", token(email="other@example.com"))

    saved = json.loads(path.read_text())
    assert "refresh_token" not in saved
    assert saved["cognito"] == {"client_id": "client-1", "region": "eu-west-1", "username": "rita"}


def test_bad_values_are_refused_with_what_is_expected(tmp_path: Path) -> None:
    runner = cli(tmp_path, FakeApi(), configured=False)

    bad_endpoint = runner.run("config", "--endpoint", "127.0.0.1:3000")
    bad_token = runner.run("config", "--token", "not-a-jwt")

    assert bad_endpoint.exit_code == 2 and "http(s) URL" in bad_endpoint.stderr
    assert bad_token.exit_code == 2 and "three dot-separated parts" in bad_token.stderr
    assert not runner.config_path.exists()


def test_a_broken_config_file_is_named_with_the_fix(tmp_path: Path) -> None:
    runner = cli(tmp_path, FakeApi(), configured=False)
    runner.config_path.write_text("{not json")

    result = runner.run("candidates", "search")

    assert result.exit_code == 2
    assert str(runner.config_path) in result.stderr and "not valid JSON" in result.stderr


def test_a_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    runner = cli(tmp_path, FakeApi(), configured=False)
    runner.environ["TALENTPOOL_TOKEN"] = "abc"

    result = runner.run("segments", "list")

    assert result.exit_code == 2
    assert result.stderr.startswith("error: TALENTPOOL_TOKEN: the token should be a JWT")


def test_the_default_location_follows_xdg() -> None:
    assert config.default_path({"XDG_CONFIG_HOME": "/x"}) == Path("/x/talentpool/config.json")
    assert config.default_path({"TALENTPOOL_CONFIG": "/y/c.json", "XDG_CONFIG_HOME": "/x"}) == Path("/y/c.json")
