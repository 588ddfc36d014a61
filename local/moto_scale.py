"""moto patches for a real pool: memory in proportion to the data held, and reads that do not touch it all.

General fixes, written so that they could go upstream as they are (see local/moto_upstream.md):

- **Model instances are tracked weakly.** moto's `BaseModel.__new__` appends every instance it creates to a
  per-class list (`instances_tracked`, for the dashboard and S3's reset) and never removes it, so every
  overwritten DynamoDB item, every stream record, every deleted SQS message and every deep copy stays in
  memory for the life of the process.
- **TransactWriteItems snapshots only the items it touches.** moto deep-copies every table a transaction
  names before running it, so that it can roll back: each transaction costs time and memory in proportion
  to the whole table, and (with the tracking above) every copy was kept forever. Here the prior state of each
  item is remembered just before the transaction writes it, and a rollback puts back exactly those items.
  Stream records are held until the transaction commits, so a cancelled transaction emits none, as in
  DynamoDB (moto emitted the records of the writes it later rolled back).
- **Stream shards are trimmed.** A shard hands its records to mapped Lambda functions and then empties
  itself, but restarted its sequence numbers from the first one each time; without a mapping it kept every
  record forever. The shard's first sequence number now moves past what it drops, so sequence numbers only
  ever increase, and records older than DynamoDB Streams' 24-hour retention are dropped.
- **A Query on the table's own key reads one partition.** moto sorted every item of the table for each
  Query, then kept the partition asked for; a Query on a global secondary index still reads every item (moto
  keeps no index), but no longer sorts them all first, since it sorts what matches anyway.
- **The server finds a request's service without listing its own package.** moto's WSGI dispatcher listed
  and stat-ed every folder of the moto package on each request, inside its global lock.
- **SQS checks a message's retention period without computing every queue attribute.** For each message it
  receives, moto computed all of the queue's attributes, approximate counts included (each a pass over the
  queue), to read one number: a queue with a backlog took time in proportion to the backlog's square.
- **Step Functions parses a state machine's definition once.** Every execution parsed the ASL again with
  ANTLR (50 to 200 ms for ours); it now gets a deep copy of the tree parsed the first time (about 1 ms), so
  no two executions share a component. The list of interpreter threads moto keeps for its own tests no
  longer holds every finished one. Its tasks reuse one boto3 client per service and region instead of
  building a new one (20 to 50 ms) for every Lambda invocation.
- **EventBridge parses its JSONPath expressions once.** moto built a new JSONPath parser (a yacc table) for
  each of the eight paths of its default input template, for every target of every matching event.
"""

from __future__ import annotations

import copy
import functools
import inspect
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

Undo = Callable[[], None]

STREAM_RETENTION = timedelta(hours=24)  # DynamoDB Streams keeps a record for 24 hours
MAX_TRANSACTION_ITEMS = 100


# --- weak instance tracking -----------------------------------------------------------------------------


class WeakInstances:
    """What moto's `instances_tracked` list is for (iterating the live instances of a model), held weakly.

    Dead references are pruned whenever the list has doubled since the last pruning, so the list stays
    proportional to the live instances. An object that cannot be weakly referenced (`__slots__` without
    `__weakref__`) is held strongly, as moto held every one.
    """

    PRUNE_FLOOR = 1024

    def __init__(self, initial: Any = ()) -> None:
        self._refs: list[weakref.ref[Any]] = []
        self._strong: list[Any] = []
        self._prune_at = self.PRUNE_FLOOR
        self._lock = threading.Lock()
        for instance in initial:
            self.append(instance)

    def append(self, instance: Any) -> None:
        with self._lock:
            try:
                self._refs.append(weakref.ref(instance))
            except TypeError:
                self._strong.append(instance)
            if len(self._refs) >= self._prune_at:
                self._refs = [ref for ref in self._refs if ref() is not None]
                self._prune_at = max(self.PRUNE_FLOOR, 2 * len(self._refs))

    def __iter__(self) -> Iterator[Any]:
        with self._lock:
            refs, strong = list(self._refs), list(self._strong)
        yield from strong
        for ref in refs:
            instance = ref()
            if instance is not None:
                yield instance

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _tracked(cls: type) -> WeakInstances:
    # moto's metaclass gives each model class its own list, and its reset puts a fresh list back: swap either.
    tracked = cls.__dict__.get("instances_tracked")
    if not isinstance(tracked, WeakInstances):
        tracked = WeakInstances(tracked or ())
        setattr(cls, "instances_tracked", tracked)  # noqa: B010 - the attribute moto reads
    return tracked


