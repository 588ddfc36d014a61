"""IAM as a function meets it in AWS: an AWS call outside the calling function's spec grants is refused.

The local runtime and the tests run every handler in-process against moto, which checks no permissions. Without
this, a handler that gained a DynamoDB call its grants lack would pass every test and fail only in AWS, with
AccessDenied. While a handler runs (`acting_as`), each boto3 call is checked against the IAM actions of the
function's spec grants (spec.GRANT_ACTIONS), and refused the way IAM refuses it. A read of a missing S3 key is
answered as S3 answers it: NoSuchKey only to a function that may list the bucket, AccessDenied to the others.
Calls made outside a handler (the runtime itself, test set-up) are not checked.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from fnmatch import fnmatchcase
from functools import cache
from typing import Any

from infra import spec

# The function whose handler is running, with the grants it was deployed with.
_ACTING_AS: ContextVar[tuple[str, tuple[str, ...]] | None] = ContextVar("talentpool_acting_as", default=None)
# Operations whose IAM action is not `<service>:<operation>` (the Service Authorization Reference).
ACTION_OF_OPERATION = {
    ("lambda", "Invoke"): "lambda:InvokeFunction",
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "ListObjects"): "s3:ListBucket",
}
# A transaction is authorised item by item, each as the single-item action it performs.
TRANSACT_ITEM_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}
# S3 tells a caller that a key does not exist only if it may list the bucket: without s3:ListBucket, a read of
# a missing key is AccessDenied (403), so that reads cannot probe which keys exist. Code that expects NoSuchKey
# needs the ListBucket grant; moto always answers NoSuchKey, so the check below answers as S3 would.
MISSING_KEY_ERRORS = {"NoSuchKey", "404"}
READS_OF_ONE_KEY = {"GetObject", "HeadObject"}
RECORD_FILE = "TALENTPOOL_RECORD_AWS_CALLS"  # set to a path: every checked call is appended as "<function> <action>"


@contextmanager
def acting_as(function: str, grants: Iterable[str] | None = None) -> Iterator[None]:
    """AWS calls made in this block are the named function's, checked against its grants.

    `grants` defaults to the function's grants in infra/spec.py; a runtime serving functions of its own (a test's
    consumer) passes theirs.
    """
    held = tuple(spec.function(function).grants if grants is None else grants)
    token = _ACTING_AS.set((function, held))
    try:
        yield
    finally:
        _ACTING_AS.reset(token)


@cache
def allowed_actions(grants: tuple[str, ...]) -> frozenset[str]:
    return frozenset(action for grant in grants for action in spec.GRANT_ACTIONS[spec.Grant(grant)])


def required_actions(service: str, operation: str, params: Mapping[str, Any]) -> set[str]:
    if (service, operation) == ("dynamodb", "TransactWriteItems"):
        return {TRANSACT_ITEM_ACTIONS[kind] for item in params.get("TransactItems", []) for kind in item}
    return {ACTION_OF_OPERATION.get((service, operation), f"{service}:{operation}")}


def refused(grants: Iterable[str], service: str, operation: str, params: Mapping[str, Any]) -> set[str]:
    """The actions this call needs that these grants do not allow (empty when they may)."""
    allowed = allowed_actions(tuple(grants))
    return {
        action
        for action in required_actions(service, operation, params)
        if not any(fnmatchcase(action, pattern) for pattern in allowed)
    }


def enforce() -> Callable[[], None]:
    """Check every boto3 call made inside `acting_as`; returns the undo."""
    from botocore.client import BaseClient

    original = BaseClient._make_api_call

    def checked(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        acting = _ACTING_AS.get()
        if acting is None:
            return original(self, operation_name, api_params)
        function, grants = acting
        service = self.meta.service_model.signing_name or self.meta.service_model.endpoint_prefix
        _record(function, required_actions(service, operation_name, api_params))
        missing = refused(grants, service, operation_name, api_params)
        if missing:
            raise _denied(function, sorted(missing), service, operation_name)
        try:
            return original(self, operation_name, api_params)
        except Exception as error:
            if _absence_hidden(grants, service, operation_name, error):
                raise _denied(function, ["s3:ListBucket"], service, operation_name) from None
            raise

    BaseClient._make_api_call = checked

    def undo() -> None:
        BaseClient._make_api_call = original

    return undo


def _absence_hidden(grants: tuple[str, ...], service: str, operation: str, error: Exception) -> bool:
    """Whether S3 would answer this read of a missing key with AccessDenied: the function may not list."""
    code = (getattr(error, "response", None) or {}).get("Error", {}).get("Code")  # a timeout has None
    return (
        service == "s3"
        and operation in READS_OF_ONE_KEY
        and code in MISSING_KEY_ERRORS
        and bool(refused(grants, "s3", "ListObjectsV2", {}))
    )


def _denied(function: str, actions: list[str], service: str, operation: str) -> Exception:
    from botocore.exceptions import ClientError

    message = (
        f"{function} is not authorized to perform: {', '.join(actions)} "
        "(its grants in infra/spec.py do not include it; IAM would refuse this call in AWS)"
    )
    code = "AccessDenied" if service == "s3" else "AccessDeniedException"  # S3 names the error its own way
    denied: Exception = ClientError({"Error": {"Code": code, "Message": message}}, operation)
    return denied


def _record(function: str, actions: set[str]) -> None:
    path = os.environ.get(RECORD_FILE)
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.writelines(f"{function} {action}\n" for action in sorted(actions))
