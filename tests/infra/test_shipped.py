"""What ships is what is tested: every function starts and serves an event on Python 3.12 with only the layers.

The synthesised assembly says what a deploy uploads: each function's handler name, its environment and its
code, and the two layers. The dependency layer's lock is installed for this machine into an empty folder,
and each function starts in a fresh isolated process with only that folder, the core layer as staged and
its own folder on sys.path, with Lambda's variables, exactly the environment variable names the template
gives it, and tracing on, as in AWS. It imports the handler CDK names (its module initialises), then serves
one representative event through it (the ops function: a listing, then a redrive), against a moto server
running in this process with the resources created from the spec, as the local runtime creates them. Every
AWS call it makes is recorded and held to its grants by the same check the in-process tests and make run use.

Events that need something to exist first (a candidate, an email's link) come in later waves, built from
what the earlier waves' functions really did: the submission capture kept and announced, the candidate
intake made of it and the event it published, the confirmation email notify sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from infra import layers, spec
from local import environment, permissions, resources
from tests import factories, ses_samples, shipped, stream_records
from tests.infra.synth import Synth

NAMES = [function.name for function in spec.FUNCTIONS]
SNAPSTART = [function.name for function in spec.FUNCTIONS if function.snap_start]
TWIN = "#twin"
REGION = "us-east-1"
ACCOUNT = environment.ACCOUNT
# Packages of this repository that are never deployed.
DEVELOPMENT_PACKAGES = {"tests", "local", "infra", "bench", "tools", "talentpool_client"}
CONFIRM_LINK = re.compile(r"/confirm\?token=([A-Za-z0-9._~-]+)")
CAPTURED_EMAIL = "shipped.smoke@example.com"
IMPORTED_EMAIL = "shipped.import@example.com"
OPS_CONSUMER = "ses_events"  # whose failure queue the ops function lists and redrives


# --- the assembly and the dependencies --------------------------------------------------------------------


@pytest.fixture(scope="module")
def assembly(default_synth: Synth) -> dict[str, shipped.ShippedFunction]:
    logical_ids = {name: default_synth.logical_id(default_synth.stack.functions.by_name[name]) for name in NAMES}
    template = {"Resources": default_synth.resources}
    return shipped.shipped_functions(template, default_synth.outdir, logical_ids)


@pytest.fixture(scope="module")
def host_dependencies() -> Path:
    return shipped.host_dependencies()


# --- the AWS side: moto's server in this process, the resources from the spec ---------------------------


@dataclass
class Deployment:
    """The moto server, what was created in it, and what the waves learn as they run."""

    endpoint: str
    settings: environment.LocalSettings
    clients: resources.AwsClients
    deployment: resources.Deployment
    tap_url: str
    learned: dict[str, Any] = field(default_factory=dict)

    def values(self) -> dict[str, str]:
        return environment.local_values(self.settings, self.deployment.token_secret_arn)

    def bus_events(self, detail_type: str) -> list[dict[str, Any]]:
        found = []
        while batch := self.clients.sqs.receive_message(QueueUrl=self.tap_url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in batch:
                event = json.loads(message["Body"])
                event.setdefault("account", ACCOUNT)  # moto leaves it out; EventBridge never does
                self.learned.setdefault("events", []).append(event)
                self.clients.sqs.delete_message(QueueUrl=self.tap_url, ReceiptHandle=message["ReceiptHandle"])
        for event in self.learned.get("events", []):
            if event["detail-type"] == detail_type:
                found.append(event)
        return found

    def sent_mail(self) -> list[str]:
        from moto.ses.models import ses_backends

        return [message.raw_data for message in ses_backends[ACCOUNT][REGION].sent_messages]

    def secret(self) -> bytes:
        return self.settings.token_secret_value.encode()


@pytest.fixture(scope="module")
def aws() -> Iterator[Deployment]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    port = int(server.get_host_and_port()[1])
    settings = environment.LocalSettings(port=3000, region=REGION, time_scale=1.0)
    try:
        with pytest.MonkeyPatch.context() as patch:
            # Only while the clients are made: they keep the endpoint; the rest of the suite never sees it.
            for name, value in environment.aws_environment(settings, port).items():
                patch.setenv(name, value)
            clients = resources.AwsClients(REGION)
        deployment = resources.Deployment(
            region=REGION, account=ACCOUNT, table_name=environment.TABLE_NAME, bus_name=spec.BUS_NAME
        )
        resources.create_foundation(clients, settings, deployment)
        yield Deployment(f"http://127.0.0.1:{port}", settings, clients, deployment, _bus_tap(clients))
    finally:
        server.stop()


def _bus_tap(clients: resources.AwsClients) -> str:
    """A rule sending every domain event to a queue, so a later wave can use what an earlier one published."""
    url = str(clients.sqs.create_queue(QueueName="shipped-bus-tap")["QueueUrl"])
    arn = clients.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    clients.events.put_rule(Name="shipped-tap", EventBusName=spec.BUS_NAME, EventPattern='{"source": ["talentpool"]}')
    clients.events.put_targets(Rule="shipped-tap", EventBusName=spec.BUS_NAME, Targets=[{"Id": "tap", "Arn": arn}])
    return url


# --- one representative event per function, and what it must have done ----------------------------------


Prepare = Callable[[Deployment], Any]
Verify = Callable[[Deployment, Any], None]


@dataclass(frozen=True)
class Scenario:
    wave: int
    prepare: Prepare  # the event; for a serial scenario, the events one environment serves in turn
    verify: Verify  # gets the answer; for a serial scenario, the answers in order
    # Several invocations of one environment, as a warm environment serves one after another.
    serial: bool = False


def _status(response: Any, expected: int) -> Any:
    assert isinstance(response, dict), response
    assert response.get("statusCode") == expected, str(response)[:1500]
    body = response.get("body") or ""
    return json.loads(body) if body.startswith(("{", "[")) else body


def _capture(_: Deployment) -> Any:
    return factories.api_event("POST", "/candidates", body=factories.capture_body(email=CAPTURED_EMAIL))


def _captured(aws: Deployment, response: Any) -> None:
    body = _status(response, 202)
    assert set(body) == {"status", "request_id"}, body  # the same answer for every address: no candidate id
    [received] = aws.bus_events("SubmissionReceived")
    assert received["detail"]["submission_id"] == body["request_id"]


def _intake(aws: Deployment) -> Any:
    [received] = aws.bus_events("SubmissionReceived")
    return received


def _signed_up(aws: Deployment) -> dict[str, Any]:
    """The CandidateCaptured of the careers-form sign-up (the importer, in the same wave, announces its own)."""
    [captured] = [e for e in aws.bus_events("CandidateCaptured") if e["detail"]["confirmation_requested"]]
    return captured


def _settled(aws: Deployment, response: Any) -> None:
    assert response == {"settled": True}, response
    captured = _signed_up(aws)
    aws.learned["candidate_id"] = captured["detail"]["candidate_id"]


def _pages(_: Deployment) -> Any:
    return factories.api_event("GET", "/careers", headers={"Accept": "text/html"})


def _careers_page(_: Deployment, response: Any) -> None:
    assert "<form" in _status(response, 200)


def _seed(_: Deployment) -> Any:
    return {"RequestType": "Create"}  # a CDK trigger's event; seed ignores it


def _seeded(aws: Deployment, response: Any) -> None:
    assert response["schedules"], response
    assert resources.scheduler_schedules(aws.clients), "no campaign schedule was created"


def _report(_: Deployment) -> Any:
    from local.clock import scheduled_event

    return scheduled_event("daily-report", account=ACCOUNT, region=REGION)


def _reported(aws: Deployment, response: Any) -> None:
    bucket = environment.bucket_name(spec.bucket("reports"))
    assert response["keys"], response
    for key in response["keys"]:
        aws.clients.s3.head_object(Bucket=bucket, Key=key)


def _start_import(_: Deployment) -> Any:
    return factories.api_event(
        "POST", "/imports", body={}, claims=factories.RECRUITER, resource="/imports", headers={"Accept": "*/*"}
    )


def _import_started(aws: Deployment, response: Any) -> None:
    body = _status(response, 201)
    aws.learned["import_id"] = body["import_id"]


def _campaign(_: Deployment) -> Any:
    from talentpool.logic.sequences.builtin import builtin_sequences

    campaign = next(s for s in builtin_sequences().values() if s.kind == "nurture")
    return {"action": "resolve", "execution": "shipped-smoke", "input": {"campaign_id": campaign.sequence_id}}


def _campaign_resolved(_: Deployment, response: Any) -> None:
    assert "run" in response, response


def _aggregates(_: Deployment) -> Any:
    now = datetime.now(UTC)
    candidate = stream_records.candidate(now, email="shipped.stream@example.com")
    return stream_records.batch(stream_records.insert(stream_records.profile(candidate), at=now))


def _aggregated(_: Deployment, response: Any) -> None:
    assert response == {"batchItemFailures": []}


def _notify(aws: Deployment) -> Any:
    return _signed_up(aws)


def _notified(aws: Deployment, response: Any) -> None:
    assert response == {"sent": True}
    [mail] = [m for m in aws.sent_mail() if CAPTURED_EMAIL in m]
    match = CONFIRM_LINK.search(mail.replace("=\r\n", "").replace("=\n", "").replace("=3D", "="))
    assert match, "no confirmation link in the email"
    aws.learned["confirm_token"] = match.group(1)


def _importer(aws: Deployment) -> Any:
    import_id = aws.learned["import_id"]
    key, bucket = f"uploads/{import_id}.csv", environment.bucket_name(spec.bucket("imports"))
    content = f"email,first name,skills\r\n{IMPORTED_EMAIL},Imported,Python\r\n".encode()
    etag = aws.clients.s3.put_object(Bucket=bucket, Key=key, Body=content, ContentType="text/csv")["ETag"]
    return factories.s3_object_created(bucket, key, etag, len(content), REGION)


def _imported(aws: Deployment, response: Any) -> None:
    assert response["imports"] == [{"import_id": aws.learned["import_id"], "status": "completed"}], response


def _ses_open(aws: Deployment) -> Any:
    candidate_id = aws.learned["candidate_id"]
    opened = ses_samples.ses_event(
        "Open",
        ses_samples.opened(datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")),
        candidate_id=candidate_id,
        message_id=f"shipped-{candidate_id}",
        kind="marketing",
        sequence_id="SHIPPED",
        step="1",
    )
    return ses_samples.sqs_batch(ses_samples.sqs_record(opened))


def _sequence_step(aws: Deployment) -> Any:
    state = {"candidate_id": aws.learned["candidate_id"], "event_id": "shipped-smoke"}
    return {"action": "step", "token": "shipped-task-token", "execution": "arn:shipped:engage", "state": state}


def _stepped(_: Deployment, response: Any) -> None:
    assert set(response) == {"outcome"}, response


def _preferences(aws: Deployment) -> Any:
    from talentpool.logic.sending import links

    candidate_id = aws.learned["candidate_id"]
    url = links.preferences_url("https://talent.example.com", aws.secret(), candidate_id, datetime.now(UTC))
    token = urlsplit(url).path.rsplit("/", 1)[1]
    return factories.api_event(
        "GET",
        f"/preferences/{token}",
        headers={"Accept": "text/html"},
        path_parameters={"token": token},
        resource="/preferences/{token}",
    )


def _preferences_page(_: Deployment, response: Any) -> None:
    assert "<form" in _status(response, 200)


def _recruiter_reads(aws: Deployment) -> Any:
    return factories.api_event("GET", "/candidates", claims=factories.RECRUITER, resource="/candidates")


def _confirm(aws: Deployment) -> Any:
    token = aws.learned["confirm_token"]
    # The button on the link's page: a GET only shows that page, the POST is what confirms.
    return factories.api_event("POST", "/confirm", form={"token": token}, headers={"Accept": "text/html"})


def _confirmed(aws: Deployment, response: Any) -> None:
    _status(response, 200)
    [confirmed] = aws.bus_events("CandidateConfirmed")
    assert confirmed["detail"]["candidate_id"] == aws.learned["candidate_id"]


def _ops(aws: Deployment) -> Any:
    # An SES event EventBridge could not deliver to the queue ses_events drains, parked in ses_events' failure
    # queue the way EventBridge parks it (the event as the body, why in the attributes).
    parked = ses_samples.ses_event("Delivery", candidate_id=aws.learned["candidate_id"], message_id="shipped-ops")
    attributes = {"ERROR_CODE": "SDK_CLIENT_ERROR", "ERROR_MESSAGE": "Unable to deliver the event to its target"}
    aws.clients.sqs.send_message(
        QueueUrl=aws.deployment.failure_queues[OPS_CONSUMER],
        MessageBody=json.dumps(parked),
        MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()},
    )
    aws.clients.sqs.create_queue(QueueName=_redrive_target(aws).rsplit("/", 1)[1])
    aws.learned["parked"] = parked
    # Then an admin (the claims the Cognito authorizer passes) looks at what failed, and redrives that queue.
    return [
        factories.api_event("GET", "/ops/failures", claims=factories.ADMIN, headers={"Accept": "*/*"}),
        factories.api_event(
            "POST", "/ops/redrive", body={"queue": OPS_CONSUMER}, claims=factories.ADMIN, headers={"Accept": "*/*"}
        ),
    ]


def _redrive_target(aws: Deployment) -> str:
    """Where the ops function replays ses_events' parked work: its FAILURE_QUEUES setting says."""
    return str(json.loads(aws.values()[spec.Env.FAILURE_QUEUES.value])[OPS_CONSUMER]["target"])


