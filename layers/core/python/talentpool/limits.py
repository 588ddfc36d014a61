"""What a client may send, in one place, and the one JSON decoder that holds every route's body to it."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from talentpool.errors import FieldError, MalformedRequest


@dataclass(frozen=True)
class RequestLimits:
    """Bounds checked before any model sees a request: far above what a real request needs (no model accepts a
    longer string or a longer list than these), and low enough that parsing stays cheap and never recurses deep."""

    body_bytes: int = 64 * 1024
    depth: int = 32  # objects and arrays nested in each other; the deepest model nests 5
    integer_digits: int = 19  # every integer a model accepts fits in a signed 64-bit number
    number_chars: int = 40  # a float's text, exponent included
    string_chars: int = 50_000  # the longest field is a sequence step's HTML
    array_items: int = 1_000  # the longest list is an enrolment's 500 candidate ids


LIMITS = RequestLimits()

# Brackets, and strings (skipped, so a bracket inside one does not count). The closing quote is optional so that
# an unterminated string ends the scan instead of making the search retry from every later quote.
_BRACKET_OR_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_SURROGATE = re.compile("[\ud800-\udfff]")

Path = tuple[str | int, ...]


def parse_json(data: bytes | str, limits: RequestLimits = LIMITS) -> Any:
    """The value of a JSON document, or MalformedRequest (a 400) saying what is wrong and where.

    Stricter than json.loads: UTF-8 only, no NaN or Infinity, no duplicate keys, no lone surrogates, and the
    limits above, so that nothing a client sends can make a route fail with a 5xx later.
    """
    text = _text(data)
    _check_depth(text, limits)
    try:
        value = json.loads(
            text,
            parse_int=lambda token: _integer(token, limits),
            parse_float=lambda token: _float(token, limits),
            parse_constant=_constant,
            object_pairs_hook=_object,
        )
    except json.JSONDecodeError as exc:
        raise MalformedRequest(f"The request body is not valid JSON: {exc.msg} at position {exc.pos}") from None
    _check_values(value, limits)
    return value


def _text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedRequest(f"The request body is not valid UTF-8 (byte {exc.start})") from None


def _check_depth(text: str, limits: RequestLimits) -> None:
    # Measured on the text, before parsing: json.loads recurses once per level and would fail on a deep
    # document with a RecursionError, not a clear answer.
    steps = (_DEPTH_STEP.get(token, 0) for token in _BRACKET_OR_STRING.findall(text))
    if max(accumulate(steps, initial=0)) > limits.depth:
        raise MalformedRequest(f"The request body nests objects or arrays more than {limits.depth} levels deep")


def _integer(token: str, limits: RequestLimits) -> int:
    if len(token.lstrip("-")) > limits.integer_digits:
        raise MalformedRequest(f"The request body has an integer longer than {limits.integer_digits} digits")
    return int(token)


def _float(token: str, limits: RequestLimits) -> float:
    if len(token) > limits.number_chars:
        raise MalformedRequest(f"The request body has a number longer than {limits.number_chars} characters")
    value = float(token)
    if not math.isfinite(value):
        raise MalformedRequest("The request body has a number too large to represent")
    return value


def _constant(token: str) -> Any:
    raise MalformedRequest(f"The request body has {token}, which is not JSON: numbers must be finite")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of two equal keys; a client meant one of them, and we cannot know which.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise MalformedRequest(f"The request body names {key!r} twice in one object")
        result[key] = value
    return result


def _check_values(value: Any, limits: RequestLimits) -> None:
    for path, item in _walk(value):
        if isinstance(item, str):
            if len(item) > limits.string_chars:
                raise _malformed(path, f"is longer than {limits.string_chars} characters")
            if _SURROGATE.search(item):
                raise _malformed(path, "is not valid Unicode (a lone surrogate)")
        elif isinstance(item, list) and len(item) > limits.array_items:
            raise _malformed(path, f"has more than {limits.array_items} items")


def _walk(value: Any) -> Iterator[tuple[Path, Any]]:
    """Every value in the document with where it is, keys included (they are strings too); no recursion."""
    pending: list[tuple[Path, Any]] = [((), value)]
    while pending:
        path, item = pending.pop()
        yield path, item
        if isinstance(item, dict):
            for key, child in item.items():
                yield (*path, key), key
                pending.append(((*path, key), child))
        elif isinstance(item, list):
            pending.extend(((*path, index), child) for index, child in enumerate(item))


def _malformed(path: Path, problem: str) -> MalformedRequest:
    where = list(path) or ["body"]
    return MalformedRequest(f"The request body is not acceptable: a value {problem}", [FieldError(where, problem)])
