"""Candidate-facing HTML pages rendered from the templates in web/ (the WEB_ROOT)."""

from __future__ import annotations

import html
import mimetypes
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

from talentpool import templating
from talentpool.errors import FieldError
from talentpool.models.candidate import Topic
from talentpool.models.capture_form import FORM_FIELDS, form_field_for
from talentpool.models.geography import countries, timezones

ASSET_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


@cache
def _template(web_root: str, name: str) -> str:
    return (Path(web_root) / name).read_text(encoding="utf-8")


def page(web_root: str, name: str, *, title: str, values: Mapping[str, object] | None = None) -> str:
    """A whole page: web/<name> rendered with `values`, inside web/layout.html."""
    content = templating.render(_template(web_root, name), values or {})
    return templating.render(_template(web_root, "layout.html"), {"title": title, "content": content})


def asset(web_root: str, name: str) -> tuple[bytes, str] | None:
    """A static file from web/assets, or None. Only plain names: no path can climb out of the folder."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = Path(web_root) / "assets" / name
    if not path.is_file():
        return None
    content_type = ASSET_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return path.read_bytes(), content_type


@cache
def _country_options() -> str:
    ordered = sorted(countries().items(), key=lambda kv: kv[1])
    return "".join(f'<option value="{code}">{html.escape(name)}</option>' for code, name in ordered)


@cache
def _timezone_options() -> str:
    return "".join(f'<option value="{html.escape(zone)}"></option>' for zone in sorted(timezones()))


def _select(options_html: str, selected: str) -> str:
    if not selected:
        return options_html
    marker = f'value="{html.escape(selected)}"'
    return options_html.replace(marker, f"{marker} selected", 1)


def careers_form(
    web_root: str,
    *,
    consent_text_version: str,
    submitted: Mapping[str, Sequence[str]] | None = None,
    errors: Sequence[FieldError] = (),
    query: Mapping[str, str] | None = None,
) -> str:
    """The careers sign-up page: empty, or re-filled with what was posted and the errors shown inline."""
    submitted = submitted or {}
    query = query or {}
    values: dict[str, object] = {}
    for name in FORM_FIELDS:
        posted = submitted.get(name) or []
        values[name] = ", ".join(posted) if posted else query.get(name, "")
    values["consent_text_version"] = values["consent_text_version"] or consent_text_version
    values["source_channel"] = values["source_channel"] or "careers_site"
    messages: dict[str, list[str]] = {}
    for error in errors:
        # Shown alone under a field, a message reads as a sentence.
        messages.setdefault(form_field_for(error.loc), []).append(error.msg[:1].upper() + error.msg[1:])
    for name in [*FORM_FIELDS, "form"]:
        text = "; ".join(messages.get(name, []))
        values[f"{name}_error"] = text
        values[f"{name}_invalid"] = ' aria-invalid="true"' if text else ""
        values[f"{name}_error_hidden"] = "" if text else " hidden"
    chosen = set(submitted.get("interests") or [])
    for topic in Topic:
        values[f"interest_{topic.value}_checked"] = " checked" if topic.value in chosen else ""
    values["consent_checked"] = " checked" if submitted.get("consent") else ""
    values["country_options"] = _select(_country_options(), str(values["country"]).upper())
    values["timezone_options"] = _timezone_options()
    values["error_count"] = len(errors)
    values["error_summary_hidden"] = "" if errors else " hidden"
    return page(web_root, "careers.html", title="Join our talent community", values=values)
