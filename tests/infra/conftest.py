"""The default synthesis, shared by the tests of one module (a synth takes several seconds)."""

from __future__ import annotations

import pytest

from tests.infra.synth import Synth, synthesise


@pytest.fixture(scope="module")
def default_synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The app exactly as cdk.json configures it; synthesised once per module (about 10 s)."""
    return synthesise(tmp_path_factory.mktemp("cdk.out"))
