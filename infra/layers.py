"""The two Lambda layers, built without Docker: pinned dependencies for arm64, and the shared code plus web/."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from functools import cache
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
LAMBDA_PATH = "/opt/python"  # where a layer's python/ folder is mounted

BUILD_DIR = spec.ROOT / ".build" / "layers"
REQUIREMENTS = spec.ROOT / "requirements.txt"
CORE_PACKAGE = spec.LAYER_DIR / "python" / "talentpool"
_JUNK = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache")


@cache
def runtime_python() -> str | None:
    """A Python of the Lambda runtime's minor version, to compile bytecode it can use; None if none runs here.

    A pyenv shim can exist for a version that is installed but not enabled, so each candidate is tried.
    """
    candidates = [shutil.which(f"python{PYTHON_VERSION}")]
    candidates += sorted(
        str(p) for p in Path.home().glob(f".pyenv/versions/{PYTHON_VERSION}.*/bin/python{PYTHON_VERSION}")
    )
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys"], capture_output=True, check=False)  # noqa: S603
        if probe.returncode == 0:
            return candidate
    return None


def compile_bytecode(folder: Path) -> bool:
    """Ship .pyc files so a cold start does not compile boto3, Powertools and pydantic from source.

    /opt is read-only in Lambda, so without them every new execution environment compiles everything again
    (the cold-init benchmark measured 1.1 s instead of 0.5 s for capture). `unchecked-hash` pycs are valid
    whatever the files' timestamps in the zip, and are byte-for-byte reproducible, so asset hashes stay stable.
    """
    python = runtime_python()
    if python is None:
        return False
    # -d names each file as Lambda will see it (/opt/python/...): right in tracebacks, and the same bytes
    # whichever folder the build ran in.
    command = [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", "-d", LAMBDA_PATH]
    command.append(str(folder))
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (fixed argv)
    if result.returncode != 0:
        raise RuntimeError(f"compiling bytecode for the layer failed:\n{result.stdout}{result.stderr}")
    return True


def dependencies_key(requirements: Path = REQUIREMENTS) -> str:
    """Changes whenever the pins, the target platform or whether bytecode is shipped change, and only then."""
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(f"{WHEEL_PLATFORM}/cp{PYTHON_VERSION}".encode())
    if runtime_python():
        digest.update(b"+pyc")
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
    compile_bytecode(staging / "python")
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
    compile_bytecode(staging / "python")
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
