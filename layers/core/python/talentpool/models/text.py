"""Text that cannot break what it lands in: no control, line-breaking or invisible formatting characters.

Names and short texts travel into email headers, subject lines, CSV cells, HTML pages and logs. A CR or LF
could add a header line, a bidi override could make a name read backwards in a recruiter's list, and a
zero-width joiner could make two names look alike. Ordinary letters of every script (Zoë Ñandú 李) and
combining accents are kept exactly as given: nothing is normalised away.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import cache
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

# Unicode general categories refused in single-line text: Cc are the C0 and C1 controls (NUL, CR, LF, TAB, DEL
# and U+0080-U+009F), Cf the invisible format characters (bidi embeddings, overrides and isolates, LRM/RLM,
# zero-width space, joiners, word joiner, BOM, tag characters), Zl/Zp the line and paragraph separators, and
# Cs lone surrogates, which JSON can smuggle in but no email, CSV or page can carry.
_REFUSED = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
# Multi-line text (a note, feedback) may also break lines and indent.
_LINE_BREAKS = frozenset({"\n", "\r", "\t"})
FOLDED_MAX_CHARS = 200


def _first_refused(value: str, allowed: frozenset[str]) -> str | None:
    return next((c for c in value if c not in allowed and unicodedata.category(c) in _REFUSED), None)


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name.lower()})" if name else "")


def single_line(value: str) -> str:
    """A name or short text: one line of visible characters, as given."""
    found = _first_refused(value, frozenset())
    if found is not None:
        raise ValueError(f"must not contain control, line-break or invisible formatting characters: {_describe(found)}")
    return value


def multi_line(value: str) -> str:
    """Free text that may span lines (a note): line breaks and tabs allowed, other controls refused."""
    found = _first_refused(value, _LINE_BREAKS)
    if found is not None:
        raise ValueError(f"must not contain control or invisible formatting characters: {_describe(found)}")
    return value


def folded(value: str) -> str:
    """A search key: accents removed, case folded and spaces collapsed, so `ZOË  ñandú` finds `Zoë Ñandú`.

    Cut at FOLDED_MAX_CHARS: folding can lengthen text (NFKD expands ligatures), and keys must stay small.
    """
    decomposed = unicodedata.normalize("NFKD", value)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())[:FOLDED_MAX_CHARS]


# What `strip_whitespace` removes (pydantic trims Unicode White_Space, as Rust's str::trim does), written out: a
# pattern's `\s` means something else in each dialect (ECMA-262's has U+FEFF and lacks U+0085, Python's adds
# U+001C-U+001F), and a document that calls a blank-after-trimming text valid would promise what is refused.
WHITE_SPACE_CHARS = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
)
WHITE_SPACE = "".join(f"\\u{ord(char):04x}" for char in WHITE_SPACE_CHARS)  # the same set, as a pattern's class
NOT_BLANK_PATTERN = f"[^{WHITE_SPACE}]"


class Pattern:
    """States a check in the JSON Schema as a `pattern`, composed with the pattern the field already has.

    JSON Schema gives a string one `pattern`, and Schemathesis checks patterns with Rust's regex engine, which
    has no lookaheads: two facts about one field (visible characters only, and not blank) are written as one
    expression (`visible_pattern(not_blank=True)`). The check itself is the validator beside it in the
    `Annotated`: this only says it in the document, so clients can know it.
    """

    def __init__(
        self, visible: bool = False, not_blank: bool = False, stripped: bool = False, lines: bool = False
    ) -> None:
        self._visible, self._not_blank, self._stripped, self._lines = visible, not_blank, stripped, lines

    def __get_pydantic_json_schema__(self, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core)
        existing = schema.get("pattern")
        # (stripped, lines) of a pattern this class stated before, on the same field
        stated = {visible_pattern(st, lines=li): (st, li) for st in (False, True) for li in (False, True)}
        if existing is not None and existing != NOT_BLANK_PATTERN and existing not in stated:
            raise ValueError(f"cannot state two patterns in one: {existing!r} and this field's")
        visible = self._visible or existing in stated
        not_blank = self._not_blank or existing == NOT_BLANK_PATTERN
        was_stripped, had_lines = stated.get(existing or "", (False, False))
        stripped, lines = self._stripped or was_stripped, self._lines or had_lines
        schema["pattern"] = visible_pattern(stripped, not_blank, lines) if visible else NOT_BLANK_PATTERN
        return schema


@cache
def visible_pattern(stripped: bool = False, not_blank: bool = False, lines: bool = False) -> str:
    """What single_line (with `lines`, multi_line) lets through, as a pattern: no code point it refuses.

    Built once, when the document is generated (never on a request path: it walks the whole plane).
    """
    # The Basic Multilingual Plane only, and no surrogates: JSON Schema's regex dialect (ECMA-262 without the u
    # flag) cannot name a code point above U+FFFF, and Rust's regex cannot name a surrogate. The few refused
    # up there (tag characters, some scripts' format marks) are still refused by single_line; the document
    # just does not list them.
    refused = [
        code
        for code in range(0x10000)
        if unicodedata.category(chr(code)) in _REFUSED
        and not 0xD800 <= code <= 0xDFFF
        and not (lines and chr(code) in _LINE_BREAKS)
    ]
    ranges: list[tuple[int, int]] = []
    for code in refused:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    body = "".join(_escape(low) if low == high else f"{_escape(low)}-{_escape(high)}" for low, high in ranges)
    # Stripped: leading and trailing whitespace goes before the check (strip_whitespace), so it may be any;
    # not blank: at least one allowed character that is not whitespace.
    edge = f"[{WHITE_SPACE}]*" if stripped else ""
    middle = f"[^{body}]*[^{body}{WHITE_SPACE}][^{body}]*" if not_blank else f"[^{body}]*"
    return f"^{edge}{middle}{edge}$"


def _escape(code: int) -> str:
    return f"\\u{code:04x}"


class Checked(Pattern):
    """A validator that also states itself in the JSON Schema as a pattern (see Pattern)."""

    def __init__(self, check: Callable[[str], str], lines: bool = False) -> None:
        super().__init__(visible=True, stripped=True, lines=lines)
        self._check = check

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        inner = handler(source)
        checked = core_schema.no_info_after_validator_function(self._check, inner)
        limit = inner.get("max_length") if inner.get("type") == "str" else None
        if not isinstance(limit, int):
            return checked

        def as_sent(value: Any) -> Any:
            # The document's maxLength counts the text as sent; stripping comes after, so count before it.
            if isinstance(value, str) and len(value) > limit:
                # The same error pydantic gives for max_length, so pages word it as they word that one.
                raise PydanticCustomError(
                    "string_too_long", "String should have at most {max_length} characters", {"max_length": limit}
                )
            return value

        return core_schema.no_info_before_validator_function(as_sent, checked)


VISIBLE_ONE_LINE = Pattern(visible=True)
NOT_BLANK = Pattern(not_blank=True)
# One line of visible text, as given: validated by single_line, and said so in the document.
PLAIN_TEXT = Checked(single_line)
# Free text over several lines (a note, feedback): validated by multi_line, and said so in the document.
PLAIN_LINES = Checked(multi_line, lines=True)
