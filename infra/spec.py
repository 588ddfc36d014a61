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
# Request headers a browser may send cross-origin (CORS preflight), in AWS and locally alike.
CORS_ALLOW_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "If-Match")


class Env(StrEnum):
    """Environment variables a function may receive; each deployment target supplies every value."""

    TABLE_NAME = "TABLE_NAME"
    EVENT_BUS_NAME = "EVENT_BUS_NAME"
    TOKEN_SECRET_ARN = "TOKEN_SECRET_ARN"  # noqa: S105 - the name of a variable, not a secret
    SENDER_EMAIL = "SENDER_EMAIL"
    SES_CONFIGURATION_SET = "SES_CONFIGURATION_SET"
    PUBLIC_BASE_URL = "PUBLIC_BASE_URL"
    IP_HASH_SALT = "IP_HASH_SALT"
    WEB_ROOT = "WEB_ROOT"
    CONSENT_TEXT_VERSION = "CONSENT_TEXT_VERSION"
    CORS_ORIGIN = "CORS_ORIGIN"
    IMPORTS_BUCKET = "IMPORTS_BUCKET"
    JWKS_URL = "JWKS_URL"
    JWT_ISSUER = "JWT_ISSUER"
    JWT_AUDIENCE = "JWT_AUDIENCE"
    DEFAULT_TIMEZONE = "DEFAULT_TIMEZONE"
    FREQUENCY_CAP = "FREQUENCY_CAP"
    COMPANY_NAME = "COMPANY_NAME"
    SES_SEND_RATE = "SES_SEND_RATE"
    NURTURE_STATE_MACHINE_ARN = "NURTURE_STATE_MACHINE_ARN"
    SCHEDULE_GROUP = "SCHEDULE_GROUP"
    SCHEDULER_ROLE_ARN = "SCHEDULER_ROLE_ARN"
    REPORTS_BUCKET = "REPORTS_BUCKET"
    CONSENT_MONTHS = "CONSENT_MONTHS"
    FAILURE_QUEUES = "FAILURE_QUEUES"  # JSON: each consumer's failure queue and where its work is replayed
    IMPORT_MAX_ROWS = "IMPORT_MAX_ROWS"
    PRIVACY_POLICY_URL = "PRIVACY_POLICY_URL"
    LOGO_URL = "LOGO_URL"


class Grant(StrEnum):
    """Least-privilege permissions, each the exact IAM actions of GRANT_ACTIONS on the one resource that owns them.

    A function lists the grants whose actions its code calls (docs/permissions.md is the resulting table); the
    tests and the local runtime refuse any AWS call a function makes outside its grants, as IAM would.
    """

    TABLE_READ = "table:read"  # GetItem, Query (on the table and its indexes)
    TABLE_BATCH_READ = "table:batch_read"  # BatchGetItem
    TABLE_WRITE = "table:write"  # PutItem, UpdateItem, DeleteItem, alone or in a TransactWriteItems
    TABLE_BATCH_WRITE = "table:batch_write"  # BatchWriteItem (erasure's deletes, a campaign's batches)
    BUS_PUT = "bus:put"
    SES_SEND = "ses:send"
    TOKEN_SECRET_READ = "secret:read"  # noqa: S105 - a permission's name, not a secret
    IMPORTS_UPLOAD = "imports:upload"  # presign PUT URLs for CSV uploads
    IMPORTS_READ = "imports:read"
    IMPORTS_DELETE = "imports:delete"  # the importer deletes a file it has imported
    WORKFLOW_STOP = "workflow:stop"  # stop a candidate's running executions (erasure, un-enrolment)
    WORKFLOW_CALLBACK = "workflow:callback"  # SendTaskSuccess/Failure for the engage machine's task tokens
    WORKFLOW_START = "workflow:start"  # start a nurture campaign send now
    # Start the next execution of the state machine that invokes this function: an execution near Step
    # Functions' limits continues as a new one (logic.workflow_limits).
    WORKFLOW_CONTINUE = "workflow:continue"
    SCHEDULES_MANAGE = "schedules:manage"  # EventBridge Scheduler schedules of nurture campaigns (+ PassRole)
    REPORTS_WRITE = "reports:write"  # write report files and the event log
    REPORTS_READ = "reports:read"  # list and read reports (and presign links to them)
    EVENT_LOG_READ = "reports:read_events"  # read event-log objects, to write them again without an erased person
    FAILURES_REDRIVE = "failures:redrive"  # read the failure queues, and replay their work where it was going


