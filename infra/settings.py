"""Deployment settings read once from CDK context (cdk.json, or `cdk -c key=value`), typed and checked."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from constructs import Node

# CloudWatch Logs accepts only these retention periods; a typo should fail the synth, not the deploy.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557)
# The bounds sequence_step's environment model enforces.
MAX_FREQUENCY_CAP = 14
MAX_COMPANY_NAME = 100
# campaign_step's bound on SES_SEND_RATE (emails a second); SES grants production accounts 14 to start with.
MAX_SES_SEND_RATE = 10_000
# The importer's bound on IMPORT_MAX_ROWS: more rows than this could not be written within one Lambda run.
MAX_IMPORT_ROWS = 50_000
SCHEDULE_EXPRESSION = re.compile(r"^(cron|rate)\(.+\)$")
# What only the operator can say; cdk.json ships them empty, and a synth without them fails naming each one.
REQUIRED = ("sender_email", "careers_origin", "alarm_email")
# Names reserved for documentation and tests (RFC 2606, RFC 6761): SES cannot verify them, no browser is there.
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_SUFFIXES = ("example", "invalid", "localhost", "test")
PLACEHOLDER_MARKERS = ("<", ">", "change-me", "changeme", "your-", "todo")
STATE_MACHINE_LOG_LEVELS = ("OFF", "FATAL", "ERROR", "ALL")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


@dataclass(frozen=True)
class Settings:
    """Every context key the app reads; the defaults here are the ones cdk.json ships (a test keeps them equal)."""

    region: str = ""
    sender_email: str = ""
    sender_domain: str = ""
    # The sender identity already exists in SES (a company domain usually does): use it, do not create it.
    sender_identity_exists: bool = False
    careers_origin: str = ""
    public_base_url: str = ""
    consent_text_version: str = "2026-11"
    log_retention_days: int = 90
    api_stage: str = "prod"
    api_rate_limit: int = 50
    api_burst_limit: int = 100
    waf_enabled: bool = True
    waf_rate_limit: int = 1000
    retain_data: bool = True
    alarm_email: str = ""
    cognito_plus_tier: bool = False
    # Off: the CLI signs in with SRP, which keeps the password off the wire. On for tools that cannot do SRP.
    cognito_password_auth: bool = False
    # ERROR without execution data: inputs and outputs name candidates. ALL (and data) only to debug, for a while.
    state_machine_log_level: str = "ERROR"
    state_machine_log_data: bool = False
    timezone_default: str = "Europe/London"
    frequency_cap: int = 2
    company_name: str = "Talentpool"
    # Every page's footer links here, and every email's; the logo heads pages and emails (else the name does).
    privacy_policy_url: str = ""
    logo_url: str = ""
    report_schedule: str = "cron(0 6 * * ? *)"
    retention_months: int = 24
    ses_send_rate: int = 14
    import_max_rows: int = 25_000

    def __post_init__(self) -> None:
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            raise ValueError(f"log_retention_days must be one of {LOG_RETENTION_DAYS}")
        for name in ("sender_email", "alarm_email"):
            if getattr(self, name) and "@" not in getattr(self, name):
                raise ValueError(f"{name} must be an email address")
        if (
            self.sender_domain
            and self.sender_email
            and not self.sender_email.lower().endswith("@" + self.sender_domain.lower())
        ):
            # SES authorises the From address through the identity, so it must sit on the verified domain.
            raise ValueError("sender_email must be an address at sender_domain")
        for name in ("api_rate_limit", "api_burst_limit", "retention_months"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.waf_rate_limit < 10:
            raise ValueError("waf_rate_limit must be at least 10 (the AWS WAF minimum)")
        if self.state_machine_log_level not in STATE_MACHINE_LOG_LEVELS:
            raise ValueError(f"state_machine_log_level must be one of {', '.join(STATE_MACHINE_LOG_LEVELS)}")
        self._check_sequences()
        if not SCHEDULE_EXPRESSION.match(self.report_schedule):
            raise ValueError("report_schedule must be an EventBridge cron(...) or rate(...) expression")

    def _check_sequences(self) -> None:
        """What sequence_step and campaign_step check at cold start (talentpool.config), so no deploy gets that far."""
        if not 1 <= self.frequency_cap <= MAX_FREQUENCY_CAP:
            raise ValueError(f"frequency_cap must be 1 to {MAX_FREQUENCY_CAP} emails per 7 days")
        if not 1 <= self.ses_send_rate <= MAX_SES_SEND_RATE:
            raise ValueError(f"ses_send_rate must be 1 to {MAX_SES_SEND_RATE} emails a second (the SES account's rate)")
        if not 1 <= self.import_max_rows <= MAX_IMPORT_ROWS:
            raise ValueError(f"import_max_rows must be 1 to {MAX_IMPORT_ROWS:,} rows")
        if not self.company_name.strip() or len(self.company_name) > MAX_COMPANY_NAME:
            raise ValueError(f"company_name must be 1 to {MAX_COMPANY_NAME} characters")
        for name in ("privacy_policy_url", "logo_url"):
            if getattr(self, name) and not str(getattr(self, name)).startswith(("https://", "/")):
                raise ValueError(f"{name} must be an https:// address or a path on the site")
        try:
            ZoneInfo(self.timezone_default)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            zone = self.timezone_default
            raise ValueError(f"timezone_default must be an IANA time zone such as Europe/London, not {zone!r}") from exc

    def check_deployable(self) -> None:
        """Fail the synth, naming every value the operator still has to give, before anything is deployed."""
        problems = [problem for problem in (self._operator_value(name) for name in REQUIRED) if problem]
        if self.sender_domain:
            problems += [problem for problem in [_placeholder("sender_domain", self.sender_domain)] if problem]
        if problems:
            raise ValueError(
                "Talentpool needs these settings before it can be deployed (cdk.json context, or -c key=value; "
                "see the README's deploy section):\n  - " + "\n  - ".join(problems)
            )

    def _operator_value(self, name: str) -> str | None:
        value = str(getattr(self, name))
        if not value.strip():
            return f"{name} is not set"
        if name == "careers_origin":
            return _origin_problem(value)
        return _placeholder(name, value)

    @classmethod
    def from_context(cls, node: Node) -> Settings:
        """Context values from `-c` arrive as strings; cdk.json gives JSON types. Accept both."""
        values: dict[str, Any] = {}
        for setting in fields(cls):
            raw = node.try_get_context(setting.name)
            if raw is not None:
                values[setting.name] = _coerce(setting.name, raw, type(setting.default))
        return cls(**values)


def _coerce(name: str, raw: object, kind: type) -> object:
    if kind is bool:
        text = str(raw).strip().lower()
        if text not in _TRUE | _FALSE:
            raise ValueError(f"{name} must be true or false, not {raw!r}")
        return text in _TRUE
    if kind is int:
        if isinstance(raw, bool):
            raise ValueError(f"{name} must be a whole number, not {raw!r}")
        return int(str(raw))
    return str(raw)


def _placeholder(name: str, value: str) -> str | None:
    """Why a value is a placeholder or a name reserved for examples, or None when it can be real."""
    lowered = value.strip().lower()
    if any(marker in lowered for marker in PLACEHOLDER_MARKERS):
        return f"{name} is still a placeholder ({value!r})"
    domain = lowered.rsplit("@", 1)[-1]
    if _reserved(domain):
        return f"{name} uses {domain}, a name reserved for examples and tests ({value!r})"
    return None


def _reserved(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    return labels[-1] in RESERVED_SUFFIXES or ".".join(labels[-2:]) in RESERVED_DOMAINS


def _origin_problem(value: str) -> str | None:
    """careers_origin is a browser origin: https, a host, no path; CORS compares it character for character."""
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or parts.path not in ("", "/") or parts.query:
        return f"careers_origin must be an https origin such as https://careers.acme.com, not {value!r}"
    if value.endswith("/"):
        return f"careers_origin must not end with a slash (browsers send the origin without one): {value!r}"
    return _placeholder("careers_origin", parts.hostname)
