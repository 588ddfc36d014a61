"""boto3 clients, created lazily once per process; the only module that imports boto3."""

from __future__ import annotations

from functools import cache
from typing import Any

_CONFIG_KWARGS = {
    "retries": {"mode": "standard", "max_attempts": 4},
    "connect_timeout": 3,
    "read_timeout": 10,
}


@cache
def _session() -> Any:
    import boto3

    return boto3.session.Session()


@cache
def client(service: str) -> Any:
    """A client for `service`; botocore honours AWS_ENDPOINT_URL, which is how the local runtime points at moto."""
    from botocore.config import Config

    return _session().client(service, config=Config(**_CONFIG_KWARGS))


def reset() -> None:
    """Forget cached clients (tests that switch endpoints or credentials)."""
    client.cache_clear()
    _session.cache_clear()