# The IAM actions each grant allows, and nothing more; infra/ grants exactly these.
GRANT_ACTIONS: dict[Grant, tuple[str, ...]] = {
    Grant.TABLE_READ: ("dynamodb:GetItem", "dynamodb:Query"),
    Grant.TABLE_BATCH_READ: ("dynamodb:BatchGetItem",),
    Grant.TABLE_WRITE: ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
    Grant.TABLE_BATCH_WRITE: ("dynamodb:BatchWriteItem",),
    Grant.BUS_PUT: ("events:PutEvents",),
    Grant.SES_SEND: ("ses:SendEmail", "ses:SendRawEmail"),
    Grant.TOKEN_SECRET_READ: ("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"),
    Grant.IMPORTS_UPLOAD: ("s3:PutObject",),
    Grant.IMPORTS_READ: ("s3:GetObject",),
    Grant.IMPORTS_DELETE: ("s3:DeleteObject",),
    Grant.WORKFLOW_STOP: ("states:StopExecution", "states:DescribeExecution"),
    Grant.WORKFLOW_CALLBACK: ("states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"),
    Grant.WORKFLOW_START: ("states:StartExecution",),
    Grant.WORKFLOW_CONTINUE: ("states:StartExecution",),
    Grant.SCHEDULES_MANAGE: (
        "scheduler:CreateSchedule",
        "scheduler:UpdateSchedule",
        "scheduler:DeleteSchedule",
        "scheduler:GetSchedule",
        "iam:PassRole",
    ),
    Grant.REPORTS_WRITE: ("s3:PutObject",),
    Grant.REPORTS_READ: ("s3:GetObject", "s3:ListBucket"),
    # ListBucket (on events/ keys only) so that reading an object that is gone (expired, or never written after
    # its key was remembered) is NoSuchKey, which the rewrite skips; without it S3 answers AccessDenied.
    Grant.EVENT_LOG_READ: ("s3:GetObject", "s3:ListBucket"),
    Grant.FAILURES_REDRIVE: (
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:SendMessage",
        "lambda:InvokeFunction",
        "states:StartExecution",
        "dynamodb:GetShardIterator",
        "dynamodb:GetRecords",
    ),
}


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
    # Invoked once after every deploy (a CDK trigger) and when the local runtime starts: idempotent set-up.
    run_on_deploy: bool = False
    memory_mb: int = 512
    timeout_s: int = 10
    # People wait on it (a form post, a link in an email, the recruiter API): Lambda SnapStart restores it
    # from a snapshot of its initialised memory, so its initialisation must leave nothing unique behind
    # (talentpool/snapstart.py, tests/infra/test_shipped.py).
    snap_start: bool = False

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
    """A rule target: a function invoked with the whole event, a state machine started with `input`, or a
    queue that buffers events for a function that takes them in batches and reports partial failures.

    `input` maps execution-input keys to JSONPath expressions into the event, the subset both
    EventBridge input transformers and the local dispatcher understand: `$.a.b`.
    """

    kind: str  # "function" | "state_machine" | "queue" (an SQS queue drained in batches by the named function)
    name: str
    input: dict[str, str] | None = None
    # Keys with fixed values, added to the `input` object (a weekly schedule's {"period": "week"}). With neither,
    # the target gets the whole event.
    constants: dict[str, object] | None = None


@dataclass(frozen=True)
class RuleSpec:
    """An EventBridge rule on the talentpool bus (or the default bus, where AWS services publish)."""

    name: str
    description: str
    pattern: dict[str, object]
    targets: tuple[TargetSpec, ...]
    bus: str = BUS_NAME


