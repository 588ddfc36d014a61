"""Run the real state machines (engage, nurture) in moto's ASL interpreter, in-process, on a simulated clock.

- The ASL is `state_machines/<name>.asl.json` itself, with `${Placeholders}` filled from the spec's
  substitutions (the same code the local runtime uses).
- Lambda tasks run the real `functions/<name>/handler.py` in-process, through the local runtime's
  LambdaRuntime and its moto patch.
- Wait states do not sleep: each one records its seconds and parks its execution. The harness releases
  parked executions one at a time, earliest target first, and moves the clock (what handlers read as
  `talentpool.clock.utcnow`) to that target. Releasing only when every running execution is parked makes
  this a discrete-event simulation: two executions for one candidate interleave in sequence time, exactly
  as they would over days in AWS.
- A Task's Retry does not sleep either: the interval it would have waited is recorded (`retry_intervals`).
  The clock stays where it is (the interval is seconds, and jittered: moving the clock by it would make
  tests that read times after a retry depend on chance).
- A callback Task notices its answer within 5 ms instead of moto's 500 ms poll, so long runs take seconds.
- Executions the handlers start themselves (an engage or nurture execution continuing as a new one) are
  driven like the ones a test starts.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from infra import spec
from local.lambdas import LambdaRuntime
from local.moto_patches import patch_lambda
from local.resources import fill_placeholders, placeholders
from tests import factories

ENGAGE_ASL = spec.STATE_MACHINES_DIR / "engage.asl.json"
NURTURE_ASL = spec.STATE_MACHINES_DIR / "nurture.asl.json"
# What CDK substitutes into each ASL file; the spec's entry wins as soon as infra/spec.py declares it.
ENGAGE_SUBSTITUTIONS = {"SequenceStepFunctionArn": "sequence_step"}
NURTURE_SUBSTITUTIONS = {"CampaignStepFunctionArn": "campaign_step"}
STEP_FUNCTION = "sequence_step"
CALLBACK_POLL_SECONDS = 0.005
CAMPAIGN_FUNCTION = "campaign_step"


def substitutions(machine_name: str, default: dict[str, str]) -> dict[str, str]:
    machine = next((m for m in spec.STATE_MACHINES if m.name == machine_name), None)
    return dict(machine.substitutions) if machine else dict(default)


def engage_substitutions() -> dict[str, str]:
    return substitutions("engage", ENGAGE_SUBSTITUTIONS)


def nurture_substitutions() -> dict[str, str]:
    return substitutions("nurture", NURTURE_SUBSTITUTIONS)


def function_spec(name: str, timeout_s: int = 60) -> spec.FunctionSpec:
    """The spec's function, or a stand-in until the spec declares it (env comes from the process)."""
    try:
        return spec.function(name)
    except (KeyError, LookupError, StopIteration, ValueError):
        return spec.FunctionSpec(name=name, description=name, env=(), grants=(), timeout_s=timeout_s)


def step_function_spec() -> spec.FunctionSpec:
    return function_spec(STEP_FUNCTION)


