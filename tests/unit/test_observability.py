"""The X-Ray SDK is loaded, and patches boto3, only where tracing is on; the decorators work either way."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.factories import ROOT

PROBE = """
import json, sys
from talentpool.observability import tracer

@tracer.capture_lambda_handler
def handler(event, context):
    return {"served": event}

print(json.dumps({
    "answer": handler(1, None),
    "sdk_loaded": "aws_xray_sdk.core" in sys.modules,
    "botocore_patched": "aws_xray_sdk.ext.botocore.patch" in sys.modules,
    "provider": type(tracer.provider).__module__,
}))
"""


def _start(**environment: str) -> dict[str, object]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": f"{ROOT / 'layers' / 'core' / 'python'}",
        "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
        **environment,
    }
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize(
    "environment",
    [
        {"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"},  # in Lambda, tracing turned off
        {"POWERTOOLS_TRACE_DISABLED": "false"},  # outside Lambda (tests, make run): Powertools never traces
    ],
    ids=["disabled", "outside-lambda"],
)
def test_with_tracing_off_a_cold_start_never_loads_the_xray_sdk(environment: dict[str, str]) -> None:
    started = _start(**environment)
    assert started["answer"] == {"served": 1}
    assert started["sdk_loaded"] is False
    assert started["botocore_patched"] is False


def test_in_lambda_with_tracing_on_the_sdk_records_and_patches_boto3() -> None:
    started = _start(LAMBDA_TASK_ROOT="/var/task", POWERTOOLS_TRACE_DISABLED="false")
    assert started["answer"] == {"served": 1}
    assert started["sdk_loaded"] is True
    assert started["botocore_patched"] is True
    assert str(started["provider"]).startswith("aws_xray_sdk")