@dataclass(frozen=True)
class ScheduleSpec:
    """An EventBridge rule on a schedule, on the default bus: `cron(...)` (EventBridge's six fields) or `rate(...)`.

    The expression is the cdk.json setting named `expression_setting` when there is one, else the default.
    The target gets a `Scheduled Event` (or its `input` and `constants`), as a rule target does.
    """

    name: str
    description: str
    expression_setting: str | None
    default_expression: str
    target: TargetSpec


@dataclass(frozen=True)
class StreamSpec:
    """A function that consumes the table's DynamoDB stream in batches and reports partial failures.

    `filters` are Lambda event filter patterns (any one matches): in AWS only matching records invoke the
    function. moto applies none, so the handler still ignores every other record itself.
    """

    function: str
    batch_size: int = 100
    filters: tuple[dict[str, object], ...] = ()


@dataclass(frozen=True)
class BucketSpec:
    """An S3 bucket; objects created under `notify_prefix` invoke `notify_function` (S3 event notification)."""

    name: str
    description: str
    env: Env
    expire_days: int
    notify_prefix: str | None = None
    notify_function: str | None = None


@dataclass(frozen=True)
class StateMachineSpec:
    """An ASL file under state_machines/ and the names of the ${Placeholders} it expects."""

    name: str
    asl_file: str
    substitutions: dict[str, str] = field(default_factory=dict)  # placeholder -> function name


_TALENTPOOL = "talentpool"

# What every page and email shows of the company (talentpool.config.SiteEnv): name, logo, privacy policy.
_SITE_ENV = (Env.COMPANY_NAME, Env.PRIVACY_POLICY_URL, Env.LOGO_URL)

