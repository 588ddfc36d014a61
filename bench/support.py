"""Bench plumbing shared by the benchmarks: the local runtime as a backend, function environments, events, stats."""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LAYER = ROOT / "layers" / "core" / "python"
# What `make` puts on PYTHONPATH, and what a child process needs to import the layer and the repo's packages.
PYTHONPATH = os.pathsep.join([str(LAYER), str(ROOT)])
# Kept from the parent's environment for child processes; everything else is set explicitly, so a run of the
# benchmarks does not depend on what the shell (or an earlier benchmark in the same process) exported.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")

CONFIRM_LINK = re.compile(r"/confirm\?token=([A-Za-z0-9._~-]+)")


# --- figures ------------------------------------------------------------------------------------------


def median(values: Iterable[float]) -> float:
    return float(statistics.median(list(values)))


def spread(values: Iterable[float], digits: int = 1) -> dict[str, float]:
    """Median, quartiles and extremes of a sample, rounded for the record."""
    ordered = sorted(values)
    if len(ordered) >= 2:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1 = q3 = ordered[0]
    return {
        "median": round(median(ordered), digits),
        "p25": round(q1, digits),
        "p75": round(q3, digits),
        "min": round(ordered[0], digits),
        "max": round(ordered[-1], digits),
        "n": len(ordered),
    }


