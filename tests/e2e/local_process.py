"""Starting `python -m local` as a subprocess on a free port, and talking to it as a user would."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LocalProcess:
    """A running local runtime: its base URL, an HTTP client, and everything it printed."""

    process: subprocess.Popen[str]
    base_url: str
    local_dir: Path
    output: list[str] = field(default_factory=list)

    @property
    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, follow_redirects=False, timeout=30)

    @property
    def printed(self) -> str:
        return "".join(self.output)

    def info(self) -> dict[str, Any]:
        with self.client as client:
            info: dict[str, Any] = client.get("/_local/info").json()
        return info

    def interrupt(self, timeout: float = 10) -> int:
        """Ctrl-C, as a person at the terminal would; the exit code."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        shutil.rmtree(self.local_dir, ignore_errors=True)


def start(extra_env: dict[str, str] | None = None) -> LocalProcess:
    """A runtime of its own: its own port, and its own outbox folder, so a `make run` nearby is untouched."""
    port = free_port()
    local_dir = tempfile.mkdtemp(prefix="talentpool-local-")
    env = {
        **os.environ,
        "PORT": str(port),
        "PYTHONUNBUFFERED": "1",
        "TALENTPOOL_LOCAL_DIR": local_dir,
        **(extra_env or {}),
    }
    env.pop("AWS_ENDPOINT_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "local"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    running = LocalProcess(process, f"http://127.0.0.1:{port}", Path(local_dir))
    # Drain the output continuously: a full pipe would block the runtime mid-request.
    assert process.stdout is not None
    pipe = process.stdout
    threading.Thread(target=lambda: running.output.extend(iter(pipe.readline, "")), daemon=True).start()
    try:
        wait_for(lambda: _ready(running), START_TIMEOUT_S, "the local runtime to serve /_local/info")
    except BaseException:
        running.kill()
        raise
    return running


def _ready(running: LocalProcess) -> bool:
    if running.process.poll() is not None:
        raise AssertionError(f"the local runtime exited with {running.process.returncode}:\n{running.printed}")
    try:
        with running.client as client:
            return client.get("/_local/info").status_code == 200
    except httpx.TransportError:
        return False


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
