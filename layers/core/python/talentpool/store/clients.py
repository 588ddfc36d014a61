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


# Presigned S3 URLs must be SigV4: S3 refuses SigV2 for buckets created since 2020, and botocore still
# presigns with SigV2 unless told otherwise.
_SERVICE_CONFIG: dict[str, dict[str, Any]] = {"s3": {"signature_version": "s3v4"}}


@cache
def client(service: str) -> Any:
    """A client for `service`; botocore honours AWS_ENDPOINT_URL, which is how the local runtime points at moto."""
    from botocore.config import Config

    return _session().client(service, config=Config(**_CONFIG_KWARGS, **_SERVICE_CONFIG.get(service, {})))


def reset() -> None:
    """Forget cached clients (tests that switch endpoints or credentials)."""
    client.cache_clear()
    _session.cache_clear()
