"""The shipped set, run the way Lambda runs it: the runtime's Python, the synthesised assets, nothing else.

What a deploy uploads is read from a synthesised cloud assembly: each function's handler name, environment
variable names and code folder, and the layers' folders. The dependency layer there holds arm64 wheels, so
for running on this machine the same lock file is installed for the host into a cache folder under .build/.
Each function then runs in a fresh isolated process (tests/lambda_child.py) under Python 3.12.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra import layers, spec

ROOT = spec.ROOT
CHILD = Path(__file__).with_name("lambda_child.py")
HOST_DEPS_DIR = ROOT / ".build" / "host-deps"
CHILD_TIMEOUT_S = 180
# Children run side by side; more than the machine's cores only makes each one slower.
WORKERS = max(1, min(4, os.cpu_count() or 1))


class NoRuntimePython(RuntimeError):
    pass


def runtime_python() -> str:
    python = layers.runtime_python()
    if python is None:
        raise NoRuntimePython(
            f"no working Python {layers.PYTHON_VERSION} (the Lambda runtime's version) was found: install it with "
            f"`pyenv install {layers.PYTHON_VERSION}` so the shipped set can be tested"
        )
    return python


# --- the dependency layer, for this machine -------------------------------------------------------------


def host_key(lock: Path, python: str) -> str:
    """Changes with the lock's bytes, the interpreter and the machine, and only then."""
    digest = hashlib.sha256(lock.read_bytes())
    digest.update(f"{python}|{platform.machine()}|{platform.system()}".encode())
    return digest.hexdigest()[:16]


