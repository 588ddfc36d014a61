"""Composes the local runtime: moto, the resources from the spec, the dispatcher, the gateway; start and stop."""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from infra import spec
from local import auth, environment, resources, ses_events
from local.clock import ClockEntry, ScheduleClock, SequenceTime, scheduled_event
from local.deploy_hooks import run_on_deploy
from local.dispatch import DeliveryFailed, Dispatcher, RuleTap, TargetInvoker, deliver_to_targets, validate_targets
from local.environment import ACCOUNT, LocalSettings
from local.gateway import Gateway, GatewayServer, LocalRoutes, Reply, Request, RouteTable, error_reply, json_reply
from local.lambdas import LambdaRuntime
from local.moto_locks import patch_dynamodb_serialised, patch_sqs_serialised
from local.moto_patches import SentMessage, Undo, patch_lambda, patch_s3_notifications, patch_ses, patch_wait
from local.moto_scale import patch_moto_scale
from local.outbox import Outbox
from local.permissions import enforce as enforce_grants
from local.rate_limits import SubmissionLimit
from local.reports import REPORT_FUNCTION, REPORTS_BUCKET, ReportMirror
from local.scheduler import SchedulerTargets, SchedulerWatcher
from local.streams import StreamDelivery, patch_stream_delivery

log = logging.getLogger("local")

HOST = "127.0.0.1"
MAX_TOKEN_LIFETIME_S = 30 * 24 * 3600


