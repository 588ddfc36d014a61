"""Schemathesis against the local runtime, every operation in docs/openapi.json, with a recruiter+admin token and the
document's links followed: no server error, no answer the document does not describe, and the document and the
models agreeing on what is valid (issue 10 §2). A few examples per operation here; `make bench` runs more.
"""

from __future__ import annotations

import pytest

from tools import api_fuzz

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = 3


def test_schemathesis_finds_nothing_on_any_operation() -> None:
    found = api_fuzz.against_local_runtime(max_examples=EXAMPLES_PER_OPERATION)

    assert found.errors == [], found.output[-4000:]
    assert found.operations == len(api_fuzz.documented_operations())
    assert found.failures == {}, found.output[-8000:]
    assert found.exit_code == 0, found.output[-4000:]
