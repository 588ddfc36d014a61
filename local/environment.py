"""The local deployment's settings and the one environment every handler sees, keyed by spec.Env."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from infra import spec
from local.rate_limits import DEFAULT_PER_MINUTE, per_minute_from

SCHEDULE_GROUP = "talentpool"  # the EventBridge Scheduler group campaign schedules live in
ROLE_NAME = "talentpool-local"  # the one role every local function, state machine and schedule uses
NURTURE = "nurture"  # the spec state machine NURTURE_STATE_MACHINE_ARN names
ACCOUNT = "123456789012"  # moto's default account: every ARN the runtime builds uses it
DEFAULT_PORT = 3000
DEFAULT_REGION = "us-east-1"
DEFAULT_TIME_SCALE = 8640.0  # one day of sequence time is ten real seconds
TABLE_NAME = "talentpool"
# Demo values: the local runtime sends nothing out (mail lands in .local/outbox), so it needs none of the
# operator settings a deployment must have (cdk.json ships those empty, and a synth without them fails).
DEMO_SENDER_EMAIL = "talent@example.com"
CONFIGURATION_SET = "talentpool"
CONSENT_TEXT_VERSION = "2026-11"
JWKS_PATH = "/.well-known/jwks.json"
ISSUER_PATH = "/local-cognito"
JWT_AUDIENCE = "talentpool-local"
FAILURE_QUEUE_PREFIX = "talentpool-failures-"  # + the consumer: the same failure queues CDK makes
SECRET_NAME = "talentpool/token-secret"  # noqa: S105 - a name; the value is random per run

# Process-wide settings that are not per-function environment: Powertools, and no X-Ray daemon locally.
POWERTOOLS_ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME": "talentpool",
    "POWERTOOLS_METRICS_NAMESPACE": "Talentpool",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


@dataclass(frozen=True)
class LocalSettings:
    """What one run of the local runtime is configured with; random values are fresh per run."""

    port: int
    region: str
    time_scale: float
    root: Path = spec.ROOT
    local_dir: Path | None = None  # TALENTPOOL_LOCAL_DIR: where the outbox goes (default .local/)
    # Public submissions per client IP a minute (local/rate_limits.py); None: TALENTPOOL_RATE_LIMITS=off.
    submissions_per_minute: int | None = DEFAULT_PER_MINUTE
    ip_hash_salt: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    token_secret_value: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.base_url}{ISSUER_PATH}"

    @property
    def state_dir(self) -> Path:
        return self.local_dir or self.root / ".local"

    @property
    def outbox_dir(self) -> Path:
        return self.state_dir / "outbox"

    @property
    def reports_dir(self) -> Path:
        return self.state_dir / "reports"


def settings_from(environ: Mapping[str, str], port_arg: int | None = None) -> LocalSettings:
    """Settings from `--port`, then PORT, AWS_REGION, TALENTPOOL_TIME_SCALE, TALENTPOOL_LOCAL_DIR and the rate limits
    (TALENTPOOL_RATE_LIMITS, TALENTPOOL_SUBMISSIONS_PER_MINUTE)."""
    port = port_arg if port_arg is not None else int(environ.get("PORT") or DEFAULT_PORT)
    scale = time_scale(environ)
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    local_dir = Path(environ["TALENTPOOL_LOCAL_DIR"]) if environ.get("TALENTPOOL_LOCAL_DIR") else None
    return LocalSettings(
        port=port, region=region, time_scale=scale, local_dir=local_dir, submissions_per_minute=per_minute_from(environ)
    )


def time_scale(environ: Mapping[str, str]) -> float:
    """TALENTPOOL_TIME_SCALE: how many sequence seconds pass per real second (default 8640)."""
    raw = environ.get("TALENTPOOL_TIME_SCALE") or ""
    value = float(raw) if raw.strip() else DEFAULT_TIME_SCALE
    if not value > 0:
        raise ValueError(f"TALENTPOOL_TIME_SCALE must be a positive number, not {raw!r}")
    return value


def aws_environment(settings: LocalSettings, moto_port: int) -> dict[str, str]:
    """Fake credentials and the moto endpoint, so a boto3 client in another process talks to the runtime's moto."""
    return {**_credentials(settings, moto_port), "AWS_ENDPOINT_URL": moto_url(moto_port)}


def in_process_environment(settings: LocalSettings, moto_port: int) -> dict[str, str]:
    """The runtime's own process: no endpoint, so moto's botocore hook answers every client in-process.

    S3 alone keeps the server's URL: presigned links (a report's pages) are handed to people, who open them
    in a browser, so they must name a server that is listening.
    """
    return {**_credentials(settings, moto_port), "AWS_ENDPOINT_URL_S3": moto_url(moto_port)}


def moto_url(moto_port: int) -> str:
    return f"http://127.0.0.1:{moto_port}"


def _credentials(settings: LocalSettings, moto_port: int) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_SESSION_TOKEN": "local",
        "AWS_REGION": settings.region,
        "AWS_DEFAULT_REGION": settings.region,
        "MOTO_PORT": str(moto_port),  # where moto's Step Functions interpreter would call back, were it not in-process
    }


def buckets() -> tuple[Any, ...]:
    """spec.BUCKETS (name, env, notify_prefix, notify_function), or none while the spec declares none."""
    return tuple(getattr(spec, "BUCKETS", ()))


def bucket_name(bucket: Any) -> str:
    return f"talentpool-{bucket.name}"


