"""Local recruiter auth: a per-run RSA key that signs Cognito-shaped ID tokens, and the check API Gateway does."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from infra import spec
from local.environment import JWT_AUDIENCE as AUDIENCE

DEFAULT_EMAIL = "recruiter@example.com"
DEFAULT_LIFETIME_S = 12 * 3600
ALGORITHM = "RS256"
# Cognito's authorizer hands claims to the integration as strings; the time claims in this format.
CLAIM_TIME_FORMAT = "%a %b %d %H:%M:%S UTC %Y"
TIME_CLAIMS = ("exp", "iat", "auth_time")


class TokenRejected(Exception):
    """No token, or one that is not valid now: the request gets a 401 before any handler runs."""


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class LocalIssuer:
    """Plays the Cognito user pool: mints ID tokens and verifies them with the same key."""

    issuer: str
    audience: str = AUDIENCE
    key: rsa.RSAPrivateKey = field(default_factory=_new_key)
    key_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def mint(
        self,
        *,
        groups: Iterable[str] = spec.RECRUITER_GROUPS,
        email: str = DEFAULT_EMAIL,
        expires_in: int = DEFAULT_LIFETIME_S,
        subject: str | None = None,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": subject or str(uuid.uuid5(uuid.NAMESPACE_URL, f"local-recruiter:{email}")),
            "email": email,
            "email_verified": True,
            "cognito:username": email,
            "token_use": "id",
            "iss": self.issuer,
            "aud": self.audience,
            "auth_time": now,
            "iat": now,
            "exp": now + expires_in,
            "jti": str(uuid.uuid4()),
        }
        group_list = list(groups)
        if group_list:  # Cognito leaves the claim out for a user in no group
            claims["cognito:groups"] = group_list
        return str(jwt.encode(claims, self.key, algorithm=ALGORITHM, headers={"kid": self.key_id}))

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a valid ID token from this issuer, or TokenRejected."""
        try:
            header = jwt.get_unverified_header(token)
            if header.get("kid") != self.key_id:
                raise TokenRejected("The token was not signed by this user pool")
            claims: dict[str, Any] = jwt.decode(
                token,
                self.key.public_key(),
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "token_use"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenRejected("The token has expired") from exc
        except jwt.InvalidTokenError as exc:
            raise TokenRejected("The token is not valid") from exc
        if claims.get("token_use") != "id":
            raise TokenRejected("An ID token is required")
        return claims

    def jwks(self) -> dict[str, Any]:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update({"kid": self.key_id, "alg": ALGORITHM, "use": "sig"})
        return {"keys": [jwk]}


def unverified_claims(token: str) -> dict[str, Any]:
    """What a token says, without checking it: for showing a freshly minted (maybe expired) token."""
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token from the Authorization header, with or without the Bearer scheme, as Cognito accepts."""
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "").strip()
    scheme, _, rest = value.partition(" ")
    token = rest.strip() if scheme.lower() == "bearer" else value
    return token or None


def authorizer_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as API Gateway's Cognito authorizer passes them: every value a string, groups comma-joined."""
    out: dict[str, str] = {}
    for name, value in claims.items():
        if name in TIME_CLAIMS and isinstance(value, int | float):
            out[name] = datetime.fromtimestamp(value, UTC).strftime(CLAIM_TIME_FORMAT)
        elif isinstance(value, list | tuple):
            out[name] = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        else:
            out[name] = str(value)
    return out


def authenticate(issuer: LocalIssuer, headers: Mapping[str, str]) -> dict[str, str]:
    """The authorizer claims for a recruiter request, or TokenRejected."""
    token = bearer_token(headers)
    if token is None:
        raise TokenRejected("Sign in: send a recruiter token in the Authorization header")
    return authorizer_claims(issuer.verify(token))
