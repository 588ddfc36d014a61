"""The one JSON decoder every route reads bodies with: what it refuses (as a 400 that says why), and its limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from talentpool.errors import MalformedRequest
from talentpool.limits import LIMITS, parse_json
from tools import openapi

HOSTILE: dict[str, bytes] = {
    "10,000 nested arrays": b"[" * 10_000 + b"]" * 10_000,
    "10,000 nested objects": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    "33 nested arrays": b"[" * 33 + b"]" * 33,
    "invalid UTF-8": b'{"first_name": "\xff\xfe"}',
    "a lone surrogate": b'{"first_name": "\\ud800"}',
    "a lone surrogate as a key": b'{"\\udc00": 1}',
    "a 5,000-digit integer": b'{"years_experience": ' + b"9" * 5_000 + b"}",
    "a 20-digit integer": b'{"years_experience": -' + b"9" * 20 + b"}",
    "a 5,000-digit float": b'{"min_engagement": 0.' + b"1" * 5_000 + b"}",
    "a float too large": b'{"min_engagement": 1e999}',
    "NaN": b'{"min_engagement": NaN}',
    "Infinity": b'{"min_engagement": Infinity}',
    "-Infinity": b'{"min_engagement": -Infinity}',
    "a duplicate key": b'{"email": "a@example.com", "email": "b@example.com"}',
    "a string over the limit": json.dumps({"name": "x" * (LIMITS.string_chars + 1)}).encode(),
    "an array over the limit": json.dumps({"tags": ["x"] * (LIMITS.array_items + 1)}).encode(),
    "not JSON": b"{'single': 'quotes'}",
    "an unterminated string of escaped quotes": b'"' + b'\\"' * 20_000,
    "nothing but spaces": b"   ",
}


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_body_is_malformed_with_a_reason(body: bytes) -> None:
    with pytest.raises(MalformedRequest) as refused:
        parse_json(body)

    assert refused.value.message.startswith("The request body")


def test_the_reason_names_where_a_value_is_over_a_limit() -> None:
    body = {"steps": [{"subject": "x" * (LIMITS.string_chars + 1)}]}

    with pytest.raises(MalformedRequest) as refused:
        parse_json(json.dumps(body))

    assert [f.as_dict() for f in refused.value.fields] == [
        {"loc": ["steps", 0, "subject"], "msg": f"is longer than {LIMITS.string_chars} characters"}
    ]


GOOD: dict[str, Any] = {
    "ordinary Unicode": {"first_name": "Zoë", "last_name": "Ñandú 李", "emoji": "🙂"},
    "escaped astral characters": {"emoji": "\ud83d\ude42"},
    "brackets inside strings": {"note": "[[[[{{{{" * 100},
    "32 levels": json.loads("[" * 31 + "{}" + "]" * 31),
    "the longest integer": {"n": -9_223_372_036_854_775_808},
    "floats": {"f": 1.5e300, "g": -0.0, "h": 12.25},
    "top-level values of any type": [1, "two", None, True],
    "strings and lists at their limits": {"s": "x" * LIMITS.string_chars, "a": [0] * LIMITS.array_items},
}


@pytest.mark.parametrize("value", GOOD.values(), ids=GOOD.keys())
def test_good_json_reads_as_json_loads_reads_it(value: Any) -> None:
    text = json.dumps(value)

    assert parse_json(text.encode()) == json.loads(text)
    assert parse_json(text) == json.loads(text)


def _schema_bounds(schema: Any, key: str) -> list[int]:
    if isinstance(schema, dict):
        found = [schema[key]] if isinstance(schema.get(key), int) else []
        return found + [n for value in schema.values() for n in _schema_bounds(value, key)]
    if isinstance(schema, list):
        return [n for value in schema for n in _schema_bounds(value, key)]
    return []


def test_no_model_accepts_more_than_the_decoder_lets_through() -> None:
    """The limits are a backstop for what no model checks yet, never a second, tighter rule than a model's."""
    document = openapi.build()

    assert max(_schema_bounds(document, "maxLength")) <= LIMITS.string_chars
    assert max(_schema_bounds(document, "maxItems")) <= LIMITS.array_items
