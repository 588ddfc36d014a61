"""CDK entry point: `cdk synth|deploy --app ".venv/bin/python app.py"` (see the Makefile and cdk.json)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# infra reads the table schema and error contract from the core layer's package; the Makefile puts it on
# PYTHONPATH, and this does the same when `cdk` is run directly.
sys.path.insert(0, str(Path(__file__).resolve().parent / "layers" / "core" / "python"))

from infra.application import build_app

ROOT = Path(__file__).resolve().parent


def cdk_json_context() -> dict[str, Any]:
    """cdk.json's context as defaults: the cdk CLI passes it (with any -c values) and overrides these, but a
    plain `CDK_OUTDIR=... python app.py` gets no context at all, and then no feature flags either."""
    return dict(json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))["context"])


if __name__ == "__main__":
    app, _stack = build_app(cdk_json_context())
    app.synth()