def patch_weak_instance_tracking() -> Undo:
    """moto's BaseModel tracks every instance it creates; here it tracks them without keeping them alive."""
    from moto.core.common_models import BaseModel
    from moto.core.model_instances import model_data

    original = BaseModel.__dict__["__new__"]

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
        instance = super(BaseModel, cls).__new__(cls)  # type: ignore[misc]  # as moto: no arguments to object
        _tracked(cls).append(instance)
        return instance

    BaseModel.__new__ = staticmethod(__new__)  # type: ignore[method-assign]
    # What is already tracked (the resources created so far) is held weakly from now on too.
    for models in list(model_data.values()):
        for model in list(models.values()):
            if isinstance(model, type):
                _tracked(model)

    def undo() -> None:
        BaseModel.__new__ = original  # type: ignore[method-assign]

    return undo


# --- transactions ---------------------------------------------------------------------------------------


@dataclass
class _Prior:
    """An item as it was before the transaction first wrote it (None: it did not exist)."""

    table: Any
    hash_key: Any
    range_key: Any
    item: Any
    partition_existed: bool


@dataclass
class _Journal:
    """The prior state of each item a transaction writes, so that a rollback restores only those."""

    backend: Any
    priors: list[_Prior] = field(default_factory=list)

    def remember(self, table_name: str, key: dict[str, Any]) -> None:
        table = self.backend.get_table(table_name)
        hash_key, range_key = self.backend.get_keys_value(table, key)
        partition_existed = hash_key in table.items
        current = table.get_item(hash_key, range_key)
        # UpdateItem changes the stored item in place, so the prior state must be a copy of this one item.
        self.priors.append(_Prior(table, hash_key, range_key, copy.deepcopy(current), partition_existed))

    def rollback(self) -> None:
        for prior in reversed(self.priors):
            items = prior.table.items
            if prior.range_key is None:
                if prior.item is None:
                    items.pop(prior.hash_key, None)
                else:
                    items[prior.hash_key] = prior.item
                continue
            partition = items[prior.hash_key]
            if prior.item is None:
                partition.pop(prior.range_key, None)
            else:
                partition[prior.range_key] = prior.item
            if not partition and not prior.partition_existed:
                del items[prior.hash_key]
        self.priors.clear()


_held = threading.local()


@contextmanager
def _holding_stream_records() -> Iterator[list[tuple[Any, Any, Any]]]:
    """Inside the block, stream records this thread's writes produce are collected instead of emitted."""
    held: list[tuple[Any, Any, Any]] = []
    _held.records = held
    try:
        yield held
    finally:
        _held.records = None


