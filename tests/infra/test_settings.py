"""Deployment settings: cdk.json and the code agree, context strings are understood, bad values fail early."""

from __future__ import annotations

import json
from dataclasses import asdict

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
