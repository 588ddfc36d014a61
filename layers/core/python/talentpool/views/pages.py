"""Candidate-facing HTML pages: the templates in templates/pages, inside one base layout, and web/'s assets."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from talentpool import templating
from talentpool.config import SiteEnv, load
from talentpool.errors import FieldError
from talentpool.models.capture_form import FORM_FIELDS, form_field_for
from talentpool.models.geography import countries, timezones
from talentpool.models.preferences import TOPIC_LABELS
from talentpool.views.forms import FormErrors, form_errors

ASSET_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
# The careers form's fields a person never sees: they carry the consent wording's version and the source.
HIDDEN_FIELDS = ("consent_text_version", "source_channel", "utm_source", "utm_medium", "utm_campaign", "referrer_id")


def page(name: str, *, title: str, **context: object) -> str:
    """A whole page: templates/pages/<name>.html.j2 with `context`, in the base layout with the site's branding."""
    return templating.render_file(f"pages/{name}.html.j2", title=title, site=load(SiteEnv), **context)


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
def _countries() -> tuple[tuple[str, str], ...]:
    return tuple(sorted(countries().items(), key=lambda kv: kv[1]))


@cache
def _timezones() -> tuple[str, ...]:
    return tuple(sorted(timezones()))


@dataclass(frozen=True)
class CareersForm:
    values: Mapping[str, str]
    chosen: frozenset[str]
    consented: bool
    errors: FormErrors


def _careers_field(error: FieldError) -> str | None:
    name = form_field_for(error.loc)
    return name if name in FORM_FIELDS and name not in HIDDEN_FIELDS else None


def careers_form(
    *,
    consent_text_version: str,
    submitted: Mapping[str, Sequence[str]] | None = None,
    errors: Sequence[FieldError] = (),
    query: Mapping[str, str] | None = None,
) -> str:
    """The careers sign-up page: empty, or re-filled with what was posted and each error at its field."""
    submitted, query = submitted or {}, query or {}
    values = {name: ", ".join(submitted.get(name) or []) or query.get(name, "") for name in FORM_FIELDS}
    values["consent_text_version"] = values["consent_text_version"] or consent_text_version
    values["source_channel"] = values["source_channel"] or "careers_site"
    form = CareersForm(
        values=values,
        chosen=frozenset(submitted.get("interests") or []),
        consented=bool(submitted.get("consent")),
        errors=form_errors(errors, _careers_field),
    )
    return page(
        "careers",
        title="Join our talent community",
        form=form,
        countries=_countries(),
        timezones=_timezones(),
        topics=[(topic.value, label) for topic, label in TOPIC_LABELS.items()],
        hidden_fields=HIDDEN_FIELDS,
    )