def _redriven(aws: Deployment, responses: Any) -> None:
    listed, redriven = (_status(response, 200) for response in responses)
    # The listing showed the parked event, with EventBridge's reason, and each failure queue's depth
    [failure] = listed["failures"]
    assert (failure["consumer"], failure["source"]) == (OPS_CONSUMER, "delivery"), failure
    assert failure["error"].startswith("SDK_CLIENT_ERROR"), failure
    assert listed["queues"] == {name: int(name == OPS_CONSUMER) for name in spec.failure_consumers()}
    # The redrive replayed it once: back in the queue ses_events drains, and gone from the failure queue
    assert [replayed["outcome"] for replayed in redriven["replayed"]] == ["replayed"], redriven
    moved = aws.clients.sqs.receive_message(QueueUrl=_redrive_target(aws), MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(message["Body"]) for message in moved] == [aws.learned["parked"]]
    left = aws.clients.sqs.get_queue_attributes(
        QueueUrl=aws.deployment.failure_queues[OPS_CONSUMER], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    assert left["ApproximateNumberOfMessages"] == "0"


SCENARIOS: dict[str, Scenario] = {
    "capture": Scenario(1, _capture, _captured),
    "pages": Scenario(1, _pages, _careers_page),
    "seed": Scenario(1, _seed, _seeded),
    "report": Scenario(1, _report, _reported),
    "recruiter_api": Scenario(1, _start_import, _import_started),
    "campaign_step": Scenario(1, _campaign, _campaign_resolved),
    "aggregates": Scenario(1, _aggregates, _aggregated),
    "intake": Scenario(2, _intake, _settled),
    "importer": Scenario(2, _importer, _imported),
    "notify": Scenario(3, _notify, _notified),
    "ses_events": Scenario(3, _ses_open, _aggregated),
    "sequence_step": Scenario(3, _sequence_step, _stepped),
    "self_service": Scenario(3, _preferences, _preferences_page),
    "confirm": Scenario(4, _confirm, _confirmed),
    "ops": Scenario(4, _ops, _redriven, serial=True),
}


# --- running the waves ------------------------------------------------------------------------------------


@dataclass
class Served:
    run: shipped.Run
    trace_id: str = ""
    problem: str = ""  # what was wrong with the answer or its side effects, or why the event could not be made


@pytest.fixture(scope="module")
def served(
    assembly: dict[str, shipped.ShippedFunction], host_dependencies: Path, aws: Deployment
) -> Iterator[dict[str, Served]]:
    """Each function, in a fresh execution environment, initialised and then sent its event, wave by wave."""
    daemon = shipped.XRayDaemon()
    port = int(urlsplit(aws.endpoint).port or 0)
    results: dict[str, Served] = {}
    try:
        for wave in sorted({s.wave for s in SCENARIOS.values()}):
            traces, requests, unmade = {}, [], {}
            if wave == 1:  # a second fresh environment of each SnapStart function, initialised only
                requests += [
                    _twin(_request(assembly[name], host_dependencies, aws, port, daemon.address, ""))
                    for name in SNAPSTART
                ]
            for name in (n for n, s in SCENARIOS.items() if s.wave == wave):
                traces[name] = shipped.new_trace_id()
                requests.append(_request(assembly[name], host_dependencies, aws, port, daemon.address, traces[name]))
                try:
                    prepared = SCENARIOS[name].prepare(aws)
                except Exception as error:  # an earlier wave did not leave what this event is made from
                    unmade[name] = f"no event to send: {error!r}"
                else:
                    requests[-1].events = list(prepared) if SCENARIOS[name].serial else [prepared]
            for run in shipped.run_all(requests):
                if run.name.endswith(TWIN):
                    results[run.name] = Served(run)
                    continue
                results[run.name] = Served(run, traces[run.name], unmade.get(run.name) or _verified(aws, run))
        results["_xray"] = Served(shipped.Run("_xray", {"documents": daemon.documents()}, "", "", 0))
        yield results
    finally:
        daemon.close()


def _twin(request: shipped.Request) -> shipped.Request:
    request.label = request.function.name + TWIN
    return request


def _verified(aws: Deployment, run: shipped.Run) -> str:
    if "responses" not in run.result or "invoke_error" in run.result:
        return run.explain()
    scenario = SCENARIOS[run.name]
    answer = run.result["responses"] if scenario.serial else run.result["responses"][0]
    try:
        scenario.verify(aws, answer)
    except Exception as error:
        return f"{run.name} answered {str(answer)[:1500]}\nbut: {error!r}\n{run.stdout[-3000:]}"
    return ""


def _request(
    function: shipped.ShippedFunction, dependencies: Path, aws: Deployment, port: int, daemon: str, trace_id: str
) -> shipped.Request:
    [core] = function.code_layers
    snap_start = function.name in SNAPSTART
    return shipped.Request(
        function=function,
        opt_python=[dependencies, core / "python"],
        # SnapStart functions: their module state is fingerprinted after initialisation, and the runtime's
        # after-restore hooks run, as they would after a restore, before the event.
        fingerprint=("talentpool",) if snap_start else (),
        runtime_library=shipped.runtime_library() if snap_start else None,
        environment={
            "PATH": "/usr/bin:/bin",
            **shipped.lambda_runtime_environment(function.name, function.memory_mb, function.code, REGION),
            **shipped.tracing_environment(daemon),
            **environment.aws_environment(aws.settings, port),
            **deployed_environment(function, aws.values()),
        },
        trace_header=shipped.trace_header(trace_id),
    )


def deployed_environment(function: shipped.ShippedFunction, values: dict[str, str]) -> dict[str, str]:
    """The function's variables as the template names them, no more: the local deployment's value for each
    name it knows, the template's own where that is a literal; /opt/web is the core layer's web folder."""
    found: dict[str, str] = {}
    for name, value in function.environment.items():
        chosen = values.get(name, value)
        if not isinstance(chosen, str):
            raise AssertionError(f"{function.name}: no value for {name} (the template's is {chosen!r})")
        found[name] = chosen
    if spec.Env.WEB_ROOT.value in found:
        [core] = function.code_layers
        found[spec.Env.WEB_ROOT.value] = str(core / "web")
    return found


# --- the tests --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_each_handler_initialises_on_python_312_with_only_the_shipped_layers(
    served: dict[str, Served], name: str
) -> None:
    # Given the function's code and the layers as a deploy uploads them, and the lock installed for this host
    # When a fresh Python 3.12 process imports the handler CDK configures, with tracing on
    run = served[name].run
    # Then its module initialises: every import it needs is shipped
    assert run.imported, run.explain()
    assert run.result["python"].startswith(layers.PYTHON_VERSION + ".")
    # And nothing came from outside the shipped set: no module of the development tree was loaded
    assert not [m for m in run.result["modules"] if m.split(".")[0] in DEVELOPMENT_PACKAGES]