# What a function needs to send marketing email through engage's send path (sequence_step and campaign_step).
_MARKETING_SENDER_ENV = (
    Env.TABLE_NAME,
    Env.EVENT_BUS_NAME,
    Env.TOKEN_SECRET_ARN,
    Env.SENDER_EMAIL,
    Env.SES_CONFIGURATION_SET,
    Env.PUBLIC_BASE_URL,
    Env.DEFAULT_TIMEZONE,
    Env.FREQUENCY_CAP,
    *_SITE_ENV,
)

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        name="capture",
        description="Public capture: validates a careers-site form, keeps it and answers alike for every address",
        env=(
            Env.TABLE_NAME,
            Env.EVENT_BUS_NAME,
            Env.IP_HASH_SALT,
            Env.PUBLIC_BASE_URL,
            Env.WEB_ROOT,
            Env.CORS_ORIGIN,
            Env.JWKS_URL,
            Env.JWT_ISSUER,
            Env.JWT_AUDIENCE,
            *_SITE_ENV,
        ),
        grants=(Grant.TABLE_READ, Grant.TABLE_WRITE, Grant.BUS_PUT),
        snap_start=True,
    ),
    FunctionSpec(
        name="intake",
        description="After the answer: creates the candidate from a public form, merges it, or holds the change",
        env=(Env.TABLE_NAME, Env.EVENT_BUS_NAME),
        grants=(Grant.TABLE_READ, Grant.TABLE_WRITE, Grant.BUS_PUT),
    ),
    FunctionSpec(
        name="confirm",
        description="Public links proving an address: double opt-in, and applying held changes (GET shows, POST acts)",
        env=(Env.TABLE_NAME, Env.EVENT_BUS_NAME, Env.TOKEN_SECRET_ARN, Env.WEB_ROOT, Env.PUBLIC_BASE_URL, *_SITE_ENV),
        grants=(Grant.TABLE_READ, Grant.TABLE_WRITE, Grant.BUS_PUT, Grant.TOKEN_SECRET_READ),
        snap_start=True,
    ),
    FunctionSpec(
        name="notify",
        description="Sends transactional email for domain events: opt-in confirmation, Art. 14 notice, stage updates",
        env=(
            Env.TABLE_NAME,
            Env.TOKEN_SECRET_ARN,
            Env.SENDER_EMAIL,
            Env.SES_CONFIGURATION_SET,
            Env.PUBLIC_BASE_URL,
            *_SITE_ENV,
        ),
        grants=(Grant.TABLE_READ, Grant.TABLE_WRITE, Grant.SES_SEND, Grant.TOKEN_SECRET_READ),
        timeout_s=30,
    ),
    FunctionSpec(
        name="recruiter_api",
        description="The recruiter API: profiles, stages, timeline, segments, imports, sequences, reports, GDPR",
        env=(
            Env.TABLE_NAME,
            Env.EVENT_BUS_NAME,
            Env.IMPORTS_BUCKET,
            Env.REPORTS_BUCKET,
            Env.NURTURE_STATE_MACHINE_ARN,
            Env.SCHEDULE_GROUP,
            Env.SCHEDULER_ROLE_ARN,
        ),
        grants=(
            Grant.TABLE_READ,
            Grant.TABLE_BATCH_READ,
            Grant.TABLE_WRITE,
            Grant.TABLE_BATCH_WRITE,
            Grant.BUS_PUT,
            Grant.IMPORTS_UPLOAD,
            Grant.WORKFLOW_STOP,
            Grant.WORKFLOW_START,
            Grant.SCHEDULES_MANAGE,
            Grant.REPORTS_READ,
        ),
        memory_mb=1024,
        # Under API Gateway's 29 s integration limit, so a slow request ends in our error, not a gateway 504.
        timeout_s=25,
        snap_start=True,
    ),
    FunctionSpec(
        name="importer",
        description="Imports an uploaded CSV row by row: good rows captured or merged, bad rows reported",
        env=(Env.TABLE_NAME, Env.EVENT_BUS_NAME, Env.IMPORTS_BUCKET, Env.IMPORT_MAX_ROWS),
        grants=(
            Grant.TABLE_READ,
            Grant.TABLE_BATCH_READ,
            Grant.TABLE_WRITE,
            Grant.BUS_PUT,
            Grant.IMPORTS_READ,
            Grant.IMPORTS_DELETE,
        ),
        memory_mb=1024,
        timeout_s=900,
    ),
    FunctionSpec(
        name="sequence_step",
        description="One step of an engage sequence: check exit rules, send once, record, plan the next send",
        env=_MARKETING_SENDER_ENV,
        grants=(
            Grant.TABLE_READ,
            Grant.TABLE_WRITE,
            Grant.BUS_PUT,
            Grant.SES_SEND,
            Grant.TOKEN_SECRET_READ,
            Grant.WORKFLOW_CALLBACK,
            Grant.WORKFLOW_CONTINUE,
        ),
        timeout_s=60,
    ),
    FunctionSpec(
        name="ses_events",
        description="SES delivery events: timeline, engagement score, suppression on hard bounce or complaint",
        env=(Env.TABLE_NAME, Env.EVENT_BUS_NAME),
        grants=(Grant.TABLE_READ, Grant.TABLE_WRITE, Grant.BUS_PUT),
        timeout_s=60,
    ),
    FunctionSpec(
        name="self_service",
        description="Candidate self-service: one-click unsubscribe and the preference centre",
        env=(Env.TABLE_NAME, Env.EVENT_BUS_NAME, Env.TOKEN_SECRET_ARN, Env.WEB_ROOT, *_SITE_ENV),
        grants=(
            Grant.TABLE_READ,
            Grant.TABLE_WRITE,
            Grant.TABLE_BATCH_WRITE,
            Grant.BUS_PUT,
            Grant.TOKEN_SECRET_READ,
            Grant.WORKFLOW_STOP,
        ),
        snap_start=True,
    ),
    FunctionSpec(
        name="campaign_step",
        description="A nurture campaign send: resolve the audience into batches, send each batch, tally the run",
        env=(*_MARKETING_SENDER_ENV, Env.SES_SEND_RATE),
        grants=(
            Grant.TABLE_READ,
            Grant.TABLE_BATCH_READ,
            Grant.TABLE_WRITE,
            Grant.TABLE_BATCH_WRITE,
            Grant.BUS_PUT,
            Grant.SES_SEND,
            Grant.TOKEN_SECRET_READ,
            Grant.WORKFLOW_CONTINUE,
        ),
        memory_mb=1024,
        timeout_s=300,
    ),
    FunctionSpec(
        name="seed",
        description="After each deploy (and at local start): schedules every nurture campaign, built-in or saved",
        env=(Env.TABLE_NAME, Env.NURTURE_STATE_MACHINE_ARN, Env.SCHEDULE_GROUP, Env.SCHEDULER_ROLE_ARN),
        grants=(Grant.TABLE_READ, Grant.SCHEDULES_MANAGE),
        timeout_s=60,
        run_on_deploy=True,
    ),
    FunctionSpec(
        name="aggregates",
        description="Keeps the report counters from the table's stream, exactly once, and writes the event log",
        env=(Env.TABLE_NAME, Env.REPORTS_BUCKET, Env.CONSENT_MONTHS),
        grants=(
            Grant.TABLE_READ,
            Grant.TABLE_WRITE,
            Grant.TABLE_BATCH_WRITE,
            Grant.REPORTS_WRITE,
            Grant.EVENT_LOG_READ,
        ),
        timeout_s=60,
    ),
    FunctionSpec(
        name="report",
        description="The daily and weekly report: reads the counters (never candidates) and writes files to S3",
        env=(Env.TABLE_NAME, Env.REPORTS_BUCKET),
        grants=(Grant.TABLE_READ, Grant.REPORTS_WRITE),
        timeout_s=60,
    ),
    FunctionSpec(
        name="ops",
        description="The operator's routes: list what failed for good and why, and replay it (admins)",
        env=(Env.TABLE_NAME, Env.FAILURE_QUEUES),
        grants=(Grant.TABLE_WRITE, Grant.FAILURES_REDRIVE),
        timeout_s=25,
    ),
    FunctionSpec(
        name="pages",
        description="Serves the candidate-facing web pages: the careers form and the thank-you page",
        env=(Env.WEB_ROOT, Env.PUBLIC_BASE_URL, Env.CONSENT_TEXT_VERSION, *_SITE_ENV),
        grants=(),
        memory_mb=256,
        snap_start=True,
    ),
)