class LocalRuntime:
    """Everything `make run` starts, in one process; `start()` returns once the gateway serves."""

    def __init__(self, settings: LocalSettings) -> None:
        self.settings = settings
        self.started_in_s = 0.0
        self.token = ""
        self.deploy_runs: dict[str, str] = {}
        self._undo: list[Undo] = []
        self._moto: Any = None
        self._dispatcher: Dispatcher | None = None
        self._clock: ScheduleClock | None = None
        self._scheduler: SchedulerWatcher | None = None
        self._streams: StreamDelivery | None = None
        self._server: GatewayServer | None = None
        self._stopping = threading.Event()

    # -- start ---------------------------------------------------------------------------------------

    def start(self) -> None:
        started = time.perf_counter()
        _quiet_libraries()
        # Bind first: a busy port fails in milliseconds, and port 0 tells us the real one for the URLs.
        self._server = GatewayServer(HOST, self.settings.port)
        self.settings = dataclasses.replace(self.settings, port=self._server.port)
        moto_port = self._start_moto()
        os.environ.pop("AWS_ENDPOINT_URL", None)  # a shell's endpoint would send the handlers' calls elsewhere
        os.environ.update(environment.in_process_environment(self.settings, moto_port))
        self.moto_endpoint = environment.moto_url(moto_port)
        self._serve_clients_in_process()

        self.lambdas = LambdaRuntime(spec.FUNCTIONS, region=self.settings.region, account=ACCOUNT)
        self.outbox = Outbox(self.settings.outbox_dir)
        self.outbox.clear()
        self._streams = StreamDelivery(
            self.lambdas.invoke,
            batch_sizes={stream.function: stream.batch_size for stream in spec.STREAMS},
            region=self.settings.region,
        )
        self._undo += [
            patch_moto_scale(),
            patch_lambda(self.lambdas),
            patch_wait(self.settings.time_scale),
            patch_ses(self._on_sent),
            patch_s3_notifications(),
            patch_dynamodb_serialised(),
            patch_sqs_serialised(),
            patch_stream_delivery(self._streams),
            # IAM, as the functions meet it in AWS: a call outside a function's spec grants is refused.
            enforce_grants(),
        ]

        self.clients = resources.AwsClients(self.settings.region)
        self.deployment = resources.Deployment(
            region=self.settings.region, account=ACCOUNT, table_name=environment.TABLE_NAME, bus_name=spec.BUS_NAME
        )
        resources.create_foundation(self.clients, self.settings, self.deployment)
        values = environment.handler_environment(self.settings, self.deployment.token_secret_arn)
        environment.apply(os.environ, values)  # before any handler is imported: they read it once
        resources.create_functions(self.clients, spec.FUNCTIONS, values, self.deployment)
        resources.create_state_machines(self.clients, spec.STATE_MACHINES, self.deployment)
        resources.check_arns(values, self.deployment)
        resources.connect_buckets(self.clients, self.deployment)
        resources.create_stream_mappings(self.clients, spec.STREAMS, self.deployment)
        validate_targets(
            [*spec.RULES, *self._schedule_rules()], self.deployment.functions, self.deployment.state_machines
        )
        resources.create_rules(self.clients, spec.RULES, self.deployment)
        self.reports = ReportMirror(self.clients.s3, self._reports_bucket(), self.settings.reports_dir)

        self.invoker = TargetInvoker(
            self.lambdas,
            self.clients.stepfunctions,
            self.deployment.state_machines,
            sqs=self.clients.sqs,
            failure_queues=self.deployment.failure_queues,
        )
        taps = [RuleTap(rule, self.deployment.rule_queues[rule.name]) for rule in spec.RULES]
        self._dispatcher = Dispatcher(self.clients.sqs, taps, self.invoker, account=ACCOUNT)
        self._dispatcher.start()
        self._clock = self._schedule_clock()
        self._clock.start()
        # Everything exists now, as after a deploy: the run-on-deploy functions (seed: campaign schedules) run.
        self.deploy_runs = run_on_deploy(spec.FUNCTIONS, self.lambdas.invoke)
        self._scheduler = SchedulerWatcher(
            self.clients.scheduler,
            self._clock,
            SchedulerTargets(self._start_execution, self._invoke_or_raise, self._stopping),
        )
        self._scheduler.sync()  # what seed created is on the clock before the first request
        self._scheduler.start()

        self.issuer = auth.LocalIssuer(issuer=self.settings.issuer)
        self.token = self.issuer.mint()
        self.local_routes = self._local_routes()
        gateway = Gateway(
            RouteTable(spec.ROUTES),
            self.lambdas.invoke,
            self.issuer,
            port=self.settings.port,
            account=ACCOUNT,
            cors_origin=values[spec.Env.CORS_ORIGIN],
            local_routes=self.local_routes,
            submission_limit=SubmissionLimit(limit) if (limit := self.settings.submissions_per_minute) else None,
        )
        self._server.serve(gateway)
        self.started_in_s = time.perf_counter() - started

    def _start_moto(self) -> int:
        from moto.server import ThreadedMotoServer

        self._moto = ThreadedMotoServer(ip_address=HOST, port=0, verbose=False)
        self._moto.start()
        return int(self._moto.get_host_and_port()[1])

    def _serve_clients_in_process(self) -> None:
        """Clients in this process reach moto's backends through moto's botocore hook, not over HTTP.

        The server and the hook share the same backends, so a request over HTTP (the CLI, a test, a browser)
        sees what a handler wrote in-process. Each call skips a socket, werkzeug and Flask: it costs half the
        CPU. Step Functions execution is switched on in the configuration both share.
        """
        from moto import mock_aws

        hook = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        hook.start(reset=False)  # reset=False: the backends stay as they are (the server's, too)
        self._undo.append(lambda: hook.stop(remove_data=False))

    # -- schedules -----------------------------------------------------------------------------------

    def _schedule_clock(self) -> ScheduleClock:
        """spec.SCHEDULES fire from the local clock on sequence time, as their EventBridge rules would."""
        clock = ScheduleClock(SequenceTime(self.settings.time_scale))
        now = clock.time.now()
        for schedule in spec.SCHEDULES:
            expression = environment.schedule_expression(schedule)
            clock.add(ClockEntry(schedule.name, expression, self._firing(schedule), anchor=now))
        return clock

    def _firing(self, schedule: spec.ScheduleSpec) -> Callable[[datetime], None]:
        def fire(_due: datetime) -> None:
            # The event carries the real time: what the handlers read from the store is stamped with it.
            event = scheduled_event(schedule.name, account=ACCOUNT, region=self.settings.region)
            deliver_to_targets(self.invoker, schedule.name, (schedule.target,), event, self._stopping)
            if schedule.target.name == REPORT_FUNCTION:
                self.reports.mirror()

        return fire

    @staticmethod
    def _schedule_rules() -> list[spec.RuleSpec]:
        """Schedules as rules, so start-up checks their targets like any rule's."""
        return [spec.RuleSpec(s.name, s.description, {}, (s.target,)) for s in spec.SCHEDULES]

    def _start_execution(self, state_machine_arn: str, name: str, payload: str) -> None:
        client = self.clients.stepfunctions
        try:
            client.start_execution(stateMachineArn=state_machine_arn, name=name, input=payload)
        except client.exceptions.ExecutionAlreadyExists:
            log.info("execution %s already started", name)

    def _invoke_or_raise(self, function: str, event: Any) -> None:
        result = self.lambdas.invoke(function, event)
        if result.errored:
            raise DeliveryFailed(f"function {function} failed: {result.json().get('errorType')}")

    def _reports_bucket(self) -> str | None:
        names = {bucket.name: bucket for bucket in environment.buckets()}
        return environment.bucket_name(names[REPORTS_BUCKET]) if REPORTS_BUCKET in names else None

    # -- email ---------------------------------------------------------------------------------------

    def _on_sent(self, sent: SentMessage) -> None:
        entry = self.outbox.record(sent)
        log.info("email %s to the outbox: %s", sent.message_id, entry.path.name)
        entries = ses_events.events_for(
            sent, entry, account=ACCOUNT, region=self.settings.region, now=datetime.now(UTC)
        )
        if entries:
            from moto.events.models import events_backends

            # In-process: this runs inside moto's own SES request, so no HTTP round trip back into it.
            events_backends[ACCOUNT][self.settings.region].put_events(entries)

    # -- local-only routes ---------------------------------------------------------------------------

    def _local_routes(self) -> LocalRoutes:
        routes = LocalRoutes()
        routes.add("GET", "/_local/info", lambda _: json_reply(HTTPStatus.OK, self.info()))
        routes.add("GET", "/_local/outbox", self._outbox)
        routes.add("POST", "/_local/token", self._mint_token)
        routes.add("POST", "/_local/run/report", self._run_report)
        routes.add("GET", environment.JWKS_PATH, self._jwks)
        routes.add("GET", f"{environment.ISSUER_PATH}{environment.JWKS_PATH}", self._jwks)  # where Cognito has it
        return routes

    def _run_report(self, request: Request) -> Reply:
        """Run the report job now with the JSON body as its event ({period?, date?}); mirror what it wrote."""
        if REPORT_FUNCTION not in self.lambdas.names:
            return error_reply(
                HTTPStatus.NOT_FOUND,
                "not_found",
                f"There is no {REPORT_FUNCTION!r} function in infra/spec.py yet, so there is no report job to run",
            )
        try:
            event = request.json()
        except ValueError:
            return error_reply(HTTPStatus.BAD_REQUEST, "malformed_request", "The request body is not valid JSON")
        if not isinstance(event, dict):
            return error_reply(HTTPStatus.BAD_REQUEST, "malformed_request", "The request body must be a JSON object")
        result = self.lambdas.invoke(REPORT_FUNCTION, event)
        if result.errored:
            error = result.json()
            return error_reply(
                HTTPStatus.BAD_GATEWAY,
                "report_failed",
                f"The report function failed: {error.get('errorType')}: {error.get('errorMessage')}",
            )
        report = result.json()
        keys = report.get("keys", []) if isinstance(report, dict) else []
        mirrored = self.reports.mirror(always=[str(key) for key in keys])
        return json_reply(HTTPStatus.OK, {"report": report, "mirrored": mirrored, "folder": str(self.reports.folder)})

    def _jwks(self, _: Request) -> Reply:
        return json_reply(HTTPStatus.OK, self.issuer.jwks())

    def info(self) -> dict[str, Any]:
        return {
            **resources.info(self.deployment, self.moto_endpoint),
            "base_url": self.settings.base_url,
            "issuer": self.issuer.issuer,
            "audience": self.issuer.audience,
            "time_scale": self.settings.time_scale,
            "outbox_dir": str(self.outbox.folder),
            "reports_dir": str(self.reports.folder),
            "schedules": self._clock.keys() if self._clock else [],
            "scheduler_schedules": resources.scheduler_schedules(self.clients),
            "run_on_deploy": dict(self.deploy_runs),
            "stream_backlog": self._streams.backlog() if self._streams else {},
            "local_routes": self.local_routes.paths,
            "submissions_per_minute": self.settings.submissions_per_minute,
        }

    def _outbox(self, request: Request) -> Reply:
        """The outbox as JSON; `?to=<address>` lists only the mail to that address (a pool's outbox is large)."""
        to = dict(parse_qsl(request.query)).get("to")
        return json_reply(HTTPStatus.OK, self.outbox_json(to))

    def outbox_json(self, to: str | None = None) -> list[dict[str, Any]]:
        return [entry.as_json() for entry in self.outbox.entries(to)]

    def _mint_token(self, request: Request) -> Reply:
        try:
            body = request.json()
        except ValueError:
            return error_reply(HTTPStatus.BAD_REQUEST, "malformed_request", "The request body is not valid JSON")
        fields = token_request_errors(body)
        if fields:
            return json_reply(
                HTTPStatus.UNPROCESSABLE_ENTITY,
                {"error": {"code": "validation_failed", "message": "Some fields are not valid", "fields": fields}},
            )
        token = self.issuer.mint(
            groups=body.get("groups", list(spec.RECRUITER_GROUPS)),
            email=body.get("email", auth.DEFAULT_EMAIL),
            expires_in=body.get("expires_in", auth.DEFAULT_LIFETIME_S),
        )
        return json_reply(HTTPStatus.OK, {"token": token, "claims": auth.unverified_claims(token)})

    # -- stop ----------------------------------------------------------------------------------------

    def stop(self) -> None:
        """Gateway first (no new work), then the clock and dispatcher, then moto; each step on its own."""
        self._stopping.set()
        steps = (
            self._stop_server,
            self._stop_clock,
            self._stop_dispatcher,
            self._stop_streams,
            self._stop_moto,
            self._unpatch,
        )
        for step in steps:
            try:
                step()
            except Exception:
                log.exception("stopping: %s failed", step.__name__)

    def _stop_server(self) -> None:
        if self._server is not None:
            self._server.stop()

    def _stop_clock(self) -> None:
        if self._scheduler is not None:
            self._scheduler.stop()
        if self._clock is not None:
            self._clock.stop()

    def _stop_streams(self) -> None:
        if self._streams is not None:
            self._streams.stop()

    def _stop_dispatcher(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.stop()

    def _stop_moto(self) -> None:
        if self._moto is not None:
            self._moto.stop()

    def _unpatch(self) -> None:
        while self._undo:
            self._undo.pop()()

    # -- banner --------------------------------------------------------------------------------------

    def banner(self) -> str:
        base = self.settings.base_url
        day_s = 86400 / self.settings.time_scale
        return "\n".join(
            [
                "",
                "Talentpool is running locally. State lives in memory: it is gone when you stop.",
                f"  Careers form   {base}/careers",
                f"  API base       {base}",
                f"  Outbox         {base}/_local/outbox   (files in {self.outbox.folder})",
                f"  Local info     {base}/_local/info",
                f"  moto           {self.moto_endpoint}",
                f"  Time scale     {self.settings.time_scale:g}x: a day of Wait (and of schedules) lasts {day_s:g} s",
                f"  Schedules      {len(self._clock.keys()) if self._clock else 0} on the local clock "
                f"(reports, campaigns in Scheduler group {self.deployment.schedule_group})",
                *self._report_lines(base),
                self._limit_line(),
                "",
                "Recruiter token (12 h, groups recruiters and admins):",
                f"  {self.token}",
                "",
                f"Ready in {self.started_in_s:.1f} s: talentpool config --endpoint {base} --token {self.token}",
                "Ctrl-C stops.",
                "",
            ]
        )

    def _limit_line(self) -> str:
        limit = self.settings.submissions_per_minute
        if limit is None:
            return "  Rate limits    off (TALENTPOOL_RATE_LIMITS=off)"
        from talentpool.adapters.aws.email_limits import LIMIT

        return f"  Rate limits    {limit} public submissions per IP a minute; {LIMIT} emails per mailbox an hour"

    def _report_lines(self, base: str) -> list[str]:
        if REPORT_FUNCTION not in self.lambdas.names:
            return []
        return [f"  Reports        POST {base}/_local/run/report   (files in {self.reports.folder})"]


def token_request_errors(body: Any) -> list[dict[str, Any]]:
    """Field errors for POST /_local/token {groups, email, expires_in}, in the error contract's shape."""
    if not isinstance(body, dict):
        return [{"loc": ["body"], "msg": "must be a JSON object"}]
    checks: dict[str, Callable[[Any], bool]] = {
        "groups": lambda v: isinstance(v, list) and all(isinstance(g, str) and g for g in v),
        "email": lambda v: isinstance(v, str) and "@" in v,
        "expires_in": lambda v: isinstance(v, int) and not isinstance(v, bool) and v <= MAX_TOKEN_LIFETIME_S,
    }
    errors = [
        {"loc": [name], "msg": "is not valid"} for name, ok in checks.items() if name in body and not ok(body[name])
    ]
    errors += [{"loc": [name], "msg": "is not a known field"} for name in body if name not in checks]
    return errors


def _quiet_libraries() -> None:
    # werkzeug logs every moto request; Powertools warns when a function flushes no metrics.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("moto").setLevel(logging.WARNING)
    logging.getLogger("botocore").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
