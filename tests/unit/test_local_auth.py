"""Local recruiter auth: tokens shaped like Cognito's, verified the way the Cognito authorizer verifies them."""

from __future__ import annotations

import time

import jwt
import pytest

from local import auth

ISSUER = "http://127.0.0.1:3000/local-cognito"


@pytest.fixture(scope="module")
def issuer() -> auth.LocalIssuer:
    return auth.LocalIssuer(issuer=ISSUER)


def test_a_minted_token_carries_cognito_shaped_claims(issuer: auth.LocalIssuer) -> None:
    claims = issuer.verify(issuer.mint())

    assert claims["email"] == "recruiter@example.com"
    assert claims["cognito:groups"] == ["recruiters", "admins"]
    assert claims["token_use"] == "id"
    assert claims["iss"] == ISSUER
    assert claims["aud"] == "talentpool-local"
    assert claims["sub"]
    assert 11 * 3600 < claims["exp"] - time.time() <= 12 * 3600


def test_a_user_in_no_group_has_no_groups_claim(issuer: auth.LocalIssuer) -> None:
    assert "cognito:groups" not in issuer.verify(issuer.mint(groups=[]))


def test_the_jwks_verifies_the_tokens(issuer: auth.LocalIssuer) -> None:
    [key] = issuer.jwks()["keys"]
    token = issuer.mint(email="rita@example.com")

    claims = jwt.decode(token, jwt.PyJWK(key).key, algorithms=["RS256"], audience="talentpool-local")

    assert key["kid"] == jwt.get_unverified_header(token)["kid"]
    assert claims["email"] == "rita@example.com"
    assert "d" not in key  # the private part never leaves the process


def test_an_expired_token_is_rejected(issuer: auth.LocalIssuer) -> None:
    with pytest.raises(auth.TokenRejected, match="expired"):
        issuer.verify(issuer.mint(expires_in=-1))


def test_a_token_from_another_key_is_rejected(issuer: auth.LocalIssuer) -> None:
    other = auth.LocalIssuer(issuer=ISSUER, key_id=issuer.key_id)

    with pytest.raises(auth.TokenRejected):
        issuer.verify(other.mint())


def test_a_tampered_token_is_rejected(issuer: auth.LocalIssuer) -> None:
    header, payload, signature = issuer.mint(groups=["recruiters"]).split(".")
    forged = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b'"recruiters"', b'"admins"')
    ).decode()

    with pytest.raises(auth.TokenRejected):
        issuer.verify(f"{header}.{forged}.{signature}")


@pytest.mark.parametrize(
    ("audience", "issuer_url"),
    [("someone-else", ISSUER), ("talentpool-local", "http://127.0.0.1:9999/local-cognito")],
)
def test_a_token_for_another_audience_or_from_another_issuer_is_rejected(
    issuer: auth.LocalIssuer, audience: str, issuer_url: str
) -> None:
    foreign = auth.LocalIssuer(issuer=issuer_url, audience=audience, key=issuer.key, key_id=issuer.key_id)

    with pytest.raises(auth.TokenRejected):
        issuer.verify(foreign.mint())


def test_an_access_token_is_not_an_id_token(issuer: auth.LocalIssuer) -> None:
    now = int(time.time())
    claims = {"sub": "x", "token_use": "access", "iss": ISSUER, "aud": "talentpool-local", "iat": now, "exp": now + 60}
    token = jwt.encode(claims, issuer.key, algorithm="RS256", headers={"kid": issuer.key_id})

    with pytest.raises(auth.TokenRejected, match="ID token"):
        issuer.verify(token)


def test_unsigned_tokens_are_rejected(issuer: auth.LocalIssuer) -> None:
    now = int(time.time())
    claims = {"sub": "x", "token_use": "id", "iss": ISSUER, "aud": "talentpool-local", "iat": now, "exp": now + 60}
    token = jwt.encode(claims, None, algorithm="none", headers={"kid": issuer.key_id})

    with pytest.raises(auth.TokenRejected):
        issuer.verify(token)


@pytest.mark.parametrize(
    ("header", "expected"),
    [("Bearer abc", "abc"), ("bearer  abc ", "abc"), ("abc", "abc"), ("Bearer", None), ("", None)],
)
def test_the_token_is_read_with_or_without_the_bearer_scheme(header: str, expected: str | None) -> None:
    assert auth.bearer_token({"authorization": header}) == expected


def test_claims_reach_handlers_as_api_gateway_passes_them() -> None:
    claims = auth.authorizer_claims(
        {"cognito:groups": ["recruiters", "admins"], "exp": 86400, "email_verified": True, "email": "r@x.io"}
    )

    assert claims == {
        "cognito:groups": "recruiters,admins",
        "exp": "Fri Jan 02 00:00:00 UTC 1970",
        "email_verified": "true",
        "email": "r@x.io",
    }


def test_authenticate_turns_a_missing_header_into_a_rejection(issuer: auth.LocalIssuer) -> None:
    with pytest.raises(auth.TokenRejected):
        auth.authenticate(issuer, {"X-Amzn-Authorizer-Claims": "{}"})
