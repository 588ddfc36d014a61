"""Cold init: each function's fresh process imports its handler and serves one real event, against the boto3 floor.

The floor is a fresh process that imports boto3 and creates one client: what any Python Lambda that calls
AWS pays. Both are timed inside the child from its first line, so interpreter start-up is left out of both
(the child's wall time, which includes it, is recorded too). Events are served for real by handlers pointed
at a `python -m local` runtime's moto server: every run is checked for its status code and its side effect.
Floor and function runs alternate, so a busy machine slows both alike; figures are medians.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import support

# Issue 9, section 6: a careers-site post is where people wait first. capture's CPU cost of a fresh process
# (import + serve) against the floor's; CPU time, because waiting for a busy machine's CPU does not count.
TARGET_FUNCTION = "capture"
TARGET_CPU_RATIO = 1.6
LAYER_IMPORT_ROUNDS = 3
# Timed runs per function: the issue asks for at least 5; BENCH_COLD_ROUNDS overrides for a quick look.
ROUNDS = int(os.environ.get("BENCH_COLD_ROUNDS", "9"))
# The no-bytecode variant: slower runs, a secondary figure; BENCH_COLD_DEPLOYED_ROUNDS=0 leaves it out (the page
# then keeps the figures last recorded for it).
DEPLOYED_ROUNDS = int(os.environ.get("BENCH_COLD_DEPLOYED_ROUNDS", max(1, (ROUNDS + 1) // 2)))
TOP_IMPORTS = 10
MARKER = "BENCH-RESULT "
RECRUITER_CLAIMS = {"sub": "bench", "cognito:groups": "recruiters"}
ADMIN_CLAIMS = {"sub": "bench-admin", "cognito:groups": "recruiters,admins"}

FLOOR_CHILD = f"""\
import time
_started, _cpu = time.perf_counter(), time.process_time()
import boto3
boto3.client("dynamodb")
_done, _cpu_done = time.perf_counter(), time.process_time()
import json
print({MARKER!r} + json.dumps({{"init_ms": (_done - _started) * 1000, "cpu_ms": (_cpu_done - _cpu) * 1000}}))
"""

# Timed from its first line: import the handler the way Lambda does (by file, as talentpool_fn_<name>),
# read the event (not counted: Lambda hands it over already parsed), serve it, report.
FUNCTION_CHILD = f"""\
import time
_started, _cpu = time.perf_counter(), time.process_time()
import importlib.util
import sys


class _Context:
    def __init__(self, name):
        self.function_name = name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + name
        self.aws_request_id = "00000000-0000-4000-8000-000000000000"
        self.log_group_name = "/aws/lambda/" + name
        self.log_stream_name = "bench"

    def get_remaining_time_in_millis(self):
        return 600_000


