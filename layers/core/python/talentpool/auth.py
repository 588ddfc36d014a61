"""Who is calling a recruiter route: the claims API Gateway's Cognito authorizer verified, read in one place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from talentpool.errors import Forbidden, Unauthenticated

RECRUITERS = "recruiters"
ADMINS = "admins"
RECRUITER_GROUPS = frozenset({RECRUITERS, ADMINS})


@dataclass(frozen=True)
class Principal:
    """A signed-in recruiter or admin. `subject` is their stable id; the email is for display only."""

    subject: str
    email: str | None
    groups: frozenset[str]

    @property
    def actor(self) -> str:
        """How the timeline names who did something: an id, not an address."""
        return f"recruiter:{self.subject}"


def parse_groups(value: Any) -> frozenset[str]:
    """Groups as API Gateway passes them: a list, "a,b", or "[a b]" (every claim arrives as a string)."""
    if isinstance(value, list | tuple):
        return frozenset(str(v) for v in value)
    text = str(value or "").strip().strip("[]")
    return frozenset(part for part in text.replace(",", " ").split() if part)


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    subject = str(claims.get("sub") or "")
    if not subject:
        raise Unauthenticated("Sign in to use this route")
    return Principal(subject, claims.get("email"), parse_groups(claims.get("cognito:groups")))


def principal(event: Mapping[str, Any]) -> Principal:
    """The caller, from `requestContext.authorizer.claims` only: never from a header a client could send."""
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims")
    if not isinstance(claims, Mapping):
        raise Unauthenticated("Sign in to use this route")
    return principal_from_claims(claims)


def require(caller: Principal, *groups: str) -> Principal:
    """The caller, if they belong to one of `groups` (any recruiter group when none is named)."""
    allowed = frozenset(groups) or RECRUITER_GROUPS
    if not caller.groups & allowed:
        raise Forbidden(f"This needs membership of: {', '.join(sorted(allowed))}")
    return caller


@cache
def _jwks_client(jwks_url: str) -> Any:
    from jwt import PyJWKClient

    return PyJWKClient(jwks_url, cache_keys=True, lifespan=3600)


def verify_bearer(authorization: str, *, jwks_url: str, issuer: str, audience: str) -> Principal:
    """Verify a Cognito ID token ourselves, for the one route that is public but also serves recruiters.

    POST /candidates has no authorizer (careers sites post anonymously), so a recruiter's token there is
    checked here against the user pool's published keys: signature, expiry, issuer and audience.
    """
    import jwt

    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("Use an Authorization: Bearer <token> header")
    try:
        key = _jwks_client(jwks_url).get_signing_key_from_jwt(token)
        claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=audience, issuer=issuer)
    except jwt.PyJWTError as exc:
        raise Unauthenticated("The token is not valid or has expired") from exc
    if claims.get("token_use", "id") != "id":
        raise Unauthenticated("Use an ID token")
    return principal_from_claims(claims)
