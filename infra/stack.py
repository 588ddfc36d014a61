"""TalentpoolStack: composes one construct per concern, in dependency order; it builds nothing itself."""

from __future__ import annotations

from functools import partial
from typing import Any

from aws_cdk import Aws, CfnOutput, Fn, Stack
from constructs import Construct

from infra import spec
from infra.api import PublicApi
from infra.auth import RecruiterPool
from infra.campaigns import CampaignSchedules
from infra.data import CandidateTable
from infra.deploy_hooks import RunOnDeploy
from infra.email import SenderIdentity
from infra.events import DomainEvents
from infra.failures import FailureQueues, Replay
from infra.functions import Functions, GrantCall
from infra.layers import SharedLayers
from infra.logs import retain_helper_logs
from infra.observability import Alarms
from infra.reporting import ReportTables
from infra.secrets import TokenSigningKey
from infra.sequences import LogSettings, Sequences
from infra.settings import Settings
from infra.storage import Buckets
from infra.streams import StreamConsumers
from talentpool.adapters.aws.reports import REPORTS_PREFIX, TABLES_PREFIX
from talentpool.models.aggregates import EVENT_LOG_PREFIX

WEB_ROOT = "/opt/web"  # where the core layer's web/ folder is mounted
IMPORTS = "imports"  # the spec.BUCKETS entry the imports grants are about
REPORTS = "reports"  # the spec.BUCKETS entry the reports grants are about
ENGAGE = "engage"  # the state machine whose executions run per candidate (WORKFLOW_STOP)
NURTURE = "nurture"  # the state machine a campaign send starts (WORKFLOW_START, NURTURE_STATE_MACHINE_ARN)
# Values that exist only once the functions do: the state machines are built from the functions they invoke, and
# the failure queues from everything that parks work in them.
LATE_ENVIRONMENT = (spec.Env.NURTURE_STATE_MACHINE_ARN, spec.Env.FAILURE_QUEUES)
# What the report job and the stream consumer write: report files, their Athena copies, the event log.
REPORT_WRITES = (f"{REPORTS_PREFIX}*", f"{TABLES_PREFIX}*", f"{EVENT_LOG_PREFIX}*")


class TalentpoolStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.settings = settings
        self.data = CandidateTable(self, "Data", retain=settings.retain_data)
        self.token_key = TokenSigningKey(self, "TokenSigningKey")
        self.failures = FailureQueues(self, "Failures")
        self.events = DomainEvents(self, "Events", failures=self.failures)
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
        self.campaigns = CampaignSchedules(self, "Campaigns")
        self.function_environment = self._environment()
        self.functions = Functions(
            self,
            "Functions",
            specs=spec.FUNCTIONS,
            environment=self.function_environment,
            layers=SharedLayers(self, "Layers").all,
            log_retention_days=settings.log_retention_days,
            late=LATE_ENVIRONMENT,
        )
        self.api.add_routes(spec.ROUTES, self.functions.entry_points)
        self.sequences = Sequences(
            self,
            "Sequences",
            machines=spec.STATE_MACHINES,
            functions=self.functions.by_name,
            logging=LogSettings(
                retention_days=settings.log_retention_days,
                level=settings.state_machine_log_level,
                include_data=settings.state_machine_log_data,
            ),
        )
        self.function_environment |= self._late_environment()
        self.functions.add_environment(self._late_environment())
        self.sequences.grant_start_executions(NURTURE, self.campaigns.role)
        self.reporting = ReportTables(self, "Reporting", bucket=self.storage.by_name[REPORTS])
        self.storage.add_notifications(self.functions.by_name)
        self.events.add_rules(spec.RULES, self.functions.by_name, self.sequences.by_name)
        self.events.add_schedules(spec.SCHEDULES, settings, self.functions.by_name, self.sequences.by_name)
        self.streams = StreamConsumers(
            self,
            "Streams",
            streams=spec.STREAMS,
            table=self.data.table,
            functions=self.functions.by_name,
            failures=self.failures,
        )
        self.failures.add_async_destinations(self.functions.by_name)
        # Every failure queue exists now: say where each one's work is replayed, and grant what grants name.
        self.replay = Replay(
            self.failures,
            functions=self.functions.by_name,
            state_machines=self.sequences.by_name,
            buffers=self.events.buffer_of,
            stream_arn=self.data.table.table_stream_arn or "",
        )
        failure_queues = {spec.Env.FAILURE_QUEUES: self.replay.setting()}
        self.function_environment |= failure_queues
        self.functions.add_environment(failure_queues)
        self.functions.check_environment()
        self.grants = self._grants()
        self.functions.add_grants(self.grants)
        self.alarms = Alarms(
            self,
            "Alarms",
            functions=self.functions.by_name,
            function_specs=spec.FUNCTIONS,
            stage=self.api.rest_api.deployment_stage,
            failure_queues=self.failures.by_consumer,
            state_machines=self.sequences.by_name,
            alarm_email=settings.alarm_email,
        )
        # Last: run-on-deploy functions (seed) run once everything above exists.
        self.deploy_hooks = RunOnDeploy(
            self,
            "RunOnDeploy",
            specs=spec.FUNCTIONS,
            functions=self.functions.by_name,
            after=list(self.node.children),
        )
        retain_helper_logs(self, settings.log_retention_days)  # last: CDK's own functions exist only now
        self._outputs()

    def _environment(self) -> dict[spec.Env, str]:
        """The one place each environment variable gets its value; a function receives only those it lists.

        Values are by variable name, so a name the spec gains later (CONSENT_MONTHS, say) is ready for it; a
        spec name with no value here fails the synth, naming it.
        """
        settings = self.settings
        by_name = {
            "TABLE_NAME": self.data.table.table_name,
            "EVENT_BUS_NAME": self.events.bus.event_bus_name,
            "TOKEN_SECRET_ARN": self.token_key.secret.secret_arn,
            "SENDER_EMAIL": settings.sender_email,
            "SES_CONFIGURATION_SET": self.email.configuration_set_name,
            "PUBLIC_BASE_URL": settings.public_base_url or self.api.base_url,
            # The stack's UUID: stable for the stack's life, unknown outside the account, so an IP hash
            # cannot be reversed by hashing all of IPv4 with a guessable salt.
            "IP_HASH_SALT": Fn.select(2, Fn.split("/", Aws.STACK_ID)),
            "WEB_ROOT": WEB_ROOT,
            "CONSENT_TEXT_VERSION": settings.consent_text_version,
            "CORS_ORIGIN": settings.careers_origin,
            "JWT_ISSUER": self.auth.issuer,
            "JWKS_URL": self.auth.jwks_url,
            "JWT_AUDIENCE": self.auth.audience,
            # Sequences: the send-window zone for candidates who gave none, and the weekly marketing cap.
            "DEFAULT_TIMEZONE": settings.timezone_default,
            "FREQUENCY_CAP": str(settings.frequency_cap),
            "COMPANY_NAME": settings.company_name,
            "PRIVACY_POLICY_URL": settings.privacy_policy_url,
            "LOGO_URL": settings.logo_url,
            # Reports: how long a confirmed consent lasts (its expiry is counted), the data retention period.
            "CONSENT_MONTHS": str(settings.retention_months),
            # Nurture campaigns: the Map's concurrency and pacing, the machine a send starts, where schedules live.
            "SES_SEND_RATE": str(settings.ses_send_rate),
            # CSV imports: the most data rows one file may have.
            "IMPORT_MAX_ROWS": str(settings.import_max_rows),
            "SCHEDULE_GROUP": self.campaigns.group_name,
            "SCHEDULER_ROLE_ARN": self.campaigns.role.role_arn,
        } | {env.value: value for env, value in self.storage.environment().items()}
        missing = [env.value for env in spec.Env if env.value not in by_name and env not in LATE_ENVIRONMENT]
        if missing:
            raise KeyError(f"infra/stack.py has no value for {', '.join(missing)}")
        return {env: by_name[env.value] for env in spec.Env if env.value in by_name}

    def _late_environment(self) -> dict[spec.Env, str]:
        """LATE_ENVIRONMENT's values, once the state machines exist."""
        return {spec.Env.NURTURE_STATE_MACHINE_ARN: self.sequences.by_name[NURTURE].state_machine_arn}

    def _grants(self) -> dict[spec.Grant, GrantCall]:
        """Each spec permission is exactly one grant_* call on the resource that owns it."""
        return {
            **{
                grant: partial(self.data.grant, grant)
                for grant in (
                    spec.Grant.TABLE_READ,
                    spec.Grant.TABLE_BATCH_READ,
                    spec.Grant.TABLE_WRITE,
                    spec.Grant.TABLE_BATCH_WRITE,
                )
            },
            spec.Grant.BUS_PUT: self.events.bus.grant_put_events_to,
            spec.Grant.SES_SEND: self.email.grant_send,
            spec.Grant.TOKEN_SECRET_READ: self.token_key.secret.grant_read,
            spec.Grant.IMPORTS_UPLOAD: partial(self.storage.grant_upload, IMPORTS),
            spec.Grant.IMPORTS_READ: partial(self.storage.grant_read, IMPORTS),
            spec.Grant.IMPORTS_DELETE: partial(self.storage.grant_delete_uploads, IMPORTS),
            spec.Grant.WORKFLOW_STOP: partial(self.sequences.grant_stop_executions, ENGAGE),
            spec.Grant.WORKFLOW_CALLBACK: self.sequences.grant_task_callbacks,
            spec.Grant.WORKFLOW_START: partial(self.sequences.grant_start_executions, NURTURE),
            spec.Grant.WORKFLOW_CONTINUE: self.sequences.grant_continuations,
            spec.Grant.SCHEDULES_MANAGE: self.campaigns.grant_manage,
            spec.Grant.REPORTS_WRITE: partial(self.storage.grant_put_under, REPORTS, REPORT_WRITES),
            spec.Grant.REPORTS_READ: partial(self.storage.grant_read_prefix, REPORTS, REPORTS_PREFIX),
            spec.Grant.EVENT_LOG_READ: partial(self.storage.grant_read_prefix, REPORTS, EVENT_LOG_PREFIX),
            spec.Grant.FAILURES_REDRIVE: self.replay.grant,
        }

    def _outputs(self) -> None:
        outputs = {
            "ApiUrl": self.api.rest_api.url,
            "UserPoolId": self.auth.user_pool.user_pool_id,
            "UserPoolClientId": self.auth.cli_client.user_pool_client_id,
            "TableName": self.data.table.table_name,
            "EventBusName": self.events.bus.event_bus_name,
            "ScheduleGroupName": self.campaigns.group_name,
            "GlueDatabaseName": self.reporting.database_name,
            "AthenaWorkGroupName": self.reporting.workgroup.ref,
        }
        for name, bucket in self.storage.by_name.items():
            outputs[f"{name.title()}BucketName"] = bucket.bucket_name
        for name, value in outputs.items():
            CfnOutput(self, name, value=value)