def _main():
    name, handler_path, event_path = sys.argv[1:4]
    spec = importlib.util.spec_from_file_location("talentpool_fn_" + name, handler_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    imported, cpu_imported = time.perf_counter(), time.process_time()
    import json

    with open(event_path) as file:
        event = json.load(file)
    loaded, cpu_loaded = time.perf_counter(), time.process_time()
    response = module.lambda_handler(event, _Context(name))
    served, cpu_served = time.perf_counter(), time.process_time()
    figures = {{
        "import_ms": (imported - _started) * 1000,
        "serve_ms": (served - loaded) * 1000,
        "init_ms": (imported - _started + served - loaded) * 1000,
        "cpu_ms": (cpu_imported - _cpu + cpu_served - cpu_loaded) * 1000,
        "import_cpu_ms": (cpu_imported - _cpu) * 1000,
        "serve_cpu_ms": (cpu_served - cpu_loaded) * 1000,
        "response": response,
    }}
    print({MARKER!r} + json.dumps(figures, default=str))


_main()
"""


# --- scenarios: one realistic event per function, and how to tell it was really served -------------------


Verify = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class Prepared:
    event: dict[str, Any]
    verify: Verify  # raises unless the response and the side effect are right; says what it checked


def _status(response: dict[str, Any], *allowed: int) -> int:
    status = int(response.get("statusCode", 0))
    assert status in allowed, f"status {status}: {str(response.get('body'))[:300]}"
    return status


def _body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def prepare_capture(backend: support.Backend) -> Prepared:
    email = support.unique_email("cold-capture")
    event = support.api_event("POST", "/candidates", body=support.capture_body(email))

    def verify(response: dict[str, Any]) -> str:
        _status(response, 202)
        assert "candidate_id" not in _body(response), "the public answer named a candidate"
        backend.wait_for_mail(email, "Please confirm your email address")  # settled after the answer, and mailed
        stored = backend.candidate(backend.find(email))["candidate"]
        assert stored["email"] == email, "a different candidate was stored"
        return "202; submission kept and announced; settled by intake (confirmation email in the outbox)"

    return Prepared(event, verify)


def prepare_intake(backend: support.Backend) -> Prepared:
    """A submission as capture leaves it in the table (not announced, so only the measured child settles it)."""
    from talentpool.adapters.aws import codec, keys
    from talentpool.clock import isoformat, utcnow
    from talentpool.ids import new_id
    from talentpool.models.candidate import CaptureRequest
    from talentpool.models.events import SubmissionReceived
    from talentpool.models.submissions import Submission

    email = support.unique_email("cold-intake")
    submission = Submission(
        submission_id=new_id(),
        received_at=isoformat(utcnow()),
        request=CaptureRequest.model_validate(support.capture_body(email)),
    )
    item = {**keys.submission_key(submission.submission_id), **submission.model_dump(mode="json", exclude_none=True)}
    backend.client("dynamodb").put_item(TableName=backend.info["table_name"], Item=codec.to_item(item))
    received = SubmissionReceived(submission_id=submission.submission_id, occurred_at=submission.received_at)
    event = support.eventbridge_event(received.detail_type, received.model_dump(mode="json"))

    def verify(response: dict[str, Any]) -> str:
        assert response == {"settled": True}, f"response {response}"
        backend.wait_for_mail(email, "Please confirm your email address")
        return "SubmissionReceived: candidate created, CandidateCaptured published (confirmation email out)"

    return Prepared(event, verify)


def prepare_confirm(backend: support.Backend) -> Prepared:
    email = support.unique_email("cold-confirm")
    candidate_id = backend.capture(email)
    token = backend.confirmation_token(email)
    # The button on the link's page: a GET only shows that page, the POST is what confirms.
    event = support.api_event("POST", "/confirm", form={"token": token}, headers={"Accept": "text/html"})

    def verify(response: dict[str, Any]) -> str:
        _status(response, 200)
        consent = backend.candidate(candidate_id)["candidate"]["consent"]["status"]
        assert consent == "active", f"consent is {consent}"
        return "200 page; consent recorded (status active)"

    return Prepared(event, verify)


def prepare_notify(backend: support.Backend) -> Prepared:
    email = support.unique_email("cold-notify")
    candidate_id = backend.capture(email)
    event = support.stage_changed_event(candidate_id)

    def verify(response: dict[str, Any]) -> str:
        assert response == {"sent": True}, f"response {response}"
        backend.wait_for_mail(email, "We have received your application")
        return "StageChanged to applied: the status email is in the outbox"

    return Prepared(event, verify)


class _RecruiterApi:
    """GET /candidates/{id} for one candidate created once through the runtime."""

    candidate_id: str | None = None

    def __call__(self, backend: support.Backend) -> Prepared:
        if self.candidate_id is None:
            self.candidate_id = backend.capture(support.unique_email("cold-recruiter"))
        candidate_id = self.candidate_id
        event = support.api_event(
            "GET",
            f"/candidates/{candidate_id}",
            claims=RECRUITER_CLAIMS,
            path_parameters={"candidate_id": candidate_id},
            resource="/candidates/{candidate_id}",
        )

        def verify(response: dict[str, Any]) -> str:
            _status(response, 200)
            assert _body(response)["candidate"]["candidate_id"] == candidate_id
            return "200 with the candidate's profile"

        return Prepared(event, verify)


def prepare_pages(backend: support.Backend) -> Prepared:
    event = support.api_event("GET", "/careers", headers={"Accept": "text/html"})

    def verify(response: dict[str, Any]) -> str:
        _status(response, 200)
        assert "<form" in response["body"], "no form in the page"
        return "200 careers form"

    return Prepared(event, verify)


def prepare_importer(backend: support.Backend) -> Prepared:
    import_id = backend.start_import()
    key = f"uploads/{import_id}.csv"
    people = [support.unique_email("cold-import") for _ in range(2)]
    content = support.csv_bytes("email,first name,skills", *(f"{p},Imported,Python" for p in people))
    etag, size = backend.upload("imports", key, content)
    event = support.s3_object_created(backend.bucket("imports"), key, etag, size, backend.info["region"])

    def verify(response: dict[str, Any]) -> str:
        [result] = response["imports"]
        assert result == {"import_id": import_id, "status": "completed"}, f"importer returned {result}"
        status = backend.import_status(import_id)
        assert (status["status"], status["imported"]) == ("completed", len(people)), f"import status {status}"
        for person in people:  # their Art. 14 notices: the CandidateCaptured events went out
            backend.wait_for_mail(person)
        return f"import completed: {len(people)} rows imported, their Art. 14 notices in the outbox"

    return Prepared(event, verify)


def prepare_self_service(backend: support.Backend) -> Prepared:
    """RFC 8058 one-click unsubscribe, as a mail client posts it: the most frequent self-service call."""
    candidate_id = backend.capture(support.unique_email("cold-unsubscribe"))
    token = backend.unsubscribe_token(candidate_id)
    event = support.api_event(
        "POST",
        f"/unsubscribe/{token}",
        raw_body="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "Mozilla/5.0 (Google-Mail)"},
        path_parameters={"token": token},
        resource="/unsubscribe/{token}",
    )

    def verify(response: dict[str, Any]) -> str:
        _status(response, 200)
        assert backend.candidate(candidate_id)["candidate"].get("unsubscribed_at"), "not unsubscribed"
        return "200; candidate unsubscribed"

    return Prepared(event, verify)


def prepare_ses_events(backend: support.Backend) -> Prepared:
    """One SQS batch holding one SES Open event (EventBridge-shaped) for an email a candidate received."""
    from tests import ses_samples

    candidate_id = backend.capture(support.unique_email("cold-ses"))
    opened = ses_samples.ses_event(
        "Open",
        ses_samples.opened(time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())),
        candidate_id=candidate_id,
        message_id=f"bench-{candidate_id}",
        kind="marketing",
        sequence_id="BENCH",
        step="1",
    )
    event = ses_samples.sqs_batch(ses_samples.sqs_record(opened))

    def verify(response: dict[str, Any]) -> str:
        assert response == {"batchItemFailures": []}, f"response {response}"
        engagement = backend.candidate(candidate_id)["candidate"].get("engagement", 0)
        assert engagement > 0, "the open did not raise the engagement score"
        return "batch of one Open event; engagement score raised"

    return Prepared(event, verify)


def prepare_seed(backend: support.Backend) -> Prepared:
    """The CDK trigger's event after a deploy: seed (re)creates every campaign's Scheduler schedule."""

    def verify(response: dict[str, Any]) -> str:
        assert response["schedules"], f"response {response}"
        listed = backend.client("scheduler").list_schedules(GroupName=backend.info["schedule_group"])["Schedules"]
        assert listed, "no schedule in the group"
        return f"{len(response['schedules'])} campaign schedules synced"

    return Prepared({"RequestType": "Create"}, verify)


def prepare_report(backend: support.Backend) -> Prepared:
    """The daily-report rule's Scheduled Event: yesterday's report, from the counters, written to S3."""
    from local.clock import scheduled_event

    event = scheduled_event("daily-report", account=backend.info["account"], region=backend.info["region"])

    def verify(response: dict[str, Any]) -> str:
        s3 = backend.s3()
        for key in response["keys"]:
            s3.head_object(Bucket=backend.bucket("reports"), Key=key)
        return f"report for {response['date']}: {len(response['keys'])} files in S3"

    return Prepared(event, verify)


def prepare_aggregates(backend: support.Backend) -> Prepared:
    """A stream batch of one new candidate, as DynamoDB Streams delivers it: the counters and the event log."""
    from datetime import UTC, datetime

    from tests import stream_records

    now = datetime.now(UTC)
    candidate = stream_records.candidate(now, email=support.unique_email("cold-stream"))
    event = stream_records.batch(stream_records.insert(stream_records.profile(candidate), at=now))

    def verify(response: dict[str, Any]) -> str:
        assert response == {"batchItemFailures": []}, f"response {response}"
        return "stream batch of one new candidate: counted, no failures"

    return Prepared(event, verify)


def prepare_campaign_step(backend: support.Backend) -> Prepared:
    """The nurture machine's first task: resolve a built-in campaign's audience into batches."""
    from talentpool.logic.sequences.builtin import builtin_sequences
    from talentpool.models.sequences import SequenceKind

    campaign = next(s for s in builtin_sequences().values() if s.kind is SequenceKind.NURTURE)
    execution = f"bench-{support.unique_email('run').split('@')[0]}"
    event = {"action": "resolve", "execution": execution, "input": {"campaign_id": campaign.sequence_id}}

    def verify(response: dict[str, Any]) -> str:
        assert "run" in response, f"response {response}"
        return f"campaign {campaign.sequence_id} resolved into {len(response.get('batches', []))} batches"

    return Prepared(event, verify)


def prepare_sequence_step(backend: support.Backend) -> Prepared:
    """A round of the engage machine for a candidate who has not confirmed: the exit rules end it."""
    candidate_id = backend.capture(support.unique_email("cold-step"))
    state = {"candidate_id": candidate_id, "event_id": f"bench-{candidate_id}"}
    event = {"action": "step", "token": f"bench-{candidate_id}", "execution": f"bench:{candidate_id}", "state": state}

    def verify(response: dict[str, Any]) -> str:
        assert set(response) == {"outcome"}, f"response {response}"
        return f"a round for an unconfirmed candidate: {response['outcome']}"

    return Prepared(event, verify)


def prepare_ops(backend: support.Backend) -> Prepared:
    """An admin's look at what failed: every failure queue read, nothing taken (the operator's usual call)."""
    from infra import spec

    event = support.api_event("GET", "/ops/failures", claims=ADMIN_CLAIMS)

    def verify(response: dict[str, Any]) -> str:
        _status(response, 200)
        queues = _body(response)["queues"]
        assert sorted(queues) == sorted(spec.failure_consumers()), f"queues {queues}"
        return f"200; {len(queues)} failure queues listed with their depths"

    return Prepared(event, verify)


SCENARIOS: dict[str, Callable[[support.Backend], Prepared]] = {
    "capture": prepare_capture,
    "intake": prepare_intake,
    "confirm": prepare_confirm,
    "notify": prepare_notify,
    "recruiter_api": _RecruiterApi(),
    "importer": prepare_importer,
    "pages": prepare_pages,
    "self_service": prepare_self_service,
    "ses_events": prepare_ses_events,
    "seed": prepare_seed,
    "report": prepare_report,
    "aggregates": prepare_aggregates,
    "campaign_step": prepare_campaign_step,
    "sequence_step": prepare_sequence_step,
    "ops": prepare_ops,
}
# Functions whose event needs more than a request: say why they are not measured yet.
NOT_YET: dict[str, str] = {}


# --- running children ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildRun:
    init_ms: float  # inside the child, from its first line (for a function: import + serve)
    cpu_ms: float  # the same span in the child's CPU time: what other load on the machine disturbs least
    wall_ms: float  # the whole child process, interpreter start-up and exit included
    figures: dict[str, Any]
    stderr: str


def _child(code: str, args: list[str], env: dict[str, str], flags: tuple[str, ...] = ()) -> ChildRun:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *flags, "-c", code, *args],
        env=env,
        cwd=support.ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    wall_ms = (time.perf_counter() - started) * 1000
    results = support.read_json_lines(done.stdout, MARKER)
    if done.returncode != 0 or not results:
        raise RuntimeError(f"child failed ({done.returncode}):\n{done.stderr[-3000:]}\n{done.stdout[-2000:]}")
    figures = results[-1]
    return ChildRun(float(figures["init_ms"]), float(figures["cpu_ms"]), wall_ms, figures, done.stderr)


def run_floor(backend: support.Backend, flags: tuple[str, ...] = ()) -> ChildRun:
    return _child(FLOOR_CHILD, [], backend.floor_environment(), flags)


def run_function(
    backend: support.Backend, name: str, folder: Path, workdir: Path, flags: tuple[str, ...] = ()
) -> tuple[ChildRun, str]:
    prepared = SCENARIOS[name](backend)
    event_path = workdir / f"{name}.json"
    event_path.write_text(json.dumps(prepared.event))
    run = _child(
        FUNCTION_CHILD, [name, str(folder / "handler.py"), str(event_path)], backend.function_environment(name), flags
    )
    try:
        checked = prepared.verify(run.figures["response"])
    except AssertionError as error:
        # What the runtime logged is where a missing side effect (an email that never came) is explained.
        raise AssertionError(f"{name}: {error}\n--- the runtime's last output:\n{backend.log_tail()}") from error
    # The event's consequences (emails, and the SES events each email raises) run in the runtime; let them
    # finish, so they do not slow the moto server during the next timed run.
    backend.wait_until_idle()
    return run, checked


# --- import costs ---------------------------------------------------------------------------------------


def parse_importtime(stderr: str) -> list[tuple[str, int, float, float]]:
    """(module, depth, self ms, cumulative ms) for each line `python -X importtime` printed."""
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cumulative_us, name = line[len("import time:") :].split("|", 2)
        depth = (len(name) - len(name.lstrip()) - 1) // 2  # one space after the bar, then two per level
        rows.append((name.strip(), depth, int(self_us) / 1000, int(cumulative_us) / 1000))
    return rows


def import_costs(stderr: str) -> dict[str, Any]:
    rows = parse_importtime(stderr)
    top = sorted(rows, key=lambda r: r[3], reverse=True)[:TOP_IMPORTS]
    packages: dict[str, float] = {}
    for name, _, self_ms, _ in rows:
        package = name.split(".")[0]
        packages[package] = packages.get(package, 0.0) + self_ms
    ours = sorted(((n, c) for n, _, c, _ in rows if n.split(".")[0] == "talentpool"), key=lambda r: -r[1])
    return {
        "total_ms": round(sum(r[2] for r in rows), 1),
        "top_cumulative": [{"module": n, "depth": d, "cumulative_ms": round(c, 1)} for n, d, _, c in top],
        "by_package_self_ms": {
            k: round(v, 1) for k, v in sorted(packages.items(), key=lambda kv: kv[1], reverse=True)[:12]
        },
        "all_packages_self_ms": {k: round(v, 1) for k, v in sorted(packages.items(), key=lambda kv: -kv[1])},
        "talentpool_modules_self_ms": {name: round(ms, 1) for name, ms in ours},
    }


# --- the benchmark --------------------------------------------------------------------------------------


def _revision() -> str:
    """The commit measured; BENCH_REVISION names it when the bench runs in an exported copy of the tree."""
    if os.environ.get("BENCH_REVISION"):
        return os.environ["BENCH_REVISION"]
    git = shutil.which("git") or "git"
    done = subprocess.run(
        [git, "describe", "--always", "--dirty", "--abbrev=10"],
        cwd=support.ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


@dataclass
class Sample:
    """Interleaved runs: every function run comes right after a floor run, under the same interpreter flags."""

    floors: list[ChildRun]
    runs: dict[str, list[ChildRun]]
    paired: dict[str, list[float]]  # each function run ÷ the floor run just before it
    unchecked: dict[str, int] = field(default_factory=dict)  # runs whose side effect did not show in time

    @property
    def floor_ms(self) -> float:
        return support.median(f.init_ms for f in self.floors)

    def ratio(self, name: str) -> float:
        return support.median(r.init_ms for r in self.runs[name]) / self.floor_ms

    def cpu_ratio(self, name: str) -> float:
        return support.median(r.cpu_ms for r in self.runs[name]) / support.median(f.cpu_ms for f in self.floors)

    def summary(self, name: str) -> dict[str, Any]:
        runs = self.runs[name]
        return {
            "init_ms": support.spread(r.init_ms for r in runs),
            "import_ms": support.spread(r.figures["import_ms"] for r in runs),
            "serve_ms": support.spread(r.figures["serve_ms"] for r in runs),
            "serve_cpu_ms": support.spread(r.figures["serve_cpu_ms"] for r in runs),
            "cpu_ms": support.spread(r.cpu_ms for r in runs),
            "wall_ms": support.spread(r.wall_ms for r in runs),
            "ratio": round(self.ratio(name), 2),
            "paired_ratio": support.spread(self.paired[name], digits=2),
            "cpu_ratio": round(self.cpu_ratio(name), 2),
            "runs_not_counted": self.unchecked.get(name, 0),
        }

    def floor_summary(self) -> dict[str, Any]:
        return {
            "init_ms": support.spread(f.init_ms for f in self.floors),
            "cpu_ms": support.spread(f.cpu_ms for f in self.floors),
            "wall_ms": support.spread(f.wall_ms for f in self.floors),
        }


def measure(
    backend: support.Backend,
    functions: dict[str, Path],
    rounds: int,
    workdir: Path,
    checks: dict[str, str],
    flags: tuple[str, ...] = (),
) -> Sample:
    sample = Sample([], {name: [] for name in functions}, {name: [] for name in functions})
    for _ in range(rounds):
        for name in random.sample(list(functions), len(functions)):
            floor = run_floor(backend, flags)
            try:
                function, checks[name] = run_function(backend, name, functions[name], workdir, flags)
            except AssertionError as error:
                # A side effect that did not show in time (a loaded machine slows the runtime's deliveries):
                # the run is not counted, and the record says so.
                sample.unchecked[name] = sample.unchecked.get(name, 0) + 1
                print(f"{name}: run not counted: {str(error).splitlines()[0]}", flush=True)
                continue
            sample.floors.append(floor)
            sample.runs[name].append(function)
            sample.paired[name].append(function.init_ms / floor.init_ms)
    return sample


def without_package_bytecode(
    backend: support.Backend, functions: dict[str, Path], workdir: Path, checks: dict[str, str]
) -> tuple[str, ...]:
    """Interpreter flags for a start as the layers are deployed: no .pyc for any package, only the stdlib's.

    infra/layers.py installs the dependency layer with --no-compile and leaves *.pyc out of the core layer
    and the function code, and /opt is read-only in Lambda, so every cold start compiles boto3, Powertools,
    pydantic and talentpool from source. A private pycache_prefix holding only the stdlib's bytecode (the
    runtime ships that compiled), with writing disabled, reproduces it.
    """
    prefix = workdir / "pycache"
    writing = ("-X", f"pycache_prefix={prefix}")
    run_floor(backend, writing)
    for name in functions:
        run_function(backend, name, functions[name], workdir, writing)
    paths = sysconfig.get_paths()
    for packages in {support.ROOT, Path(paths["purelib"]), Path(paths["platlib"])}:  # layer, functions, venv
        shutil.rmtree(prefix / packages.relative_to(packages.anchor), ignore_errors=True)
    for name in functions:  # warm-up again, now compiling every package from source
        checks[name] = run_function(backend, name, functions[name], workdir, ("-B", *writing))[1]
    return ("-B", *writing)


def layer_imports(rounds: int = LAYER_IMPORT_ROUNDS) -> dict[str, Any]:
    """Every handler imported as it ships: Python 3.12, only the layers and its folder, tracing on.

    The same isolated child as tests/infra/test_shipped.py, with the core layer staged by infra/layers.py and
    the lock installed for this machine (that test uses the synthesised assembly; this one stages the same
    folders without a synth). Records whether each imported and what its import cost, median of `rounds`.
    """
    from infra import layers, spec
    from infra.functions import HANDLER, POWERTOOLS_ENVIRONMENT
    from local import environment
    from tests import shipped

    dependencies, core = shipped.host_dependencies(), layers.stage_core()
    settings = environment.LocalSettings(port=3000, region="us-east-1", time_scale=1.0)
    values = environment.local_values(settings, "arn:aws:secretsmanager:us-east-1:123456789012:secret:bench")
    values[spec.Env.WEB_ROOT.value] = str(core / "web")
    requests = []
    for function in spec.FUNCTIONS:
        names = [env.value for env in function.env]
        shipped_function = shipped.ShippedFunction(
            name=function.name,
            handler=HANDLER,
            code=function.folder,
            layers=(core,),
            environment={name: values[name] for name in names} | POWERTOOLS_ENVIRONMENT,
            memory_mb=function.memory_mb,
            timeout_s=function.timeout_s,
        )
        env = {
            "PATH": "/usr/bin:/bin",
            **shipped.lambda_runtime_environment(function.name, function.memory_mb, function.folder),
            **shipped.tracing_environment("127.0.0.1:2000"),
            **{k: str(v) for k, v in shipped_function.environment.items()},
        }
        requests += [shipped.Request(shipped_function, [dependencies, core / "python"], env) for _ in range(rounds)]
    by_function: dict[str, list[shipped.Run]] = {}
    for run_ in shipped.run_all(requests):
        by_function.setdefault(run_.name, []).append(run_)
    first = next(iter(by_function.values()))[0]
    return {
        "python": first.result.get("python", "?"),
        "tracing": True,
        "rounds": rounds,
        "functions": {name: _layer_import_summary(runs) for name, runs in by_function.items()},
    }


def _layer_import_summary(runs: list[Any]) -> dict[str, Any]:
    failed = [r for r in runs if not r.imported]
    if failed:
        error = (failed[0].result.get("import_error") or failed[0].stderr or "no result").strip().splitlines()[-1]
        return {"imported": False, "error": error[:300]}
    return {
        "imported": True,
        "import_ms": support.spread(r.result["import_ms"] for r in runs),
        "import_cpu_ms": support.spread(r.result["import_cpu_ms"] for r in runs),
    }


def _previous_deployed() -> dict[str, Any]:
    """The no-bytecode figures last recorded, for a run that leaves that variant out."""
    results = support.ROOT / "bench" / "results.json"
    recorded = (json.loads(results.read_text()) if results.exists() else {}).get("cold_init", {})
    return {
        "deployed_rounds": recorded.get("deployed_rounds"),
        "floor": recorded.get("floor", {}).get("deployed"),
        "functions": {n: f.get("deployed") for n, f in recorded.get("functions", {}).items() if f.get("deployed")},
    }


def run() -> dict[str, Any]:
    from infra import spec

    every = {f.name: f.folder for f in spec.FUNCTIONS}
    skipped: dict[str, str] = {
        name: NOT_YET.get(name, "no event for it in bench/cold_init.py yet") for name in every if name not in SCENARIOS
    }
    checks: dict[str, str] = {}
    imports: dict[str, Any] = {}
    layer = layer_imports()  # first: it needs no backend, and fails fast if the shipped set does not start
    print("layer imports done: " + ", ".join(n for n, f in layer["functions"].items() if f["imported"]), flush=True)
    with support.Backend.start() as backend, tempfile.TemporaryDirectory(prefix="bench-cold-") as work:
        workdir = Path(work)
        backend.silence_bucket_notifications("imports")
        # Warm-up, not timed: bytecode caches written, moto's first-request paths taken, each scenario proven.
        run_floor(backend)
        functions: dict[str, Path] = {}
        for name in (n for n in every if n not in skipped):
            try:
                _, checks[name] = run_function(backend, name, every[name], workdir)
            except Exception as error:  # an event we cannot build or serve yet: say why, do not time it
                skipped[name] = f"could not serve its event: {str(error).strip().splitlines()[-1][:200]}"
            else:
                functions[name] = every[name]
        cached = measure(backend, functions, ROUNDS, workdir, checks)
        floor_imports = import_costs(run_floor(backend, ("-X", "importtime")).stderr)
        for name in functions:
            run_, _ = run_function(backend, name, functions[name], workdir, ("-X", "importtime"))
            imports[name] = import_costs(run_.stderr)
        deployed = None
        if DEPLOYED_ROUNDS:
            deployed_checks: dict[str, str] = {}
            flags = without_package_bytecode(backend, functions, workdir, deployed_checks)
            deployed = measure(backend, functions, DEPLOYED_ROUNDS, workdir, deployed_checks, flags)
    previous = _previous_deployed() if deployed is None else {}

    results = {
        name: {
            **cached.summary(name),
            "pass": cached.cpu_ratio(name) <= TARGET_CPU_RATIO if name == TARGET_FUNCTION else None,
            "served": checks[name],
            "imports": imports[name],
            "deployed": deployed.summary(name) if deployed else previous.get("functions", {}).get(name),
        }
        for name in functions
    }
    return {
        "target_function": TARGET_FUNCTION,
        "target_cpu_ratio": TARGET_CPU_RATIO,
        "layer_import": layer,
        "rounds": ROUNDS,
        "deployed_rounds": DEPLOYED_ROUNDS or previous.get("deployed_rounds"),
        "revision": _revision(),
        "floor": {
            **cached.floor_summary(),
            "imports": floor_imports,
            "deployed": deployed.floor_summary() if deployed else previous.get("floor"),
        },
        "functions": results,
        "skipped": skipped,
    }


def _ms(spread: dict[str, Any]) -> str:
    return f"{spread['median']:.0f} ({spread['p25']:.0f}-{spread['p75']:.0f})"


def _ratio(f: dict[str, Any]) -> str:
    return f"{f['ratio']:.2f}x"


def _paired(f: dict[str, Any]) -> str:
    paired = f["paired_ratio"]
    return f"{paired['median']:.2f}x ({paired['p25']:.2f}-{paired['p75']:.2f})"


def _packages(imports: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v:.0f}" for k, v in list(imports["by_package_self_ms"].items())[:6])


def _verdict(f: dict[str, Any]) -> str:
    return "no target" if f["pass"] is None else support.verdict(f["pass"])


def _layer_section(layer: dict[str, Any]) -> str:
    rows = [
        [f"`{name}`", "yes", _ms(f["import_ms"]), _ms(f["import_cpu_ms"])]
        if f["imported"]
        else [f"`{name}`", f"**no**: {f['error']}", "", ""]
        for name, f in layer["functions"].items()
    ]
    table = support.markdown_table(["function", "imports", "import ms, median (IQR)", "import CPU ms"], rows)
    return f"""### What ships: every handler on the layers alone

