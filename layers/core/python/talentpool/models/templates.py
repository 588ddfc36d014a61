"""Editable email templates: checked for unknown placeholders when saved, never discovered when sent."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, StringConstraints, model_validator

from talentpool import templating
from talentpool.models.base import Model
from talentpool.models.candidate import NOT_BLANK

STAGE_EMAIL_PLACEHOLDERS = frozenset(
    {"first_name", "last_name", "stage", "job_ref", "feedback", "recruiter_name", "company_name", "preferences_url"}
)


class EmailTemplate(Model):
    """Subject, plain text and HTML. {{name}} or {{name|fallback}} insert values; HTML is escaped for you."""

    model_config = ConfigDict(extra="forbid")

    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NOT_BLANK]
    text: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    html: Annotated[str, StringConstraints(min_length=1, max_length=50_000)]

    def check_placeholders(self, known: frozenset[str]) -> EmailTemplate:
        for part in ("subject", "text", "html"):
            try:
                templating.check(getattr(self, part), known)
            except templating.UnknownPlaceholder as exc:
                raise ValueError(f"{part} uses unknown placeholders: {exc}; known: {', '.join(sorted(known))}") from exc
            except templating.TemplateInvalid as exc:
                raise ValueError(f"{part} has a {exc}") from exc
        return self


class StageEmailTemplate(EmailTemplate):
    @model_validator(mode="after")
    def _known_placeholders(self) -> StageEmailTemplate:
        self.check_placeholders(STAGE_EMAIL_PLACEHOLDERS)
        return self
