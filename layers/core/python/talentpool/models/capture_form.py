"""The careers form's flat field names and where each lands in CaptureRequest: used both ways.

A plain HTML form cannot post nested JSON, so form fields are mapped onto the model's paths; a
validation error's location is mapped back onto the form field that shows it inline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

FORM_FIELDS: dict[str, tuple[str, ...]] = {
    "email": ("email",),
    "first_name": ("first_name",),
    "last_name": ("last_name",),
    "phone": ("phone",),
    "city": ("location", "city"),
    "country": ("location", "country"),
    "timezone": ("location", "timezone"),
    "skills": ("skills",),
    "years_experience": ("years_experience",),
    "desired_roles": ("desired_roles",),
    "interests": ("interests",),
    "linkedin_url": ("linkedin_url",),
    "consent": ("consent", "given"),
    "consent_text_version": ("consent", "text_version"),
    "source_channel": ("source", "channel"),
    "utm_source": ("source", "utm_source"),
    "utm_medium": ("source", "utm_medium"),
    "utm_campaign": ("source", "utm_campaign"),
    "referrer_id": ("source", "referrer_id"),
    "website": ("website",),
}
COMMA_LISTS = frozenset({"skills", "desired_roles"})
MULTI_VALUE = frozenset({"interests"})
CHECKBOXES = frozenset({"consent"})
_TRUE = frozenset({"on", "yes", "true", "1"})


def form_to_request(fields: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The JSON body a form submission stands for. Unknown names pass through so validation rejects them."""
    body: dict[str, Any] = {}
    for name, raw_values in fields.items():
        values = [v.strip() for v in raw_values if v.strip()]
        path = FORM_FIELDS.get(name, (name,))
        if name in COMMA_LISTS:
            value: Any = [part.strip() for v in values for part in v.split(",") if part.strip()]
        elif name in MULTI_VALUE:
            value = values
        elif name in CHECKBOXES:
            value = True if values and values[0].lower() in _TRUE else None
        else:
            value = values[0] if values else None
        if value is None or value == []:
            continue
        target = body
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = value
    if "consent" not in body and "consent_text_version" in fields:
        body["consent"] = {"text_version": (fields["consent_text_version"] or [""])[0]}
    return body


# Hidden fields have no place of their own on the page: their errors show at the nearest visible one.
SHOWN_AT = {
    "consent_text_version": "consent",
    "source_channel": "form",
    "utm_source": "form",
    "utm_medium": "form",
    "utm_campaign": "form",
    "referrer_id": "form",
    "website": "form",
}


def form_field_for(loc: Sequence[str | int]) -> str:
    """The form field that shows an error at `loc` (a model path); 'form' when none does."""
    path = tuple(str(p) for p in loc if not isinstance(p, int))
    exact = [name for name, field_path in FORM_FIELDS.items() if field_path == path]
    under = [name for name, field_path in FORM_FIELDS.items() if path and field_path[: len(path)] == path]
    name = (exact or under or ["form"])[0]
    return SHOWN_AT.get(name, name)
