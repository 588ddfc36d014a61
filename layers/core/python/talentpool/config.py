"""Each function's environment, as a frozen model validated once at cold start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator


class FunctionEnv(BaseModel):
    """Fields are the lower-case names of the function's environment variables (see infra/spec.py)."""

    # defer_build: a function validates only its own environment model, so the validators of the other
    # functions' models are never built in its cold start.
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Self:
        source = os.environ if environ is None else environ
        return cls.model_validate({name: source.get(name.upper()) for name in cls.model_fields})


class CaptureEnv(FunctionEnv):
    table_name: str
    event_bus_name: str
    ip_hash_salt: str
    public_base_url: str
    web_root: str
    cors_origin: str | None = None
    jwks_url: str
    jwt_issuer: str
    jwt_audience: str


class SiteEnv(FunctionEnv):
    """What every page and email shows of the company: its name, logo and privacy policy (cdk.json context).
    Defaults let a function start where a deployment sets none; CDK and the local runtime pass cdk.json's."""

    company_name: str = Field(default="Talentpool", min_length=1, max_length=100)
    privacy_policy_url: str | None = None
    logo_url: str | None = None

    @field_validator("company_name", "privacy_policy_url", "logo_url", mode="before")
    @classmethod
    def _unset_is_default(cls, value: object, info: ValidationInfo) -> object:
        if value not in (None, ""):
            return value
        return cls.model_fields[str(info.field_name)].default


class IntakeEnv(FunctionEnv):
    """Settles public submissions after their answer (see infra/spec.py)."""

    table_name: str
    event_bus_name: str


class ConfirmEnv(FunctionEnv):
    table_name: str
    event_bus_name: str
    token_secret_arn: str
    web_root: str
    public_base_url: str


class NotifyEnv(SiteEnv):
    table_name: str
    token_secret_arn: str
    sender_email: str
    ses_configuration_set: str
    public_base_url: str


class PagesEnv(FunctionEnv):
    web_root: str
    public_base_url: str
    consent_text_version: str


class ImporterEnv(FunctionEnv):
    """The CSV importer. IMPORT_MAX_ROWS is the most data rows one file may have (cdk.json `import_max_rows`;
    infra/settings.py checks the same bounds at synth); unset or empty means the default."""

    table_name: str
    event_bus_name: str
    imports_bucket: str
    import_max_rows: int = Field(default=25_000, ge=1, le=50_000)

    @field_validator("import_max_rows", mode="before")
    @classmethod
    def _unset_is_default(cls, value: object) -> object:
        return cls.model_fields["import_max_rows"].default if value in (None, "") else value


class RecruiterApiEnv(FunctionEnv):
    table_name: str
    event_bus_name: str
    imports_bucket: str
    reports_bucket: str | None = None
    # Nurture campaigns: POST /campaigns/{id}/send starts the machine, and saving a campaign syncs its schedule.
    # Unset only where nurture is not deployed: then no schedule is synced and a send cannot start.
    nurture_state_machine_arn: str | None = None
    schedule_group: str | None = None
    scheduler_role_arn: str | None = None


E = TypeVar("E", bound=FunctionEnv)


_LOADED: dict[type[FunctionEnv], FunctionEnv] = {}


def load(env_type: type[E]) -> E:
    """The environment of this process, parsed once."""
    if env_type not in _LOADED:
        _LOADED[env_type] = env_type.from_environ()
    loaded = _LOADED[env_type]
    assert isinstance(loaded, env_type)
    return loaded


class SesEventsEnv(FunctionEnv):
    """SES delivery events: timeline, engagement score and suppression (see infra/spec.py)."""

    table_name: str
    event_bus_name: str


class SelfServiceEnv(FunctionEnv):
    """Candidate self-service: one-click unsubscribe and the preference centre (see infra/spec.py).

    No public_base_url: its pages link relative to themselves, so they work under any host or stage.
    """

    table_name: str
    event_bus_name: str
    token_secret_arn: str
    web_root: str


class SequenceStepEnv(FunctionEnv):
    """One round of an engage sequence (see infra/spec.py). The last three have defaults, so the function
    also starts where a deployment does not set them; CDK passes the cdk.json values."""

    table_name: str
    event_bus_name: str
    token_secret_arn: str
    sender_email: str
    ses_configuration_set: str
    public_base_url: str
    default_timezone: str = "Europe/London"
    frequency_cap: int = Field(default=2, ge=1, le=14, description="Marketing emails per 7 days, at most")
    company_name: str = Field(default="Talentpool", min_length=1, max_length=100)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Self:
        # An unset (or empty) variable means "use the default", not "invalid".
        source = os.environ if environ is None else environ
        return cls.model_validate({name: source[name.upper()] for name in cls.model_fields if source.get(name.upper())})

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)  # an unknown zone fails the cold start, not the first send
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not an IANA time zone, such as Europe/London") from exc
        return value


class ReportEnv(FunctionEnv):
    """The report job (see infra/spec.py): reads the aggregates in the table, writes to the reports bucket."""

    table_name: str
    reports_bucket: str


class AggregatesEnv(FunctionEnv):
    """The stream consumer that keeps the report aggregates (see infra/spec.py): the table it reads and writes,
    the bucket its event log goes to, and how long confirmed consent lasts (CONSENT_MONTHS, which CDK fills
    from cdk.json `retention_months`; unset or empty means the same default, 24)."""

    table_name: str
    reports_bucket: str
    consent_months: int = Field(default=24, ge=1, le=120)

    @field_validator("consent_months", mode="before")
    @classmethod
    def _unset_is_default(cls, value: object) -> object:
        return cls.model_fields["consent_months"].default if value in (None, "") else value


class CampaignStepEnv(SequenceStepEnv):
    """The nurture machine's tasks (see infra/spec.py): the engage send path's settings, plus SES_SEND_RATE,
    the account's SES maximum send rate in emails a second, which bounds the Map's concurrency."""

    ses_send_rate: int = Field(default=14, ge=1, le=10_000)


class OpsEnv(FunctionEnv):
    table_name: str
    # JSON {consumer: {queue_url, kind, target, inputs}}, parsed on first use (talentpool.logic.ops.failures).
    failure_queues: str


class SeedEnv(FunctionEnv):
    """Runs once per deploy (a CDK trigger) and at local start: syncs every campaign's Scheduler schedule."""

    table_name: str
    nurture_state_machine_arn: str
    schedule_group: str
    scheduler_role_arn: str
