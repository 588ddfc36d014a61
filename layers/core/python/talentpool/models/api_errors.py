"""The error contract as models, so the OpenAPI document describes every error response exactly."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from talentpool.models.base import Model


class ErrorField(Model):
    loc: list[str | int] = Field(description='Where the problem is, e.g. ["location", "country"]')
    msg: str = Field(description="What is wrong, in words a person can act on")


class ErrorDetail(Model):
    code: str = Field(description="Stable and machine-readable, e.g. validation_failed, candidate_not_found")
    message: str
    fields: list[ErrorField] = Field(default_factory=list)
    details: dict[str, Any] | None = Field(
        default=None, description="More about the error, where the route says so (e.g. the run that already exists)"
    )


class ErrorResponse(Model):
    """Every 4xx has this shape; a 5xx never answers anything a client sent."""

    error: ErrorDetail