@pytest.mark.parametrize("name", NAMES)
def test_each_function_serves_a_representative_event_through_its_configured_handler(
    served: dict[str, Served], name: str
) -> None:
    # Given the function initialised as above, with exactly the variables the template gives it
    # When Lambda's runtime hands it its event (the waves checked its answer and side effects as they ran)
    # Then it answered without raising, and its answer and its side effects were the expected ones
    assert not served[name].problem, served[name].problem
    # And with tracing on, its handler's subsegment reached the X-Ray daemon under the invocation's trace
    documents = served["_xray"].run.result["documents"]
    traced = {d.get("name") for d in documents if d.get("trace_id") == served[name].trace_id}
    assert "## lambda_handler" in traced, f"no handler subsegment among {sorted(map(str, traced))}"


# What a careers-site post must not load: the recruiter path (JWT, auth, profiles, the sourced-candidate route and
# its models), the importer's CSV machinery, the report renderer and its charts, the recruiter API's routers.
NOT_FOR_CAPTURE = (
    "jwt",
    "talentpool.auth",
    "talentpool.api.sourcing",
    "talentpool.models.recruiter",
    "talentpool.logic.people.profiles",
    "talentpool.logic.capture.imports",
    "talentpool.views.report",
    # The recruiter API's routers and their dependencies; capture's own routes are talentpool.api.capture.
    *(f"talentpool.api.{name}" for name in ("candidates", "campaigns", "deps", "imports", "reports", "segments")),
    *(f"talentpool.api.{name}" for name in ("sequences", "templates", "self_service")),
)


