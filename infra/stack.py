"""TalentpoolStack: composes one construct per concern, in dependency order; it builds nothing itself."""

from __future__ import annotations

from functools import partial
from typing import Any

from aws_cdk import Aws, CfnOutput, Fn, Stack
from constructs import Construct

from infra import spec
from infra.api import PublicApi
from infra.auth import RecruiterPool
from infra.data import CandidateTable
from infra.email import SenderIdentity
from infra.events import DomainEvents
from infra.functions import Functions, GrantCall
from infra.layers import SharedLayers
from infra.observability import Alarms
from infra.secrets import TokenSigningKey
from infra.sequences import Sequences
from infra.settings import Settings
from infra.storage import Buckets

WEB_ROOT = "/opt/web"  # where the core layer's web/ folder is mounted
IMPORTS = "imports"  # the spec.BUCKETS entry the imports grants are about


class TalentpoolStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.settings = settings
        self.data = CandidateTable(self, "Data", retain=settings.retain_data)
        self.token_key = TokenSigningKey(self, "TokenSigningKey")
        self.events = DomainEvents(self, "Events")
        self.email = SenderIdentity(self, "Email", settings=settings)
        self.auth = RecruiterPool(self, "Auth", settings=settings)
        self.api = PublicApi(self, "Api", settings=settings, user_pool=self.auth.user_pool)
        self.storage = Buckets(
            self,
            "Storage",
            specs=spec.BUCKETS,
            retain=settings.retain_data,
            log_retention_days=settings.log_retention_days,
        )
        self.function_environment = self._environment()
        self.functions = Functions(
            self,
            "Functions",
            specs=spec.FUNCTIONS,
            environment=self.function_environment,
            layers=SharedLayers(self, "Layers").all,
            log_retention_days=settings.log_retention_days,
        )
        self.api.add_routes(spec.ROUTES, self.functions.by_name)
        self.sequences = Sequences(
            self,
            "Sequences",
            machines=spec.STATE_MACHINES,
            functions=self.functions.by_name,
            log_retention_days=settings.log_retention_days,
        )
        # Last of the resources grants name: the state machines, which need the functions first.
        self.grants = self._grants()
        self.functions.add_grants(self.grants)
        self.storage.add_notifications(self.functions.by_name)
        self.events.add_rules(spec.RULES, self.functions.by_name, self.sequences.by_name)
        self.alarms = Alarms(
            self,
            "Alarms",
            functions=self.functions.by_name,
            function_specs=spec.FUNCTIONS,
            stage=self.api.rest_api.deployment_stage,
            dead_letter_queues=self.events.dead_letter_queues,
            alarm_email=settings.alarm_email,
        )
        self._outputs()

    def _environment(self) -> dict[spec.Env, str]:
        """The one place each environment variable gets its value; a function receives only those it lists."""
        settings = self.settings
        return {
            spec.Env.TABLE_NAME: self.data.table.table_name,
            spec.Env.EVENT_BUS_NAME: self.events.bus.event_bus_name,
            spec.Env.TOKEN_SECRET_ARN: self.token_key.secret.secret_arn,
            spec.Env.SENDER_EMAIL: settings.sender_email,
            spec.Env.SES_CONFIGURATION_SET: self.email.configuration_set_name,
            spec.Env.PUBLIC_BASE_URL: settings.public_base_url or self.api.base_url,
            # The stack's UUID: stable for the stack's life, unknown outside the account, so an IP hash
            # cannot be reversed by hashing all of IPv4 with a guessable salt.
            spec.Env.IP_HASH_SALT: Fn.select(2, Fn.split("/", Aws.STACK_ID)),
            spec.Env.WEB_ROOT: WEB_ROOT,
            spec.Env.CONSENT_TEXT_VERSION: settings.consent_text_version,
            spec.Env.CORS_ORIGIN: settings.careers_origin,
            spec.Env.JWT_ISSUER: self.auth.issuer,
            spec.Env.JWKS_URL: self.auth.jwks_url,
            spec.Env.JWT_AUDIENCE: self.auth.audience,
        } | self.storage.environment()

    def _grants(self) -> dict[spec.Grant, GrantCall]:
        """Each spec permission is exactly one grant_* call on the resource that owns it."""
        return {
            spec.Grant.TABLE_READ: self.data.grant_read,
            spec.Grant.TABLE_READ_WRITE: self.data.grant_read_write,
            spec.Grant.BUS_PUT: self.events.bus.grant_put_events_to,
            spec.Grant.SES_SEND: self.email.grant_send,
            spec.Grant.TOKEN_SECRET_READ: self.token_key.secret.grant_read,
            spec.Grant.IMPORTS_UPLOAD: partial(self.storage.grant_upload, IMPORTS),
            spec.Grant.IMPORTS_READ: partial(self.storage.grant_read, IMPORTS),
            spec.Grant.WORKFLOW_STOP: self.sequences.grant_stop_executions,
        }

    def _outputs(self) -> None:
        outputs = {
            "ApiUrl": self.api.rest_api.url,
            "UserPoolId": self.auth.user_pool.user_pool_id,
            "UserPoolClientId": self.auth.cli_client.user_pool_client_id,
            "TableName": self.data.table.table_name,
            "EventBusName": self.events.bus.event_bus_name,
        }
        for name, bucket in self.storage.by_name.items():
            outputs[f"{name.title()}BucketName"] = bucket.bucket_name
        for name, value in outputs.items():
            CfnOutput(self, name, value=value)