def _transaction_key(backend: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return dict(op["Key"])
    table = backend.get_table(op["TableName"])
    attrs = op["Item"]
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def _write(backend: Any, op_type: str, op: dict[str, Any], key: dict[str, Any]) -> None:
    expression = {
        "condition_expression": op.get("ConditionExpression"),
        "expression_attribute_names": op.get("ExpressionAttributeNames"),
        "expression_attribute_values": op.get("ExpressionAttributeValues"),
    }
    if op_type == "Put":
        backend.put_item(op["TableName"], op["Item"], **expression)
    elif op_type == "Delete":
        backend.delete_item(op["TableName"], key, **expression)
    elif op_type == "Update":
        backend.update_item(op["TableName"], key, update_expression=op["UpdateExpression"], **expression)


def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    """moto's DynamoDBBackend.transact_write_items with the same checks, outcomes and cancellation reasons,
    but a journal of the touched items instead of a deep copy of every table, and stream records emitted
    only when the transaction commits."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > MAX_TRANSACTION_ITEMS:
        raise TooManyTransactionsException()
    journal = _Journal(self)
    targets: set[tuple[str, str]] = set()
    errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
    with _holding_stream_records() as records:
        for entry in transact_items:
            original_item: dict[str, Any] | None = None
            if len(entry) > 1:
                journal.rollback()  # DynamoDB validates the request before writing anything
                raise TransactWriteSingleOpException
            try:
                op_type, op = next(iter(entry.items()))
                if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                    raise ValueError("Unsupported transaction operation")
                table_name = op["TableName"]
                key = _transaction_key(self, op_type, op)
                target = (str(table_name), str(dict(sorted(key.items()))))
                if target in targets:
                    raise MultipleTransactionsException()
                targets.add(target)

                current = self.get_item(table_name, key)
                condition = op.get("ConditionExpression")
                if condition is not None:
                    check = get_filter_expression(
                        condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                    )
                    if not check.expr(current):
                        if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                            original_item = current.to_json()["Attributes"]
                        raise ConditionalCheckFailed(item=original_item)
                if op_type != "ConditionCheck":
                    journal.remember(table_name, key)
                    _write(self, op_type, op, key)
                errors.append((None, None, None))
            except (MultipleTransactionsException, MockValidationException):
                journal.rollback()
                raise
            except ConditionalCheckFailed as exc:
                errors.append(("ConditionalCheckFailed", str(exc.message), original_item))
            except Exception as exc:  # as moto: any other failure becomes a cancellation reason
                errors.append((type(exc).__name__, str(exc), original_item))
        if any(code is not None for code, _, _ in errors):
            journal.rollback()
            raise TransactionCanceledException(errors)
    for shard, old, new in records:
        shard.add(old, new)  # outside the block: emitted now, in the order the writes happened


def patch_transactions() -> Undo:
    """TransactWriteItems journals the items it writes instead of deep-copying the tables it names."""
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.__dict__["transact_write_items"]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]

    def undo() -> None:
        DynamoDBBackend.transact_write_items = original  # type: ignore[method-assign]

    return undo


# --- stream shards --------------------------------------------------------------------------------------


def _trim_expired(shard: Any, now: datetime) -> None:
    horizon = now - STREAM_RETENTION
    expired = 0
    for record in shard.items:
        created = record.record["dynamodb"].get("ApproximateCreationDateTime")
        if not isinstance(created, datetime) or created >= horizon:
            break
        expired += 1
    if expired:
        del shard.items[:expired]
        shard.starting_sequence_number += expired


def _shard_add(original: Callable[[Any, Any, Any], None]) -> Callable[[Any, Any, Any], None]:
    """StreamShard.add: held while a transaction runs, and then the shard never restarts its numbering."""

    def add(shard: Any, old: Any, new: Any) -> None:
        from moto.core.utils import utcnow

        held = getattr(_held, "records", None)
        if held is not None:
            held.append((shard, old, new))
            return
        before = len(shard.items)
        original(shard, old, new)
        if not shard.items:
            # Delivered to the mapped functions and emptied: the next record continues the numbering.
            shard.starting_sequence_number += before + 1
        else:
            _trim_expired(shard, utcnow())

    return add


def patch_stream_shards() -> Undo:
    """Stream records wait for their transaction to commit; shards drop what they delivered or what expired."""
    from moto.dynamodb.models.table import StreamShard

    return _wrap(StreamShard, "add", _shard_add)


# --- reads ----------------------------------------------------------------------------------------------

_reading = threading.local()


def _partition(table: Any, hash_key: Any) -> list[Any]:
    """The items with this hash key, in range key order: what a table Query's candidates are."""
    found = table.items.get(hash_key)  # .get: indexing the defaultdict would add an empty partition
    if found is None:
        return []
    if not table.range_key_attr:
        return [found]
    return sorted(found.values(), key=lambda item: item.range_key)


def _query_reads_less(original: Callable[..., Any]) -> Callable[..., Any]:
    # moto's backend passes index_name by position: find it where it comes, by name or by place.
    parameters = list(inspect.signature(original).parameters)
    index_at = parameters.index("index_name") - 2  # its place in *args, after self and hash_key

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[index_at] if len(args) > index_at else kwargs.get("index_name")
        # Table.query finds its candidates through all_items(): scope that call to what the query can match.
        _reading.scope = (self, None if index_name else hash_key)
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            _reading.scope = None

    return query


def _all_items_scoped(original: Callable[[Any], list[Any]]) -> Callable[[Any], list[Any]]:
    def all_items(self: Any) -> list[Any]:
        scope = getattr(_reading, "scope", None)
        if scope is None or scope[0] is not self:
            return original(self)
        _reading.scope = None  # only the query's own first call
        hash_key = scope[1]
        if hash_key is None:
            return [item for partition in self.items.values() for item in _partition_items(self, partition)]
        return _partition(self, hash_key)

    return all_items


def _partition_items(table: Any, partition: Any) -> list[Any]:
    return list(partition.values()) if table.range_key_attr else [partition]


def patch_reads() -> Undo:
    """Query reads the partition it names (or, on an index, every item once, unsorted); see the docstring."""
    from moto.dynamodb.models.table import Table

    undo = [_wrap(Table, "query", _query_reads_less), _wrap(Table, "all_items", _all_items_scoped)]

    def undo_all() -> None:
        for step in reversed(undo):
            step()

    return undo_all


def patch_service_lookup() -> Undo:
    """moto's server asks for the list of its own service folders on every request: list them once."""
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())
    return _swap(backends, "list_of_moto_modules", lambda: modules)


