"""Validation errors as a form shows them: human wording per field, an error summary linking to each field."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from talentpool.errors import FieldError

# How a field is named in a sentence; a field not listed is named by its id with spaces.
LABELS = {
    "email": "your email address",
    "first_name": "your first name",
    "last_name": "your last name",
    "phone": "your phone number",
    "city": "your city",
    "country": "your country",
    "timezone": "your time zone",
    "linkedin_url": "your LinkedIn profile",
    "skills": "your skills",
    "years_experience": "your years of experience",
    "desired_roles": "the roles you would like",
    "interests": "the topics",
    "consent": "the agreement",
    "max_per_week": "how often",
    "weeks": "how long to pause",
}
# Pydantic's own words ("Input should be a valid integer") never reach a page: each kind has a sentence.
WORDING: dict[str, str] = {
    "missing": "Enter {label}",
    "string_too_long": "Shorten {label} to {max_length} characters or fewer",
    "string_too_short": "Enter {label}",
    "too_long": "Choose fewer for {label}, at most {max_length}",
    "int_parsing": "Enter {label} as a whole number",
    "int_type": "Enter {label} as a whole number",
    "int_from_float": "Enter {label} as a whole number",
    "greater_than_equal": "Enter {label} as {ge} or more",
    "less_than_equal": "Enter {label} as {le} or less",
    "enum": "Choose one of the options for {label}",
    "literal_error": "Choose one of the options for {label}",
    "url_parsing": "Enter {label} as a full web address, starting with https://",
    "url_scheme": "Enter {label} as a full web address, starting with https://",
    "bool_parsing": "Tick or untick {label}",
}
SPECIFIC = {
    ("consent", "missing"): "Tick the box to agree, so that we may keep your details and email you",
    ("email", "missing"): "Enter your email address",
}
FALLBACK = "Check {label}: it is not in a form we can accept"


def human(error: FieldError, field_name: str) -> str:
    """One sentence a person can act on. Our own validators already speak plainly (kind value_error)."""
    kind = error.kind or ""
    if (field_name, kind) in SPECIFIC:
        return SPECIFIC[(field_name, kind)]
    if kind in ("value_error", "assertion_error", "") and error.msg:
        return error.msg[:1].upper() + error.msg[1:]
    label = LABELS.get(field_name, field_name.replace("_", " "))
    try:
        text = WORDING.get(kind, FALLBACK).format(label=label, **error.ctx)
    except (KeyError, IndexError):
        text = FALLBACK.format(label=label)
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Problem:
    field: str | None  # the id of the field to link to; None for a problem with the form as a whole
    text: str


@dataclass(frozen=True)
class FormErrors:
    """Every problem in the order found: `items` for the summary, `at(name)` for the message under a field."""

    items: Sequence[Problem] = ()
    _by_field: Mapping[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.items)

    def at(self, name: str) -> str:
        return self._by_field.get(name, "")


def form_errors(errors: Sequence[FieldError], field_of: Callable[[FieldError], str | None]) -> FormErrors:
    """`field_of` names the page's field an error belongs to, or None when it belongs to no field shown."""
    items = []
    for error in errors:
        name = field_of(error)
        items.append(Problem(name, human(error, name or "form")))
    by_field: dict[str, list[str]] = {}
    for item in items:
        if item.field:
            by_field.setdefault(item.field, []).append(item.text)
    return FormErrors(items, {name: "; ".join(texts) for name, texts in by_field.items()})
