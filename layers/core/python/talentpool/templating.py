"""Jinja2 for every page, email and report (the files in talentpool/templates), and a sandbox for recruiters' templates.

Two kinds of template, two environments:
- the files shipped in the package: autoescaped, StrictUndefined (a missing value is a bug, found by tests);
- the subjects and bodies recruiters save through the API: their public token syntax ({{first_name}},
  {{first_name|there}} for a fallback, {{{raw}}} unescaped) is turned into Jinja and rendered in a
  SandboxedEnvironment. They are checked when saved, so an unknown token or a syntax error is a 422 then,
  never a failed send.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache, lru_cache
from pathlib import Path

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    Undefined,
    meta,
)
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
# A deployment restyles by putting files here, at the same relative path as the file they replace
# (docs/templates.md). The folder ships in the layer, because it is inside the package.
OVERRIDES = PACKAGE_TEMPLATES / "overrides"

_TOKEN = re.compile(r"\{\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}\}|\{\{\s*([a-z_][a-z0-9_]*)\s*(?:\|([^}]*))?\}\}")


class TemplateInvalid(ValueError):
    """A recruiter's template that cannot be sent: the message names what is wrong, for the 422."""


class UnknownPlaceholder(TemplateInvalid):
    def __init__(self, names: set[str]) -> None:
        super().__init__(", ".join(sorted(names)))
        self.names = names


# --- The package's own templates ---------------------------------------------------------------------


def file_environment(overrides: Path = OVERRIDES) -> Environment:
    """Autoescaped for HTML, StrictUndefined; the overrides folder is searched before the shipped files."""
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(overrides), FileSystemLoader(PACKAGE_TEMPLATES)]),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["plural"] = plural
    return env


@cache
def _environment() -> Environment:
    return file_environment()


def render_file(name: str, /, **context: object) -> str:
    """Render one template file (path relative to talentpool/templates) with `context`."""
    return _environment().get_template(name).render(**context)


def render_text_file(name: str, /, **context: object) -> str:
    """A plain-text template (an email's text part): nothing is HTML-escaped, values are inserted as they are."""
    template = _text_environment().get_template(name)
    return template.render(**context)


def file_module(name: str) -> object:
    """A template file's macros, as an object to pass into another template (emails' HTML building blocks)."""
    return _environment().get_template(name).module


def text_module(name: str) -> object:
    """The same, from the text environment (no escaping)."""
    return _text_environment().get_template(name).module


@cache
def _text_environment() -> Environment:
    env = file_environment()
    env.autoescape = False
    return env


def plural(count: int, singular: str, many: str | None = None) -> str:
    """'1 week', '3 weeks': wording stays in the template, the count chooses the form."""
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


# --- Recruiters' templates: their token syntax, in the sandbox ---------------------------------------


def _fallback(value: object, text: str = "") -> object:
    """The old token semantics: an empty or missing value shows the fallback text (or nothing)."""
    if value is None or value == "" or isinstance(value, Undefined):
        return text
    return value


def _sandbox(escape: bool) -> SandboxedEnvironment:
    # Undefined, not StrictUndefined: every name was checked against the known tokens when the template was
    # saved, so a value the sender lacks shows the fallback instead of failing a send.
    env = SandboxedEnvironment(autoescape=escape, undefined=Undefined, keep_trailing_newline=True)
    env.filters["fallback"] = _fallback
    return env


_SANDBOXES = {True: _sandbox(True), False: _sandbox(False)}


def to_jinja(template: str) -> str:
    """Recruiters' tokens as Jinja: {{x|text}} → {{ x|fallback("text") }}, {{{x}}} → unescaped."""

    def translate(match: re.Match[str]) -> str:
        raw_name, name, fallback = match.groups()
        if raw_name:
            return f'{{{{ {raw_name}|fallback("")|safe }}}}'
        return f"{{{{ {name}|fallback({json.dumps((fallback or '').strip())}) }}}}"

    return _TOKEN.sub(translate, template)


def placeholders(template: str) -> set[str]:
    """Every name a template refers to; raises TemplateInvalid when it is not a valid template."""
    try:
        parsed = _SANDBOXES[True].parse(to_jinja(template))
    except TemplateError as exc:
        raise TemplateInvalid(_problem(exc)) from exc
    return set(meta.find_undeclared_variables(parsed))


def check(template: str, known: set[str] | frozenset[str]) -> None:
    """Raise UnknownPlaceholder for a name outside `known`, TemplateInvalid for a template that would not render."""
    unknown = placeholders(template) - set(known)
    if unknown:
        raise UnknownPlaceholder(unknown)
    try:
        _compiled(template, True)
    except TemplateError as exc:
        raise TemplateInvalid(_problem(exc)) from exc


def _problem(exc: TemplateError) -> str:
    line = getattr(exc, "lineno", None)
    return f"template error{f' on line {line}' if line else ''}: {exc.message or 'not a valid template'}"


@lru_cache(maxsize=256)
def _compiled(template: str, escape: bool) -> Template:
    return _SANDBOXES[escape].from_string(to_jinja(template))


def render(template: str, values: Mapping[str, object], *, escape: bool = True) -> str:
    """Fill a recruiter's template in the sandbox; with `escape`, {{x}} is HTML-escaped and {{{x}}} never is."""
    return _compiled(template, escape).render(**values)


def markup(html: str) -> Markup:
    """HTML this code built and escaped itself (a rendered recruiter body), safe to insert into a file template."""
    return Markup(html)  # noqa: S704 - the caller's HTML was rendered with autoescape
