"""Signing in to a deployed Talentpool's Cognito user pool: SRP, first-time password change, TOTP MFA.

USER_SRP_AUTH (talentpool_client.srp), the only password flow the stack's app client allows by default, then each
challenge, through boto3. These Cognito calls are unauthenticated, so no AWS credentials are needed: only the
pool and app client ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from talentpool_client import srp
from talentpool_client.config import Cognito

MFA_DEVICE_NAME = "talentpool CLI"


class SignInFailed(Exception):
    """Cognito said no, or asked for something this command cannot answer; the message says which."""


class Prompts(Protocol):
    """How sign-in asks the person at the terminal (tests answer without one)."""

    def new_password(self) -> str: ...

    def mfa_code(self) -> str: ...

    def show_mfa_secret(self, secret: str, otpauth_uri: str) -> None: ...


@dataclass(frozen=True)
class Tokens:
    id_token: str
    refresh_token: str | None


def _client(cognito: Cognito) -> Any:
    try:
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config
    except ImportError as exc:
        raise SignInFailed("talentpool login needs boto3: pip install 'talentpool-client[login]'") from exc
    # Unsigned: InitiateAuth and the challenge calls take no AWS credentials, and must not need a profile.
    return boto3.client("cognito-idp", region_name=cognito.region, config=Config(signature_version=UNSIGNED))


def _call(client: Any, operation: str, **kwargs: Any) -> dict[str, Any]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        result: dict[str, Any] = getattr(client, operation)(**kwargs)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise SignInFailed(f"{error.get('Message') or error.get('Code') or exc}") from exc
    except BotoCoreError as exc:
        raise SignInFailed(str(exc)) from exc
    return result


def sign_in(cognito: Cognito, password: str, prompts: Prompts) -> Tokens:
    """Password sign-in, answering NEW_PASSWORD_REQUIRED, MFA_SETUP and SOFTWARE_TOKEN_MFA as Cognito asks."""
    if not cognito.username or not cognito.pool_id:
        raise SignInFailed("a username and the user pool id are needed")
    client = _client(cognito)
    srp_client = srp.Client.start()
    answer = _call(
        client,
        "initiate_auth",
        ClientId=cognito.client_id,
        AuthFlow="USER_SRP_AUTH",
        AuthParameters={"USERNAME": cognito.username, "SRP_A": srp_client.srp_a},
    )
    if answer.get("ChallengeName") == "PASSWORD_VERIFIER":
        parameters = answer.get("ChallengeParameters") or {}
        responses = srp_client.answer(
            pool_id=cognito.pool_id,
            user_id=parameters.get("USER_ID_FOR_SRP") or cognito.username,
            password=password,
            parameters=parameters,
        )
        answer = _call(
            client,
            "respond_to_auth_challenge",
            ClientId=cognito.client_id,
            ChallengeName="PASSWORD_VERIFIER",
            Session=answer.get("Session"),
            ChallengeResponses=responses,
        )
    for _ in range(5):  # a first sign-in takes three challenges; more means something is looping
        if "AuthenticationResult" in answer:
            result = answer["AuthenticationResult"]
            return Tokens(id_token=result["IdToken"], refresh_token=result.get("RefreshToken"))
        answer = _answer(client, cognito, answer, prompts)
    raise SignInFailed("Cognito kept asking for more; sign in with the AWS CLI as docs/deploy.md shows")


def _answer(client: Any, cognito: Cognito, challenge: dict[str, Any], prompts: Prompts) -> dict[str, Any]:
    name = challenge.get("ChallengeName")
    session = challenge.get("Session")
    # With an email alias, Cognito wants the user's real username back in the challenge answers.
    username = (challenge.get("ChallengeParameters") or {}).get("USER_ID_FOR_SRP") or cognito.username
    responses = {"USERNAME": username}
    if name == "NEW_PASSWORD_REQUIRED":
        responses["NEW_PASSWORD"] = prompts.new_password()
    elif name == "SOFTWARE_TOKEN_MFA":
        responses["SOFTWARE_TOKEN_MFA_CODE"] = prompts.mfa_code()
    elif name == "MFA_SETUP":
        session = _set_up_totp(client, cognito, session, prompts)
    else:
        raise SignInFailed(
            f"Cognito asks for {name}, which talentpool login does not answer; sign in with the AWS CLI as "
            "docs/deploy.md shows, then run talentpool config --token ID_TOKEN"
        )
    return _call(
        client,
        "respond_to_auth_challenge",
        ClientId=cognito.client_id,
        ChallengeName=name,
        Session=session,
        ChallengeResponses=responses,
    )


def _set_up_totp(client: Any, cognito: Cognito, session: str | None, prompts: Prompts) -> str | None:
    """First sign-in with MFA required: show the secret for an authenticator app, then verify its first code."""
    associated = _call(client, "associate_software_token", Session=session)
    secret = associated["SecretCode"]
    label = f"Talentpool:{quote(cognito.username or '')}"  # issuer:account, as authenticator apps expect
    prompts.show_mfa_secret(secret, f"otpauth://totp/{label}?secret={secret}&issuer=Talentpool")
    verified = _call(
        client,
        "verify_software_token",
        Session=associated.get("Session", session),
        UserCode=prompts.mfa_code(),
        FriendlyDeviceName=MFA_DEVICE_NAME,
    )
    if verified.get("Status") != "SUCCESS":
        raise SignInFailed("the authenticator code was not accepted; try again with the next code")
    session_after: str | None = verified.get("Session", session)
    return session_after


def refresh(cognito: Cognito, refresh_token: str) -> str:
    """A new ID token from the refresh token (valid 30 days by default): no password, no MFA prompt."""
    answer = _call(
        _client(cognito),
        "initiate_auth",
        ClientId=cognito.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": refresh_token},
    )
    try:
        token: str = answer["AuthenticationResult"]["IdToken"]
    except KeyError as exc:
        raise SignInFailed("Cognito did not return a new token; sign in again with talentpool login") from exc
    return token