class SequenceClock:
    """The time handlers see. It only moves forward, and only when the harness releases a Wait."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance_to(self, moment: datetime) -> None:
        with self._lock:
            self._now = max(self._now, moment.astimezone(UTC))

    def advance(self, delta: timedelta) -> None:
        self.advance_to(self.now() + delta)


@dataclass
class ParkedWait:
    execution: str
    target: datetime
    released: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class RecordedWait:
    execution: str
    seconds: float
    target: datetime


class EngageHarness:
    """Start executions of a state machine (engage or nurture) and drive them through sequence time."""

    def __init__(self, clock: SequenceClock, stepfunctions: Any, machine_arn: str, runtime: _OneAtATime) -> None:
        self.clock = clock
        self.sfn = stepfunctions
        self.machine_arn = machine_arn
        self.runtime = runtime
        self.started: list[str] = []
        self.waits: list[RecordedWait] = []
        self.retry_intervals: list[float] = []
        self._ended: set[str] = set()
        self._parked: dict[str, ParkedWait] = {}
        self._cond = threading.Condition()

    # --- driving ---------------------------------------------------------------------------------------

    def start(self, execution_input: dict[str, Any], name: str | None = None) -> str:
        arn = str(
            self.sfn.start_execution(
                stateMachineArn=self.machine_arn,
                name=name or f"t-{uuid.uuid4().hex[:20]}",
                input=json.dumps(execution_input),
            )["executionArn"]
        )
        self.started.append(arn)
        return arn

    def settle(self, timeout: float = 30.0) -> list[ParkedWait]:
        """Until every started execution has ended or is parked in a Wait; returns the parked ones."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                parked = dict(self._parked)
            busy = [a for a in self.started if a not in parked and self._running(a)]
            if not busy:
                # An execution that continued as a new one started it before it ended: look for those now.
                self._discover()
                busy = [a for a in self.started if a not in parked and self._running(a)]
            if not busy:
                # Re-check under the lock: a busy execution may have parked meanwhile, never the reverse.
                with self._cond:
                    return sorted(self._parked.values(), key=lambda p: p.target)
            if time.monotonic() > deadline:
                raise TimeoutError(f"executions still busy: {busy}")
            time.sleep(0.02)

    def release_next(self, timeout: float = 30.0) -> ParkedWait | None:
        """Move the clock to the earliest parked Wait's target and let that execution go on."""
        parked = self.settle(timeout)
        if not parked:
            return None
        first = parked[0]
        with self._cond:
            self._parked.pop(first.execution, None)
            self.clock.advance_to(first.target)
            first.released.set()
            self._cond.notify_all()
        return first

    def run(self, timeout: float = 120.0) -> None:
        """Release Waits in time order until every execution has ended. `timeout` bounds the whole run, and
        so also how long one execution may stay busy between Waits (a long Map on a loaded machine)."""
        deadline = time.monotonic() + timeout
        while self.release_next(timeout) is not None:
            if time.monotonic() > deadline:
                raise TimeoutError("executions did not finish")
        self.settle(timeout)

    def run_until(self, moment: datetime) -> None:
        """Release every Wait that ends at or before `moment`, then move the clock there."""
        while (parked := self.settle()) and parked[0].target <= moment:
            self.release_next()
        self.clock.advance_to(moment)

    def _running(self, arn: str) -> bool:
        """Whether `arn` still runs; an execution that ended is not asked about again."""
        if arn in self._ended:
            return False
        if self.status(arn) == "RUNNING":
            return True
        self._ended.add(arn)
        return False

    def _discover(self) -> None:
        """Add the executions of this machine that a handler started (continuations) to `started`."""
        pages = self.sfn.get_paginator("list_executions").paginate(stateMachineArn=self.machine_arn)
        known = set(self.started)
        found = [e for page in pages for e in page["executions"] if e["executionArn"] not in known]
        self.started += [e["executionArn"] for e in sorted(found, key=lambda e: e["startDate"])]

    # --- reading ---------------------------------------------------------------------------------------

    def describe(self, arn: str) -> dict[str, Any]:
        return dict(self.sfn.describe_execution(executionArn=arn))

    def status(self, arn: str) -> str:
        return str(self.describe(arn)["status"])

    def history(self, arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
        while True:
            page = self.sfn.get_execution_history(**kwargs)
            events += page["events"]
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]

    def transitions(self, arn: str) -> int:
        """State transitions as Step Functions bills them: one per state entered."""
        return sum(1 for e in self.history(arn) if str(e["type"]).endswith("StateEntered"))

    def waits_of(self, arn: str) -> list[RecordedWait]:
        return [w for w in self.waits if w.execution == arn]

    # --- the Wait patch --------------------------------------------------------------------------------

    def park(self, wait_function: Any, env: Any, wait_seconds: float) -> None:
        """Replaces WaitFunction._wait_interval: record the wait, then block until released or stopped."""
        target = self._target(wait_function, env, wait_seconds)
        execution = str(env.states.context_object.context_object_data["Execution"]["Id"])
        parked = ParkedWait(execution, target)
        with self._cond:
            self.waits.append(RecordedWait(execution, (target - self.clock.now()).total_seconds(), target))
            self._parked[execution] = parked
            self._cond.notify_all()
        while not parked.released.wait(0.02):
            if not env.is_running():  # stopped (un-enrolment, erasure) while waiting
                with self._cond:
                    self._parked.pop(execution, None)
                return

    def retry_sleep(self, seconds: float) -> None:
        """Replaces the sleep of a Task's Retry: record the interval, and go on at once."""
        self.retry_intervals.append(seconds)

    def _target(self, wait_function: Any, env: Any, wait_seconds: float) -> datetime:
        from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp

        if isinstance(wait_function, Timestamp):
            # moto measured against the real clock; re-read the timestamp to measure against sequence time.
            wait_function.string.eval(env=env)
            return datetime.fromisoformat(str(env.stack.pop()).replace("Z", "+00:00"))
        return self.clock.now() + timedelta(seconds=wait_seconds)


@contextmanager
def engage_machine(start: datetime, *, duplicate: Callable[[dict[str, Any]], bool] | None = None) -> Iterator[Any]:
    """A moto account (tests.conftest.Account) with the engage machine, its function and the patches.

    Yields (account, harness). `duplicate(event)` may pick invocations to run twice, the first time with a
    token that no longer answers: a task retried after its first attempt's report was lost.
    """
    with _machine("engage", ENGAGE_ASL, engage_substitutions(), start, duplicate) as pair:
        yield pair


@contextmanager
def nurture_machine(start: datetime) -> Iterator[Any]:
    """A moto account with the nurture machine, its campaign_step function and the patches; yields
    (account, harness). `harness.runtime.in_flight_peak` is the most invocations that were under way at once."""
    with _machine("nurture", NURTURE_ASL, nurture_substitutions(), start, None) as pair:
        yield pair