def test_a_careers_site_post_loads_only_what_its_route_needs(served: dict[str, Served]) -> None:
    # Given capture served a careers-site form post (no token) in a fresh environment
    run = served["capture"].run
    # Then none of what only recruiters, imports or reports need was imported, before or while serving it
    loaded = [m for m in run.result["modules_served"] if m.startswith(NOT_FOR_CAPTURE)]
    assert loaded == []


# Made at initialisation but never used in Lambda, so nothing a snapshot could repeat: the X-Ray SDK takes each
# invocation's sampling decision from the trace header Lambda sets (Sampled=0|1); its own sampler (a seeded
# Random, a reservoir's clock) serves only segments begun outside Lambda (its recorder's begin_segment).
# And pydantic names each model in a built schema by its class's address in memory (`Model:94693901646176`): the
# same in every environment restored from one snapshot, and never drawn at random.
NOT_USED_IN_LAMBDA = re.compile(r"\.provider\._sampler\.|core_schema\b.*\['ref'\]$")


@pytest.mark.parametrize("name", SNAPSTART)
def test_a_snapstart_function_leaves_nothing_unique_in_its_initialised_memory(
    served: dict[str, Served], name: str
) -> None:
    # Given two fresh environments of the function, initialised with the same settings
    first, second = served[name].run, served[name + TWIN].run
    assert first.imported and second.imported, first.explain() + second.explain()
    # Then every value reachable from the handler's and our modules' globals is the same in both: nothing an
    # initialisation made unique (an id, a nonce, a seed, a time) would be frozen into SnapStart's snapshot
    one, other = first.result["fingerprint"], second.result["fingerprint"]
    assert len(one) > 100, "the fingerprint walked almost nothing"
    differing = sorted(
        path
        for path in one.keys() | other.keys()
        if one.get(path) != other.get(path) and not NOT_USED_IN_LAMBDA.search(path)
    )
    assert differing == [], [f"{p}: {one.get(p)} / {other.get(p)}" for p in differing[:20]]