def host_dependencies(lock: Path | None = None, cache: Path = HOST_DEPS_DIR) -> Path:
    """The lock installed for this machine and the runtime's Python into an empty folder, reused while the
    lock is unchanged. Built aside and renamed, so a failed install is never taken for a cached one."""
    lock = lock or layers.LOCK
    python = runtime_python()
    target = cache / host_key(lock, python)
    if target.is_dir():
        return target
    staging = cache / f".{target.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    command = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input"]
    command += ["--only-binary=:all:", "--target", str(staging), "-r", str(lock)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (fixed argv)
    if done.returncode != 0:
        raise RuntimeError(f"installing {lock.name} for the host failed:\n{done.stderr[-4000:]}")
    for stale in cache.iterdir():
        if stale.is_dir() and stale != staging:
            shutil.rmtree(stale, ignore_errors=True)
    staging.rename(target)
    return target


# --- what the cloud assembly ships ---------------------------------------------------------------------


@dataclass(frozen=True)
class ShippedFunction:
    """One of our functions as the template deploys it."""

    name: str
    handler: str
    code: Path  # the function's asset folder: /var/task
    layers: tuple[Path, ...]  # the layers' asset folders, in the template's order: merged into /opt
    environment: dict[str, Any]  # name -> the template's value (a literal, or an intrinsic to resolve)
    memory_mb: int
    timeout_s: int

    @property
    def dependency_layer(self) -> Path:
        [folder] = [f for f in self.layers if is_dependency_layer(f)]
        return folder

    @property
    def code_layers(self) -> list[Path]:
        return [f for f in self.layers if not is_dependency_layer(f)]


def is_dependency_layer(folder: Path) -> bool:
    """Third-party distributions, installed by pip: each leaves a *.dist-info folder."""
    return any((folder / "python").glob("*.dist-info"))


def shipped_functions(
    template: Mapping[str, Any], outdir: Path, logical_ids: Mapping[str, str]
) -> dict[str, ShippedFunction]:
    """Our functions (`logical_ids`: spec name -> logical id) read from a synthesised template and its assets."""
    resources = template["Resources"]
    assets = json.loads(next(outdir.glob("*.assets.json")).read_text())["files"]

    def asset_folder(content: Mapping[str, Any]) -> Path:
        asset_hash = str(content["S3Key"]).removesuffix(".zip")
        return outdir / str(assets[asset_hash]["source"]["path"])

    found = {}
    for name, logical_id in logical_ids.items():
        properties = resources[logical_id]["Properties"]
        layer_ids = [layer["Ref"] for layer in properties.get("Layers", [])]
        found[name] = ShippedFunction(
            name=name,
            handler=properties["Handler"],
            code=asset_folder(properties["Code"]),
            layers=tuple(asset_folder(resources[i]["Properties"]["Content"]) for i in layer_ids),
            environment=dict((properties.get("Environment") or {}).get("Variables") or {}),
            memory_mb=int(properties.get("MemorySize", 128)),
            timeout_s=int(properties.get("Timeout", 3)),
        )
    return found


def locked_distributions(lock: Path) -> dict[str, str]:
    """Name -> version of every `name==version` pin in a requirements file (names normalised)."""
    pins: dict[str, str] = {}
    for raw in lock.read_text().splitlines():
        line = raw.split("#", 1)[0].strip().rstrip("\\").strip()
        if "==" in line and not line.startswith("-"):
            requirement = line.split(";", 1)[0]
            name, version = requirement.split("==", 1)
            pins[normalise(name.split("[", 1)[0])] = version.strip()
    return pins


def installed_distributions(folder: Path) -> dict[str, str]:
    """Name -> version of every distribution pip installed into `folder` (from its METADATA)."""
    found: dict[str, str] = {}
    for metadata in folder.glob("*.dist-info/METADATA"):
        fields = dict(
            line.split(": ", 1) for line in metadata.read_text(errors="replace").splitlines()[:20] if ": " in line
        )
        found[normalise(fields["Name"])] = fields["Version"]
    return found


def normalise(name: str) -> str:
    """PEP 503: how pip compares distribution names."""
    return "-".join(name.replace("_", "-").replace(".", "-").lower().split("-")).strip()


# --- Lambda's environment -------------------------------------------------------------------------------


def lambda_runtime_environment(name: str, memory_mb: int, task_root: Path, region: str = "us-east-1") -> dict[str, str]:
    """The reserved variables Lambda's Python runtime sets for a function.

    Libraries branch on them: Powertools' Tracer traces only where LAMBDA_TASK_ROOT says it runs in Lambda,
    and the X-Ray SDK builds two botocore clients at import for its sampler unless it does.
    """
    return {
        "LAMBDA_TASK_ROOT": str(task_root),
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/26/[$LATEST]shipped",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
    }


def tracing_environment(daemon_address: str) -> dict[str, str]:
    """Active tracing, as Lambda sets it up: Powertools' Tracer on, the X-Ray daemon's address."""
    return {
        "POWERTOOLS_TRACE_DISABLED": "false",
        "AWS_XRAY_DAEMON_ADDRESS": daemon_address,
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    }


def runtime_library(cache: Path = ROOT / ".build" / "lambda-runtime") -> Path:
    """A folder standing for the Python runtime's own library (/var/runtime): the SnapStart hooks module the
    managed runtime provides and our layer does not ship, copied from the development environment."""
    import snapshot_restore_py

    source = Path(snapshot_restore_py.__file__)
    cache.mkdir(parents=True, exist_ok=True)
    if not (cache / source.name).is_file() or (cache / source.name).read_bytes() != source.read_bytes():
        shutil.copyfile(source, cache / source.name)
    return cache


# --- running a function ---------------------------------------------------------------------------------


@dataclass
class Run:
    """One execution environment: what its initialisation and (if sent one) its event did."""

    name: str
    result: dict[str, Any]
    stdout: str
    stderr: str
    returncode: int

    @property
    def imported(self) -> bool:
        return "import_ms" in self.result

    def explain(self) -> str:
        problem = self.result.get("import_error") or self.result.get("invoke_error") or ""
        return f"{self.name} (exit {self.returncode}):\n{problem}\n--- stderr:\n{self.stderr[-3000:]}"


@dataclass
class Request:
    """What one child is asked to do."""

    function: ShippedFunction
    opt_python: list[Path]  # /opt/python: the layers as this machine can run them
    environment: dict[str, str]
    events: list[Any] = field(default_factory=list)  # served in order by this one environment
    trace_header: str = ""
    fingerprint: tuple[str, ...] = ()  # our packages, whose module state is fingerprinted after import
    runtime_library: Path | None = None  # the runtime's own modules (/var/runtime), for the restore hooks
    label: str = ""  # names the run when one function runs more than once

    def as_json(self) -> dict[str, Any]:
        path = [self.function.code, *self.opt_python]
        if self.runtime_library is not None:
            path.append(self.runtime_library)
        return {
            "name": self.function.name,
            "handler": self.function.handler,
            "path": [str(p) for p in path],
            "events": self.events,
            "trace_header": self.trace_header,
            "memory_mb": self.function.memory_mb,
            "timeout_s": self.function.timeout_s,
            "fingerprint": list(self.fingerprint),
            "restore": self.runtime_library is not None,
        }


def run(request: Request) -> Run:
    with tempfile.TemporaryDirectory(prefix=f"shipped-{request.function.name}-") as work:
        request_path, result_path = Path(work) / "request.json", Path(work) / "result.json"
        request_path.write_text(json.dumps(request.as_json()))
        done = subprocess.run(  # noqa: S603 (fixed argv)
            [runtime_python(), "-I", "-S", str(CHILD), str(request_path), str(result_path)],
            env=request.environment,
            cwd=work,
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT_S,
            check=False,
        )
        result = json.loads(result_path.read_text()) if result_path.exists() else {}
    return Run(request.label or request.function.name, result, done.stdout, done.stderr, done.returncode)


def run_all(requests: Iterable[Request]) -> list[Run]:
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(run, requests))


class XRayDaemon:
    """A stand-in for the X-Ray daemon: a UDP socket that keeps every segment document the SDK sends to it."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self._documents: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._receive, name="xray-daemon", daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        host, port = self._socket.getsockname()
        return f"{host}:{port}"

    def documents(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._documents)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._socket.close()

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                datagram = self._socket.recv(65535)
            except TimeoutError:
                continue
            _, _, body = datagram.decode(errors="replace").partition("\n")  # a header line, then the document
            try:
                document = json.loads(body)
            except ValueError:
                continue
            with self._lock:
                self._documents.append(document)


def trace_header(trace_id: str) -> str:
    """The _X_AMZN_TRACE_ID Lambda sets per invocation under active tracing (sampled)."""
    return f"Root={trace_id};Parent={os.urandom(8).hex()};Sampled=1"


def new_trace_id() -> str:
    return f"1-{int(time.time()):08x}-{os.urandom(12).hex()}"
