"""What Schemathesis cannot learn from docs/openapi.json: a paging cursor is a value the API issued."""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis import GenerationMode
from schemathesis.generation.meta import TestPhase

# No JSON Schema can say "a next_cursor from an earlier page of the same query": a made-up cursor, valid by the
# document, is refused with a 422 saying it is not from this listing (talentpool/cursor.py), by design.
ISSUED_BY_THE_API = ("cursor",)


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    """Leave made-up cursors out of requests meant to be valid; the stateful phase's cursors come from a page
    the API returned (the document's links) and stay, as do the invalid ones negative testing sends."""
    meta = case.meta
    made_up = meta is None or meta.phase.name is not TestPhase.STATEFUL
    if made_up and meta is not None and meta.generation.mode is GenerationMode.POSITIVE and case.query:
        for name in ISSUED_BY_THE_API:
            case.query.pop(name, None)
    return case
