"""Text that cannot break what it lands in: no control, line-breaking or invisible formatting characters.

Names and short texts travel into email headers, subject lines, CSV cells, HTML pages and logs. A CR or LF
could add a header line, a bidi override could make a name read backwards in a recruiter's list, and a
zero-width joiner could make two names look alike. Ordinary letters of every script (Zoë Ñandú 李) and
combining accents are kept exactly as given: nothing is normalised away.
"""

from __future__ import annotations

import unicodedata

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
