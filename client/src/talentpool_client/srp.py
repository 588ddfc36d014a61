"""Cognito's Secure Remote Password sign-in (USER_SRP_AUTH): the password never leaves this machine.

Cognito sends a salt and its public value B for the user; this side proves it knows the password by signing
Cognito's secret block with a key both sides derive (SRP-6a over Cognito's 3072-bit group, with HKDF), and
Cognito answers with tokens or the next challenge. Only the standard library: hashlib, hmac, secrets.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

# RFC 5054's 3072-bit group, the one Cognito uses, and its generator.
N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2
INFO = b"Caldera Derived Key"  # the HKDF info Cognito uses
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _pad_hex(value: int | str) -> str:
    """Hex of a positive number, with a leading 0 byte when its top bit is set (Java's BigInteger form)."""
    text = value if isinstance(value, str) else format(value, "x")
    if len(text) % 2:
        text = "0" + text
    elif text[0] in "89abcdefABCDEF":
        text = "00" + text
    return text


def _hash_hex(hex_text: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_text)).hexdigest().rjust(64, "0")


def _int_hash(*parts: int | str) -> int:
    return int(_hash_hex("".join(_pad_hex(part) for part in parts)), 16)


K = _int_hash(N, G)


@dataclass(frozen=True)
class Client:
    """One sign-in attempt: a fresh secret a, and A = g^a mod N sent as SRP_A."""

    small_a: int

    @classmethod
    def start(cls) -> Client:
        while True:
            small_a = secrets.randbits(1024) % N
            if pow(G, small_a, N) % N:
                return cls(small_a)

    @property
    def srp_a(self) -> str:
        return format(pow(G, self.small_a, N), "x")

    def password_key(self, pool_name: str, user_id: str, password: str, salt_hex: str, srp_b_hex: str) -> bytes:
        """The 16-byte key both sides derive; Cognito's server computes it from its stored verifier."""
        big_b = int(srp_b_hex, 16)
        if big_b % N == 0:
            raise ValueError("Cognito sent an invalid SRP_B")
        u = _int_hash(pow(G, self.small_a, N), big_b)
        if u == 0:
            raise ValueError("the SRP exchange produced u = 0; sign in again")
        identity = hashlib.sha256(f"{pool_name}{user_id}:{password}".encode()).hexdigest()
        x = int(_hash_hex(_pad_hex(salt_hex) + identity), 16)
        secret = pow(big_b - K * pow(G, x, N), self.small_a + u * x, N)
        return hkdf(bytes.fromhex(_pad_hex(secret)), bytes.fromhex(_pad_hex(u)))

    def answer(
        self, *, pool_id: str, user_id: str, password: str, parameters: dict[str, str], now: datetime | None = None
    ) -> dict[str, str]:
        """The PASSWORD_VERIFIER challenge's responses, from its SALT, SRP_B and SECRET_BLOCK.

        `user_id` is the challenge's USER_ID_FOR_SRP, which the proof signs; the answer names the user as the
        challenge's USERNAME did (the same value in Cognito, the pool's own username either way).
        """
        pool_name = pool_id.split("_", 1)[1]
        key = self.password_key(pool_name, user_id, password, parameters["SALT"], parameters["SRP_B"])
        timestamp = cognito_timestamp(now or datetime.now(UTC))
        block = base64.b64decode(parameters["SECRET_BLOCK"])
        message = pool_name.encode() + user_id.encode() + block + timestamp.encode()
        signature = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
        return {
            "TIMESTAMP": timestamp,
            "USERNAME": parameters.get("USERNAME") or user_id,
            "PASSWORD_CLAIM_SECRET_BLOCK": parameters["SECRET_BLOCK"],
            "PASSWORD_CLAIM_SIGNATURE": signature,
        }


def hkdf(input_key: bytes, salt: bytes) -> bytes:
    prk = hmac.new(salt, input_key, hashlib.sha256).digest()
    return hmac.new(prk, INFO + b"\x01", hashlib.sha256).digest()[:16]


def cognito_timestamp(now: datetime) -> str:
    """Cognito's format, in English whatever the locale: `Tue Dec 1 10:00:00 UTC 2026` (no zero-padded day)."""
    now = now.astimezone(UTC)
    return f"{WEEKDAYS[now.weekday()]} {MONTHS[now.month - 1]} {now.day} {now:%H:%M:%S} UTC {now.year}"