def patch_sqs_retention_check() -> Undo:
    """SQS reads the one attribute the retention check needs (see the docstring)."""
    from moto.core.utils import unix_time
    from moto.sqs.models import SQSBackend

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        queue = self.get_queue(queue_name)
        return bool(int(queue.message_retention_period) + message.sent_timestamp / 1000 > unix_time())

    name = "is_message_valid_based_on_retention_period"
    return _wrap(SQSBackend, name, lambda _: is_message_valid_based_on_retention_period)


def patch_jsonpath_parsing() -> Undo:
    """jsonpath_ng.ext.parse remembers what it parsed: the expressions are immutable, the parser is slow."""
    import jsonpath_ng.ext

    return _swap(jsonpath_ng.ext, "parse", functools.lru_cache(maxsize=1024)(jsonpath_ng.ext.__dict__["parse"]))


def patch_program_parsing() -> Undo:
    """Each execution evaluates its own deep copy of the definition's program, parsed once (see the docstring)."""
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
    from moto.stepfunctions.parser.utils import TMP_THREADS

    @functools.lru_cache(maxsize=64)
    def parsed(definition: str) -> Any:
        from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

        return AmazonStateLanguageParser.parse(definition)[0]

    def entrypoint(self: Any) -> Any:
        _forget_finished(TMP_THREADS)
        return copy.deepcopy(parsed(self._evaluation_details.state_machine_details.definition))

    return _wrap(ExecutionWorker, "_get_evaluation_entrypoint", lambda _: entrypoint)


