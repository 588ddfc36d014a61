"""The runtime's wiring against a real moto server: rule → state machine with a scaled Wait → Lambda, and SES.

Issue 2 has no state machine and no SES-event consumer yet, so these use a tiny ASL and fake handlers
to prove the paths engage.asl.json and the SES-events function will take.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote_plus

import boto3
import httpx
import pytest

from infra import spec
from local import environment, resources, ses_events
from local.dispatch import Dispatcher, RuleTap, TargetInvoker
from local.lambdas import LambdaRuntime
from local.moto_patches import SentMessage, patch_lambda, patch_s3_notifications, patch_ses, patch_wait
from local.outbox import Outbox

pytestmark = pytest.mark.slow

SCALE = 86400.0 * 20  # a day of Wait is 50 ms
ASL = {
    "Comment": "Pass, a day's Wait, then lambda:invoke: the shape engage.asl.json takes",
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Parameters": {"who.$": "$.candidate_id"}, "Next": "ADay"},
        "ADay": {"Type": "Wait", "Seconds": 86400, "Next": "Greet"},
        "Greet": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "${GreetFunction}", "Payload.$": "$"},
            "OutputPath": "$.Payload",
            "End": True,
        },
    },
}
GREET = spec.FunctionSpec("greet", "test: greets", env=(), grants=())
WELCOME = spec.StateMachineSpec("welcome", "welcome.asl.json", {"GreetFunction": "greet"})
ON_CONFIRMED = spec.RuleSpec(
    "start-welcome",
    "test: confirmed candidates start the welcome machine",
    {"source": ["talentpool"], "detail-type": ["CandidateConfirmed"]},
    (spec.TargetSpec("state_machine", "welcome", input={"candidate_id": "$.detail.candidate_id"}),),
)
SES_TAP = spec.RuleSpec(
    "ses-tap", "test: SES events", {"source": ["aws.ses"]}, (spec.TargetSpec("function", "greet"),), bus="default"
)


@dataclass
class Recorder:
    """A fake handler module: records events, greets, or fails when told to."""

    events: list[Any] = field(default_factory=list)
    fail_first: int = 0

    def lambda_handler(self, event: Any, context: Any) -> Any:
        self.events.append(event)
        if len(self.events) <= self.fail_first:
            raise RuntimeError("transient")
        return {"greeting": f"hello {event.get('who')}", "function": context.function_name}


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[SimpleNamespace]:
    from moto.core.config import default_user_config
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    port = server.get_host_and_port()[1]
    reset = f"http://127.0.0.1:{port}/moto-api/reset"
    httpx.post(reset)  # moto's backends are process-wide: start from nothing, and leave nothing behind
    settings = environment.LocalSettings(port=1, region="us-east-1", time_scale=SCALE, root=tmp_path)
    for name, value in environment.aws_environment(settings, port).items():
        monkeypatch.setenv(name, value)
    saved = copy.deepcopy(default_user_config.get("stepfunctions"))
    # What moto's POST /moto-api/config does: the server runs in this process and reads this dict.
    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    recorder = Recorder()
    lambdas = LambdaRuntime([GREET], region="us-east-1", account=environment.ACCOUNT, loader=lambda f, n: recorder)
    sinks: list[Any] = []
    undo = [patch_lambda(lambdas), patch_wait(SCALE), patch_ses(lambda sent: [sink(sent) for sink in sinks])]
    clients = resources.AwsClients("us-east-1")
    deployment = resources.Deployment("us-east-1", environment.ACCOUNT, "t", spec.BUS_NAME)
    clients.events.create_event_bus(Name=spec.BUS_NAME)
    deployment.role_arn = clients.iam.create_role(
        RoleName="t", AssumeRolePolicyDocument=json.dumps(resources._TRUST_POLICY)
    )["Role"]["Arn"]
    try:
        yield SimpleNamespace(
            clients=clients, deployment=deployment, lambdas=lambdas, recorder=recorder, sinks=sinks, dir=tmp_path
        )
    finally:
        for step in reversed(undo):
            step()
        default_user_config["stepfunctions"] = saved  # type: ignore[typeddict-item]
        httpx.post(reset)
        server.stop()


def wait_until(condition: Any, what: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_rule_starts_a_state_machine_that_waits_scaled_and_invokes_the_real_handler_path(
    moto: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the welcome machine from an ASL file with a placeholder, and a rule that starts it
    monkeypatch.setattr(spec, "STATE_MACHINES_DIR", moto.dir)
    (moto.dir / WELCOME.asl_file).write_text(json.dumps(ASL))
    resources.create_functions(moto.clients, [GREET], {}, moto.deployment)
    resources.create_state_machines(moto.clients, [WELCOME], moto.deployment)
    resources.create_rules(moto.clients, [ON_CONFIRMED], moto.deployment)
    invoker = TargetInvoker(moto.lambdas, moto.clients.stepfunctions, moto.deployment.state_machines)
    dispatcher = Dispatcher(
        moto.clients.sqs,
        [RuleTap(ON_CONFIRMED, moto.deployment.rule_queues[ON_CONFIRMED.name])],
        invoker,
        account=environment.ACCOUNT,
    )
    dispatcher.start()
    try:
        # When a candidate is confirmed
        moto.clients.events.put_events(
            Entries=[
                {
                    "Source": "talentpool",
                    "DetailType": "CandidateConfirmed",
                    "Detail": json.dumps({"candidate_id": "C1", "occurred_at": "x", "id": "e1"}),
                    "EventBusName": spec.BUS_NAME,
                }
            ]
        )
        machine = moto.deployment.state_machines["welcome"]

        def finished() -> Any:
            runs = moto.clients.stepfunctions.list_executions(stateMachineArn=machine)["executions"]
            done = [r for r in runs if r["status"] != "RUNNING"]
            return done and moto.clients.stepfunctions.describe_execution(executionArn=done[0]["executionArn"])

        execution = wait_until(finished, "the welcome execution to finish")
    finally:
        dispatcher.stop()

    # Then the execution got the mapped input, waited a scaled day, and ran the handler in-process
    assert execution["status"] == "SUCCEEDED", execution
    assert json.loads(execution["input"]) == {"candidate_id": "C1"}
    assert json.loads(execution["output"]) == {"greeting": "hello C1", "function": "greet"}
    assert moto.recorder.events == [{"who": "C1"}]
    history = moto.clients.stepfunctions.get_execution_history(executionArn=execution["executionArn"])["events"]
    assert "WaitStateExited" in [e["type"] for e in history]


def test_a_failing_function_target_is_retried_and_the_dispatcher_keeps_going(moto: SimpleNamespace) -> None:
    rule = spec.RuleSpec("greet-all", "test", {"source": ["talentpool"]}, (spec.TargetSpec("function", "greet"),))
    resources.create_rules(moto.clients, [rule], moto.deployment)
    moto.recorder.fail_first = 1
    invoker = TargetInvoker(moto.lambdas, moto.clients.stepfunctions, {})
    dispatcher = Dispatcher(
        moto.clients.sqs,
        [RuleTap(rule, moto.deployment.rule_queues[rule.name])],
        invoker,
        account=environment.ACCOUNT,
        retry_delays=(0.05, 0.05),
    )
    dispatcher.start()
    try:
        for who in ("first", "second"):
            moto.clients.events.put_events(
                Entries=[
                    {
                        "Source": "talentpool",
                        "DetailType": "CandidateCaptured",
                        "Detail": json.dumps({"who": who}),
                        "EventBusName": spec.BUS_NAME,
                    }
                ]
            )
        wait_until(lambda: len(moto.recorder.events) >= 3, "a retry and the second event")
    finally:
        dispatcher.stop()

    delivered = [(e["detail"]["who"], e["account"], e["detail-type"]) for e in moto.recorder.events]
    assert delivered.count(("first", environment.ACCOUNT, "CandidateCaptured")) == 2  # failed once, then retried
    assert ("second", environment.ACCOUNT, "CandidateCaptured") in delivered


def test_ses_sends_reach_the_outbox_and_publish_ses_events(moto: SimpleNamespace) -> None:
    # Given a verified sender, a configuration set, and a rule on the default bus for SES events
    moto.clients.ses.verify_email_identity(EmailAddress="talent@example.com")
    resources.create_functions(moto.clients, [GREET], {}, moto.deployment)
    resources.create_rules(moto.clients, [SES_TAP], moto.deployment)
    outbox = Outbox(moto.dir / "outbox")
    outbox.clear()

    def on_sent(sent: SentMessage) -> None:
        entry = outbox.record(sent)
        from moto.events.models import events_backends

        entries = ses_events.events_for(
            sent, entry, account=environment.ACCOUNT, region="us-east-1", now=datetime.now(UTC)
        )
        events_backends[environment.ACCOUNT]["us-east-1"].put_events(entries)

    moto.sinks.append(on_sent)
    dispatcher = Dispatcher(
        moto.clients.sqs,
        [RuleTap(SES_TAP, moto.deployment.rule_queues[SES_TAP.name])],
        TargetInvoker(moto.lambdas, moto.clients.stepfunctions, {}),
        account=environment.ACCOUNT,
    )
    dispatcher.start()
    try:
        send_two_mails(moto)
        handler_events = wait_until(
            lambda: len(moto.recorder.events) >= 4 and moto.recorder.events, "four SES events at the target"
        )
    finally:
        dispatcher.stop()

    # Then both are in the outbox, as files and parsed, with the simple one carrying both parts
    entries = outbox.entries()
    assert [e.to for e in entries] == [["ana@example.com"], ["bounce@simulator.amazonses.com"]]
    assert entries[0].text is not None and entries[0].text.strip() == "Hi Ana"
    assert (entries[1].text or "").strip() == "plain words"
    assert "html words" in (entries[1].html or "")
    assert all(e.path.is_file() for e in entries)

    # And SES-shaped events reach the rule's target: sent+delivered, then sent+bounced, tags kept
    kinds = sorted((e["detail"]["eventType"], e["detail"]["mail"]["destination"][0]) for e in handler_events)
    assert kinds == [
        ("Bounce", "bounce@simulator.amazonses.com"),
        ("Delivery", "ana@example.com"),
        ("Send", "ana@example.com"),
        ("Send", "bounce@simulator.amazonses.com"),
    ]
    delivery = next(e for e in handler_events if e["detail"]["eventType"] == "Delivery")
    assert delivery["source"] == "aws.ses"
    assert delivery["detail-type"] == "Email Delivered"
    assert delivery["detail"]["mail"]["tags"]["candidate_id"] == ["C1"]


def send_two_mails(moto: SimpleNamespace) -> None:
    """One mail raw through SES v2 with tags, and one simple through SES v1 to the bounce simulator."""
    sesv2 = boto3.client("sesv2", region_name="us-east-1")
    raw = (
        "From: Talent team <talent@example.com>\r\nTo: ana@example.com\r\nSubject: Hello\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHi Ana\r\n"
    )
    sesv2.send_email(
        FromEmailAddress="talent@example.com",
        Destination={"ToAddresses": ["ana@example.com"]},
        Content={"Raw": {"Data": raw.encode()}},
        ConfigurationSetName="talentpool",
        EmailTags=[{"Name": "candidate_id", "Value": "C1"}],
    )
    moto.clients.ses.send_email(
        Source="talent@example.com",
        Destination={"ToAddresses": ["bounce@simulator.amazonses.com"]},
        Message={
            "Subject": {"Data": "Both parts"},
            "Body": {"Text": {"Data": "plain words"}, "Html": {"Data": "<p>html words</p>"}},
        },
        ConfigurationSetName="talentpool",
    )


def test_an_upload_under_the_notified_prefix_invokes_the_function_asynchronously(
    moto: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a bucket whose uploads/ prefix notifies the greet function, as spec.BUCKETS declares it
    bucket = SimpleNamespace(name="imports", env="IMPORTS_BUCKET", notify_prefix="uploads/", notify_function="greet")
    monkeypatch.setattr(spec, "BUCKETS", (bucket,), raising=False)
    undo = patch_s3_notifications()
    try:
        moto.clients.s3.create_bucket(Bucket="talentpool-imports")
        resources.create_functions(moto.clients, [GREET], {}, moto.deployment)
        resources.connect_buckets(moto.clients, moto.deployment)

        # When a CSV is uploaded there, and another file elsewhere
        moto.clients.s3.put_object(Bucket="talentpool-imports", Key="other/x.csv", Body=b"a,b\n")
        moto.clients.s3.put_object(Bucket="talentpool-imports", Key="uploads/batch.csv", Body=b"email\n")

        # Then the function gets the S3 event for the upload only
        [event] = wait_until(lambda: moto.recorder.events, "the S3 notification")
    finally:
        undo()
    record = event["Records"][0]
    assert record["eventName"].startswith("ObjectCreated")
    assert record["s3"]["bucket"]["name"] == "talentpool-imports"
    # Keys arrive URL-encoded, as in AWS (moto also encodes the slash): handlers must unquote_plus them.
    assert unquote_plus(record["s3"]["object"]["key"]) == "uploads/batch.csv"
