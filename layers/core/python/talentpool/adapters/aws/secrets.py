"""The token-signing secret, from Secrets Manager, cached for the life of the process."""

from __future__ import annotations

from functools import cache

from talentpool.adapters.aws.clients import client


@cache
def token_secret(secret_id: str) -> bytes:
    value = client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    return str(value).encode()