Each handler imported as Lambda imports it (`handler.lambda_handler`), in a fresh isolated (`-I`) Python
{layer["python"]} process with only the dependency lock installed for this machine, the core layer as
`infra/layers.py` stages it and the function's folder on `sys.path`, Lambda's variables set and tracing on
(so the X-Ray SDK loads and patches boto3, as in AWS); {layer["rounds"]} runs each. `make test` does the same
from the synthesised assembly, and serves one event through each (tests/infra/test_shipped.py).

{table}"""


def _largest(costs: dict[str, float]) -> list[tuple[str, float]]:
    """Largest first (results.json keeps keys sorted by name)."""
    return sorted(costs.items(), key=lambda kv: -kv[1])


def _remains_section(name: str, f: dict[str, Any], floor: dict[str, Any]) -> str:
    packages = _largest(f["imports"]["all_packages_self_ms"])
    floor_packages = floor["imports"].get("all_packages_self_ms", floor["imports"]["by_package_self_ms"])
    rows = [
        [package, f"{ms:.1f}", f"{floor_packages.get(package, 0.0):.1f}", "ours" if package == "talentpool" else ""]
        for package, ms in packages[:20]
    ]
    ours = ", ".join(f"`{m}` {ms:.1f}" for m, ms in _largest(f["imports"]["talentpool_modules_self_ms"]))
    verdict = "meets" if f["pass"] else "does not meet"
    return f"""### What remains in `{name}`'s cold start