def patch_task_clients() -> Undo:
    """The interpreter's boto_client_for builds the same client for every task: build each once."""
    import sys

    from moto.stepfunctions.parser.asl.parse import asl_parser  # noqa: F401 - imports every task component
    from moto.stepfunctions.parser.asl.utils import boto_client

    original = boto_client.boto_client_for

    @functools.lru_cache(maxsize=32)
    def client(region: str, service: str, intercepting: bool, port: int) -> Any:
        return original(region, service)

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        from moto.core.models import botocore_stubber
        from moto.settings import moto_server_port

        # moto's own version ignores state_credentials too; the endpoint depends only on these.
        return client(region, service, bool(botocore_stubber.enabled), int(moto_server_port()))

    # Every component imported the function by name: replace it where it was imported.
    owners = [m for m in list(sys.modules.values()) if getattr(m, "boto_client_for", None) is original]
    for module in owners:
        module.boto_client_for = boto_client_for  # type: ignore[attr-defined]

    def undo() -> None:
        for module in owners:
            module.boto_client_for = original  # type: ignore[attr-defined]

    return undo


def _forget_finished(threads: list[Any]) -> None:
    # moto's TMP_THREADS only ever grows; drop the finished ones once it has doubled since the last time.
    if len(threads) >= 2 * getattr(_forget_finished, "kept", 512):
        threads[:] = [thread for thread in threads if thread.is_alive()]
        _forget_finished.kept = max(512, len(threads))  # type: ignore[attr-defined]


# --- local policy (not for upstream) ---------------------------------------------------------------------

FINISHED_EXECUTIONS_KEPT = 1000


def patch_execution_retention(kept: int = FINISHED_EXECUTIONS_KEPT) -> Undo:
    """Each state machine keeps its `kept` most recent finished executions; older ones are forgotten.

    Step Functions keeps an execution's history for 90 days. A local pool of thousands runs an engage
    execution per confirmed candidate, and each finished one holds its interpreter environment (about 50 KB),
    so the runtime forgets the oldest once there are more than `kept`: they are history, not data. Running
    executions are never touched. The list is replaced rather than edited, so a thread going through the
    old one (moto looks up a task token's execution that way) never misses an entry.
    """
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = StepFunctionsParserBackend.__dict__["start_execution"]
    starting = threading.Lock()  # a start appends to the list this replaces: one at a time

    def start_execution(self: Any, state_machine_arn: str, *args: Any, **kwargs: Any) -> Any:
        with starting:
            execution = original(self, state_machine_arn, *args, **kwargs)
            _forget_finished_executions(self.describe_state_machine(state_machine_arn), kept)
        return execution

    return _wrap(StepFunctionsParserBackend, "start_execution", lambda _: start_execution)


def _forget_finished_executions(machine: Any, kept: int) -> None:
    from moto.stepfunctions.parser.api import ExecutionStatus

    executions = machine.executions
    finished = [e for e in executions if getattr(e, "exec_status", None) != ExecutionStatus.RUNNING]
    if len(finished) <= kept + kept // 10:  # a tenth of slack, so the pass runs once per hundred starts
        return
    forgotten = {id(e) for e in finished[: len(finished) - kept]}
    machine.executions = [e for e in executions if id(e) not in forgotten]


def _wrap(owner: type, name: str, wrapper: Callable[[Callable[..., Any]], Callable[..., Any]]) -> Undo:
    return _swap(owner, name, wrapper(owner.__dict__[name]))


def _swap(owner: Any, name: str, value: Any) -> Undo:
    """Set a class's or module's own attribute; the undo puts the original back."""
    original = owner.__dict__[name]
    setattr(owner, name, value)
    return lambda: setattr(owner, name, original)


def patch_moto_scale() -> Undo:
    """All of them; the local runtime applies them before it creates anything, tests around a moto server too."""
    undo = [
        patch_weak_instance_tracking(),
        patch_stream_shards(),
        patch_transactions(),
        patch_reads(),
        patch_service_lookup(),
        patch_sqs_retention_check(),
        patch_jsonpath_parsing(),
        patch_program_parsing(),
        patch_task_clients(),
        patch_execution_retention(),
    ]

    def undo_all() -> None:
        for step in reversed(undo):
            step()

    return undo_all
