"""Deployment settings: cdk.json and the code agree, context strings are understood, bad values fail early."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest
from aws_cdk import App

from infra import spec
from infra.application import environment
from infra.settings import Settings

CDK_JSON = json.loads((spec.ROOT / "cdk.json").read_text())


def test_cdk_json_ships_every_setting_with_the_code_defaults() -> None:
    context = {key: value for key, value in CDK_JSON["context"].items() if not key.startswith("@")}
    assert context == asdict(Settings())


def test_cdk_json_runs_the_app_with_the_project_venv() -> None:
    assert CDK_JSON["app"] == ".venv/bin/python app.py"


def test_command_line_strings_are_coerced_to_the_setting_types() -> None:
    app = App(context={"retain_data": "false", "log_retention_days": "30", "cognito_plus_tier": "true"})
    settings = Settings.from_context(app.node)
    assert settings.retain_data is False
    assert settings.log_retention_days == 30
    assert settings.cognito_plus_tier is True


@pytest.mark.parametrize(
    "context",
    [
        {"log_retention_days": 42},
        {"retain_data": "maybe"},
        {"sender_email": "not-an-address"},
        {"alarm_email": "not-an-address"},
        {"state_machine_log_level": "DEBUG"},
        {"sender_domain": "example.org", "sender_email": "talent@example.com"},
        {"api_rate_limit": 0},
        {"frequency_cap": 0},
        {"frequency_cap": "15"},
        {"timezone_default": "Mars/Olympus_Mons"},
        {"company_name": " "},
        {"report_schedule": "every day at six"},
        {"ses_send_rate": 0},
        {"ses_send_rate": "10001"},
    ],
)
def test_bad_settings_fail_the_synth(context: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (each case has its own message)
        Settings.from_context(App(context=context).node)


def test_region_context_wins_over_the_cli_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDK_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("CDK_DEFAULT_ACCOUNT", "123456789012")
    env = environment(Settings(region="eu-west-2"))
    assert env is not None
    assert (env.region, env.account) == ("eu-west-2", "123456789012")
    cli_env = environment(Settings())
    assert cli_env is not None
    assert cli_env.region == "us-east-1"


def test_without_a_region_the_stack_is_environment_agnostic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CDK_DEFAULT_REGION", raising=False)
    assert environment(Settings()) is None


# ---- what only the operator can say ---------------------------------------------------------------


def _deployable(**context: object) -> None:
    from tests.infra.context import TEST_VALUES

    Settings.from_context(App(context={**TEST_VALUES, **context}).node).check_deployable()


def test_cdk_json_as_shipped_cannot_be_deployed_and_the_message_names_every_missing_value() -> None:
    # Given cdk.json exactly as the repository ships it
    settings = Settings.from_context(App(context=CDK_JSON["context"]).node)

    # When the app checks it before building the stack, Then it fails naming each value the operator must give
    with pytest.raises(ValueError, match="before it can be deployed") as failure:
        settings.check_deployable()
    for name in ("sender_email", "careers_origin", "alarm_email"):
        assert f"{name} is not set" in str(failure.value)


@pytest.mark.parametrize(
    ("context", "named"),
    [
        ({"sender_email": "talent@example.com"}, "sender_email uses example.com"),
        ({"sender_email": "jobs@acme.test"}, "sender_email uses acme.test"),
        ({"sender_domain": "example.org", "sender_email": "jobs@example.org"}, "sender_domain uses example.org"),
        ({"alarm_email": "<your-ops-address>@acme.io"}, "alarm_email is still a placeholder"),
        ({"careers_origin": "http://127.0.0.1:3000"}, "careers_origin must be an https origin"),
        ({"careers_origin": "https://careers.acme.io/jobs"}, "careers_origin must be an https origin"),
        ({"careers_origin": "https://careers.acme.io/"}, "must not end with a slash"),
        ({"careers_origin": "https://localhost"}, "careers_origin uses localhost"),
        ({"careers_origin": "https://careers.example.com"}, "careers_origin uses careers.example.com"),
    ],
)
def test_placeholders_and_example_names_fail_the_synth_naming_the_setting(
    context: dict[str, object], named: str
) -> None:
    with pytest.raises(ValueError, match="before it can be deployed") as failure:
        _deployable(**context)
    assert named in str(failure.value)


def test_real_values_pass() -> None:
    _deployable(sender_email="jobs@acme.io", careers_origin="https://careers.acme.io", alarm_email="ops@acme.io")
    _deployable(sender_domain="mail.acme.io", sender_email="jobs@mail.acme.io")


def test_build_app_refuses_cdk_json_without_the_operator_values(tmp_path: Path) -> None:
    from infra.application import build_app

    with pytest.raises(ValueError, match="alarm_email is not set"):
        build_app(CDK_JSON["context"], outdir=str(tmp_path))


def test_make_synth_passes_the_test_values() -> None:
    makefile = (spec.ROOT / "Makefile").read_text()
    assert "SYNTH_CONTEXT ?= $(shell $(BIN)/python -m tests.infra.context" in makefile
    assert 'synth --no-notices --quiet --app "$(BIN)/python app.py" $(SYNTH_CONTEXT)' in makefile
