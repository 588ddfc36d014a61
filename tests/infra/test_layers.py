"""Layer builds: pip installs the hashed lock once per lock with the Lambda platform flags, the same lock always
gives the same bytes, and the core layer has the /opt layout."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra import layers


def _requirements(tmp_path: Path, text: str = "pydantic==2.0 --hash=sha256:00\n") -> Path:
    path = tmp_path / "requirements.lock"
    path.write_text(text)
    return path


def test_the_cache_key_follows_the_pins(tmp_path: Path) -> None:
    first = layers.dependencies_key(_requirements(tmp_path))
    assert layers.dependencies_key(_requirements(tmp_path)) == first
    assert layers.dependencies_key(_requirements(tmp_path, "pydantic==2.1 --hash=sha256:01\n")) != first


def test_pip_installs_the_locked_arm64_cp312_wheels_once_and_drops_stale_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []

    def fake_pip(command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        if "compileall" in command:
            return subprocess.CompletedProcess(command, 0, "", "")
        calls.append(command)
        target = Path(command[command.index("--target") + 1])
        (target / "pydantic").mkdir(parents=True)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(layers.subprocess, "run", fake_pip)
    stale = tmp_path / "build" / "deps" / "0000stale"
    stale.mkdir(parents=True)
    requirements = _requirements(tmp_path)

    folder, digest = layers.build_dependencies(requirements, tmp_path / "build")
    again, again_digest = layers.build_dependencies(requirements, tmp_path / "build")
    key = layers.dependencies_key(requirements)

    assert len(calls) == 1
    command = " ".join(calls[0])
    for flag in (
        "--require-hashes",
        "--platform manylinux2014_aarch64",
        "--only-binary=:all:",
        "--python-version 3.12",
        "--implementation cp",
    ):
        assert flag in command
    assert folder == again == tmp_path / "build" / "deps" / key
    assert (folder / "python" / "pydantic").is_dir()
    assert not stale.exists()
    assert digest == again_digest == layers.tree_digest(folder)


def test_a_failed_pip_leaves_no_cached_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        layers.subprocess, "run", lambda command, **_: subprocess.CompletedProcess(command, 1, "", "no network")
    )
    with pytest.raises(RuntimeError, match="no network"):
        layers.build_dependencies(_requirements(tmp_path), tmp_path / "build")
    key = layers.dependencies_key(_requirements(tmp_path))
    assert not (tmp_path / "build" / "deps" / key).exists()


def test_core_layer_has_the_package_under_python_and_the_pages_under_web(tmp_path: Path) -> None:
    staged = layers.stage_core(tmp_path)
    assert (staged / "python" / "talentpool" / "adapters" / "aws" / "schema.py").is_file()
    # Data files travel with the code: the skills vocabulary is read from the layer at run time.
    assert (staged / "python" / "talentpool" / "data" / "skills.json").is_file()
    assert (staged / "web").is_dir()
    compiled = list(staged.rglob("*.pyc"))
    if layers.runtime_python():
        # Bytecode for the Lambda runtime only (cpython-312), never the machine's own.
        assert compiled
        assert all(".cpython-312." in path.name for path in compiled)
    else:
        assert not compiled


def test_layer_bytecode_is_reproducible(tmp_path: Path) -> None:
    if not layers.runtime_python():
        pytest.skip("no Python 3.12 here: layers ship without bytecode")
    first = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in layers.stage_core(tmp_path / "a").rglob("*.pyc")}
    second = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in layers.stage_core(tmp_path / "b").rglob("*.pyc")}
    assert first == second


def test_the_digest_follows_every_byte_and_every_name(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("x = 1\n")
    first = layers.tree_digest(tmp_path)
    (tmp_path / "pkg" / "a.py").write_text("x = 2\n")
    changed = layers.tree_digest(tmp_path)
    (tmp_path / "pkg" / "a.py").rename(tmp_path / "pkg" / "b.py")
    renamed = layers.tree_digest(tmp_path)
    assert len({first, changed, renamed}) == 3


def test_two_builds_from_the_lock_give_the_same_bytes_and_so_the_same_asset_hash(tmp_path: Path) -> None:
    # Given the lock built as a synth builds it (cached under .build/ once built), and again into an empty folder
    cached, cached_digest = layers.build_dependencies()
    fresh, fresh_digest = layers.build_dependencies(layers.LOCK, tmp_path)
    # Then both hold the same bytes, and the asset hash CDK gets is that content's digest
    assert cached != fresh
    assert cached_digest == fresh_digest == layers.tree_digest(fresh)
    # And nothing in them names the folder or the Python that built them: no console scripts
    assert not (fresh / "python" / "bin").exists()
    assert not [r for r in (fresh / "python").glob("*.dist-info/RECORD") if "../bin/" in r.read_text()]
