"""Composes the local runtime: moto, the resources from the spec, the dispatcher, the gateway; start and stop."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
import time
import urllib.request
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from infra import spec
from local import auth, environment, resources, ses_events
from local.clock import Schedule, ScheduleClock, scheduled_event
from local.dispatch import Dispatcher, RuleTap, TargetInvoker, deliver_to_targets, validate_targets
from local.environment import ACCOUNT, LocalSettings
from local.gateway import Gateway, GatewayServer, LocalRoutes, Reply, Request, RouteTable, error_reply, json_reply
from local.lambdas import LambdaRuntime
from local.moto_patches import SentMessage, Undo, patch_lambda, patch_s3_notifications, patch_ses, patch_wait
from local.outbox import Outbox

log = logging.getLogger("local")

HOST = "127.0.0.1"
MAX_TOKEN_LIFETIME_S = 30 * 24 * 3600


class LocalRuntime:
    """Everything `make run` starts, in one process; `start()` returns once the gateway serves."""

    def __init__(self, settings: LocalSettings) -> None:
        self.settings = settings
        self.started_in_s = 0.0
        self.token = ""
        self._undo: list[Undo] = []
        self._moto: Any = None
        self._dispatcher: Dispatcher | None = None
        self._clock: ScheduleClock | None = None
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
        os.environ.update(environment.aws_environment(self.settings, moto_port))
        self.moto_endpoint = f"http://{HOST}:{moto_port}"
        _enable_step_functions(self.moto_endpoint)

        self.lambdas = LambdaRuntime(spec.FUNCTIONS, region=self.settings.region, account=ACCOUNT)
        self.outbox = Outbox(self.settings.outbox_dir)
        self.outbox.clear()
        self._undo += [
            patch_lambda(self.lambdas),
            patch_wait(self.settings.time_scale),
            patch_ses(self._on_sent),
            patch_s3_notifications(),
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
        resources.connect_buckets(self.clients, self.deployment)
        validate_targets(spec.RULES, self.deployment.functions, self.deployment.state_machines)
        resources.create_rules(self.clients, spec.RULES, self.deployment)

        self.invoker = TargetInvoker(self.lambdas, self.clients.stepfunctions, self.deployment.state_machines)
        taps = [RuleTap(rule, self.deployment.rule_queues[rule.name]) for rule in spec.RULES]
        self._dispatcher = Dispatcher(self.clients.sqs, taps, self.invoker, account=ACCOUNT)
        self._dispatcher.start()
        self._clock = self._schedule_clock()
        self._clock.start()

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
        )
        self._server.serve(gateway)
        self.started_in_s = time.perf_counter() - started

    def _start_moto(self) -> int:
        from moto.server import ThreadedMotoServer

        self._moto = ThreadedMotoServer(ip_address=HOST, port=0, verbose=False)
        self._moto.start()
        return int(self._moto.get_host_and_port()[1])

    def _schedule_clock(self) -> ScheduleClock:
        """Schedules in the spec (spec.SCHEDULES, when it has any: name, expression, targets) fire locally."""
        clock = ScheduleClock(self.settings.time_scale)
        for schedule in getattr(spec, "SCHEDULES", ()):
            clock.add(Schedule(schedule.name, schedule.expression, self._firing(schedule.name, schedule.targets)))
        return clock

    def _firing(self, name: str, targets: tuple[spec.TargetSpec, ...]) -> Callable[[], None]:
        def fire() -> None:
            event = scheduled_event(name, account=ACCOUNT, region=self.settings.region)
            deliver_to_targets(self.invoker, name, targets, event, self._stopping)

        return fire

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
        routes.add("GET", "/_local/outbox", lambda _: json_reply(HTTPStatus.OK, self.outbox_json()))
        routes.add("POST", "/_local/token", self._mint_token)
        routes.add("GET", environment.JWKS_PATH, self._jwks)
        routes.add("GET", f"{environment.ISSUER_PATH}{environment.JWKS_PATH}", self._jwks)  # where Cognito has it
        return routes

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
            "local_routes": self.local_routes.paths,
        }

    def outbox_json(self) -> list[dict[str, Any]]:
        return [entry.as_json() for entry in self.outbox.entries()]

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
        for step in (self._stop_server, self._stop_clock, self._stop_dispatcher, self._stop_moto, self._unpatch):
            try:
                step()
            except Exception:
                log.exception("stopping: %s failed", step.__name__)

    def _stop_server(self) -> None:
        if self._server is not None:
            self._server.stop()

    def _stop_clock(self) -> None:
        if self._clock is not None:
            self._clock.stop()

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
                f"  Time scale     {self.settings.time_scale:g}x: a day of Wait lasts {day_s:g} s",
                "",
                "Recruiter token (12 h, groups recruiters and admins):",
                f"  {self.token}",
                "",
                f"Ready in {self.started_in_s:.1f} s: talentpool config --endpoint {base} --token {self.token}",
                "Ctrl-C stops.",
                "",
            ]
        )


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


def _enable_step_functions(moto_endpoint: str) -> None:
    """Real Step Functions execution, through moto's config API (server mode's way to set it)."""
    request = urllib.request.Request(  # noqa: S310 - the URL is our own moto server on 127.0.0.1
        f"{moto_endpoint}/moto-api/config",
        data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        if response.status >= 300:
            raise RuntimeError(f"moto refused the Step Functions config: {response.status}")


def _quiet_libraries() -> None:
    # werkzeug logs every moto request; Powertools warns when a function flushes no metrics.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("moto").setLevel(logging.WARNING)
    logging.getLogger("botocore").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
