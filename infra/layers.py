"""The two Lambda layers, built without Docker: pinned dependencies for arm64, and the shared code plus web/assets."""

from __future__ import annotations

import hashlib
import os
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
# The dependency layer is built from this lock (`make lock` resolves it from requirements.in): every
# distribution pinned, each with the hashes of its files, so every build installs the same bytes.
LOCK = spec.ROOT / "requirements.lock"
CORE_PACKAGE = spec.LAYER_DIR / "python" / "talentpool"
_JUNK = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache")
# Bump when the way the dependency folder is built changes, so cached builds of an older recipe are not reused.
_RECIPE = "3"


@cache
def runtime_python() -> str | None:
    """A Python of the Lambda runtime's minor version, to compile bytecode it can use; None if none runs here.

    pyenv's shim for a version that is installed but not selected refuses to run, so the interpreters under
    `pyenv root` are tried too, each with a probe.
    """
    candidates = [shutil.which(f"python{PYTHON_VERSION}")]
    for root in _pyenv_roots():
        candidates += sorted(str(p) for p in root.glob(f"versions/{PYTHON_VERSION}.*/bin/python{PYTHON_VERSION}"))
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys"], capture_output=True, check=False)  # noqa: S603
        if probe.returncode == 0:
            return candidate
    return None


def _pyenv_roots() -> list[Path]:
    roots = [Path(os.environ["PYENV_ROOT"])] if os.environ.get("PYENV_ROOT") else []
    pyenv = shutil.which("pyenv")
    if pyenv:
        done = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False)  # noqa: S603
        roots += [Path(done.stdout.strip())] if done.returncode == 0 and done.stdout.strip() else []
    return [*roots, Path.home() / ".pyenv"]


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
    # whichever folder the build ran in. One process, in compileall's sorted order: marshal writes a constant
    # differently when an earlier file in the same process interned it, so parallel workers, which share out
    # the files differently each time, made the bytes (and the asset hash) vary from build to build.
    command = [python, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash", "-d", LAMBDA_PATH]
    command.append(str(folder))
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (fixed argv)
    if result.returncode != 0:
        raise RuntimeError(f"compiling bytecode for the layer failed:\n{result.stdout}{result.stderr}")
    return True


def dependencies_key(lock: Path = LOCK) -> str:
    """Changes whenever the lock, the target platform, the recipe or whether bytecode is shipped change."""
    digest = hashlib.sha256(lock.read_bytes())
    digest.update(f"{WHEEL_PLATFORM}/cp{PYTHON_VERSION}/recipe {_RECIPE}".encode())
    if runtime_python():
        digest.update(b"+pyc")
    return digest.hexdigest()[:16]


def pip_install_command(lock: Path, target: Path) -> list[str]:
    """pip, installing the lock's arm64 CPython 3.12 wheels (never an sdist: nothing is compiled here).

    --require-hashes refuses any requirement without a hash, so a lock that is not one fails the build.
    """
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-input",
        "--require-hashes",
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
        str(target),
        "-r",
        str(lock),
    ]


def build_dependencies(lock: Path = LOCK, build_dir: Path = BUILD_DIR) -> tuple[Path, str]:
    """Install the locked runtime dependencies as arm64 wheels into a folder per lock; reuse it if present.

    Returns the folder and the digest of its contents, which is the layer's asset hash: two builds from the
    same lock give the same bytes (tests/infra/test_layers.py builds twice to show it). The folder only
    appears once everything is done (built aside, then renamed), so a crashed build is never mistaken for a
    cached one.
    """
    key = dependencies_key(lock)
    root = build_dir / "deps"
    target, digest_file = root / key, root / f"{key}.sha256"
    if target.is_dir() and digest_file.is_file():
        return target, digest_file.read_text().strip()
    staging = root / f".{key}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    result = subprocess.run(  # noqa: S603 (fixed argv)
        pip_install_command(lock, staging / "python"), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"building the dependency layer failed:\n{result.stderr}")
    drop_console_scripts(staging / "python")
    compile_bytecode(staging / "python")
    digest = tree_digest(staging)
    for stale in root.iterdir():
        if stale.is_dir() and stale != staging:
            shutil.rmtree(stale, ignore_errors=True)
        elif stale.is_file():
            stale.unlink()
    staging.rename(target)
    digest_file.write_text(digest + "\n")
    return target, digest


def drop_console_scripts(site: Path) -> None:
    """Remove pip's bin/ (console scripts nothing in Lambda runs) and their RECORD lines.

    Each script starts with the path of the Python that ran pip, so keeping them would make the layer's bytes
    depend on where it was built.
    """
    shutil.rmtree(site / "bin", ignore_errors=True)
    for record in site.glob("*.dist-info/RECORD"):
        lines = record.read_text().splitlines(keepends=True)
        kept = [line for line in lines if not line.startswith(("../../bin/", "../bin/", "bin/"))]
        if kept != lines:
            record.write_text("".join(kept))


def tree_digest(folder: Path) -> str:
    """sha256 of every file's path (relative, POSIX) and bytes, in sorted order: what a zip of it holds."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def stage_core(build_dir: Path = BUILD_DIR) -> Path:
    """Copy the shared package (templates included) and web/ (the pages' assets) to /opt/python and /opt/web.

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
        deps_dir, deps_digest = build_dependencies()
        self.dependencies = self._layer(
            "Dependencies",
            # The digest of the folder's contents, taken once when it was built: CDK would otherwise hash
            # ~100 MB of wheels on every synth.
            lambda_.Code.from_asset(str(deps_dir), asset_hash=deps_digest, asset_hash_type=AssetHashType.CUSTOM),
            "Runtime dependencies from requirements.lock (arm64 wheels, hash-checked)",
        )
        self.core = self._layer(
            "Core",
            lambda_.Code.from_asset(str(stage_core())),
            "The talentpool package with its templates (/opt/python) and the pages' assets (/opt/web)",
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