def markdown_table(headers: list[str], rows: Iterable[Iterable[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "pass" if ok else "**fail**"


# --- events -------------------------------------------------------------------------------------------


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


def capture_body(email: str, **overrides: Any) -> dict[str, Any]:
    """A careers-form submission, as tests/factories.capture_body shapes it, for a given address."""
    from tests import factories

    return factories.capture_body(email=email, **overrides)


def api_event(method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    """An API Gateway REST (v1) proxy event: tests/factories.api_event, the shape the tests feed handlers."""
    from tests import factories

    return factories.api_event(method, path, **kwargs)


def eventbridge_event(detail_type: str, detail: dict[str, Any]) -> dict[str, Any]:
    from tests import factories

    return factories.eventbridge_event(detail_type, detail)


def stage_changed_event(candidate_id: str) -> dict[str, Any]:
    """StageChanged to `applied` with the candidate emailed, validated against the model the handler reads."""
    from talentpool.clock import isoformat, utcnow
    from talentpool.ids import new_id
    from talentpool.models.candidate import Stage
    from talentpool.models.events import StageChanged

    detail = StageChanged(
        candidate_id=candidate_id,
        occurred_at=isoformat(utcnow()),
        from_stage=Stage.LEAD,
        to_stage=Stage.APPLIED,
        job_ref="BENCH-1",
        notify_candidate=True,
        timeline_entry_id=new_id(),  # any id: the email reads the entry's feedback if there is one
    )
    return eventbridge_event(StageChanged.detail_type, detail.model_dump(mode="json"))


def s3_object_created(bucket: str, key: str, etag: str, size: int, region: str) -> dict[str, Any]:
    """An S3 ObjectCreated:Put notification with one record: tests/factories.s3_object_created."""
    from tests import factories

    return factories.s3_object_created(bucket, key, etag, size, region)


def csv_bytes(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


# --- the local runtime as a backend -------------------------------------------------------------------


@dataclass
class Backend:
    """`python -m local` in a subprocess of its own (own port, own TALENTPOOL_LOCAL_DIR), used over HTTP.

    It creates every resource from infra/spec.py; the benchmark's child processes talk to its moto server
    directly, with the environment the runtime itself gives each function.
    """

    process: Any  # tests.e2e.local_process.LocalProcess
    info: dict[str, Any]
    token: str

    @classmethod
    def start(cls) -> Backend:
        from tests.e2e import local_process

        # Time scale 1: a sequence Wait that a benchmark's event starts waits for real, so no background
        # execution competes with the processes being timed. Rate limits off: a bench sends far more than a
        # person would from one address (the per-mailbox email limit stays: benches use fresh addresses).
        running = local_process.start({"TALENTPOOL_TIME_SCALE": "1", "TALENTPOOL_RATE_LIMITS": "off"})
        try:
            info = running.info()
            with running.client as client:
                token = _printed_token(running.printed) or client.post("/_local/token", json={}).json()["token"]
        except BaseException:
            running.kill()
            raise
        return cls(running, info, token)

    def stop(self) -> None:
        self.process.kill()

    def wait_until_idle(self, quiet_ms: float = 10, window_s: float = 0.25, timeout_s: float = 15) -> None:
        """Return once the runtime process has used under `quiet_ms` of CPU in `window_s` (Linux /proc)."""
        stat = Path(f"/proc/{self.process.process.pid}/stat")
        if not stat.exists():
            time.sleep(1)
            return
        tick_ms = 1000 / os.sysconf("SC_CLK_TCK")

        def cpu_ms() -> float:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) * tick_ms  # utime + stime

        deadline = time.monotonic() + timeout_s
        before = cpu_ms()
        while time.monotonic() < deadline:
            time.sleep(window_s)
            now = cpu_ms()
            if now - before < quiet_ms:
                return
            before = now

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.process.printed.splitlines()[-lines:])

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- environments --------------------------------------------------------------------------------

    def settings(self) -> Any:
        from urllib.parse import urlsplit

        from local.environment import LocalSettings

        port = urlsplit(self.info["base_url"]).port
        assert port is not None
        return LocalSettings(port=port, region=self.info["region"], time_scale=float(self.info["time_scale"]))

    def function_environment(self, name: str) -> dict[str, str]:
        """What Lambda would give `name`: its spec's variables (local values), Powertools, fake credentials."""
        from urllib.parse import urlsplit

        from infra import spec
        from local import environment

        settings = self.settings()
        values = environment.handler_environment(settings, self.info["token_secret_arn"])
        [function] = [f for f in spec.FUNCTIONS if f.name == name]
        moto_port = urlsplit(self.info["moto_endpoint"]).port
        assert moto_port is not None
        return {
            **_inherited(),
            "PYTHONPATH": PYTHONPATH,
            **lambda_runtime_environment(function),
            **environment.aws_environment(settings, moto_port),
            **environment.POWERTOOLS_ENVIRONMENT,
            **environment.function_environment(function, values),
        }

    def floor_environment(self) -> dict[str, str]:
        """The floor process gets the same AWS settings (endpoint, region, credentials) and nothing else."""
        from urllib.parse import urlsplit

        from local import environment

        moto_port = urlsplit(self.info["moto_endpoint"]).port
        assert moto_port is not None
        return {
            **_inherited(),
            **environment.aws_environment(self.settings(), moto_port),
        }

    # -- HTTP, as a careers site or a recruiter would --------------------------------------------------

    def request(self, method: str, path: str, *, recruiter: bool = False, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}) or {})
        if recruiter:
            headers["Authorization"] = f"Bearer {self.token}"
        with self.process.client as client:
            return client.request(method, path, headers=headers, **kwargs)

    def capture(self, email: str) -> str:
        """A careers-form capture through the gateway; returns the candidate id once the email is out.

        The public answer holds no candidate id: a recruiter finds the person by address, as here.
        """
        response = self.request("POST", "/candidates", json=capture_body(email))
        assert response.status_code == 202, response.text
        self.wait_for_mail(email)
        return self.find(email)

    def find(self, email: str) -> str:
        """The candidate id for an address, through `GET /candidates?q=` as a recruiter would look it up."""
        response = self.request("GET", "/candidates", recruiter=True, params={"q": email})
        assert response.status_code == 200, response.text
        [item] = response.json()["items"]
        return str(item["candidate_id"])

    def candidate(self, candidate_id: str) -> dict[str, Any]:
        response = self.request("GET", f"/candidates/{candidate_id}", recruiter=True)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def outbox(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/_local/outbox").json())

    def mail_to(self, address: str, subject: str | None = None) -> list[dict[str, Any]]:
        return [
            m for m in self.outbox() if address in m.get("to", []) and (subject is None or m.get("subject") == subject)
        ]

    def wait_for_mail(self, address: str, subject: str | None = None, count: int = 1) -> list[dict[str, Any]]:
        from tests.e2e.local_process import wait_for

        found: list[dict[str, Any]] = wait_for(
            lambda: mail if len(mail := self.mail_to(address, subject)) >= count else None,
            60,
            f"{count} email(s) to {address}" + (f" with subject {subject!r}" if subject else ""),
        )
        return found

    def confirmation_token(self, address: str) -> str:
        [mail, *_] = self.wait_for_mail(address, "Please confirm your email address")
        match = CONFIRM_LINK.search(mail["text"])
        assert match, "no confirmation link in the email"
        return match.group(1)

    def start_import(self) -> str:
        response = self.request("POST", "/imports", recruiter=True, json={})
        assert response.status_code in (200, 201), response.text
        return str(response.json()["import_id"])

    def import_status(self, import_id: str) -> dict[str, Any]:
        response = self.request("GET", f"/imports/{import_id}", recruiter=True)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def unsubscribe_token(self, candidate_id: str) -> str:
        """A fresh one-click unsubscribe token, signed with the runtime's own secret as emails sign them."""
        from talentpool.clock import utcnow
        from talentpool.logic.sending import links

        secret = self.client("secretsmanager").get_secret_value(SecretId=self.info["token_secret_arn"])
        url = links.unsubscribe_url(self.info["base_url"], secret["SecretString"].encode(), candidate_id, utcnow())
        return url.rsplit("/", 1)[1]

    # -- moto, directly --------------------------------------------------------------------------------

    def client(self, service: str) -> Any:
        import boto3

        aws = self.floor_environment()
        return boto3.session.Session(
            aws_access_key_id=aws["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=aws["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=aws["AWS_SESSION_TOKEN"],
            region_name=aws["AWS_REGION"],
        ).client(service, endpoint_url=aws["AWS_ENDPOINT_URL"])

    def s3(self) -> Any:
        return self.client("s3")

    def bucket(self, name: str) -> str:
        return str(self.info["buckets"][name])

    def silence_bucket_notifications(self, name: str) -> None:
        """The benchmark delivers S3 events to its own processes; the runtime must not run the upload first."""
        self.s3().put_bucket_notification_configuration(Bucket=self.bucket(name), NotificationConfiguration={})

    def upload(self, bucket: str, key: str, content: bytes) -> tuple[str, int]:
        """Put an object; its ETag and size, as the S3 event will carry them."""
        response = self.s3().put_object(Bucket=self.bucket(bucket), Key=key, Body=content, ContentType="text/csv")
        return str(response["ETag"]), len(content)


def lambda_runtime_environment(function: Any) -> dict[str, str]:
    """The reserved variables Lambda's Python runtime sets for `function` (a spec.FunctionSpec): without them a
    bench would time a start-up that never happens in AWS (tests/shipped.py says why)."""
    from tests import shipped

    return shipped.lambda_runtime_environment(function.name, function.memory_mb, function.folder)


def _inherited() -> dict[str, str]:
    return {name: os.environ[name] for name in INHERITED if name in os.environ}


def _printed_token(printed: str) -> str | None:
    """The recruiter token `python -m local` prints under its banner line."""
    lines = printed.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("Recruiter token") and index + 1 < len(lines):
            token = lines[index + 1].strip()
            return token if token.count(".") == 2 else None
    return None


def read_json_lines(text: str, marker: str) -> list[dict[str, Any]]:
    """The JSON objects a child printed on lines starting with `marker` (the rest is the handler's logging)."""
    return [json.loads(line[len(marker) :]) for line in text.splitlines() if line.startswith(marker)]


@contextmanager
def moto_environment(extra: dict[str, str] | None = None) -> Iterator[None]:
    """For an in-process moto bench: fake credentials, the layer on the path, nothing else from the shell
    (no endpoint, no profile), and every variable put back afterwards so the next bench starts clean."""
    values = {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        **(extra or {}),
    }
    saved = {name: os.environ.get(name) for name in [*values, "AWS_ENDPOINT_URL", "AWS_PROFILE"]}
    os.environ.update(values)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.pop("AWS_PROFILE", None)
    if str(LAYER) not in sys.path:
        sys.path.insert(0, str(LAYER))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
