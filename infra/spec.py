"""What Talentpool is made of, declared once: functions, routes, rules, schedules and state machines.

CDK (infra/) and the local runtime (local/) both build from this module, so neither can drift from the
other. It is plain data: importing it pulls in no CDK and no boto3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
STATE_MACHINES_DIR = ROOT / "state_machines"
WEB_DIR = ROOT / "web"
LAYER_DIR = ROOT / "layers" / "core"

BUS_NAME = "talentpool"
EVENT_SOURCE = "talentpool"
RECRUITER_GROUPS = ("recruiters", "admins")
ADMIN_GROUP = "admins"


class Env(StrEnum):
    """Environment variables a function may receive; each deployment target supplies every value."""

    TABLE_NAME = "TABLE_NAME"
    EVENT_BUS_NAME = "EVENT_BUS_NAME"
    TOKEN_SECRET_ARN = "TOKEN_SECRET_ARN"
    SENDER_EMAIL = "SENDER_EMAIL"
    SES_CONFIGURATION_SET = "SES_CONFIGURATION_SET"
    PUBLIC_BASE_URL = "PUBLIC_BASE_URL"
    IP_HASH_SALT = "IP_HASH_SALT"
    WEB_ROOT = "WEB_ROOT"
    CONSENT_TEXT_VERSION = "CONSENT_TEXT_VERSION"
    CORS_ORIGIN = "CORS_ORIGIN"


class Grant(StrEnum):
    """Least-privilege permissions, each mapped to one CDK grant_* call."""

    TABLE_READ = "table:read"
    TABLE_READ_WRITE = "table:read_write"
    BUS_PUT = "bus:put"
    SES_SEND = "ses:send"
    TOKEN_SECRET_READ = "secret:read"


class Auth(StrEnum):
    PUBLIC = "public"
    RECRUITER = "recruiter"


@dataclass(frozen=True)
class FunctionSpec:
    """One Lambda function: its folder under functions/, environment and permissions."""

    name: str
    description: str
    env: tuple[Env, ...]
    grants: tuple[Grant, ...]
    memory_mb: int = 512
    timeout_s: int = 10
    uses_web: bool = False

    @property
    def folder(self) -> Path:
        return FUNCTIONS_DIR / self.name


@dataclass(frozen=True)
class RouteSpec:
    """One API Gateway route and the function behind it."""

    method: str
    path: str
    function: str
    auth: Auth


@dataclass(frozen=True)
class TargetSpec:
    """A rule target: a function invoked with the whole event, or a state machine started with `input`.

    `input` maps execution-input keys to JSONPath expressions into the event, the subset both
    EventBridge input transformers and the local dispatcher understand: `$.a.b`.
    """

    kind: str  # "function" | "state_machine"
    name: str
    input: dict[str, str] | None = None


@dataclass(frozen=True)
class RuleSpec:
    """An EventBridge rule on the talentpool bus (or the default bus, where AWS services publish)."""

    name: str
    description: str
    pattern: dict[str, object]
    targets: tuple[TargetSpec, ...]
    bus: str = BUS_NAME


@dataclass(frozen=True)
class StateMachineSpec:
    """An ASL file under state_machines/ and the names of the ${Placeholders} it expects."""

    name: str
    asl_file: str
    substitutions: dict[str, str] = field(default_factory=dict)  # placeholder -> function name


_TALENTPOOL = "talentpool"

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        name="capture",
        description="Public capture: validates a careers-site form and creates or merges the candidate",
        env=(
            Env.TABLE_NAME,
            Env.EVENT_BUS_NAME,
            Env.IP_HASH_SALT,
            Env.PUBLIC_BASE_URL,
            Env.WEB_ROOT,
            Env.CORS_ORIGIN,
        ),
        grants=(Grant.TABLE_READ_WRITE, Grant.BUS_PUT),
        uses_web=True,
    ),
    FunctionSpec(
        name="confirm",
        description="Public double opt-in: verifies the emailed token and records consent",
        env=(Env.TABLE_NAME, Env.EVENT_BUS_NAME, Env.TOKEN_SECRET_ARN, Env.WEB_ROOT, Env.PUBLIC_BASE_URL),
        grants=(Grant.TABLE_READ_WRITE, Grant.BUS_PUT, Grant.TOKEN_SECRET_READ),
        uses_web=True,
    ),
    FunctionSpec(
        name="notify",
        description="Sends transactional email for domain events: the double opt-in confirmation",
        env=(
            Env.TABLE_NAME,
            Env.TOKEN_SECRET_ARN,
            Env.SENDER_EMAIL,
            Env.SES_CONFIGURATION_SET,
            Env.PUBLIC_BASE_URL,
        ),
        grants=(Grant.TABLE_READ_WRITE, Grant.SES_SEND, Grant.TOKEN_SECRET_READ),
        timeout_s=30,
    ),
    FunctionSpec(
        name="pages",
        description="Serves the candidate-facing web pages: the careers form and the thank-you page",
        env=(Env.WEB_ROOT, Env.PUBLIC_BASE_URL, Env.CONSENT_TEXT_VERSION),
        grants=(),
        memory_mb=256,
        uses_web=True,
    ),
)

ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec("POST", "/candidates", "capture", Auth.PUBLIC),
    RouteSpec("GET", "/confirm", "confirm", Auth.PUBLIC),
    RouteSpec("GET", "/", "pages", Auth.PUBLIC),
    RouteSpec("GET", "/careers", "pages", Auth.PUBLIC),
    RouteSpec("GET", "/thanks", "pages", Auth.PUBLIC),
)

RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        name="send-confirmation",
        description="A captured candidate who has not confirmed gets the double opt-in email",
        pattern={
            "source": [EVENT_SOURCE],
            "detail-type": ["CandidateCaptured"],
            "detail": {"confirmation_requested": [True]},
        },
        targets=(TargetSpec("function", "notify"),),
    ),
)

STATE_MACHINES: tuple[StateMachineSpec, ...] = ()


def function(name: str) -> FunctionSpec:
    """The spec of one function by name."""
    for spec in FUNCTIONS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def state_machine(name: str) -> StateMachineSpec:
    for spec in STATE_MACHINES:
        if spec.name == name:
            return spec
    raise KeyError(name)
