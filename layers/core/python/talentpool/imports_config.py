"""The importer function's environment, validated once at cold start (see infra/spec.py, function importer)."""

from __future__ import annotations

from talentpool.config import FunctionEnv


class ImporterEnv(FunctionEnv):
    table_name: str
    event_bus_name: str
    imports_bucket: str
