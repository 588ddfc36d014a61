"""`talentpool login` against moto's Cognito: first sign-in (new password, MFA setup), the TOTP challenge, and
the silent renewal of an expired ID token with the saved refresh token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import httpx
import pytest
from moto import mock_aws

from talentpool_client import config
from talentpool_client.config import token_info
from tests.unit.test_cli_fakes import ENDPOINT, FakeApi, cli, token

REGION = "eu-west-1"
USERNAME = "rita@example.com"
TEMPORARY = "Temporary-Passw0rd!"
CHOSEN = "Chosen-Passw0rd-123!"


@dataclass
class Pool:
    client: object
    pool_id: str
    client_id: str


@pytest.fixture
def pool() -> Iterator[Pool]:
    # Given a user pool as the stack makes it: TOTP MFA required, SRP the only password flow, no client secret
    with mock_aws():
        idp = boto3.client("cognito-idp", region_name=REGION)
        pool_id = idp.create_user_pool(PoolName="talentpool")["UserPool"]["Id"]
        idp.set_user_pool_mfa_config(
            UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
        )
        client_id = idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="cli",
            ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pool_id, Username=USERNAME, TemporaryPassword=TEMPORARY)
        yield Pool(idp, pool_id, client_id)


def test_a_first_login_changes_the_password_sets_up_mfa_and_saves_the_tokens(tmp_path: Path, pool: Pool) -> None:
    runner = cli(tmp_path, FakeApi(), configured=False)

    # When the recruiter signs in for the first time: temporary password, new password twice, authenticator code
    result = runner.run(
        "login", "--client-id", pool.client_id, "--user-pool-id", pool.pool_id, "--username", USERNAME,
        "--endpoint", ENDPOINT,
        input=f"{TEMPORARY}\n{CHOSEN}\n{CHOSEN}\n123456\n",
    )  # fmt: skip

    # Then they were shown the secret for their authenticator app, and the ID token is saved with the refresh token
    assert result.exit_code == 0, result.output
    assert "otpauth://totp/Talentpool:rita%40example.com?secret=" in result.stderr
    saved = json.loads(runner.config_path.read_text())
    assert saved["endpoint"] == ENDPOINT
    assert saved["cognito"] == {
        "client_id": pool.client_id, "region": REGION, "username": USERNAME, "pool_id": pool.pool_id
    }  # fmt: skip
    assert saved["refresh_token"]
    assert token_info(saved["token"]) is not None
    assert TEMPORARY not in runner.config_path.read_text() and CHOSEN not in runner.config_path.read_text()
    assert f"Signed in as {USERNAME}" in result.stdout


def test_a_later_login_answers_the_totp_challenge_with_the_remembered_pool(tmp_path: Path, pool: Pool) -> None:
    runner = cli(tmp_path, FakeApi(), configured=False)
    runner.run(
        "login", "--client-id", pool.client_id, "--user-pool-id", pool.pool_id, "--username", USERNAME,
        input=f"{TEMPORARY}\n{CHOSEN}\n{CHOSEN}\n123456\n",
    )  # fmt: skip
    pool.client.admin_set_user_mfa_preference(  # type: ignore[attr-defined]
        UserPoolId=pool.pool_id, Username=USERNAME, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )

    # When they sign in again with no options: the pool and username come from the config file
    result = runner.run("login", input=f"{CHOSEN}\n654321\n")

    assert result.exit_code == 0, result.output
    assert "Authenticator code" in result.stderr
    assert "Username" not in result.stderr


def test_a_refused_sign_in_is_one_clear_line(tmp_path: Path, pool: Pool) -> None:
    # (moto does not check an SRP proof, so a wrong password is shown with someone it does not know;
    # tests/unit/test_cli_srp.py checks the proof itself)
    runner = cli(tmp_path, FakeApi(), configured=False)

    result = runner.run(
        "login", "--client-id", pool.client_id, "--user-pool-id", pool.pool_id, "--username", "nobody@example.com",
        input="wrong\n",
    )  # fmt: skip

    assert result.exit_code == 1
    # (the prompt's own line has no newline here: CliRunner does not echo hidden input)
    assert result.stderr.endswith("error: sign-in failed: User does not exist.\n")
    assert not runner.config_path.exists()


def test_the_first_login_needs_the_pool(tmp_path: Path) -> None:
    result = cli(tmp_path, FakeApi(), configured=False).run("login")

    assert result.exit_code == 2
    assert "--client-id and --user-pool-id" in result.stderr


def test_an_expired_token_is_renewed_with_the_refresh_token_before_the_request(tmp_path: Path, pool: Pool) -> None:
    api = FakeApi().on("GET", "/segments", httpx.Response(200, json={"items": [], "next_cursor": None}))
    runner = cli(tmp_path, api, configured=False)
    runner.run(
        "login", "--client-id", pool.client_id, "--user-pool-id", pool.pool_id, "--username", USERNAME,
        "--endpoint", ENDPOINT,
        input=f"{TEMPORARY}\n{CHOSEN}\n{CHOSEN}\n123456\n",
    )  # fmt: skip
    signed_in = config.load_file(runner.config_path)
    stale = token(expires_in=-60)
    config.save(
        runner.config_path,
        endpoint=ENDPOINT,
        token=stale,
        cognito=signed_in.cognito,
        refresh_token=signed_in.refresh_token,
    )

    result = runner.run("segments", "list")

    assert result.exit_code == 0, result.output
    sent = api.requests[0].headers["Authorization"].removeprefix("Bearer ")
    assert sent != stale
    assert config.load_file(runner.config_path).token == sent
