"""`python -m local`: start the local runtime, print the banner, serve until Ctrl-C (or exit at once with --check)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import NoReturn

ROOT = Path(__file__).resolve().parent.parent


def use_utc() -> None:
    """Make the process's local time UTC, before moto is imported.

    moto's Wait with a Timestamp or TimestampPath subtracts naive *local* now from a UTC timestamp, so on a
    machine whose zone is not UTC every such Wait is off by the zone's offset (hours early or late).
    Nothing in the runtime or the handlers reads local time on purpose: they use aware UTC datetimes.
    """
    os.environ["TZ"] = "UTC"
    time.tzset()


def _importable() -> None:
    # The shared layer and the repo root, as `make run` puts them on PYTHONPATH, for a bare `python -m local`.
    for path in (ROOT / "layers" / "core" / "python", ROOT):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local", description="Run Talentpool locally on moto.")
    parser.add_argument("--port", type=int, default=None, help="gateway port (default: PORT, or 3000)")
    parser.add_argument("--check", action="store_true", help="start, print the banner, stop: a smoke test")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    use_utc()
    args = _arguments(argv)
    _importable()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    from local.environment import settings_from
    from local.runtime import LocalRuntime

    runtime = LocalRuntime(settings_from(os.environ, args.port))
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger("local").info("%s: stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        runtime.start()
        print(runtime.banner(), flush=True)
        if not args.check:
            while not stop.wait(1.0):
                pass
    except OSError as exc:
        print(f"local runtime could not start: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        runtime.stop()
    print("Stopped.", flush=True)
    return 0


def exit_at_once(code: int) -> NoReturn:
    """Leave without the interpreter's teardown, once the runtime has stopped.

    Everything the runtime holds is in memory and goes with the process (the outbox is already on disk), yet
    a normal exit frees moto's objects one by one and waits for worker threads: seconds for an empty pool,
    tens of seconds for a full one, after "Stopped." was printed.
    """
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_at_once(main())