`{name}` {verdict} the target: **{f["cpu_ratio"]:.2f}x** the floor in CPU time (target ≤ {TARGET_CPU_RATIO}x).
Self import time by top-level package, ms (`-X importtime`, the same child serving the same event, so the
tracing inflates them: compare them with each other), beside the floor's for the same package; the 20 largest:

{support.markdown_table(["package", f"`{name}` self ms", "floor self ms", ""], rows)}

Ours, module by module (self ms, from one traced run, so a single figure can be noise): {ours}. Each is on a
careers-site post's path: the environment model, the resolver and its error contract, the capture request and
the submission it validates and keeps, the event it publishes and the store it writes to. Their modules define
more models than a post uses (the stored candidate, every bus event, every query); those cost nothing until
first used, as every model builds its validator then (talentpool.models.base), and the recruiters' variant of
`POST /candidates` is built on the first request with a token (talentpool.api.sourcing). What is left above
the floor is the libraries the request uses: Powertools (the resolver with validation, idempotency, logging,
metrics), pydantic and its first model's one-time set-up, email-validator (its RFC character classes compile
when it is imported) and a second boto3 client, EventBridge's, for the one event a post publishes. The JWT
library, the auth code, the recruiter logic, the importer's CSV machinery, the report renderer and the X-Ray
SDK (with tracing off) are not loaded by a careers-site post (tests/infra/test_shipped.py and
tests/unit/test_observability.py check it)."""


def describe(figures: dict[str, Any]) -> str:
    floor = figures["floor"]
    functions: dict[str, Any] = figures["functions"]
    target_name, target = figures["target_function"], figures["target_cpu_ratio"]
    main = support.markdown_table(
        [
            "function",
            "init + serve ms, median (IQR)",
            "import + serve ms (serve CPU)",
            "child wall ms",
            "÷ floor",
            "paired ÷ floor (IQR)",
            f"CPU ÷ floor CPU (target ≤ {target}x for `{target_name}`)",
            "result",
            "event served (checked every run)",
        ],
        (
            [
                f"`{name}`",
                _ms(f["init_ms"]),
                f"{f['import_ms']['median']:.0f} + {f['serve_ms']['median']:.0f} ({f['serve_cpu_ms']['median']:.0f})",
                f"{f['wall_ms']['median']:.0f}",
                _ratio(f),
                _paired(f),
                f"**{f['cpu_ratio']:.2f}x**",
                _verdict(f),
                f["served"],
            ]
            for name, f in functions.items()
        ),
    )
    deployed = support.markdown_table(
        ["function", "init + serve ms, median (IQR)", "import + serve ms", "÷ floor", "paired ÷ floor (IQR)"],
        (
            [
                f"`{name}`",
                _ms(f["deployed"]["init_ms"]),
                f"{f['deployed']['import_ms']['median']:.0f} + {f['deployed']['serve_ms']['median']:.0f}",
                _ratio(f["deployed"]),
                _paired(f["deployed"]),
            ]
            for name, f in functions.items()
            if f.get("deployed")
        ),
    )
    skipped = "".join(f"\n- `{name}` not measured: {why}." for name, why in figures.get("skipped", {}).items())
    imports = [["floor", f"{floor['imports']['total_ms']:.0f}", _packages(floor["imports"]), "boto3 and botocore"]]
    for name, f in functions.items():
        top = "; ".join(
            f"{'·' * m['depth']}{m['module']} {m['cumulative_ms']:.0f}" for m in f["imports"]["top_cumulative"]
        )
        imports.append([f"`{name}`", f"{f['imports']['total_ms']:.0f}", _packages(f["imports"]), top])
    remains = _remains_section(target_name, functions[target_name], floor) if target_name in functions else ""
    layer = _layer_section(figures["layer_import"]) if "layer_import" in figures else ""
    return f"""