@contextmanager
def _machine(
    name: str,
    asl: Any,
    fills: dict[str, str],
    start: datetime,
    duplicate: Callable[[dict[str, Any]], bool] | None,
) -> Iterator[Any]:
    from types import SimpleNamespace

    from moto import mock_aws
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_callback
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

    import talentpool.clock
    from talentpool.adapters.aws import clients, secrets
    from tests.conftest import Account

    clients.reset()
    secrets.token_secret.cache_clear()
    clock = SequenceClock(start)
    runtime = _OneAtATime(_warm_runtime(), duplicate)
    original_wait = WaitFunction.__dict__["_wait_interval"]
    undo_lambda = patch_lambda(runtime)  # type: ignore[arg-type]
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}), talentpool.clock.override(clock.now):
        account = Account()
        harness = _create(name, asl, fills, clock, runtime)
        WaitFunction._wait_interval = lambda self, env, wait_seconds: harness.park(self, env, wait_seconds)
        retrier_decl.time = SimpleNamespace(sleep=harness.retry_sleep)  # type: ignore[assignment]
        poll = state_task_service_callback._DELAY_SECONDS_SYNC_CONDITION_CHECK
        state_task_service_callback._DELAY_SECONDS_SYNC_CONDITION_CHECK = CALLBACK_POLL_SECONDS  # type: ignore[misc]
        try:
            yield account, harness
        finally:
            harness._discover()
            for arn in harness.started:
                if harness.status(arn) == "RUNNING":
                    harness.sfn.stop_execution(executionArn=arn, cause="test over")
            WaitFunction._wait_interval = original_wait
            retrier_decl.time = time
            state_task_service_callback._DELAY_SECONDS_SYNC_CONDITION_CHECK = poll  # type: ignore[misc]
            undo_lambda()
    clients.reset()


@cache
def _warm_runtime() -> LambdaRuntime:
    """One runtime per test process: handler modules stay warm across tests, as other integration tests' do
    (they hold no AWS state of their own; clients are looked up per call and reset per test)."""
    functions = [step_function_spec(), function_spec(CAMPAIGN_FUNCTION, timeout_s=300)]
    return LambdaRuntime(functions, region=factories.REGION, account=factories.ACCOUNT)


def _create(name: str, asl: Any, fills: dict[str, str], clock: SequenceClock, runtime: _OneAtATime) -> EngageHarness:
    import io
    import zipfile

    import boto3

    role = boto3.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def lambda_handler(event, context):\n    raise RuntimeError('unpatched')\n")
    functions = {}
    for function in set(fills.values()):
        functions[function] = boto3.client("lambda").create_function(
            FunctionName=function,
            Runtime="python3.12",
            Role=role,
            Handler="handler.lambda_handler",
            Code={"ZipFile": code.getvalue()},
            Timeout=60,
        )["FunctionArn"]
    definition = fill_placeholders(asl.read_text(), fills, functions.__getitem__)
    sfn = boto3.client("stepfunctions")
    machine = sfn.create_state_machine(name=name, definition=definition, roleArn=role)["stateMachineArn"]
    return EngageHarness(clock, sfn, machine, runtime)


class _OneAtATime:
    """The LambdaRuntime, one invocation at a time, optionally running chosen invocations twice.

    One at a time because moto's DynamoDB is not thread-safe (TransactWriteItems deep-copies the table while
    another thread writes it). Sequence time is still interleaved correctly: only the order of invocations
    that fall on the same instant is serialised.

    `duplicate(event)` picks invocations to run twice, the first time with a token nobody waits for: a task
    retried after its first attempt's report was lost.

    `in_flight_peak` counts invocations under way at once, waiting for their turn included: what the state
    machine asked for at the same time, such as a Map's concurrent iterations.
    """

    def __init__(self, runtime: LambdaRuntime, duplicate: Callable[[dict[str, Any]], bool] | None) -> None:
        self.runtime = runtime
        self.duplicate = duplicate
        self.invocations: list[tuple[str, Any]] = []
        self.in_flight_peak = 0
        self._in_flight = 0
        self._count_lock = threading.Lock()
        self._lock = threading.Lock()

    def invoke(self, name: str, event: Any) -> Any:
        with self._count_lock:
            self._in_flight += 1
            self.in_flight_peak = max(self.in_flight_peak, self._in_flight)
            self.invocations.append((name, event))
        try:
            with self._lock:
                if self.duplicate and isinstance(event, dict) and event.get("token") and self.duplicate(event):
                    self.runtime.invoke(name, {**event, "token": "a-token-nobody-waits-for"})
                return self.runtime.invoke(name, event)
        finally:
            with self._count_lock:
                self._in_flight -= 1


def asl_placeholders(asl: Any = ENGAGE_ASL) -> set[str]:
    return placeholders(asl.read_text())