_R = Auth.RECRUITER

ROUTES: tuple[RouteSpec, ...] = (
    # Public: careers sites post anonymously; a recruiter's token on the same route is verified by capture.
    RouteSpec("POST", "/candidates", "capture", Auth.PUBLIC),
    RouteSpec("GET", "/confirm", "confirm", Auth.PUBLIC),
    RouteSpec("POST", "/confirm", "confirm", Auth.PUBLIC),
    RouteSpec("GET", "/", "pages", Auth.PUBLIC),
    RouteSpec("GET", "/careers", "pages", Auth.PUBLIC),
    RouteSpec("GET", "/thanks", "pages", Auth.PUBLIC),
    RouteSpec("GET", "/assets/{name}", "pages", Auth.PUBLIC),
    # Recruiters: Cognito in AWS, the local JWT check in make run.
    RouteSpec("GET", "/candidates", "recruiter_api", _R),
    RouteSpec("GET", "/candidates/{candidate_id}", "recruiter_api", _R),
    RouteSpec("PATCH", "/candidates/{candidate_id}", "recruiter_api", _R),
    RouteSpec("DELETE", "/candidates/{candidate_id}", "recruiter_api", _R),
    RouteSpec("POST", "/candidates/{candidate_id}/notes", "recruiter_api", _R),
    RouteSpec("PUT", "/candidates/{candidate_id}/tags", "recruiter_api", _R),
    RouteSpec("PUT", "/candidates/{candidate_id}/owner", "recruiter_api", _R),
    RouteSpec("POST", "/candidates/{candidate_id}/stage", "recruiter_api", _R),
    RouteSpec("GET", "/candidates/{candidate_id}/timeline", "recruiter_api", _R),
    RouteSpec("GET", "/candidates/{candidate_id}/export", "recruiter_api", _R),
    RouteSpec("POST", "/segments", "recruiter_api", _R),
    RouteSpec("GET", "/segments", "recruiter_api", _R),
    RouteSpec("GET", "/segments/{segment_id}", "recruiter_api", _R),
    RouteSpec("GET", "/segments/{segment_id}/candidates", "recruiter_api", _R),
    RouteSpec("GET", "/segments/{segment_id}/count", "recruiter_api", _R),
    RouteSpec("POST", "/imports", "recruiter_api", _R),
    RouteSpec("GET", "/imports/{import_id}", "recruiter_api", _R),
    RouteSpec("GET", "/templates/stages", "recruiter_api", _R),
    RouteSpec("PUT", "/templates/stages/{stage}", "recruiter_api", _R),
    RouteSpec("POST", "/sequences", "recruiter_api", _R),
    RouteSpec("GET", "/sequences", "recruiter_api", _R),
    RouteSpec("GET", "/sequences/{sequence_id}", "recruiter_api", _R),
    RouteSpec("PUT", "/sequences/{sequence_id}", "recruiter_api", _R),
    RouteSpec("POST", "/sequences/{sequence_id}/enrollments", "recruiter_api", _R),
    RouteSpec("DELETE", "/sequences/{sequence_id}/enrollments/{candidate_id}", "recruiter_api", _R),
    RouteSpec("GET", "/candidates/{candidate_id}/enrollments", "recruiter_api", _R),
    RouteSpec("POST", "/campaigns/{sequence_id}/send", "recruiter_api", _R),
    RouteSpec("GET", "/reports", "recruiter_api", _R),
    RouteSpec("GET", "/reports/latest", "recruiter_api", _R),
    RouteSpec("GET", "/reports/{date}", "recruiter_api", _R),
    # The operator (admins): failure queues and their redrive.
    RouteSpec("GET", "/ops/failures", "ops", _R),
    RouteSpec("POST", "/ops/redrive", "ops", _R),
    # Candidates, through signed links in their emails.
    RouteSpec("GET", "/unsubscribe/{token}", "self_service", Auth.PUBLIC),
    RouteSpec("POST", "/unsubscribe/{token}", "self_service", Auth.PUBLIC),
    RouteSpec("GET", "/preferences/{token}", "self_service", Auth.PUBLIC),
    RouteSpec("POST", "/preferences/{token}", "self_service", Auth.PUBLIC),
    RouteSpec("GET", "/preferences/{token}/export", "self_service", Auth.PUBLIC),
)

