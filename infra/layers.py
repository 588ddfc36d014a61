"""The two Lambda layers, built without Docker: pinned dependencies for arm64, and the shared code plus web/."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

from aws_cdk import AssetHashType
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra import spec

# The runtime, the CPU and the wheels pip fetches must agree, so they are named together, once.
RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64
PYTHON_VERSION = "3.12"
WHEEL_PLATFORM = "manylinux2014_aarch64"

BUILD_DIR = spec.ROOT / ".build" / "layers"
REQUIREMENTS = spec.ROOT / "requirements.txt"
CORE_PACKAGE = spec.LAYER_DIR / "python" / "talentpool"
_JUNK = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache")


def dependencies_key(requirements: Path = REQUIREMENTS) -> str:
    """Changes whenever the pins or the target platform change, and only then."""
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(f"{WHEEL_PLATFORM}/cp{PYTHON_VERSION}".encode())
    return digest.hexdigest()[:16]


def build_dependencies(requirements: Path = REQUIREMENTS, build_dir: Path = BUILD_DIR) -> tuple[Path, str]:
    """Install the pinned runtime dependencies as arm64 wheels into a folder per pin-set; reuse it if present.

    The folder only appears once pip has finished (built aside, then renamed), so a crashed build is never
    mistaken for a cached one.
    """
    key = dependencies_key(requirements)
    root = build_dir / "deps"
    target = root / key
    if target.is_dir():
        return target, key
    staging = root / f".{key}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        # pip would compile .pyc files for the interpreter running it, not for the Lambda runtime.
        "--no-compile",
        "--platform",
        WHEEL_PLATFORM,
        "--only-binary=:all:",
        "--python-version",
        PYTHON_VERSION,
        "--implementation",
        "cp",
        "--target",
        str(staging / "python"),
        "-r",
        str(requirements),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (fixed argv)
    if result.returncode != 0:
        raise RuntimeError(f"building the dependency layer failed:\n{result.stderr}")
    for stale in root.iterdir():
        if stale.is_dir() and stale != staging:
            shutil.rmtree(stale, ignore_errors=True)
    staging.rename(target)
    return target, key


def stage_core(build_dir: Path = BUILD_DIR) -> Path:
    """Copy the shared package and the web pages into the layout Lambda mounts: /opt/python and /opt/web.

    Staged afresh on every synth (it is small), so the layer's asset hash follows the source exactly.
    """
    target = build_dir / "core"
    staging = build_dir / ".core.partial"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(CORE_PACKAGE, staging / "python" / CORE_PACKAGE.name, ignore=_JUNK)
    if spec.WEB_DIR.is_dir():
        shutil.copytree(spec.WEB_DIR, staging / "web", ignore=_JUNK)
    else:
        (staging / "web").mkdir(parents=True)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


class SharedLayers(Construct):
    """The dependency layer and the core layer every function mounts."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        deps_dir, deps_key = build_dependencies()
        self.dependencies = self._layer(
            "Dependencies",
            # Hashing ~100 MB of wheels on every synth is slow; the pin-set key identifies them exactly.
            lambda_.Code.from_asset(
                str(deps_dir),
                asset_hash=deps_key,
                asset_hash_type=AssetHashType.CUSTOM,
                exclude=["python/bin"],  # console scripts: nothing in Lambda runs them
            ),
            "Pinned runtime dependencies from requirements.txt (arm64 wheels)",
        )
        self.core = self._layer(
            "Core",
            lambda_.Code.from_asset(str(stage_core())),
            "The talentpool package (/opt/python) and the candidate-facing pages (/opt/web)",
        )

    @property
    def all(self) -> list[lambda_.ILayerVersion]:
        return [self.dependencies, self.core]

    def _layer(self, construct_id: str, code: lambda_.Code, description: str) -> lambda_.LayerVersion:
        return lambda_.LayerVersion(
            self,
            construct_id,
            code=code,
            description=description,
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
        )