@cache
def deployment_context() -> dict[str, Any]:
    """cdk.json's context: the settings a deployment gets, so the local runtime uses the same ones."""
    context: dict[str, Any] = json.loads((spec.ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    return context


def schedule_expression(schedule: spec.ScheduleSpec) -> str:
    """The schedule's cdk.json setting when it names one, else its default expression (as CDK decides)."""
    if schedule.expression_setting is None:
        return schedule.default_expression
    return str(deployment_context().get(schedule.expression_setting) or schedule.default_expression)


# Where pages and emails link for the privacy policy when cdk.json names none (a deployment must: docs/deploy.md).
SAMPLE_PRIVACY_POLICY_URL = "https://www.example.com/privacy"


def local_values(settings: LocalSettings, token_secret_arn: str) -> dict[str, str]:
    """Local values by variable name, including names the spec may not list yet (ignored until it does)."""
    context = deployment_context()
    return {
        "TABLE_NAME": TABLE_NAME,
        "EVENT_BUS_NAME": spec.BUS_NAME,
        "TOKEN_SECRET_ARN": token_secret_arn,
        "SENDER_EMAIL": DEMO_SENDER_EMAIL,
        "SES_CONFIGURATION_SET": CONFIGURATION_SET,
        "PUBLIC_BASE_URL": settings.base_url,
        "IP_HASH_SALT": settings.ip_hash_salt,
        "WEB_ROOT": str(spec.WEB_DIR),
        "CONSENT_TEXT_VERSION": str(context.get("consent_text_version", CONSENT_TEXT_VERSION)),
        "CORS_ORIGIN": settings.base_url,
        # The local user pool (local/auth.py) for handlers that verify a recruiter token themselves.
        "JWKS_URL": f"{settings.base_url}{JWKS_PATH}",
        "JWT_ISSUER": settings.issuer,
        "JWT_AUDIENCE": JWT_AUDIENCE,
        # Sequences and reports: the settings cdk.json gives a deployment.
        "DEFAULT_TIMEZONE": str(context["timezone_default"]),
        "FREQUENCY_CAP": str(context["frequency_cap"]),
        "COMPANY_NAME": str(context["company_name"]),
        "PRIVACY_POLICY_URL": str(context.get("privacy_policy_url") or SAMPLE_PRIVACY_POLICY_URL),
        # A deployment without a logo shows its name; locally the sample logo in web/assets shows the slot.
        "LOGO_URL": str(context.get("logo_url") or f"{settings.base_url}/assets/logo.svg"),
        "CONSENT_MONTHS": str(context["retention_months"]),
        # Nurture campaigns: schedules go to the local Scheduler group, which starts the local nurture machine.
        "SES_SEND_RATE": str(context.get("ses_send_rate", 14)),
        "IMPORT_MAX_ROWS": str(context.get("import_max_rows", 25_000)),
        "NURTURE_STATE_MACHINE_ARN": state_machine_arn(settings.region, NURTURE),
        "SCHEDULE_GROUP": SCHEDULE_GROUP,
        "SCHEDULER_ROLE_ARN": f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}",
        **{bucket.env.value: bucket_name(bucket) for bucket in buckets()},
        "FAILURE_QUEUES": failure_setting(settings.region),
    }


def queue_url(region: str, name: str) -> str:
    # moto finds a queue by the URL's account and name, whatever host the URL names.
    return f"https://sqs.{region}.amazonaws.com/{ACCOUNT}/{name}"


def rule_queue_name(rule: str) -> str:
    return ("talentpool-rule-" + re.sub(r"[^A-Za-z0-9_-]", "-", rule))[:80]


def failure_setting(region: str) -> str:
    """FAILURE_QUEUES for the local runtime: the spec's consumers, with local queue URLs and ARNs."""
    consumers: dict[str, dict[str, Any]] = {}
    for name in spec.failure_consumers():
        kind = spec.consumer_kind(name)
        consumer: dict[str, Any] = {"queue_url": queue_url(region, FAILURE_QUEUE_PREFIX + name), "kind": kind}
        if kind == "queue":
            # Locally a queue target is fed through its rule's queue, which the dispatcher drains.
            (rule,) = [r.name for r in spec.RULES for t in r.targets if t.kind == "queue" and t.name == name]
            consumer["target"] = queue_url(region, rule_queue_name(rule))
        elif kind == "state_machine":
            consumer |= {"target": state_machine_arn(region, name), "inputs": spec.state_machine_inputs(name)}
        else:
            consumer["target"] = f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}"
        consumers[name] = consumer
    return json.dumps(consumers)


def state_machine_arn(region: str, name: str) -> str:
    """The ARN moto gives the spec state machine `name` (checked against it at start: resources.check_arns)."""
    return f"arn:aws:states:{region}:{ACCOUNT}:stateMachine:{spec.state_machine(name).name}"


def handler_environment(settings: LocalSettings, token_secret_arn: str) -> dict[spec.Env, str]:
    """One value per spec.Env: every function reads the same names, so one dict serves them all."""
    by_name = local_values(settings, token_secret_arn)
    missing = [name.value for name in spec.Env if name.value not in by_name]
    if missing:
        raise RuntimeError(f"the local runtime has no value for {', '.join(missing)}: add it to local/environment.py")
    return {name: by_name[name.value] for name in spec.Env}


def function_environment(function: spec.FunctionSpec, values: Mapping[spec.Env, str]) -> dict[str, str]:
    """The variables one function is deployed with: exactly the ones its spec lists."""
    return {name.value: values[name] for name in function.env}


def apply(environ: MutableMapping[str, str], values: Mapping[spec.Env, str]) -> None:
    """Put the union into the process environment; handlers read it once, at import."""
    environ.update({name.value: value for name, value in values.items()})
    environ.update(POWERTOOLS_ENVIRONMENT)
