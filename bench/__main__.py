"""`make bench`: run the benchmarks, merge their figures into bench/results.json, rewrite docs/performance.md.

Each benchmark is a module in bench/ listed in BENCHMARKS, exposing:
    run() -> dict            the figures (JSON-serialisable), measured now
    describe(figures) -> str a markdown section for docs/performance.md
Run some with `python -m bench cold_init segments`; the others keep their last recorded figures.
"""

from __future__ import annotations

import importlib
import json
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
DOC = ROOT / "docs" / "performance.md"

# Order is the order of sections in docs/performance.md.
BENCHMARKS = (
    "cold_init",
    "snapstart",
    "aws_calls",
    "capture_timing",
    "segments",
    "imports",
    "sequences",
    "workflow_limits",
    "reports",
    "local_scale",
    "api_fuzz",
)

HEADER = """# Performance

Measured, not asserted: `make bench` runs the benchmarks in `bench/` and rewrites this page from
`bench/results.json`. Tests never assert on wall-clock time. Each section names its target from the issues.
"""


def load() -> dict[str, object]:
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else {}


def write_doc(results: dict[str, object]) -> None:
    sections = [HEADER]
    for name in BENCHMARKS:
        if name in results:
            module = importlib.import_module(f"bench.{name}")
            figures = results[name]
            assert isinstance(figures, dict)
            sections.append(module.describe(figures).strip() + "\n")
    DOC.write_text("\n".join(sections))


def main(selected: list[str]) -> int:
    names = selected or [n for n in BENCHMARKS if (ROOT / "bench" / f"{n}.py").exists()]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    results = load()
    for name in names:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        figures = importlib.import_module(f"bench.{name}").run()
        figures["measured_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        figures["machine"] = f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}"
        figures["bench_seconds"] = round(time.perf_counter() - started, 1)
        results[name] = figures
        RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    write_doc(results)
    print(f"wrote {RESULTS.relative_to(ROOT)} and {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
