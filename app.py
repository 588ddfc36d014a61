"""CDK entry point: `cdk synth|deploy --app ".venv/bin/python app.py"` (see the Makefile and cdk.json)."""

from __future__ import annotations

import sys
from pathlib import Path

# infra reads the table schema and error contract from the core layer's package; the Makefile puts it on
# PYTHONPATH, and this does the same when `cdk` is run directly.
sys.path.insert(0, str(Path(__file__).resolve().parent / "layers" / "core" / "python"))

from infra.application import build_app

if __name__ == "__main__":
    app, _stack = build_app()
    app.synth()
