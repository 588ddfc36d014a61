"""The in-process Lambda runtime: payloads, Lambda-shaped errors, and one event per environment at a time."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from infra import spec
from local.lambdas import LambdaRuntime, load_handler_module

ECHO = spec.FunctionSpec("echo", "test", env=(), grants=(), memory_mb=256, timeout_s=7)


def runtime_with(handler: Any) -> tuple[LambdaRuntime, list[int]]:
    loads: list[int] = []

    def loader(function: spec.FunctionSpec, instance: int) -> Any:
        loads.append(instance)
        return SimpleNamespace(lambda_handler=handler)

    return LambdaRuntime([ECHO], region="eu-west-1", account="123456789012", loader=loader), loads


def test_a_handlers_result_comes_back_as_its_json_payload() -> None:
    def handler(event: Any, context: Any) -> Any:
        return {
            "event": event,
            "name": context.function_name,
            "arn": context.invoked_function_arn,
            "memory": context.memory_limit_in_mb,
            "remaining_ok": 0 < context.get_remaining_time_in_millis() <= 7000,
            "request_id": bool(context.aws_request_id),
        }

    runtime, _ = runtime_with(handler)

    result = runtime.invoke("echo", {"a": 1})

    assert result.errored is False
    assert result.json() == {
        "event": {"a": 1},
        "name": "echo",
        "arn": "arn:aws:lambda:eu-west-1:123456789012:function:echo",
        "memory": 256,
        "remaining_ok": True,
        "request_id": True,
    }


def test_an_exception_becomes_lambdas_error_payload() -> None:
    def handler(event: Any, context: Any) -> Any:
        raise KeyError("missing")

    runtime, _ = runtime_with(handler)

    result = runtime.invoke("echo", {})

    assert result.errored is True
    error = json.loads(result.payload)
    assert error["errorType"] == "KeyError"
    assert "missing" in error["errorMessage"]
    assert error["stackTrace"]


def test_a_result_that_is_not_json_is_an_error() -> None:
    runtime, _ = runtime_with(lambda event, context: {"when": object()})

    assert runtime.invoke("echo", {}).errored is True


def test_an_unknown_function_is_an_error_not_a_crash() -> None:
    runtime, _ = runtime_with(lambda event, context: None)

    result = runtime.invoke("nope", {})

    assert result.errored is True
    assert "nope" in result.json()["errorMessage"]


def test_a_warm_environment_is_reused() -> None:
    runtime, loads = runtime_with(lambda event, context: None)

    runtime.invoke("echo", {})
    runtime.invoke("echo", {})

    assert loads == [0]


def test_concurrent_events_each_get_their_own_environment() -> None:
    inside = threading.Barrier(2, timeout=5)

    def handler(event: Any, context: Any) -> Any:
        inside.wait()  # both events are in the handler at once
        return event

    runtime, loads = runtime_with(handler)
    results: list[Any] = []
    threads = [threading.Thread(target=lambda n=n: results.append(runtime.invoke("echo", n))) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)

    assert sorted(loads) == [0, 1]
    assert sorted(r.json() for r in results) == [1, 2]


def test_a_failed_cold_start_is_an_error_and_the_next_call_tries_again() -> None:
    attempts: list[int] = []

    def loader(function: spec.FunctionSpec, instance: int) -> Any:
        attempts.append(instance)
        if len(attempts) == 1:
            raise ImportError("broken import")
        return SimpleNamespace(lambda_handler=lambda event, context: "ok")

    runtime = LambdaRuntime([ECHO], region="eu-west-1", account="1", loader=loader)

    assert runtime.invoke("echo", {}).errored is True
    assert runtime.invoke("echo", {}).json() == "ok"
    assert attempts == [0, 0]


def test_environments_are_separate_modules_under_one_name(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Given a handler with module-level state, as a Powertools resolver has
    monkeypatch.setattr(spec, "FUNCTIONS_DIR", tmp_path)
    (tmp_path / "stateful").mkdir()
    (tmp_path / "stateful" / "handler.py").write_text(
        "from dataclasses import dataclass\n"
        "@dataclass\n"
        "class Seen:\n"
        "    events: list\n"
        "SEEN = Seen([])\n"
        "def lambda_handler(event, context):\n"
        "    SEEN.events.append(event)\n"
        "    return len(SEEN.events)\n"
    )
    function = spec.FunctionSpec("stateful", "test", env=(), grants=())
    monkeypatch.delitem(sys.modules, "talentpool_fn_stateful", raising=False)

    first = load_handler_module(function, 0)
    second = load_handler_module(function, 1)

    # Then each has its own state, but code keyed on the module name sees one function
    assert first is not second
    assert first.lambda_handler("a", None) == 1
    assert second.lambda_handler("b", None) == 1
    assert first.lambda_handler.__module__ == second.lambda_handler.__module__ == "talentpool_fn_stateful"
    assert sys.modules["talentpool_fn_stateful"] is first
