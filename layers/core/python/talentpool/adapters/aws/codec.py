"""Plain Python values <-> DynamoDB attribute values (floats travel as Decimal)."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any


@cache
def _serializer() -> Any:
    from boto3.dynamodb.types import TypeSerializer

    return TypeSerializer()


@cache
def _deserializer() -> Any:
    from boto3.dynamodb.types import TypeDeserializer

    return TypeDeserializer()


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_to_dynamo(v) for v in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(v) for v in value]
    if isinstance(value, set):
        return sorted(_from_dynamo(v) for v in value)
    return value


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item from a dict; None values are dropped rather than stored as NULL."""
    serialize = _serializer().serialize
    return {k: serialize(_to_dynamo(v)) for k, v in values.items() if v is not None}


def to_value(value: Any) -> Any:
    return _serializer().serialize(_to_dynamo(value))


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    deserialize = _deserializer().deserialize
    return {k: _from_dynamo(deserialize(v)) for k, v in item.items()}
