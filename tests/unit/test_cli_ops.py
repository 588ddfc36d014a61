"""`talentpool ops failures` and `talentpool ops redrive`, against a fake API."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.unit.test_cli_fakes import FakeApi, cli

LISTING = {
    "failures": [
        {
            "failure_id": "m-1",
            "consumer": "notify",
            "source": "invocation",
            "failed_at": "2026-12-01T10:00:00+00:00",
            "error": "RetriesExhausted: Throttling: Rate exceeded",
            "attempts": 3,
        }
    ],
    "queues": {"notify": 1, "report": 0},
}


def test_failures_show_the_consumer_and_the_error(tmp_path: Path) -> None:
    api = FakeApi().on("GET", "/ops/failures", httpx.Response(200, json=LISTING))

    result = cli(tmp_path, api).run("ops", "failures")

    assert result.exit_code == 0, result.output
    assert "notify" in result.stdout and "Rate exceeded" in result.stdout
    assert "In the queues: notify 1" in result.stdout


def test_redrive_names_the_queue_and_exits_1_when_a_replay_failed(tmp_path: Path) -> None:
    answer = {"replayed": [{"failure_id": "m-1", "consumer": "notify", "outcome": "failed", "detail": "Timeout"}]}
    api = FakeApi().on("POST", "/ops/redrive", httpx.Response(200, json=answer))

    result = cli(tmp_path, api).run("ops", "redrive", "--queue", "notify")

    assert result.exit_code == 1
    assert json.loads(api.requests[0].content) == {"limit": 100, "queue": "notify"}
    assert "failed" in result.stdout


def test_redrive_json_is_the_api_answer(tmp_path: Path) -> None:
    answer = {"replayed": [{"failure_id": "m-1", "consumer": "notify", "outcome": "replayed", "detail": None}]}
    api = FakeApi().on("POST", "/ops/redrive", httpx.Response(200, json=answer))

    result = cli(tmp_path, api).run("ops", "redrive", "--json")

    assert result.exit_code == 0
    assert json.loads(result.stdout) == answer
