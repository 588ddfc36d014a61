"""The compliance check itself: a finding nobody acknowledged fails the synth and reaches the report."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import App, Stack
from aws_cdk import aws_sqs as sqs

from infra.application import add_compliance_checks
from infra.nag import acknowledge
from tests.infra.synth import validation_findings


def _synth(outdir: Path, acknowledged: bool) -> str | None:
    app = App(outdir=str(outdir))
    queue = sqs.Queue(Stack(app, "Probe"), "Queue", enforce_ssl=True)
    if acknowledged:
        acknowledge(queue, "SQS3", "A probe queue in a test, with no consumer whose failures need parking.")
    add_compliance_checks(app)
    try:
        app.synth()
    except RuntimeError as exc:
        return str(exc)
    return None


def test_an_unacknowledged_finding_fails_the_synth_and_is_reported(tmp_path: Path) -> None:
    error = _synth(tmp_path, acknowledged=False)
    assert error is not None
    assert "AwsSolutions-SQS3" in error
    assert validation_findings(tmp_path) == ["AwsSolutions-SQS3 (error) at Probe/Queue/Resource"]


def test_an_acknowledged_finding_passes(tmp_path: Path) -> None:
    assert _synth(tmp_path, acknowledged=True) is None
    assert validation_findings(tmp_path) == []