@pytest.mark.parametrize("name", SNAPSTART)
def test_after_a_restore_the_shared_random_generator_gets_a_new_seed(served: dict[str, Served], name: str) -> None:
    # Given the function initialised where Lambda's runtime provides SnapStart's hooks
    # When the after-restore hooks run, as Lambda runs them when it resumes an environment from the snapshot
    restored = served[name].run.result["restore"]
    # Then `random` no longer holds the state it was snapshotted with: restored copies draw different numbers
    assert restored["hooks"] >= 1
    assert restored["random_reseeded"] is True


@pytest.mark.parametrize("name", NAMES)
def test_each_function_makes_only_the_aws_calls_its_grants_allow(served: dict[str, Served], name: str) -> None:
    # Given the function served its events on the shipped set, each AWS call it made recorded
    run = served[name].run
    assert "aws_calls" in run.result, run.explain()
    # Then the grant check the in-process tests and make run apply (local/permissions.py) allows every one of
    # them, so what ships makes no call IAM would refuse for want of a grant in infra/spec.py
    refused = {
        f"{call['service']}:{call['operation']}": missing
        for call in run.result["aws_calls"]
        if (
            missing := sorted(
                permissions.refused(spec.function(name).grants, call["service"], call["operation"], _call_params(call))
            )
        )
    }
    assert refused == {}


def _call_params(call: dict[str, Any]) -> dict[str, Any]:
    """What the grant check reads of a call's parameters: a transaction's item kinds."""
    return {"TransactItems": [{kind: {} for kind in kinds} for kinds in call["items"]]}


def test_every_function_has_a_smoke_scenario() -> None:
    assert sorted(SCENARIOS) == sorted(NAMES)


def test_the_arm64_layer_holds_exactly_the_locked_distributions(
    assembly: dict[str, shipped.ShippedFunction],
) -> None:
    # Given the dependency layer a deploy uploads
    [layer] = {function.dependency_layer for function in assembly.values()}
    # Then it holds each locked distribution at its locked version, and nothing else
    assert shipped.installed_distributions(layer / "python") == shipped.locked_distributions(layers.LOCK)
