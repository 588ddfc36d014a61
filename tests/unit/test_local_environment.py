"""The one environment the local runtime gives every handler: complete, consistent, and enough for each alone."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from infra import spec
from local import environment
from talentpool import config


def settings() -> environment.LocalSettings:
    return environment.LocalSettings(port=3123, region="eu-west-1", time_scale=8640)


def test_every_spec_env_name_has_a_local_value() -> None:
    values = environment.handler_environment(settings(), "arn:secret")

    assert set(values) == set(spec.Env)
    assert all(values.values())
    assert values[spec.Env.TOKEN_SECRET_ARN] == "arn:secret"
    assert values[spec.Env.PUBLIC_BASE_URL] == "http://127.0.0.1:3123"
    assert values[spec.Env.CORS_ORIGIN] == "http://127.0.0.1:3123"
    assert values[spec.Env.EVENT_BUS_NAME] == spec.BUS_NAME


def _env_model(function: spec.FunctionSpec) -> type[config.FunctionEnv]:
    name = "".join(part.capitalize() for part in function.name.split("_")) + "Env"
    model = getattr(config, name, None)
    assert model is not None, f"talentpool.config has no {name} for function {function.name}"
    return model  # type: ignore[no-any-return]


@pytest.mark.parametrize("function", spec.FUNCTIONS, ids=lambda f: f.name)
def test_each_function_starts_with_only_the_variables_its_spec_lists(function: spec.FunctionSpec) -> None:
    # Locally every handler sees the union; in AWS it sees only its own. This catches a handler that
    # needs a variable its spec forgot, which would work here and fail at cold start in AWS.
    values = environment.handler_environment(settings(), "arn:secret")

    own = environment.function_environment(function, values)

    assert set(own) == {name.value for name in function.env}
    _env_model(function).from_environ(own)


def test_random_values_differ_per_run() -> None:
    first, second = settings(), settings()

    assert first.ip_hash_salt != second.ip_hash_salt
    assert first.token_secret_value != second.token_secret_value


@pytest.mark.parametrize(
    ("environ", "port_arg", "expected_port"),
    [({}, None, 3000), ({"PORT": "4000"}, None, 4000), ({"PORT": "4000"}, 5000, 5000)],
)
def test_the_port_comes_from_the_argument_then_port_then_3000(
    environ: dict[str, str], port_arg: int | None, expected_port: int
) -> None:
    assert environment.settings_from(environ, port_arg).port == expected_port


@pytest.mark.parametrize(("raw", "expected"), [("", 8640.0), ("86400", 86400.0), ("1", 1.0), ("0.5", 0.5)])
def test_the_time_scale(raw: str, expected: float) -> None:
    assert environment.time_scale({"TALENTPOOL_TIME_SCALE": raw}) == expected


@pytest.mark.parametrize("raw", ["0", "-3", "fast"])
def test_a_time_scale_that_is_not_a_positive_number_is_refused(raw: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - float's or ours
        environment.time_scale({"TALENTPOOL_TIME_SCALE": raw})


def test_the_process_environment_gets_every_value_and_powertools_settings() -> None:
    environ: dict[str, str] = {}

    environment.apply(environ, environment.handler_environment(settings(), "arn:secret"))

    assert environ["TABLE_NAME"] == "talentpool"
    assert environ["POWERTOOLS_TRACE_DISABLED"] == "true"
    assert environ["POWERTOOLS_SERVICE_NAME"] == "talentpool"


def test_bucket_variables_name_the_local_bucket_of_each_spec_bucket(monkeypatch: pytest.MonkeyPatch) -> None:
    bucket = SimpleNamespace(name="imports", env=spec.Env.TABLE_NAME, notify_prefix=None, notify_function=None)
    monkeypatch.setattr(spec, "BUCKETS", (bucket,), raising=False)

    values = environment.local_values(settings(), "arn:secret")

    assert values[spec.Env.TABLE_NAME.value] == "talentpool-imports"


def test_the_local_dir_can_be_moved_for_a_second_runtime() -> None:
    moved = environment.settings_from({"TALENTPOOL_LOCAL_DIR": "/tmp/elsewhere"})

    assert str(moved.outbox_dir) == "/tmp/elsewhere/outbox"
    assert environment.settings_from({}).outbox_dir == spec.ROOT / ".local" / "outbox"
