"""The recruiters' Cognito user pool: invite-only, MFA required, with the groups and the CLI's app client."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra import spec
from infra.nag import acknowledge
from infra.settings import Settings

# Where every Cognito user pool publishes its signing keys, under its issuer.
JWKS_PATH = "/.well-known/jwks.json"


class RecruiterPool(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            # Recruiters see candidate data: an admin invites them, nobody signs themselves up.
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            # TOTP only: SMS would need an SNS role and costs per message.
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.PLUS if settings.cognito_plus_tier else cognito.FeaturePlan.ESSENTIALS,
            standard_threat_protection_mode=(
                cognito.StandardThreatProtectionMode.FULL_FUNCTION if settings.cognito_plus_tier else None
            ),
            deletion_protection=settings.retain_data,
            removal_policy=RemovalPolicy.RETAIN if settings.retain_data else RemovalPolicy.DESTROY,
        )
        if not settings.cognito_plus_tier:
            acknowledge(
                self.user_pool,
                "COG8",
                "Threat protection needs the Plus tier, billed per monthly active user with no free tier. "
                "The pool is invite-only with MFA required; operators who want threat protection set the "
                "context flag cognito_plus_tier=true (docs/deploy.md).",
            )
        for group in spec.RECRUITER_GROUPS:
            cognito.UserPoolGroup(
                self,
                f"Group-{group}",
                user_pool=self.user_pool,
                group_name=group,
                description="Administers Talentpool" if group == spec.ADMIN_GROUP else "Works the talent pool",
            )
        self.cli_client = self.user_pool.add_client(
            "CliClient",
            # A command-line client cannot keep a secret, so it has none. SRP keeps the password off the wire,
            # and is the only flow unless the operator turns plain password sign-in on (cognito_password_auth).
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True, user_password=settings.cognito_password_auth),
            disable_o_auth=True,
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
        )

    @property
    def issuer(self) -> str:
        """The `iss` of the pool's tokens: https://cognito-idp.{region}.amazonaws.com/{user pool id}."""
        stack = Stack.of(self)
        return f"https://cognito-idp.{stack.region}.{stack.url_suffix}/{self.user_pool.user_pool_id}"

    @property
    def jwks_url(self) -> str:
        """The pool's public signing keys, which capture uses to verify a recruiter's token on POST /candidates."""
        return f"{self.issuer}{JWKS_PATH}"

    @property
    def audience(self) -> str:
        """The `aud` of the ID tokens the CLI sends: its app client id (access tokens carry no aud)."""
        return self.cli_client.user_pool_client_id
