"""Sequences: state transitions, AWS calls and the modelled cost of each email, engage and nurture.

Everything is counted from the real state machines (state_machines/engage.asl.json and nurture.asl.json)
executed by moto's ASL interpreter, with the real handlers in-process, through tests/sfn_harness.py (Waits
on a simulated sequence clock):

- transitions: the `*StateEntered` events of each execution's history, which is what Standard bills;
- Lambda invocations: each one the harness's runtime ran (one per Task the machine scheduled);
- AWS calls: a botocore hook on the session `talentpool.adapters.aws.clients` builds every client from, counted
  only while a handler runs, so the interpreter's own calls (moto invoking the Lambda) are not ours;
- DynamoDB request units from the items' sizes in moto, before and after each write (1 WRU a KB written,
  transactions 2, index entries that change 1 each; 0.5 RRU per 4 KB eventually consistent, 1 strongly);
- Lambda duration: our own code's CPU time in the handler (thread time, moto's share taken out), scaled
  to the function's vCPU share, plus a typical in-region latency for each AWS call it made.

The cost model multiplies the counted operations by bench/prices.json. The naive design the issue compares
against (plan, wait, check, send, record as separate states and a Choice) is modelled from the same counts.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PRICES = ROOT / "bench" / "prices.json"

# The five-email engage sequence of the cost target: 30 days, the default send window (9-18, Monday-Friday).
FIVE_EMAILS = ("P0D", "P5D", "P7D", "P8D", "P10D")
MONDAY_10_UTC = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # 10:00 in Lisbon: inside both windows
LISBON = {"city": "Lisbon", "country": "PT", "timezone": "Europe/Lisbon"}
LOS_ANGELES = {"city": "Los Angeles", "country": "US", "timezone": "America/Los_Angeles"}  # 02:00 there
# One full batch (transitions are per batch, so the least favourable full one) and ten.
NURTURE_AUDIENCES = (100, 1000)

TARGET_PER_CANDIDATE = 0.0008
TARGET_SES = 0.0005
ISSUE_NAIVE = 0.00102

# Typical in-region p50 latencies (ms) for the projection of Lambda duration; stated, not measured here.
# DynamoDB's and PutEvents' are bench/imports.py's; the rest are the same kind of round figure.
AWS_LATENCY_MS = {
    "GetItem": 5.0,
    "PutItem": 6.0,
    "UpdateItem": 6.0,
    "DeleteItem": 6.0,
    "Query": 8.0,
    "BatchGetItem": 8.0,
    "BatchWriteItem": 10.0,
    "TransactWriteItems": 15.0,
    "PutEvents": 20.0,
    "SendEmail": 60.0,
    "SendTaskSuccess": 15.0,
    "SendTaskFailure": 15.0,
    "GetSecretValue": 20.0,
}
DEFAULT_LATENCY_MS = 10.0
FULL_VCPU_MB = 1769  # Lambda gives one vCPU at 1,769 MB and a proportional share below
PLATFORM_LOG_BYTES = 400  # START, END and REPORT lines per invocation (assumed)
SFN_LOG_ENVELOPE_BYTES = 250  # a vended log record's fields beyond the history event itself (assumed)
COLD_INIT_SECONDS = 1.55  # DESIGN.md: every import together, 2-core dev machine (assumed for Lambda's INIT)
XRAY_SAMPLED_SHARE_AT_SCALE = 0.05  # the default rule: 1 a second, then 5 %

DYNAMODB_WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
DYNAMODB_READS = ("GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems")


# --- environment ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def environment() -> Iterator[None]:
    """The tests' process environment (handlers read their settings from it), undone afterwards so other
    benchmarks in the same process see what they saw before."""
    saved = dict(os.environ)
    for path in (str(ROOT / "layers" / "core" / "python"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    from tests import factories

    os.environ.update(factories.ENVIRONMENT)
    os.environ.update(
        {
            "AWS_DEFAULT_REGION": factories.REGION,
            "AWS_REGION": factories.REGION,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
        }
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.pop("AWS_PROFILE", None)
    try:
        import tests.conftest  # noqa: F401  (Account; its import sets the same variables)

        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


# --- DynamoDB request units -----------------------------------------------------------------------------


def _attr_size(name: str, value: dict[str, Any]) -> int:
    from moto.dynamodb.models.dynamo_type import DynamoType

    return len(name.encode()) + DynamoType(value).size()


def item_size(item: dict[str, Any] | None) -> int:
    """An item's size as DynamoDB counts it (names plus values), from its typed JSON."""
    return sum(_attr_size(k, v) for k, v in (item or {}).items())


def _write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def _read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / 4096))
    return float(units) if consistent else units / 2


def _index_writes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> int:
    """Write units the GSIs consume: an index entry put or deleted costs its projected size, a key change both."""
    from talentpool.adapters.aws import schema

    units = 0
    for index in schema.GLOBAL_INDEXES:
        keys = (schema.PK, schema.SK, index.pk, index.sk)

        def entry(item: dict[str, Any] | None, keys: tuple[str, ...] = keys, index: Any = index) -> dict[str, Any]:
            if not item or index.pk not in item or index.sk not in item:
                return {}
            return {k: item[k] for k in (*keys, *index.projection) if k in item}

        old, new = entry(before), entry(after)
        if old == new:
            continue
        if old and new and all(old[k] == new[k] for k in keys):
            units += _write_units(item_size(new))  # the entry is updated in place
        else:
            units += (_write_units(item_size(old)) if old else 0) + (_write_units(item_size(new)) if new else 0)
    return units


# --- the meter ------------------------------------------------------------------------------------------


@dataclass
class Invocation:
    """One Lambda invocation as the bill sees it, and what it did."""

    function: str
    action: str
    cpu_seconds: float = 0.0  # the thread's CPU time in the handler, moto's share included
    aws_cpu_seconds: float = 0.0  # the part spent inside AWS calls (moto's work, in this thread)
    paused_seconds: float = 0.0  # deliberate sleeps (the nurture batch's pacing to the SES rate)
    calls: Counter[str] = field(default_factory=Counter)
    log_bytes: int = 0
    cold: bool = False

    def projected_ms(self, memory_mb: int) -> float:
        """Duration on Lambda: our code's CPU time at the function's vCPU share, plus each call's latency."""
        own = max(0.0, self.cpu_seconds - self.aws_cpu_seconds) * max(1.0, FULL_VCPU_MB / memory_mb)
        waiting = sum(n * AWS_LATENCY_MS.get(op, DEFAULT_LATENCY_MS) for op, n in self.calls.items())
        # A paced batch sleeps only what is left of each send's interval after the work: it takes the longer
        # of its pacing and its work, not the sum.
        return max(own * 1000 + waiting, self.paused_seconds * 1000)


