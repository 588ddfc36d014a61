"""The default synthesis, shared by every infra test module (a synth takes several seconds)."""

from __future__ import annotations

import pytest

from tests.infra.synth import Synth, synthesise


@pytest.fixture(scope="session")
def default_synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The app exactly as cdk.json configures it; synthesised once per test run (about 10 s), read-only."""
    return synthesise(tmp_path_factory.mktemp("cdk.out"))
