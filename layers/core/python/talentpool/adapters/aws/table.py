"""The single DynamoDB table: reads, queries and transactions, with AWS errors turned into ours."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from talentpool.adapters.aws import codec
from talentpool.adapters.aws.clients import client, error_code
from talentpool.adapters.aws.schema import PK, SK


class TransactionCancelled(Exception):
    """A transaction failed a condition. `reasons` lines up with the items; `old_items` holds ALL_OLD images."""

    def __init__(self, reasons: list[str], old_items: list[dict[str, Any] | None]) -> None:
        super().__init__(", ".join(reasons))
        self.reasons = reasons
        self.old_items = old_items

    def failed_at(self, index: int) -> bool:
        return self.reasons[index] == "ConditionalCheckFailed"

    @property
    def conflicted(self) -> bool:
        """Another transaction was writing the same item at that moment: safe to retry."""
        return "TransactionConflict" in self.reasons


@dataclass
class Write:
    """One element of a transaction: a put, delete, update or condition check on a key."""

    kind: str  # "Put" | "Delete" | "Update" | "ConditionCheck"
    key: dict[str, str]
    item: dict[str, Any] | None = None
    condition: str | None = None
    update: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    return_old_on_failure: bool = False


@dataclass
class Page:
    items: list[dict[str, Any]]
    last_key: dict[str, Any] | None
    scanned: int


class Table:
    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def _ddb(self) -> Any:
        return client("dynamodb")

    def get(self, key: dict[str, str], *, consistent: bool = True) -> dict[str, Any] | None:
        response = self._ddb.get_item(TableName=self.name, Key=codec.to_item(key), ConsistentRead=consistent)
        item = response.get("Item")
        return codec.from_item(item) if item else None

    def put(
        self,
        item: dict[str, Any],
        *,
        condition: str | None = None,
        names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        kwargs: dict[str, Any] = {"TableName": self.name, "Item": codec.to_item(item)}
        _add_condition(kwargs, condition, names, values)
        self._ddb.put_item(**kwargs)

    def update(
        self,
        key: dict[str, str],
        expression: str,
        *,
        condition: str | None = None,
        names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "Key": codec.to_item(key),
            "UpdateExpression": expression,
            "ReturnValues": "ALL_NEW",
        }
        _add_condition(kwargs, condition, names, values)
        return codec.from_item(self._ddb.update_item(**kwargs).get("Attributes", {}))

    def delete(self, key: dict[str, str]) -> None:
        self._ddb.delete_item(TableName=self.name, Key=codec.to_item(key))

    def query(
        self,
        pk_value: str,
        *,
        index: str | None = None,
        pk_name: str = PK,
        sk_name: str = SK,
        sk_prefix: str | None = None,
        sk_between: tuple[str, str] | None = None,
        forward: bool = True,
        limit: int | None = None,
        start_key: dict[str, Any] | None = None,
        consistent: bool = False,
        filter_contains: tuple[str, str] | None = None,
    ) -> Page:
        """One page of a key-condition query: never a scan."""
        condition = "#pk = :pk"
        names = {"#pk": pk_name}
        values: dict[str, Any] = {":pk": pk_value}
        if sk_prefix is not None:
            condition += " AND begins_with(#sk, :prefix)"
            names["#sk"] = sk_name
            values[":prefix"] = sk_prefix
        elif sk_between is not None:
            condition += " AND #sk BETWEEN :lo AND :hi"
            names["#sk"] = sk_name
            values[":lo"], values[":hi"] = sk_between
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": codec.to_item(values),
            "ScanIndexForward": forward,
        }
        if filter_contains:
            kwargs["FilterExpression"] = "contains(#f, :needle)"
            kwargs["ExpressionAttributeNames"]["#f"] = filter_contains[0]
            kwargs["ExpressionAttributeValues"][":needle"] = codec.to_value(filter_contains[1])
        if index:
            kwargs["IndexName"] = index
        else:
            kwargs["ConsistentRead"] = consistent
        if limit:
            kwargs["Limit"] = limit
        if start_key:
            kwargs["ExclusiveStartKey"] = codec.to_item(start_key)
        response = self._ddb.query(**kwargs)
        last = response.get("LastEvaluatedKey")
        return Page(
            items=[codec.from_item(i) for i in response.get("Items", [])],
            last_key=codec.from_item(last) if last else None,
            scanned=int(response.get("ScannedCount", 0)),
        )

    def query_all(self, pk_value: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        start: dict[str, Any] | None = None
        while True:
            page = self.query(pk_value, start_key=start, **kwargs)
            yield from page.items
            if not page.last_key:
                return
            start = page.last_key

    def batch_get(self, keys: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        pending = [codec.to_item(k) for k in keys]
        while pending:
            chunk, pending = pending[:100], pending[100:]
            request: dict[str, Any] = {self.name: {"Keys": chunk}}
            while request:
                response = self._ddb.batch_get_item(RequestItems=request)
                found.extend(codec.from_item(i) for i in response.get("Responses", {}).get(self.name, []))
                request = response.get("UnprocessedKeys") or {}
        return found

    def batch_delete(self, item_keys: Sequence[dict[str, str]]) -> None:
        """Delete many items, 25 per request, retrying whatever DynamoDB leaves unprocessed."""
        requests = [{"DeleteRequest": {"Key": codec.to_item(k)}} for k in item_keys]
        self._batch_write(requests)

    def batch_put(self, items: Sequence[dict[str, Any]]) -> None:
        self._batch_write([{"PutRequest": {"Item": codec.to_item(i)}} for i in items])

    def _batch_write(self, requests: list[dict[str, Any]]) -> None:
        while requests:
            chunk, requests = requests[:25], requests[25:]
            pending: dict[str, Any] = {self.name: chunk}
            while pending:
                pending = self._ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}

    def transact(self, writes: Sequence[Write], *, token: str | None = None) -> None:
        """All or nothing. Raises TransactionCancelled when any condition fails."""
        if not writes:
            return
        kwargs: dict[str, Any] = {"TransactItems": [self._transact_item(w) for w in writes]}
        if token:
            kwargs["ClientRequestToken"] = token
        try:
            self._ddb.transact_write_items(**kwargs)
        except self._ddb.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons", [])
            raise TransactionCancelled(
                [r.get("Code", "None") for r in reasons],
                [codec.from_item(r["Item"]) if r.get("Item") else None for r in reasons],
            ) from exc

    def _transact_item(self, write: Write) -> dict[str, Any]:
        body: dict[str, Any] = {"TableName": self.name}
        if write.kind == "Put":
            body["Item"] = codec.to_item({**(write.item or {}), **write.key})
        else:
            body["Key"] = codec.to_item(write.key)
        if write.update:
            body["UpdateExpression"] = write.update
        _add_condition(body, write.condition, write.names, write.values)
        if write.return_old_on_failure:
            body["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return {write.kind: body}


def _add_condition(
    kwargs: dict[str, Any], condition: str | None, names: dict[str, str] | None, values: dict[str, Any] | None
) -> None:
    if condition:
        kwargs["ConditionExpression"] = condition
    if names:
        kwargs["ExpressionAttributeNames"] = names
    if values:
        kwargs["ExpressionAttributeValues"] = codec.to_item(values)


def is_conditional_failure(exc: Exception) -> bool:
    return error_code(exc) == "ConditionalCheckFailedException"