class Meter:
    """Counts what the handlers ask of AWS, per invocation: calls, request units, events, email bytes."""

    def __init__(self) -> None:
        self.invocations: list[Invocation] = []
        self.calls: Counter[str] = Counter()  # "service:Operation"
        self.units: defaultdict[str, float] = defaultdict(
            float
        )  # wru_table, wru_index, rru, transact_items, events, ...
        self.wru_by_item: Counter[str] = Counter()  # "<kind of item> (<operation>)" -> write units
        self.rru_by_item: defaultdict[str, float] = defaultdict(float)  # the same for GetItem's read units
        self._local = threading.local()

    # hooks --------------------------------------------------------------------------------------------

    def attach(self, session: Any) -> None:
        """Make this the meter the session's hooks report to. The hooks go on the session once, before any
        client exists (a client copies the session's handlers when it is created); they dispatch to the
        meter attached last, so one session can be metered in phases."""
        _ACTIVE[:] = [self]
        session.events.register("before-parameter-build", _dispatch_before, unique_id="bench-sequences-before")
        session.events.register("after-call", _dispatch_after, unique_id="bench-sequences-after")

    def _current(self) -> Invocation | None:
        return getattr(self._local, "invocation", None)

    def _before(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        invocation = self._current()
        if invocation is None:
            return
        service = model.service_model.service_name
        context["bench"] = {"cpu": time.thread_time(), "before": self._snapshot(service, model.name, params)}

    def _after(self, model: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        invocation = self._current()
        started = context.pop("bench", None)
        if invocation is None or started is None:
            return
        invocation.aws_cpu_seconds += time.thread_time() - started["cpu"]
        service, op = model.service_model.service_name, model.name
        invocation.calls[op] += 1
        self.calls[f"{service}:{op}"] += 1
        if service == "dynamodb":
            self._dynamodb(op, started["before"], parsed)
        elif service == "events" and op == "PutEvents":
            self.units["events"] += len(parsed.get("Entries", []))
        elif service == "sesv2" and op == "SendEmail":
            self.units["emails"] += 1

    # DynamoDB -----------------------------------------------------------------------------------------

    def _snapshot(self, service: str, op: str, params: dict[str, Any]) -> dict[str, Any]:
        """The items a write will touch, as they are before it (typed JSON), and the request itself."""
        if service == "sesv2" and op == "SendEmail":
            self.units["email_bytes"] += len(params.get("Content", {}).get("Raw", {}).get("Data", b""))
        if service != "dynamodb" or op not in (*DYNAMODB_WRITES, *DYNAMODB_READS):
            return {}
        return {"params": params, "items": {ref: _moto_item(*ref) for ref in _write_refs(op, params)}}

    def _dynamodb(self, op: str, before: dict[str, Any], parsed: dict[str, Any]) -> None:
        params = before.get("params", {})
        if op in DYNAMODB_WRITES:
            transactional = op == "TransactWriteItems"
            refs = _write_refs(op, params)
            if transactional:
                self.units["transact_items"] += len(refs)
            for ref in refs:
                old, new = before["items"].get(ref), _moto_item(*ref)
                written = _write_units(max(item_size(old), item_size(new), item_size(ref_item(op, params, ref))))
                indexed = _index_writes(old, new)
                self.units["wru_table"] += written * (2 if transactional else 1)
                self.units["wru_index"] += indexed
                self.wru_by_item[f"{_kind(ref)} ({op})"] += written * (2 if transactional else 1) + indexed
                if transactional and len(refs) == 1:
                    self.units["wru_single_item_transactions"] += written * 2
            return
        if op == "GetItem":
            consistent = bool(params.get("ConsistentRead"))
            key = (params["TableName"], _key_tuple(params["Key"]))
            units = _read_units(item_size(_moto_item(*key)), consistent)
            self.units["rru"] += units
            self.rru_by_item[f"{_kind(key)} (GetItem)"] += units
        elif op == "BatchGetItem":
            for table, request in params.get("RequestItems", {}).items():
                for key in request["Keys"]:
                    item = _moto_item(table, _key_tuple(key))
                    self.units["rru"] += _read_units(item_size(item), bool(request.get("ConsistentRead")))
        elif op in ("Query", "Scan"):
            returned = parsed.get("Items", [])
            if "IndexName" in params:
                sizes = [item_size(i) for i in returned]
            else:
                sizes = [item_size(_moto_item(params["TableName"], _key_tuple(i))) for i in returned]
            scanned = parsed.get("ScannedCount", len(returned))
            total = sum(sizes) * (scanned / len(returned) if returned else 0)
            self.units["rru"] += _read_units(int(total), bool(params.get("ConsistentRead")))
        elif op == "TransactGetItems":
            for entry in params.get("TransactItems", []):
                get = entry["Get"]
                self.units["rru"] += 2 * _read_units(
                    item_size(_moto_item(get["TableName"], _key_tuple(get["Key"]))), True
                )

    # invocations --------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def invocation(self, function: str, event: Any, cold: bool) -> Iterator[Invocation]:
        action = str(event.get("action") or ("round" if "token" in event else "?")) if isinstance(event, dict) else "?"
        record = Invocation(function, action, cold=cold)
        self._local.invocation = record
        started = time.thread_time()
        with _captured_logs() as logs:
            try:
                yield record
            finally:
                record.cpu_seconds = time.thread_time() - started
                record.log_bytes = logs.bytes
                self._local.invocation = None
                self.invocations.append(record)


_ACTIVE: list[Meter] = []


def _kind(ref: tuple[str, tuple[tuple[str, str], ...]]) -> str:
    """An item's kind, from its key: the sort key's first part (PROFILE, SENDLOG, ENROL, TL), or the
    partition's (IDEMPOTENCY, RUN) for items whose sort key is an id."""
    (_, pk), (_, sk) = ref[1]
    pk_text, sk_text = str(next(iter(json.loads(pk).values()))), str(next(iter(json.loads(sk).values())))
    head = pk_text.split("#", 1)[0]
    return head if head not in ("CAND",) else sk_text.split("#", 1)[0]


def _dispatch_before(**kwargs: Any) -> None:
    if _ACTIVE:
        _ACTIVE[0]._before(**kwargs)


def _dispatch_after(**kwargs: Any) -> None:
    if _ACTIVE:
        _ACTIVE[0]._after(**kwargs)


def _key_tuple(attrs: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    from talentpool.adapters.aws import schema

    return tuple((name, json.dumps(attrs[name], sort_keys=True)) for name in (schema.PK, schema.SK))


def _write_refs(op: str, params: dict[str, Any]) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """(table, key) of every item a write names."""
    refs = []
    if op in ("PutItem",):
        refs.append((params["TableName"], _key_tuple(params["Item"])))
    elif op in ("UpdateItem", "DeleteItem"):
        refs.append((params["TableName"], _key_tuple(params["Key"])))
    elif op == "BatchWriteItem":
        for table, requests in params.get("RequestItems", {}).items():
            for request in requests:
                body = request.get("PutRequest", {}).get("Item") or request.get("DeleteRequest", {}).get("Key")
                refs.append((table, _key_tuple(body)))
    elif op == "TransactWriteItems":
        for entry in params.get("TransactItems", []):
            action = next(iter(entry.values()))
            refs.append((action["TableName"], _key_tuple(action.get("Item") or action["Key"])))
    return refs


def ref_item(op: str, params: dict[str, Any], ref: tuple[str, Any]) -> dict[str, Any] | None:
    """The item a Put sends (a failed conditional put is billed on it too)."""
    if op == "PutItem":
        return dict(params["Item"])
    if op == "TransactWriteItems":
        for entry in params.get("TransactItems", []):
            put = entry.get("Put")
            if put and (put["TableName"], _key_tuple(put["Item"])) == ref:
                return dict(put["Item"])
    return None


def _moto_item(table_name: str, key: tuple[tuple[str, str], ...]) -> dict[str, Any] | None:
    """The item as moto holds it now, as typed JSON (a copy), or None."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType

    from tests import factories

    table = dynamodb_backends[factories.ACCOUNT][factories.REGION].get_table(table_name)
    (_, hash_json), (_, range_json) = key
    try:
        item = table.items[DynamoType(json.loads(hash_json))][DynamoType(json.loads(range_json))]
    except KeyError:
        return None
    copied: dict[str, Any] = json.loads(json.dumps(item.to_json()["Attributes"]))
    return copied


class _ByteCount(io.TextIOBase):
    def __init__(self) -> None:
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        return len(text)


@contextlib.contextmanager
def _captured_logs() -> Iterator[_ByteCount]:
    """What the handler writes to its log (Powertools' JSON lines, EMF metrics), counted and not printed."""
    from talentpool.observability import logger

    counter = _ByteCount()
    handler = logger.registered_handler
    stream = handler.setStream(counter)  # type: ignore[attr-defined]
    try:
        with contextlib.redirect_stdout(counter):
            yield counter
    finally:
        handler.setStream(stream)  # type: ignore[attr-defined]


class _MeteredRuntime:
    """Stands in for the harness's LambdaRuntime: the same invocations, each one metered."""

    def __init__(self, runtime: Any, meter: Meter, memory: dict[str, int]) -> None:
        self.runtime = runtime
        self.meter = meter
        self.memory = memory

    def invoke(self, name: str, event: Any) -> Any:
        environments = self.runtime._environments.get(name)
        cold = environments is not None and environments._started == 0  # this one imports the handler
        with self.meter.invocation(name, event, cold) as record:
            paced_before = _PACING.total
            try:
                return self.runtime.invoke(name, event)
            finally:
                record.paused_seconds = _PACING.total - paced_before


class _Pacing:
    """The nurture batch's pacing (logic.campaigns.pacing.monotonic and pause) on a simulated clock: no real sleep,
    but the pauses are billed Lambda time, so they are added to the projected duration."""

    def __init__(self) -> None:
        self.now = 0.0
        self.total = 0.0

    def monotonic(self) -> float:
        return self.now

    def pause(self, seconds: float) -> None:
        self.now += seconds
        self.total += seconds


_PACING = _Pacing()


@contextlib.contextmanager
def metered(harness: Any, meter: Meter) -> Iterator[None]:
    """Meter every invocation the harness makes (its _OneAtATime keeps the real runtime in `.runtime`)."""
    from infra import spec
    from talentpool.adapters.aws import clients
    from talentpool.logic.campaigns import pacing

    memory = {f.name: f.memory_mb for f in spec.FUNCTIONS}
    one_at_a_time = harness.runtime
    original = one_at_a_time.runtime
    saved = pacing.monotonic, pacing.pause
    one_at_a_time.runtime = _MeteredRuntime(original, meter, memory)
    pacing.monotonic, pacing.pause = _PACING.monotonic, _PACING.pause
    meter.attach(clients._session())
    try:
        yield
    finally:
        one_at_a_time.runtime = original
        pacing.monotonic, pacing.pause = saved


# --- the runs -------------------------------------------------------------------------------------------


def _history_figures(harness: Any, arn: str) -> dict[str, Any]:
    history = harness.history(arn)
    entered = Counter(str(e["type"]) for e in history if str(e["type"]).endswith("StateEntered"))
    states = Counter(str(e["stateEnteredEventDetails"]["name"]) for e in history if "stateEnteredEventDetails" in e)
    log_bytes = 0
    for event in history:
        # Logged at level ALL without execution data: the event's own fields, inputs and outputs left out.
        shown = {
            k: (
                {d: v for d, v in detail.items() if d not in ("input", "output", "parameters")}
                if isinstance(detail, dict)
                else detail
            )
            for k, detail in event.items()
            if k != "ResponseMetadata"
        }
        log_bytes += len(json.dumps(shown, default=str)) + SFN_LOG_ENVELOPE_BYTES
    return {
        "transitions": sum(entered.values()),
        "by_type": dict(sorted(entered.items())),
        "by_state": dict(sorted(states.items())),
        "history_events": len(history),
        "status": harness.status(arn),
        "sfn_log_bytes": log_bytes,
    }


def _lambda_figures(meter: Meter, memory: dict[str, int]) -> dict[str, Any]:
    warm = [i for i in meter.invocations if not i.cold]
    cold_cpu_ms = [round((i.cpu_seconds - i.aws_cpu_seconds) * 1000, 1) for i in meter.invocations if i.cold]
    if warm:
        # A cold invocation's CPU time includes importing the handler (Lambda's INIT, modelled apart): bill
        # it at a warm invocation's own time for the same action.
        for invocation in (i for i in meter.invocations if i.cold):
            same = [i for i in warm if i.action == invocation.action] or warm
            own = statistics.median(i.cpu_seconds - i.aws_cpu_seconds for i in same)
            invocation.cpu_seconds = invocation.aws_cpu_seconds + own
    by_action: dict[str, list[Invocation]] = defaultdict(list)
    for invocation in meter.invocations:
        by_action[f"{invocation.function}:{invocation.action}"].append(invocation)
    gb_seconds = sum(
        math.ceil(i.projected_ms(memory[i.function])) / 1000 * memory[i.function] / 1024 for i in meter.invocations
    )
    return {
        "invocations": len(meter.invocations),
        "by_action": {k: len(v) for k, v in sorted(by_action.items())},
        "projected_ms": {
            k: round(statistics.median(i.projected_ms(memory[i.function]) for i in v), 1)
            for k, v in sorted(by_action.items())
        },
        "own_cpu_ms_median": round(
            statistics.median(max(0.0, i.cpu_seconds - i.aws_cpu_seconds) * 1000 for i in warm or meter.invocations), 2
        ),
        "paused_seconds": round(sum(i.paused_seconds for i in meter.invocations), 2),
        "cold_invocation_own_cpu_ms": cold_cpu_ms,
        "gb_seconds": round(gb_seconds, 4),
        "log_bytes": sum(i.log_bytes for i in meter.invocations),
        "memory_mb": sorted({memory[i.function] for i in meter.invocations}),
    }


def _units(meter: Meter) -> dict[str, float]:
    units = {k: round(float(v), 2) for k, v in sorted(meter.units.items())}
    units["wru"] = round(units.get("wru_table", 0.0) + units.get("wru_index", 0.0), 2)
    units["rru"] = round(units.get("rru", 0.0), 2)
    return units


def engage_case(
    name: str, *, steps: tuple[str, ...] | None, location: dict[str, str], events: bool = False
) -> dict[str, Any]:
    """One candidate through one engage sequence (the welcome series when `steps` is None), metered."""
    from infra import spec
    from tests.integration.test_engage import add_candidate, create_sequence, step
    from tests.sfn_harness import engage_machine

    memory = {f.name: f.memory_mb for f in spec.FUNCTIONS}
    with engage_machine(MONDAY_10_UTC) as (account, harness):
        meter = Meter()
        with metered(harness, meter):
            sequence_id = None
            with _captured_logs():  # set-up through the recruiter API: not part of the figures, not printed
                if steps:
                    sequence_id = create_sequence([step(delay, f"Email {n + 1}") for n, delay in enumerate(steps)])
                candidate_id = add_candidate(location=location)
            arn = harness.start(
                {
                    "candidate_id": candidate_id,
                    "event_id": f"bench-{name}",
                    **({"sequence_id": sequence_id} if sequence_id else {}),
                }
            )
            harness.run(timeout=300)
            sent = account.sent()
            figures: dict[str, Any] = {
                "emails": len(sent),
                "days": round((max(harness.clock.now(), MONDAY_10_UTC) - MONDAY_10_UTC) / timedelta(days=1), 2),
                **_history_figures(harness, arn),
                "lambda": _lambda_figures(meter, memory),
                "calls": dict(sorted(meter.calls.items())),
                "units": _units(meter),
                "wru_by_item": dict(sorted(meter.wru_by_item.items())),
                "rru_by_item": dict(sorted(meter.rru_by_item.items())),
                "waits": len(harness.waits_of(arn)),
            }
            if events:
                figures["ses_events"] = ses_events_downstream(candidate_id, len(sent), memory)
    return figures


def ses_events_downstream(candidate_id: str, emails: int, memory: dict[str, int]) -> dict[str, Any]:
    """What each email causes after it is sent (Send and Delivery events through the ses_events queue), and
    an open and a click (the engagement score: the profile, its skill index items and the GSIs)."""
    from tests import factories, ses_samples

    def batch(*events: dict[str, Any]) -> dict[str, Any]:
        return ses_samples.sqs_batch(*(ses_samples.sqs_record(e) for e in events))

    def event(kind: str, n: int, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return ses_samples.ses_event(
            kind,
            body,
            candidate_id=candidate_id,
            message_id=f"bench-message-{n}",
            kind="marketing",
            sequence_id="welcome",
            step=str(n),
        )

    handler = factories.load_handler("ses_events")
    results: dict[str, Any] = {}
    for label, batches in (
        ("send_and_delivery", [batch(event("Send", n), event("Delivery", n)) for n in range(emails)]),
        ("open", [batch(event("Open", 0, ses_samples.opened("2026-03-03T12:00:00.000Z")))]),
        ("click", [batch(event("Click", 0, ses_samples.clicked("2026-03-03T12:01:00.000Z")))]),
    ):
        meter = Meter()
        from talentpool.adapters.aws import clients

        meter.attach(clients._session())
        for payload in batches:
            with meter.invocation("ses_events", {"action": label}, cold=False):
                handler.lambda_handler(payload, factories.LambdaContext(function_name="ses_events"))
        per = len(batches) if label == "send_and_delivery" else 1
        results[label] = {
            "per": "email" if label == "send_and_delivery" else label,
            "invocations": len(meter.invocations) / per,
            "calls": {k: round(v / per, 2) for k, v in sorted(meter.calls.items())},
            "units": {k: round(v / per, 2) for k, v in _units(meter).items()},
            "projected_ms": round(
                statistics.median(i.projected_ms(memory["ses_events"]) for i in meter.invocations), 1
            ),
            "sqs_messages": 2 if label == "send_and_delivery" else 1,
        }
    return results


def nurture_case(audience: int, *, item_level: bool = True) -> dict[str, Any]:
    """A campaign over a segment of `audience` eligible candidates, metered. moto's per-transaction copy of
    the whole table is replaced by bench/imports.py's item-level rollback (the same results; see README)."""
    from bench.imports import item_level_transactions
    from infra import spec
    from tests.integration.test_engage import add_candidate
    from tests.integration.test_nurture import campaign, segment, start
    from tests.sfn_harness import nurture_machine

    memory = {f.name: f.memory_mb for f in spec.FUNCTIONS}
    shortcut = item_level_transactions() if item_level else contextlib.nullcontext()
    with nurture_machine(MONDAY_10_UTC) as (account, harness), shortcut:
        meter = Meter()
        with metered(harness, meter):
            with _captured_logs():
                for _ in range(audience):
                    add_candidate(tags=["bench"])
                campaign_id = campaign(segment("bench"))
            started = time.perf_counter()
            arn = start(harness, campaign_id)
            harness.run(timeout=1800)
            seconds = time.perf_counter() - started
            return {
                "audience": audience,
                "emails": len(account.sent()),
                **_history_figures(harness, arn),
                "lambda": _lambda_figures(meter, memory),
                "calls": dict(sorted(meter.calls.items())),
                "units": _units(meter),
                "wru_by_item": dict(sorted(meter.wru_by_item.items())),
                "map_in_flight_peak": harness.runtime.in_flight_peak,
                "run_seconds": round(seconds, 1),
            }


# --- the cost model -------------------------------------------------------------------------------------


def load_prices() -> dict[str, Any]:
    return dict(json.loads(PRICES.read_text()))


def _price(prices: dict[str, Any], name: str) -> float:
    return float(prices["prices"][name]["usd"])


def send_path_cost(case: dict[str, Any], prices: dict[str, Any]) -> list[dict[str, Any]]:
    """The counted operations of a run x the price table: what the issue's target covers."""
    lam, units, calls = case["lambda"], case["units"], case["calls"]
    sfn_api = sum(n for op, n in calls.items() if op.startswith("stepfunctions:"))
    rows = [
        ("Step Functions state transitions", case["transitions"], "sfn_standard_transition"),
        ("Step Functions SendTaskSuccess/Failure", sfn_api, "sfn_api_call"),
        ("Lambda requests", lam["invocations"], "lambda_request"),
        ("Lambda duration (GB-s, arm64)", lam["gb_seconds"], "lambda_arm_gb_second"),
        ("DynamoDB write request units", units["wru"], "dynamodb_wru"),
        ("DynamoDB read request units", units["rru"], "dynamodb_rru"),
        ("SES emails", units.get("emails", 0), "ses_email"),
        ("EventBridge custom events (EmailSent)", units.get("events", 0), "eventbridge_custom_event"),
        ("Secrets Manager GetSecretValue", calls.get("secretsmanager:GetSecretValue", 0), "secrets_manager_api_call"),
    ]
    return [
        {"item": item, "quantity": round(float(q), 4), "price": name, "usd": float(q) * _price(prices, name)}
        for item, q, name in rows
    ]


def around_cost(
    case: dict[str, Any], prices: dict[str, Any], *, memory_mb: int, ses_events_mb: int
) -> list[dict[str, Any]]:
    """What the same run costs around the send path, outside the issue's model: logs, traces, the mail's own
    bytes, the SES events each email causes, and Lambda's INIT when every round is a cold start."""
    lam, emails = case["lambda"], case["units"].get("emails", 0)
    log_gb = (lam["log_bytes"] + PLATFORM_LOG_BYTES * lam["invocations"] + case["sfn_log_bytes"]) / 1e9
    rows = [
        ("SES outbound data (whole message, upper bound)", case["units"].get("email_bytes", 0) / 1e9, "ses_data_gb"),
        (
            "CloudWatch Logs: Lambda (measured + platform) and Step Functions ALL (estimated)",
            log_gb,
            "cloudwatch_logs_gb",
        ),
        (
            "X-Ray traces (an upper bound of one per invocation; the default rule samples 5 % at scale)",
            lam["invocations"] * XRAY_SAMPLED_SHARE_AT_SCALE,
            "xray_trace",
        ),
    ]
    downstream = case.get("ses_events", {}).get("send_and_delivery")
    if downstream:
        per = downstream
        rows += [
            ("SES Send+Delivery events: ses_events Lambda requests", per["invocations"] * emails, "lambda_request"),
            (
                "SES Send+Delivery events: ses_events GB-s",
                math.ceil(per["projected_ms"]) / 1000 * ses_events_mb / 1024 * per["invocations"] * emails,
                "lambda_arm_gb_second",
            ),
            ("SES Send+Delivery events: DynamoDB WRU", per["units"].get("wru", 0) * emails, "dynamodb_wru"),
            ("SES Send+Delivery events: DynamoDB RRU", per["units"].get("rru", 0) * emails, "dynamodb_rru"),
            (
                "SES Send+Delivery events: SQS requests (send, receive, delete)",
                3 * per["sqs_messages"] * emails,
                "sqs_request",
            ),
        ]
    cold = [
        (
            "Cold start on every round: INIT GB-s",
            lam["invocations"] * COLD_INIT_SECONDS * memory_mb / 1024,
            "lambda_arm_gb_second",
        ),
        ("Cold start on every round: GetSecretValue", lam["invocations"], "secrets_manager_api_call"),
        (
            "X-Ray: every invocation sampled (the 1-a-second reservoir), beyond the 5 %",
            lam["invocations"] * (1 - XRAY_SAMPLED_SHARE_AT_SCALE),
            "xray_trace",
        ),
    ]
    return [
        {
            "item": item,
            "quantity": round(float(q), 6),
            "price": name,
            "usd": float(q) * _price(prices, name),
            "group": group,
        }
        for group, lines in (("always", rows), ("low volume", cold))
        for item, q, name in lines
    ]


def levers(case: dict[str, Any], prices: dict[str, Any]) -> list[dict[str, Any]]:
    """What the counted operations say could come off the send path (modelled, not implemented)."""
    wru, rru = _price(prices, "dynamodb_wru"), _price(prices, "dynamodb_rru")
    idempotency = sum(v for k, v in case["wru_by_item"].items() if k.startswith("IDEMPOTENCY"))
    send_log_reads = case.get("rru_by_item", {}).get("SENDLOG (GetItem)", 0.0)
    rounds = case["lambda"]["invocations"]
    return [
        {
            "lever": "single-item TransactWriteItems (the send log's reservation, the enrolment's update) as "
            "conditional PutItem/UpdateItem: the same guarantee at 1 WRU per KB instead of 2",
            "usd": case["units"].get("wru_single_item_transactions", 0) / 2 * wru,
        },
        {
            "lever": "no Powertools idempotency record per send: the send log's reservation already makes the send "
            "once-only; the record saves a retry's round trip and costs a PutItem and an UpdateItem on every send",
            "usd": idempotency * wru,
        },
        {
            "lever": "read the send log once per round (it is read again to plan, reserve, record and plan the next)",
            "usd": max(0.0, send_log_reads - rounds) * rru,
        },
    ]


def naive_case(case: dict[str, Any]) -> dict[str, Any]:
    """The naive machine from the same counts: per email a plan Task, a Wait, a check Task, a send Task, a
    record Task and a Choice (loop or end), then a Succeed. Four Lambda invocations per email, each paying
    the smallest invocation's duration on top of the work the one-Lambda round does, and each of check, send
    and record reading the candidate or enrolment again (2 strongly consistent reads more per email)."""
    emails = case["units"]["emails"]
    lam = case["lambda"]
    smallest_ms = min(lam["projected_ms"].values())
    invocations = 4 * emails
    extra = invocations - lam["invocations"]
    return {
        **case,
        "transitions": 6 * emails + 1,
        "calls": {**case["calls"], "stepfunctions:SendTaskSuccess": 0, "stepfunctions:SendTaskFailure": 0},
        "lambda": {
            **lam,
            "invocations": invocations,
            "gb_seconds": round(
                lam["gb_seconds"] + extra * math.ceil(smallest_ms) / 1000 * lam["memory_mb"][0] / 1024, 4
            ),
        },
        "units": {**case["units"], "rru": case["units"]["rru"] + 2 * emails},
    }


def per_email(case: dict[str, Any]) -> dict[str, float]:
    emails = case["emails"] or 1
    figures = {op: round(n / emails, 2) for op, n in case["calls"].items()}
    figures["dynamodb:TransactWriteItems items"] = round(case["units"].get("transact_items", 0) / emails, 2)
    figures["lambda invocations"] = round(case["lambda"]["invocations"] / emails, 3)
    return figures


# --- the benchmark --------------------------------------------------------------------------------------


def run() -> dict[str, Any]:
    prices = load_prices()
    with environment():
        from infra import spec

        memory = {f.name: f.memory_mb for f in spec.FUNCTIONS}
        # Not recorded: the handlers' first runs import what they import lazily (the first send, the first
        # round after a Wait), which Lambda does once per environment, not once per candidate.
        engage_case("warm-up", steps=FIVE_EMAILS, location=LOS_ANGELES)
        nurture_case(10)
        engage = {
            "five_in_window": engage_case("five-in", steps=FIVE_EMAILS, location=LISBON, events=True),
            "five_outside_window": engage_case("five-out", steps=FIVE_EMAILS, location=LOS_ANGELES),
            "welcome_in_window": engage_case("welcome-in", steps=None, location=LISBON),
            "welcome_outside_window": engage_case("welcome-out", steps=None, location=LOS_ANGELES),
        }
        nurture = {str(n): nurture_case(n) for n in NURTURE_AUDIENCES}
    for case in engage.values():
        case["per_email"] = per_email(case)
        case["transitions_per_email"] = round(case["transitions"] / case["emails"], 3)
    for case in nurture.values():
        case["per_email"] = per_email(case)
        case["transitions_per_email"] = round(case["transitions"] / case["emails"], 4)

    cost: dict[str, Any] = {}
    for name in ("five_in_window", "five_outside_window"):
        case = engage[name]
        lines = send_path_cost(case, prices)
        naive_lines = send_path_cost(naive_case(case), prices)
        cost[name] = {
            "lines": lines,
            "total": sum(line["usd"] for line in lines),
            "ses": sum(line["usd"] for line in lines if line["price"] == "ses_email"),
            "naive_lines": naive_lines,
            "naive_total": sum(line["usd"] for line in naive_lines),
            "around": around_cost(
                {**case, "ses_events": engage["five_in_window"].get("ses_events", {})},
                prices,
                memory_mb=memory["sequence_step"],
                ses_events_mb=memory["ses_events"],
            ),
        }
    for n, case in nurture.items():
        lines = send_path_cost(case, prices)
        cost[f"nurture_{n}"] = {
            "lines": lines,
            "total": sum(line["usd"] for line in lines),
            "per_email": sum(line["usd"] for line in lines) / case["emails"],
        }
    for name in ("five_in_window", "five_outside_window"):
        cost[name]["levers"] = levers(engage[name], prices)
    engagement = engage["five_in_window"].get("ses_events", {})
    for label in ("open", "click"):
        if label in engagement:
            per = engagement[label]
            cost[f"per_{label}"] = (
                per["invocations"] * _price(prices, "lambda_request")
                + math.ceil(per["projected_ms"])
                / 1000
                * memory["ses_events"]
                / 1024
                * _price(prices, "lambda_arm_gb_second")
                + per["units"].get("wru", 0) * _price(prices, "dynamodb_wru")
                + per["units"].get("rru", 0) * _price(prices, "dynamodb_rru")
                + 3 * per["sqs_messages"] * _price(prices, "sqs_request")
            )
    best = cost["five_in_window"]["total"]
    worst = cost["five_outside_window"]["total"]
    return {
        "engage": engage,
        "nurture": nurture,
        "cost": cost,
        "prices_taken_on": prices["taken_on"],
        "transition_usd": _price(prices, "sfn_standard_transition"),
        "equivalents": {
            "invocations_per_transition": _price(prices, "sfn_standard_transition")
            / (
                _price(prices, "lambda_request")
                + engage["five_in_window"]["lambda"]["gb_seconds"]
                / engage["five_in_window"]["lambda"]["invocations"]
                * _price(prices, "lambda_arm_gb_second")
            ),
            "wru_per_transition": _price(prices, "sfn_standard_transition") / _price(prices, "dynamodb_wru"),
        },
        "targets": {
            "per_candidate_usd": TARGET_PER_CANDIDATE,
            "ses_usd": TARGET_SES,
            "issue_naive_usd": ISSUE_NAIVE,
        },
        "passed": {
            "cost_in_window": best <= TARGET_PER_CANDIDATE,
            "cost_outside_window": worst <= TARGET_PER_CANDIDATE,
            "transitions_as_designed": all(
                c["transitions"] in (2 * c["emails"], 2 * c["emails"] + 2) for c in engage.values()
            ),
        },
        "assumptions": {
            "memory_mb": {name: memory[name] for name in ("sequence_step", "campaign_step", "ses_events")},
            "aws_latency_ms": AWS_LATENCY_MS,
            "full_vcpu_mb": FULL_VCPU_MB,
            "platform_log_bytes": PLATFORM_LOG_BYTES,
            "sfn_log_envelope_bytes": SFN_LOG_ENVELOPE_BYTES,
            "cold_init_seconds": COLD_INIT_SECONDS,
            "xray_sampled_share_at_scale": XRAY_SAMPLED_SHARE_AT_SCALE,
        },
    }


# --- the page -------------------------------------------------------------------------------------------


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _usd(value: float) -> str:
    return f"${value:.7f}".rstrip("0").rstrip(".") if value else "$0"


def _verdict(ok: bool) -> str:
    return "pass" if ok else "**fail**"


ENGAGE_LABELS = {
    "five_in_window": "5 emails over 30 days, confirmed inside the window",
    "five_outside_window": "5 emails over 30 days, confirmed outside the window (02:00 local)",
    "welcome_in_window": "welcome series (3), inside its window",
    "welcome_outside_window": "welcome series (3), outside its window (02:00 local)",
}


def describe(figures: dict[str, Any]) -> str:
    engage, nurture, cost, targets = figures["engage"], figures["nurture"], figures["cost"], figures["targets"]
    out = ["## Sequences: transitions, AWS calls and cost per email", ""]
    out.append(
        "Counted from the real `engage.asl.json` and `nurture.asl.json` executed by moto's ASL interpreter with the "
        "real handlers in-process (`tests/sfn_harness.py`, Waits on a simulated clock; `bench/sequences.py`). "
        "Transitions are the `*StateEntered` events of each execution's history. AWS calls are counted by a "
        "botocore hook on the handlers' session while a handler runs (moto's interpreter invoking the Lambda is "
        "not ours). Request units come from the items' sizes in moto before and after each write. Costs are the "
        f"counted operations x `bench/prices.json` (us-east-1 list prices taken {figures['prices_taken_on']}; "
        f"measured {figures['measured_at']}, {figures['machine']})."
    )
    out += ["", "### State transitions per email", ""]
    rows = []
    for name, label in ENGAGE_LABELS.items():
        case = engage[name]
        ok = case["transitions"] in (2 * case["emails"], 2 * case["emails"] + 2)
        rows.append(
            [
                f"engage: {label}",
                case["emails"],
                case["transitions"],
                f"{case['transitions_per_email']:.2f}",
                case["lambda"]["invocations"],
                "2 x emails (+2 if the first waits)",
                "as designed" if ok else "**more than designed**",
            ]
        )
    for n, case in nurture.items():
        rows.append(
            [
                f"nurture: one run to {n} eligible candidates",
                case["emails"],
                case["transitions"],
                f"{case['transitions_per_email']:.3f}",
                case["lambda"]["invocations"],
                "batches + 5 (one round)",
                "as designed" if case["transitions"] == math.ceil(case["emails"] / 100) + 5 else "**more**",
            ]
        )
    out.append(_table(["run", "emails", "transitions", "per email", "Lambda invocations", "expected", "result"], rows))
    out += [
        "",
        "Engage is one callback Task and one Wait per email: `2 x emails`, plus 2 when the first email waits for "
        "the window. Nurture is Resolve, Map, one SendBatch per 100, Tally, Choice, Succeed, whatever the audience.",
        "",
        "### AWS calls per email",
        "",
    ]
    columns = [
        ("five_in_window", engage["five_in_window"]),
        ("five_outside_window", engage["five_outside_window"]),
        ("welcome_in_window", engage["welcome_in_window"]),
    ] + [(f"nurture {n}", c) for n, c in nurture.items()]
    ops = sorted({op for _, c in columns for op in c["per_email"]})
    out.append(
        _table(
            [
                "call",
                "engage 5, in window",
                "engage 5, outside",
                "welcome, in window",
                *[f"nurture {n}" for n in nurture],
            ],
            [[op, *[c["per_email"].get(op, 0) for _, c in columns]] for op in ops],
        )
    )
    in_units, out_units = engage["five_in_window"]["units"], nurture[max(nurture, key=int)]["units"]
    out += [
        "",
        f"Request units per email: engage {in_units['wru'] / engage['five_in_window']['emails']:.1f} WRU and "
        f"{in_units['rru'] / engage['five_in_window']['emails']:.1f} RRU; nurture "
        f"{out_units['wru'] / nurture[max(nurture, key=int)]['emails']:.1f} WRU and "
        f"{out_units['rru'] / nurture[max(nurture, key=int)]['emails']:.1f} RRU. Where the write units go "
        "(5-email engage, whole run):",
        "",
        _table(
            ["item (operation)", "WRU"],
            [[k, v] for k, v in sorted(engage["five_in_window"]["wru_by_item"].items(), key=lambda kv: -kv[1])],
        ),
    ]

    inside, outside = cost["five_in_window"], cost["five_outside_window"]
    out += ["", "### Modelled cost per candidate: the 5-email engage sequence over 30 days", ""]
    rows = []
    for a, b in zip(inside["lines"], outside["lines"], strict=True):
        rows.append([a["item"], a["quantity"], b["quantity"], _usd(a["usd"]), _usd(b["usd"])])
    rows.append(["**total**", "", "", f"**{_usd(inside['total'])}**", f"**{_usd(outside['total'])}**"])
    out.append(
        _table(["item", "quantity (inside)", "quantity (outside)", "USD inside the window", "USD outside"], rows)
    )
    out += [
        "",
        _table(
            ["target", "inside the window", "outside the window", "result"],
            [
                [
                    f"≤ {_usd(targets['per_candidate_usd'])} per candidate",
                    _usd(inside["total"]),
                    _usd(outside["total"]),
                    " / ".join(_verdict(c["total"] <= targets["per_candidate_usd"]) for c in (inside, outside)),
                ],
                [
                    f"of which SES {_usd(targets['ses_usd'])}",
                    _usd(inside["ses"]),
                    _usd(outside["ses"]),
                    _verdict(inside["ses"] <= targets["ses_usd"] + 1e-12),
                ],
                [
                    "everything but SES",
                    _usd(inside["total"] - inside["ses"]),
                    _usd(outside["total"] - outside["ses"]),
                    f"budget {_usd(targets['per_candidate_usd'] - targets['ses_usd'])}",
                ],
            ],
        ),
        "",
        "### Against the naive design",
        "",
        "The naive machine: per email a plan Task, a Wait, a check Task, a send Task, a record Task and a Choice, "
        "then a Succeed; four Lambda invocations per email, each adding the smallest measured invocation's duration, "
        "and two more strongly consistent reads per email (check, send and record each reload what they need). "
        "Everything else as measured.",
        "",
    ]
    naive_rows = []
    for label, c in (("this design, inside the window", inside), ("this design, outside the window", outside)):
        transitions = next(line["quantity"] for line in c["lines"] if line["price"] == "sfn_standard_transition")
        naive_t = next(line["quantity"] for line in c["naive_lines"] if line["price"] == "sfn_standard_transition")
        naive_rows.append(
            [
                label,
                int(transitions),
                _usd(c["total"]),
                int(naive_t),
                _usd(c["naive_total"]),
                f"{(1 - c['total'] / c['naive_total']) * 100:.0f} %",
            ]
        )
    out.append(_table(["case", "transitions", "USD", "naive transitions", "naive USD", "saved"], naive_rows))
    out += [
        "",
        f"The issue puts the naive design at about {_usd(targets['issue_naive_usd'])}: that is SES plus about "
        f"{(targets['issue_naive_usd'] - targets['ses_usd']) / figures['transition_usd']:.0f} transitions' worth, "
        "i.e. about four states per email; the six-state loop modelled here costs more. Transitions are the lever: "
        f"one costs as much as {figures['equivalents']['invocations_per_transition']:.0f} invocations of "
        f"sequence_step as measured, or {figures['equivalents']['wru_per_transition']:.0f} write units.",
        "",
        "### Levers the counts pointed at (all three now implemented: what is left of each)",
        "",
        _table(
            ["lever", "saves inside the window", "saves outside"],
            [
                [a["lever"], _usd(a["usd"]), _usd(b["usd"])]
                for a, b in zip(inside["levers"], outside["levers"], strict=True)
            ]
            + [
                [
                    "**all three**: total per candidate",
                    _usd(inside["total"] - sum(x["usd"] for x in inside["levers"])),
                    _usd(outside["total"] - sum(x["usd"] for x in outside["levers"])),
                ]
            ],
        ),
        "",
        "The rest of the gap outside the window is the extra round that waits for the window (a Task and a Wait: "
        f"{_usd(2 * figures['transition_usd'])}), which the one-Lambda round cannot remove without starting the "
        "execution at a precomputed slot.",
        "",
        "### Around the send path (outside the issue's model)",
        "",
    ]
    rows = [[line["item"], line["group"], line["quantity"], _usd(line["usd"])] for line in inside["around"]]
    out.append(_table(["item (5-email engage, inside the window)", "when", "quantity", "USD"], rows))
    always = sum(line["usd"] for line in inside["around"] if line["group"] == "always")
    low = sum(line["usd"] for line in inside["around"] if line["group"] == "low volume")
    out += [
        "",
        f"With these, a candidate costs {_usd(inside['total'] + always)} at scale (warm functions) and up to "
        f"{_usd(inside['total'] + always + low)} at low volume, when every round, days apart, is a cold start "
        "(INIT is billed) and X-Ray samples every invocation. The engagement score (optional, per open or click "
        f"through `ses_events`): {_usd(cost.get('per_open', 0))} per open, {_usd(cost.get('per_click', 0))} per click "
        "(the profile, its skill-index items and the four GSI entries, in one transaction). SES's `Send` events "
        "are published to the bus, queued and delivered to `ses_events`, which ignores them (the sender already "
        "recorded `email_sent`): leaving SEND out of the configuration set's event types would save a queued "
        "message and its share of an invocation per email.",
        "",
        "### Nurture: cost per email",
        "",
    ]
    rows = []
    for n, case in nurture.items():
        c = cost[f"nurture_{n}"]
        rows.append(
            [
                n,
                case["emails"],
                case["transitions"],
                _usd(c["total"]),
                _usd(c["per_email"]),
                case["lambda"]["projected_ms"].get("campaign_step:send_batch", 0),
                case["lambda"]["paused_seconds"],
            ]
        )
    out.append(
        _table(
            [
                "audience",
                "emails",
                "transitions",
                "USD per run",
                "USD per email",
                "SendBatch ms (projected)",
                "paced s",
            ],
            rows,
        )
    )
    assumptions = figures["assumptions"]
    out += [
        "",
        "The SendBatch duration is its pacing to the SES rate (14/s shared by 2 tasks, 7 a second each) rather than "
        "its work; it is billed, at 1,024 MB.",
        "",
        "### Assumptions",
        "",
        "- Lambda duration is projected, not measured in AWS: our code's CPU time in the handler (moto's share taken "
        f"out) x {assumptions['full_vcpu_mb']} / memory (a 512 MB function has 29 % of a vCPU), plus a typical "
        f"in-region latency per call: {', '.join(f'{k} {v:g} ms' for k, v in assumptions['aws_latency_ms'].items())}. "
        "Memory sizes are infra/spec.py's ("
        + ", ".join(f"{name} {mb:,} MB" for name, mb in assumptions["memory_mb"].items())
        + "). "
        "Each machine runs once, unrecorded, before the figures are taken, so the handlers' lazy imports are "
        "done (Lambda does them once per environment); each recorded case still creates its clients and reads the "
        "token secret once, as a fresh environment would. INIT is modelled apart "
        f"({assumptions['cold_init_seconds']} s, DESIGN.md's import time for everything).",
        "- Request units: moto's item sizes (attribute names plus values); a write costs its larger image, a failed "
        "conditional write too; GSI entries that change cost 1 WRU per KB each, not doubled in a transaction. "
        "Strongly consistent reads 1 RRU per 4 KB, eventually consistent 0.5.",
        "- EventBridge: one custom event per PutEvents entry (every entry is far below 64 KB). SES's own events on the "
        "default bus are free; their SQS hop is 3 requests per message (send, receive, delete) at most.",
        f"- Logs: Powertools' output measured per invocation plus {assumptions['platform_log_bytes']} bytes of "
        "platform lines; the state machines log at level ALL without execution data, estimated as each history event "
        f"without its input and output plus {assumptions['sfn_log_envelope_bytes']} bytes.",
        "- Not modelled: the aggregates function on the table's stream (its reads of the stream are free; its "
        "invocations and counter writes per email are not counted here), storage, data transfer, free tiers.",
        "- nurture runs use bench/imports.py's item-level transaction rollback in moto (the whole-table copy per "
        "transaction took 48.6 s instead of 2.8 s for 100); with and without it the transitions, calls, units and "
        "emails were identical (checked 2026-11-26).",
        "- Prices: see `bench/prices.json` (each with its source, and `verified: false` where only the published price "
        "list as of the date stands behind it).",
    ]
    return "\n".join(out)