BUCKETS: tuple[BucketSpec, ...] = (
    BucketSpec(
        name="imports",
        description="CSV uploads for import; they hold personal data, so the importer deletes each once imported "
        "and the rest expire after a week",
        env=Env.IMPORTS_BUCKET,
        expire_days=7,
        notify_prefix="uploads/",
        notify_function="importer",
    ),
    BucketSpec(
        name="reports",
        description="Reports (reports/, tables/ for Athena) and the pseudonymous event log (events/); no PII",
        env=Env.REPORTS_BUCKET,
        expire_days=400,
    ),
)

RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        name="intake",
        description="A public submission was answered: create, merge or hold it, after the answer",
        pattern={"source": [EVENT_SOURCE], "detail-type": ["SubmissionReceived"]},
        targets=(TargetSpec("function", "intake"),),
    ),
    RuleSpec(
        name="welcome-email",
        description="The double opt-in email, the change confirmation for a proven address, or the Art. 14 notice",
        pattern={
            "source": [EVENT_SOURCE],
            "detail-type": ["CandidateCaptured"],
            "detail": {
                "$or": [
                    {"confirmation_requested": [True]},
                    {"change_requested": [True]},
                    {"notice_requested": [True]},
                ]
            },
        },
        targets=(TargetSpec("function", "notify"),),
    ),
    RuleSpec(
        name="start-engage",
        description="Confirming consent starts the default engage sequence, with no function in between",
        pattern={"source": [EVENT_SOURCE], "detail-type": ["CandidateConfirmed"]},
        targets=(
            TargetSpec(
                "state_machine",
                "engage",
                input={"candidate_id": "$.detail.candidate_id", "event_id": "$.detail.id"},
            ),
        ),
    ),
    RuleSpec(
        name="enrol",
        description="A recruiter enrolled someone in a sequence: start its engage execution",
        pattern={"source": [EVENT_SOURCE], "detail-type": ["EnrollmentRequested"]},
        targets=(
            TargetSpec(
                "state_machine",
                "engage",
                input={
                    "candidate_id": "$.detail.candidate_id",
                    "sequence_id": "$.detail.sequence_id",
                    "event_id": "$.detail.id",
                },
            ),
        ),
    ),
    RuleSpec(
        name="ses-events",
        description="SES delivery, open, click, bounce, complaint and reject events, in batches",
        pattern={"source": ["aws.ses"], "detail-type": [{"prefix": "Email "}]},
        targets=(TargetSpec("queue", "ses_events"),),
        bus="default",
    ),
    RuleSpec(
        name="stage-email",
        description="A stage change the recruiter did not opt out of gets the candidate a status email",
        pattern={
            "source": [EVENT_SOURCE],
            "detail-type": ["StageChanged"],
            "detail": {"notify_candidate": [True]},
        },
        targets=(TargetSpec("function", "notify"),),
    ),
)

