"""Running the real handlers in-process, the way Lambda runs them: one event at a time per environment."""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from infra import spec
from local.permissions import acting_as

log = logging.getLogger("local.lambda")

Handler = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class Invocation:
    """What Lambda hands back: the JSON payload, whether it is an error payload, and the log tail."""

    payload: str
    errored: bool
    logs: str

    def json(self) -> Any:
        return json.loads(self.payload)


@dataclass
class LocalLambdaContext:
    """The context object a handler receives, with the attributes Lambda's Python runtime provides."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_s: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    identity: Any = None
    client_context: Any = None
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"local/[$LATEST]{self.aws_request_id.replace('-', '')}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def function_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


_loading: dict[str, threading.Lock] = {}
_loading_guard = threading.Lock()


def load_handler_module(function: spec.FunctionSpec, instance: int = 0) -> ModuleType:
    """Import functions/<name>/handler.py as a fresh execution environment of that function.

    Every environment is a separate module object, so a handler's module-level state (its resolver, its
    current event) is never shared by two events running at once, as on Lambda. All of them carry the
    same module name, `talentpool_fn_<name>`, because libraries key on it: Powertools idempotency
    records are keyed by `<module>.<function>`, so a second environment must find the first one's.
    """
    name = f"talentpool_fn_{function.name}"
    module_spec = importlib.util.spec_from_file_location(name, function.folder / "handler.py")
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"no handler for function {function.name!r} at {function.folder}")
    module = importlib.util.module_from_spec(module_spec)
    with _loading_guard:
        lock = _loading.setdefault(name, threading.Lock())
    with lock:
        # While it runs, the module is the one registered under its name (pydantic and typing resolve
        # annotations through sys.modules); afterwards the first environment stays registered.
        first = sys.modules.get(name)
        sys.modules[name] = module
        try:
            module_spec.loader.exec_module(module)
        except BaseException:
            _restore(name, first)
            raise
        if instance:
            _restore(name, first)
    return module


def _restore(name: str, module: ModuleType | None) -> None:
    if module is None:
        sys.modules.pop(name, None)
    else:
        sys.modules[name] = module


DEFAULT_CONCURRENCY = 4


class _Environments:
    """Warm execution environments of one function: reuse an idle one, or start another (a cold start).

    At most `limit` exist, like a function's reserved concurrency; an event that finds them all busy waits
    for one to be free (where Lambda would throttle). Fifty requests at once are then served four at a time,
    each at full speed, instead of fifty cold starts competing for the same two cores, and for moto.
    """

    def __init__(
        self, function: spec.FunctionSpec, loader: Callable[[spec.FunctionSpec, int], ModuleType], limit: int
    ) -> None:
        self.function = function
        self._loader = loader
        self._limit = max(1, limit)
        self._idle: list[Handler] = []
        self._started = 0
        self._free = threading.Condition()

    def acquire(self) -> Handler:
        with self._free:
            self._free.wait_for(lambda: bool(self._idle) or self._started < self._limit)
            if self._idle:
                return self._idle.pop()
            instance = self._started
            self._started += 1
        try:
            started = time.perf_counter()
            handler: Handler = self._loader(self.function, instance).lambda_handler
        except BaseException:
            with self._free:
                self._started -= 1
                self._free.notify()
            raise
        log.info("cold start of %s (#%d) in %.0f ms", self.function.name, instance, _ms_since(started))
        return handler

    def release(self, handler: Handler) -> None:
        with self._free:
            self._idle.append(handler)
            self._free.notify()


class LambdaRuntime:
    """Invokes spec functions by name; the Lambda patch, the gateway and the dispatcher all come here."""

    def __init__(
        self,
        functions: Iterable[spec.FunctionSpec],
        *,
        region: str,
        account: str,
        loader: Callable[[spec.FunctionSpec, int], ModuleType] = load_handler_module,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        self.region = region
        self.account = account
        self._environments = {f.name: _Environments(f, loader, concurrency) for f in functions}

    @property
    def names(self) -> list[str]:
        return list(self._environments)

    def arn(self, name: str) -> str:
        return function_arn(self.region, self.account, name)

    def invoke(self, name: str, event: Any) -> Invocation:
        """Run one event through the function's handler; an exception becomes Lambda's error payload."""
        environments = self._environments.get(name)
        if environments is None:
            return _error_invocation(LookupError(f"Function not found: {self.arn(name)}"), "")
        function = environments.function
        request_id = str(uuid.uuid4())
        try:
            handler = environments.acquire()
        except Exception as exc:
            log.exception("%s failed to initialise", name)
            return _error_invocation(exc, request_id)
        # The clock starts once an environment has the event, as Lambda's does: waiting for one is not run time.
        started = time.perf_counter()
        context = LocalLambdaContext(
            function_name=name,
            invoked_function_arn=self.arn(name),
            memory_limit_in_mb=function.memory_mb,
            timeout_s=function.timeout_s,
            aws_request_id=request_id,
        )
        try:
            with acting_as(name, function.grants):
                result = handler(event, context)
            payload = json.dumps(result)
        except Exception as exc:
            log.exception("%s raised (request %s)", name, context.aws_request_id)
            return _error_invocation(exc, context.aws_request_id)
        finally:
            environments.release(handler)
            elapsed = _ms_since(started)
            if elapsed > function.timeout_s * 1000:
                log.warning(
                    "%s ran %.0f ms, over its %d s timeout: Lambda would stop it", name, elapsed, function.timeout_s
                )
        return Invocation(payload, errored=False, logs=_report(context.aws_request_id, elapsed))


def _error_invocation(exc: BaseException, request_id: str) -> Invocation:
    error = {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }
    return Invocation(json.dumps(error), errored=True, logs="".join(traceback.format_exception(exc)))


def _report(request_id: str, elapsed_ms: float) -> str:
    return (
        f"START RequestId: {request_id} Version: $LATEST\n"
        f"END RequestId: {request_id}\n"
        f"REPORT RequestId: {request_id}\tDuration: {elapsed_ms:.2f} ms"
    )


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
