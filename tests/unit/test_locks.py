"""The lock files agree with what they are resolved from, and the tests' environment imports what ships."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra import layers, spec
from tests.shipped import locked_distributions

RUNTIME_IN = spec.ROOT / "requirements.in"
DEV_IN = spec.ROOT / "requirements-dev.in"
DEV_LOCK = spec.ROOT / "requirements-dev.lock"
PIN = re.compile(r"^([A-Za-z0-9._-]+)(\[[^\]]*\])?==\S+")


def pinned_entries(lock: Path) -> list[str]:
    """Each requirement of a lock file with its continuation lines (the hashes) joined to it."""
    return [e.strip() for e in re.split(r"\n(?=\S)", lock.read_text()) if PIN.match(e.strip())]


@pytest.mark.parametrize("source", [RUNTIME_IN, DEV_IN], ids=lambda p: p.name)
def test_every_direct_dependency_is_locked_at_the_version_asked_for(source: Path) -> None:
    lock = layers.LOCK if source == RUNTIME_IN else DEV_LOCK
    asked = locked_distributions(source)
    locked = locked_distributions(lock)
    assert asked, f"{source.name} names no dependency"
    # When `make lock` has run since the .in file changed, every pin there is in the lock as it was asked for
    assert {name: locked.get(name) for name in asked} == asked, f"run `make lock`: {lock.name} is stale"


@pytest.mark.parametrize("lock", [layers.LOCK, DEV_LOCK], ids=lambda p: p.name)
def test_every_locked_distribution_carries_hashes(lock: Path) -> None:
    entries = pinned_entries(lock)
    assert entries
    assert [e.split()[0] for e in entries if "--hash=sha256:" not in e] == []


def test_the_development_environment_has_the_runtime_versions_the_layer_ships() -> None:
    runtime = locked_distributions(layers.LOCK)
    development = locked_distributions(DEV_LOCK)
    assert {name: development.get(name) for name in runtime} == runtime
