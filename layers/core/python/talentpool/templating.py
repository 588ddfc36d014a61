"""Mustache-style placeholders for pages and emails: {{name}}, {{name|fallback}} and raw {{{name}}}.

Deliberately small: no logic in templates, so a template can be checked for unknown names when it is
saved rather than failing when it is sent.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

_TOKEN = re.compile(r"\{\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}\}|\{\{\s*([a-z_][a-z0-9_]*)\s*(?:\|([^}]*))?\}\}")


class UnknownPlaceholder(ValueError):
    def __init__(self, names: set[str]) -> None:
        super().__init__(", ".join(sorted(names)))
        self.names = names


def placeholders(template: str) -> set[str]:
    """Every name a template refers to."""
    return {raw or name for raw, name, _ in _TOKEN.findall(template)}


def check(template: str, known: set[str] | frozenset[str]) -> None:
    """Raise UnknownPlaceholder if the template names anything outside `known`."""
    unknown = placeholders(template) - set(known)
    if unknown:
        raise UnknownPlaceholder(unknown)


def render(template: str, values: Mapping[str, object], *, escape: bool = True) -> str:
    """Fill placeholders; {{x}} is HTML-escaped when `escape`, {{{x}}} never is. Missing values use the fallback."""

    def substitute(match: re.Match[str]) -> str:
        raw_name, name, fallback = match.groups()
        if raw_name:
            return str(values.get(raw_name) or "")
        value = values.get(name)
        text = str(value) if value not in (None, "") else (fallback or "").strip()
        return html.escape(text) if escape else text

    return _TOKEN.sub(substitute, template)
