"""The token-signing key: a generated secret the functions read to sign and verify emailed links."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.nag import acknowledge


class TokenSigningKey(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            description="HMAC key that signs the confirmation, unsubscribe and preference links Talentpool emails",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True, include_space=False
            ),
            # A new stack generates a new key; a kept old one would sign nothing.
            removal_policy=RemovalPolicy.DESTROY,
        )
        acknowledge(
            self.secret,
            "SMG4",
            "Rotating the link-signing key invalidates every confirmation and unsubscribe link in flight, "
            "so rotation is a deliberate manual step (put a new value, documented in docs/deploy.md) "
            "rather than a schedule; links also expire on their own.",
        )
