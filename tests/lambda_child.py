"""Lambda's Python runtime in miniature: one execution environment of one function, on the shipped set only.

Run by tests/shipped.py as `python3.12 -I -S lambda_child.py REQUEST RESULT`: isolated (no PYTHONPATH, no user
or site packages), so the only third-party code it can import is what the request puts on sys.path, the
folders Lambda would mount: the function's code (/var/task), the layers (/opt/python) and, for SnapStart
functions, the runtime's own library of hooks. It imports the handler named as CDK names it, the way the
runtime does (`module.function`, by import), which runs the module's initialisation; then, if asked, it
fingerprints what that initialisation left in memory, runs the after-restore hooks a SnapStart restore would
run, and serves its events in turn, recording each AWS call they make (for the grant check). Standard library
only: nothing here may lend the handler a module (the botocore it records through is the shipped layer's).
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import random
import sys
import time
import traceback
import types
import uuid
from typing import Any

SCALARS = (str, bytes, int, float, complex, bool, type(None))
# Values whose text is the whole of their state, though they keep it outside __dict__ (C types).
TEXT_VALUED = (uuid.UUID, datetime.date, datetime.time, datetime.timedelta)
# Code and the machinery that runs it: the same in every environment, and nothing to walk into.
OPAQUE = (
    types.ModuleType,
    type,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.CodeType,
    property,
    classmethod,
    staticmethod,
)
MAX_DEPTH = 8


class Context:
    """The attributes Lambda's Python runtime gives a handler's context."""

    def __init__(self, name: str, memory_mb: int, timeout_s: int) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_mb
        self.invoked_function_arn = f"arn:aws:lambda:{os.environ.get('AWS_REGION', 'us-east-1')}:123456789012:{name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "2026/11/26/[$LATEST]shipped"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def fingerprint(roots: dict[str, Any]) -> dict[str, str]:
    """Every value reachable from `roots` through containers and object attributes, by path.

    Two fresh environments of the same function with the same settings must give the same fingerprint:
    a path whose value differs holds something made unique at initialisation (an id, a nonce, a seed, a
    time), which SnapStart would hand, frozen, to every environment restored from one snapshot.
    """
    found: dict[str, str] = {}
    seen: set[int] = set()

    def walk(value: Any, path: str, depth: int) -> None:
        if isinstance(value, SCALARS):
            found[path] = repr(value)
            return
        if isinstance(value, TEXT_VALUED):
            found[path] = f"{type(value).__name__}({value})"
            return
        if isinstance(value, random.Random):  # its state lives in C, not in attributes
            found[path] = f"Random(state #{hash(value.getstate())})"
            return
        if isinstance(value, OPAQUE) or depth >= MAX_DEPTH or id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, dict):
            for key in sorted(value, key=repr):
                walk(value[key], f"{path}[{key!r}]", depth + 1)
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]", depth + 1)
        elif isinstance(value, set | frozenset):
            found[path] = repr(sorted(repr(item) for item in value))
        else:
            for name, item in sorted(_attributes(value).items()):
                walk(item, f"{path}.{name}", depth + 1)

    for name, value in sorted(roots.items()):
        walk(value, name, 0)
    return found


def _attributes(value: Any) -> dict[str, Any]:
    attributes = dict(getattr(value, "__dict__", None) or {})
    for klass in type(value).__mro__:
        for slot in getattr(klass, "__slots__", ()):
            if slot not in ("__dict__", "__weakref__") and hasattr(value, slot):
                attributes.setdefault(slot, getattr(value, slot))
    return attributes


def module_state(handler_module: types.ModuleType, packages: tuple[str, ...]) -> dict[str, Any]:
    """The handler module's globals and those of our own packages' modules (code excluded by the walk)."""
    roots = {f"{handler_module.__name__}.{k}": v for k, v in vars(handler_module).items() if not k.startswith("__")}
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in packages and module is not None:
            roots.update({f"{name}.{k}": v for k, v in vars(module).items() if not k.startswith("__")})
    return roots


def restore_hooks_reseed() -> dict[str, Any]:
    """Run the after-restore hooks as Lambda does after resuming from a snapshot; report whether they gave
    the process's shared random generator a new state (a restored copy would otherwise repeat its numbers)."""
    from snapshot_restore_py import get_after_restore  # the runtime's library, on the path for SnapStart

    before = random.getstate()
    hooks = list(get_after_restore())
    for hook, args, kwargs in hooks:
        hook(*args, **kwargs)
    return {"hooks": len(hooks), "random_reseeded": random.getstate() != before}


def main(request_path: str, result_path: str) -> None:
    with open(request_path, encoding="utf-8") as file:
        request = json.load(file)
    result: dict[str, Any] = {"python": sys.version.split()[0]}

    def report() -> None:
        with open(result_path, "w", encoding="utf-8") as file:
            json.dump(result, file, default=str)

    sys.path[:0] = request["path"]
    module_name, _, function_name = request["handler"].rpartition(".")
    started, cpu = time.perf_counter(), time.process_time()
    try:
        module = importlib.import_module(module_name)
        handler = getattr(module, function_name)
    except BaseException:
        result["import_error"] = traceback.format_exc()
        report()
        return
    result["import_ms"] = (time.perf_counter() - started) * 1000
    result["import_cpu_ms"] = (time.process_time() - cpu) * 1000
    result["modules"] = sorted(sys.modules)
    if request.get("fingerprint"):
        result["fingerprint"] = fingerprint(module_state(module, tuple(request["fingerprint"])))
    if request.get("restore"):
        result["restore"] = restore_hooks_reseed()
    if request.get("events"):
        result["aws_calls"] = record_aws_calls()
        serve(handler, request, result)
        result["modules_served"] = sorted(sys.modules)
    report()


def serve(handler: Any, request: dict[str, Any], result: dict[str, Any]) -> None:
    """The events in order, each a new invocation of this (by then warm) environment, their answers in
    `responses`; the first that raises ends the run, its traceback in `invoke_error`."""
    # What the runtime sets for each invocation: the trace header X-Ray's facade segment is built from.
    os.environ["_X_AMZN_TRACE_ID"] = request["trace_header"]
    result["responses"] = []
    for event in request["events"]:
        context = Context(request["name"], request["memory_mb"], request["timeout_s"])
        try:
            result["responses"].append(handler(event, context))
        except BaseException:
            result["invoke_error"] = traceback.format_exc()
            return


def record_aws_calls() -> list[dict[str, Any]]:
    """Every AWS API call made from here on, as IAM authorises it: the service's signing name, the operation and,
    for a transaction, the kinds of its items (each authorised as its own action). The botocore patched is the
    shipped layer's, the one the handler uses. Calls made at initialisation are not recorded: the in-process
    check (local/permissions.py) also judges only what a handler does while it serves."""
    from botocore.client import BaseClient

    calls: list[dict[str, Any]] = []
    original = BaseClient._make_api_call

    def recorded(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        model = self.meta.service_model
        items = [sorted(item) for item in api_params.get("TransactItems", [])]
        calls.append(
            {"service": model.signing_name or model.endpoint_prefix, "operation": operation_name, "items": items}
        )
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = recorded
    return calls


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
