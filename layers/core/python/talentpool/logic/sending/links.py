"""Signed links in emails: the preference centre and one-click unsubscribe, scoped to one candidate."""

from __future__ import annotations

from datetime import datetime, timedelta

from talentpool import tokens

PREFERENCES = "preferences"
UNSUBSCRIBE = "unsubscribe"
# Links in an email must keep working long after it is sent (RFC 8058 senders honour them for months).
LINK_TTL = timedelta(days=400)


def preferences_url(base_url: str, secret: bytes, candidate_id: str, now: datetime) -> str:
    token = tokens.sign(secret, purpose=PREFERENCES, subject=candidate_id, now=now, ttl=LINK_TTL)
    return f"{base_url.rstrip('/')}/preferences/{token}"


def unsubscribe_url(base_url: str, secret: bytes, candidate_id: str, now: datetime) -> str:
    token = tokens.sign(secret, purpose=UNSUBSCRIBE, subject=candidate_id, now=now, ttl=LINK_TTL)
    return f"{base_url.rstrip('/')}/unsubscribe/{token}"
