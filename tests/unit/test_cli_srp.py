"""The SRP proof `talentpool login` sends, checked the way Cognito checks it: from the verifier it stores, never
the password. The right password gives Cognito's signature; a wrong one does not."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from talentpool_client import srp

POOL_ID = "eu-west-1_AbCdEf123"
USER_ID = "7d3c6a1e-0000-4000-8000-000000000001"
PASSWORD = "Chosen-Passw0rd-123!"
NOW = datetime(2026, 12, 1, 9, 5, 7, tzinfo=UTC)


class CognitoSide:
    """What the user pool keeps (salt, verifier) and does in one PASSWORD_VERIFIER round."""

    def __init__(self, password: str) -> None:
        self.salt = secrets.token_hex(16)
        identity = hashlib.sha256(f"{POOL_ID.split('_')[1]}{USER_ID}:{password}".encode()).hexdigest()
        x = int(srp._hash_hex(srp._pad_hex(self.salt) + identity), 16)
        self.verifier = pow(srp.G, x, srp.N)
        self.small_b = secrets.randbits(1024)
        self.big_b = (srp.K * self.verifier + pow(srp.G, self.small_b, srp.N)) % srp.N
        self.secret_block = base64.b64encode(secrets.token_bytes(64)).decode()

    def parameters(self) -> dict[str, str]:
        return {"SALT": self.salt, "SRP_B": format(self.big_b, "x"), "SECRET_BLOCK": self.secret_block}

    def accepts(self, srp_a: str, responses: dict[str, str]) -> bool:
        big_a = int(srp_a, 16)
        u = srp._int_hash(big_a, self.big_b)
        shared = pow(big_a * pow(self.verifier, u, srp.N), self.small_b, srp.N)
        key = srp.hkdf(bytes.fromhex(srp._pad_hex(shared)), bytes.fromhex(srp._pad_hex(u)))
        message = (
            POOL_ID.split("_")[1].encode()
            + USER_ID.encode()
            + base64.b64decode(self.secret_block)
            + responses["TIMESTAMP"].encode()
        )
        expected = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
        return hmac.compare_digest(expected, responses["PASSWORD_CLAIM_SIGNATURE"])


def test_the_right_password_proves_itself_and_is_never_sent() -> None:
    cognito, client = CognitoSide(PASSWORD), srp.Client.start()
    responses = client.answer(pool_id=POOL_ID, user_id=USER_ID, password=PASSWORD, parameters=cognito.parameters())
    assert cognito.accepts(client.srp_a, responses)
    assert PASSWORD not in str(responses) and PASSWORD not in client.srp_a
    assert responses["USERNAME"] == USER_ID  # no USERNAME in the challenge: the SRP id


def test_a_wrong_password_does_not() -> None:
    cognito, client = CognitoSide(PASSWORD), srp.Client.start()
    responses = client.answer(pool_id=POOL_ID, user_id=USER_ID, password="wrong", parameters=cognito.parameters())
    assert not cognito.accepts(client.srp_a, responses)


def test_the_timestamp_is_cognitos_format_whatever_the_locale() -> None:
    assert srp.cognito_timestamp(NOW) == "Tue Dec 1 09:05:07 UTC 2026"
