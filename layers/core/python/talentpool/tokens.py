"""Signed, expiring, single-purpose links for candidates: HMAC-SHA256 over a compact JSON payload."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any

from talentpool.errors import InvalidToken


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: bytes, *, purpose: str, subject: str, now: datetime, ttl: timedelta, nonce: str | None = None) -> str:
    """A token that proves we issued it for `purpose` about `subject` (a candidate id) until now + ttl."""
    payload: dict[str, Any] = {"p": purpose, "s": subject, "e": int((now + ttl).timestamp())}
    if nonce:
        payload["n"] = nonce
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    signature = _b64(hmac.new(secret, f"{purpose}.{body}".encode(), hashlib.sha256).digest())
    return f"{body}.{signature}"


class TokenExpired(InvalidToken):
    """A token we did sign, for the right purpose, whose time is up. `claims` are genuine: only the holder of
    the signing key could have written them, so a caller may still act on who the link was for."""

    def __init__(self, claims: Claims) -> None:
        super().__init__("This link has expired", "expired")
        self.claims = claims


class Claims:
    __slots__ = ("expires_at", "nonce", "subject")

    def __init__(self, subject: str, nonce: str | None, expires_at: int) -> None:
        self.subject = subject
        self.nonce = nonce
        self.expires_at = expires_at


def purpose_of(token: str) -> str | None:
    """The purpose a token claims, unverified: only to choose which purpose to `verify` it against."""
    try:
        payload = json.loads(_unb64(token.partition(".")[0]))
    except ValueError:
        return None
    purpose = payload.get("p") if isinstance(payload, dict) else None
    return purpose if isinstance(purpose, str) else None


def verify(secret: bytes, token: str, *, purpose: str, now: datetime) -> Claims:
    """The token's claims, or InvalidToken saying why (tampered, expired or for another purpose)."""
    body, _, signature = token.partition(".")
    if not body or not signature or len(token) > 1024:
        raise InvalidToken("This link is not valid", "malformed")
    expected = _b64(hmac.new(secret, f"{purpose}.{body}".encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, signature):
        raise InvalidToken("This link is not valid", "tampered")
    try:
        payload = json.loads(_unb64(body))
        claims = Claims(str(payload["s"]), payload.get("n"), int(payload["e"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidToken("This link is not valid", "malformed") from exc
    if payload.get("p") != purpose:
        raise InvalidToken("This link is not valid", "wrong_purpose")
    if claims.expires_at < int(now.timestamp()):
        raise TokenExpired(claims)
    return claims
