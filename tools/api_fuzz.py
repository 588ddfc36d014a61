"""Schemathesis against a running local runtime, from docs/openapi.json: the run, and what it found, counted.

tests/e2e/test_schemathesis.py runs it with a few examples per operation and expects nothing found;
`make bench` runs it with more and records the counts (bench/api_fuzz.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "tools" / "schemathesis.toml"
DOCUMENT = ROOT / "docs" / "openapi.json"
CHECKS = "all"
PHASES = "examples,coverage,fuzzing,stateful"
# Where the hooks find the token (the name of an environment variable, not a secret).
TOKEN_VARIABLE = "TALENTPOOL_FUZZ_TOKEN"  # noqa: S105


@dataclass(frozen=True)
class FuzzRun:
    """One `schemathesis run`: its exit code, its JSON report and what it printed."""

    exit_code: int
    report: dict[str, Any]
    output: str

    @property
    def failures(self) -> dict[str, int]:
        """Unique failures by kind, e.g. {"ST101 Server error": 2}; empty when nothing was found."""
        return {f"{f['code']} {f['title']}": int(f["count"]) for f in self.report.get("failures", [])}

    @property
    def unique_failures(self) -> int:
        return int(self.report.get("test_cases", {}).get("unique_failures", 0))

    @property
    def errors(self) -> list[Any]:
        return list(self.report.get("errors", []))

    @property
    def test_cases(self) -> int:
        return int(self.report.get("test_cases", {}).get("generated", 0))

    @property
    def operations(self) -> int:
        return int(self.report.get("operations", {}).get("tested", 0))


def documented_operations() -> list[tuple[str, str]]:
    """Every (method, path) docs/openapi.json describes: what a run must have tested."""
    paths = json.loads(DOCUMENT.read_text())["paths"]
    return [(method.upper(), path) for path, operations in paths.items() for method in operations]


def against_local_runtime(*, max_examples: int, seed: int = 1, workers: int = 1, phases: str = PHASES) -> FuzzRun:
    """A `python -m local` of its own (free port, own folder), a recruiter+admin token from it, and one run.

    Rate limits are off: a 429 is documented on every operation, and would hide what the request itself gets.
    """
    from tests.e2e import local_process

    running = local_process.start({"TALENTPOOL_RATE_LIMITS": "off"})
    try:
        with running.client as client:
            issued = client.post("/_local/token", json={"groups": ["recruiters", "admins"]})
        issued.raise_for_status()
        token = str(issued.json()["token"])
        return run(running.base_url, token, max_examples=max_examples, seed=seed, workers=workers, phases=phases)
    finally:
        running.kill()


def run(
    base_url: str, token: str, *, max_examples: int, seed: int = 1, workers: int = 2, phases: str = PHASES
) -> FuzzRun:
    """Every operation and check, with the recruiter+admin `token` on every recruiter's request (the hooks put it
    there), links followed statefully."""
    with tempfile.TemporaryDirectory(prefix="schemathesis-") as reports:
        command = [
            str(Path(sys.executable).with_name("schemathesis")),
            "--config-file",
            str(CONFIG),
            "run",
            str(DOCUMENT),
            "--url",
            base_url,
            "--checks",
            CHECKS,
            "--phases",
            phases,
            "--max-examples",
            str(max_examples),
            "--seed",
            str(seed),
            "--workers",
            str(workers),
            "--report",
            "json",
            "--report-dir",
            reports,
            "--no-color",
        ]
        environment = {
            **os.environ,
            # The hooks read the models and the duration rule from the layer, as the functions do.
            "PYTHONPATH": os.pathsep.join(
                [str(ROOT), str(ROOT / "layers" / "core" / "python"), os.environ.get("PYTHONPATH", "")]
            ),
            TOKEN_VARIABLE: token,
        }
        done = subprocess.run(command, cwd=reports, env=environment, capture_output=True, text=True, check=False)  # noqa: S603
        found = sorted(Path(reports).glob("*.json"))
        report = json.loads(found[-1].read_text()) if found else {}
    return FuzzRun(done.returncode, report, done.stdout + done.stderr)
