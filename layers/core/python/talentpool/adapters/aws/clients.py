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
# presigns with SigV2 unless told otherwise. SES gets no automatic retry: botocore would send a SendEmail
# again after a read timeout, when SES may already have accepted the first one, and SendEmail has no
# idempotency token. Our callers retry what surely did not go out (talentpool.adapters.aws.mail).
_SERVICE_CONFIG: dict[str, dict[str, Any]] = {
    "s3": {"signature_version": "s3v4"},
    "sesv2": {"retries": {"mode": "standard", "total_max_attempts": 1}},
}
# Errors that say "not now" rather than "never": throttling and the services' own faults. Connection errors
# and timeouts are botocore's own classes (see `is_transient`).
TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "LimitExceededException",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "TransactionInProgressException",
    }
)


@cache
def client(service: str) -> Any:
    """A client for `service`; botocore honours AWS_ENDPOINT_URL, which is how the local runtime points at moto."""
    from botocore.config import Config

    return _session().client(service, config=Config(**(_CONFIG_KWARGS | _SERVICE_CONFIG.get(service, {}))))


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a failed call (`ClientError`), None for anything else. A timeout or connection
    error carries a `response` too, but it is None."""
    response = getattr(exc, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return str(code) if code else None


def never_sent(exc: BaseException) -> bool:
    """Whether a call failed before its request reached the service (no connection could be made): then
    making it again cannot do anything twice. A read timeout or a dropped connection is not such a failure."""
    from botocore.exceptions import ConnectionError as NoConnection

    return isinstance(exc, NoConnection)


def is_transient(exc: BaseException) -> bool:
    """Whether a failed call may work if made again later, after botocore's own retries gave up: a timeout, a
    connection that failed or dropped, throttling, or a fault on the service's side (a busy local moto among
    them). Retrying it is safe where the caller's writes are conditional or idempotent."""
    from botocore.exceptions import ClientError, HTTPClientError

    if never_sent(exc) or isinstance(exc, HTTPClientError):
        return True
    return isinstance(exc, ClientError) and error_code(exc) in TRANSIENT_CODES


def reset() -> None:
    """Forget cached clients (tests that switch endpoints or credentials)."""
    client.cache_clear()
    _session.cache_clear()