## Cold init

Target (issue 9, section 6): `{target_name}`, where a careers-site visitor waits, costs at most {target}x the
floor in CPU time: a fresh process that imports its handler and serves one realistic event, against a fresh
process that imports boto3 and creates one client. Every function is measured; only `{target_name}` has a
target.

How: {figures["rounds"]} timed runs per function, each right after a floor run, in an order shuffled per round.
Both are timed inside the child from its first line, so interpreter start-up is left out of both; the child's
whole wall time is shown too. The handler is imported by file as Lambda does, and serves its event against a
`python -m local` runtime's moto server, with the environment that runtime gives the function (spec variables,
fake credentials, `POWERTOOLS_TRACE_DISABLED=true`) plus the variables Lambda's runtime sets
(`LAMBDA_TASK_ROOT` and friends). Every run is checked: status code and side effect. CPU time is the target's
measure because other work shares this machine and waiting for a busy CPU does not inflate it; it also leaves
out the wait for moto's answers ("serve" minus "serve CPU" below), which the local runtime's moto gives more
slowly than DynamoDB or EventBridge do. Wall-clock ratios (median ÷ median floor, and each run ÷ the floor run
just before it) are shown beside it.

Floor: **{_ms(floor["init_ms"])} ms** median (IQR), n={floor["init_ms"]["n"]}; CPU {_ms(floor["cpu_ms"])} ms; child
wall {floor["wall_ms"]["median"]:.0f} ms.
Revision `{figures["revision"]}`, measured {figures.get("measured_at", "?")} on {figures.get("machine", "?")}.