STATE_MACHINES: tuple[StateMachineSpec, ...] = (
    StateMachineSpec("engage", "engage.asl.json", {"SequenceStepFunctionArn": "sequence_step"}),
    StateMachineSpec("nurture", "nurture.asl.json", {"CampaignStepFunctionArn": "campaign_step"}),
)

# Scheduled rules (EventBridge Rules with a schedule expression) and DynamoDB stream consumers.
SCHEDULES: tuple[ScheduleSpec, ...] = (
    ScheduleSpec(
        "daily-report",
        "Yesterday's report, every morning (cdk.json report_schedule, 06:00 UTC by default)",
        "report_schedule",
        "cron(0 6 * * ? *)",
        TargetSpec("function", "report"),
    ),
    ScheduleSpec(
        "weekly-report",
        "The week's summary, every Monday morning",
        None,
        "cron(0 7 ? * MON *)",
        TargetSpec("function", "report", input={"time": "$.time"}, constants={"period": "week"}),
    ),
)
STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec(
        "aggregates",
        # What talentpool.logic.reports.aggregates.relevance keeps: a changed profile, a new timeline entry or segment.
        filters=(
            {"dynamodb": {"NewImage": {"entity": {"S": ["candidate"]}}}},
            {"eventName": ["REMOVE"], "dynamodb": {"OldImage": {"entity": {"S": ["candidate"]}}}},
            {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"entity": {"S": ["timeline", "segment"]}}}},
        ),
    ),
)


def async_functions() -> tuple[str, ...]:
    """Functions AWS invokes asynchronously: rule and schedule targets, and S3 notifications. Each gets explicit
    retries and an on-failure queue (infra/failures.py, and the same queues in the local runtime)."""
    targets = [t for rule in RULES for t in rule.targets] + [schedule.target for schedule in SCHEDULES]
    names = {t.name for t in targets if t.kind == "function"}
    names |= {b.notify_function for b in BUCKETS if b.notify_function}
    return tuple(f.name for f in FUNCTIONS if f.name in names)


def failure_consumers() -> tuple[str, ...]:
    """Every consumer that has a failure queue: each rule and schedule target, stream consumer and asynchronous
    function. CDK (infra/failures.py) and the local runtime make one queue for each."""
    targets = [t for rule in RULES for t in rule.targets] + [schedule.target for schedule in SCHEDULES]
    names = {t.name for t in targets} | {stream.function for stream in STREAMS} | set(async_functions())
    return tuple(sorted(names))


def consumer_kind(name: str) -> str:
    """How a consumer's parked work is replayed: "queue" (back to the queue it drains), "state_machine" (started
    with the input its rule gives it) or "function" (invoked again)."""
    if any(t.kind == "queue" and t.name == name for rule in RULES for t in rule.targets):
        return "queue"
    if any(machine.name == name for machine in STATE_MACHINES):
        return "state_machine"
    return "function"


def state_machine_inputs(machine: str) -> dict[str, dict[str, str]]:
    """Per event detail-type, the input the rules that start `machine` give it (their input transformers)."""
    inputs: dict[str, dict[str, str]] = {}
    for rule in RULES:
        detail_types = rule.pattern.get("detail-type")
        for target in rule.targets:
            if target.kind == "state_machine" and target.name == machine and isinstance(detail_types, list):
                inputs |= {str(detail_type): dict(target.input or {}) for detail_type in detail_types}
    return inputs


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


def bucket(name: str) -> BucketSpec:
    for spec in BUCKETS:
        if spec.name == name:
            return spec
    raise KeyError(name)
