"""CSV cells a spreadsheet shows as text and never runs as a formula (OWASP's CSV injection guidance).

Excel, LibreOffice and Google Sheets run a cell that starts with `=`, `+`, `-` or `@` as a formula (and some
strip a leading tab or carriage return first), so `=HYPERLINK(...)` typed into a form would be a live link in
a recruiter's report. Such a cell gets a leading apostrophe, which spreadsheets read as "this is text".
Numbers (-3, +1.5e3) are left alone: they are values, not formulas, and a report's numbers must stay numbers.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# A lone "-" is how reports write "no value" (and how Athena queries match it); with nothing after the sign
# there is no formula to run.
_NO_VALUE = "-"


def safe_cell(value: str) -> str:
    """The cell as a spreadsheet may open it: prefixed with an apostrophe when it could start a formula."""
    if value.startswith(FORMULA_STARTS) and value != _NO_VALUE and not _NUMBER.fullmatch(value):
        return "'" + value
    return value