{main}
{skipped}

Reading it: `pages` makes no AWS call and never imports boto3, so its whole cold start (Powertools' resolver,
pydantic, the careers-form model) costs about one floor. Every other function pays the floor itself (boto3 and
one to three clients, each loading its service model) and then Powertools' resolver, batch, parser or
idempotency utilities and pydantic on top. With tracing off the X-Ray SDK is no longer loaded at all
(Powertools' Tracer built its recorder even when disabled); with tracing on, as in AWS, it is, and patches
boto3.

{remains}

{layer}

### Without bytecode: why the layers ship .pyc

Lambda's `/opt` is read-only, so layers without `.pyc` files make every cold start compile boto3, botocore,
Powertools, pydantic and talentpool from source. That is what these runs measure; the layer build compiles
bytecode for Python 3.12 (`infra/layers.py`, `compile_bytecode`), so a deployed cold start is the table above,
not this one. Same runs with a `pycache_prefix` holding only the standard library's bytecode, writing disabled
({figures["deployed_rounds"]} rounds). Floor under the same condition: **{_ms(floor["deployed"]["init_ms"])} ms**.

{deployed}

### Where the cold start goes

`python -X importtime`, one child per function serving the same event (with bytecode): total import time in
ms, self time summed by top-level package, and the ten modules with the largest cumulative time (· marks
nesting depth). The tracing inflates these figures, so compare them with each other only.

{support.markdown_table(["process", "imports ms", "self ms by package", "top cumulative ms"], imports)}
"""
