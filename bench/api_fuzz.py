"""Schemathesis against the local runtime, with more examples per operation than `make test` runs (issue 10 §2).

Every operation in docs/openapi.json, every check, the examples, coverage, fuzzing and stateful phases, with a
recruiter+admin token (tools/api_fuzz.py). The figure is the number of unique failures by kind: the issue
counted 92 in one run of 15 examples per operation before the fix; the target is none.
"""

from __future__ import annotations

from typing import Any

from bench.support import markdown_table, verdict
from tools import api_fuzz

EXAMPLES_PER_OPERATION = 15
SEED = 1
BEFORE = {  # issue 10 §2, one run of 15 examples per operation on the main of the day
    "unique_failures": 92,
    "by_kind": {
        "Server error": 33,
        "Unsupported methods": 30,
        "Schema-valid request rejected": 14,
        "Undocumented status code": 12,
        "Undocumented Content-Type": 7,
        "Schema-violating request accepted": 2,
    },
}


def run() -> dict[str, Any]:
    found = api_fuzz.against_local_runtime(max_examples=EXAMPLES_PER_OPERATION, seed=SEED)
    return {
        "examples_per_operation": EXAMPLES_PER_OPERATION,
        "seed": SEED,
        "operations": found.operations,
        "test_cases": found.test_cases,
        "unique_failures": found.unique_failures,
        "by_kind": found.failures,
        "errors": len(found.errors),
        "before": BEFORE,
    }


def describe(figures: dict[str, Any]) -> str:
    before = figures["before"]
    kinds = sorted(set(before["by_kind"]) | {kind.split(" ", 1)[1] for kind in figures["by_kind"]})
    after = {kind.split(" ", 1)[1]: count for kind, count in figures["by_kind"].items()}
    rows = [(kind, before["by_kind"].get(kind, 0), after.get(kind, 0)) for kind in kinds]
    rows.append(("**unique failures**", before["unique_failures"], figures["unique_failures"]))
    table = markdown_table(["kind", "before (issue 10)", "now"], rows)
    return f"""
## Schemathesis

Target (issue 10 §2): no 5xx from anything a client sends, no answer the OpenAPI document does not describe,
and the document and the models agreeing on what is valid. `bench/api_fuzz.py` runs `schemathesis run` against
`python -m local` with every check and phase, {figures["examples_per_operation"]} examples per operation (seed
{figures["seed"]}), a recruiter+admin token and the document's links: {figures["operations"]} operations,
{figures["test_cases"]:,} requests, {figures["errors"]} errors. Verdict: {verdict(figures["unique_failures"] == 0)}

{table}

`make test` runs the same with 3 examples per operation (tests/e2e/test_schemathesis.py) and expects nothing.
"""
