"""What recruiter routes depend on, injected with Powertools Depends so tests can override any of it."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.request import Request

from talentpool import auth


def recruiter_from_event(event: dict[str, Any]) -> auth.Principal:
    """Any member of recruiters or admins, from the verified claims in the raw event."""
    return auth.require(auth.principal(event))


def recruiter(request: Request) -> auth.Principal:
    """Any member of recruiters or admins."""
    return auth.require(auth.principal(request.resolved_event.raw_event))


def admin(request: Request) -> auth.Principal:
    """Admins only: erasure and managing sequences."""
    return auth.require(auth.principal(request.resolved_event.raw_event), auth.ADMINS)
