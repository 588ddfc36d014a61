"""The few places moto is patched: Lambda runs real handlers, Wait states run on scaled time, SES mail is seen."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local.lambdas import LambdaRuntime

log = logging.getLogger("local.moto")

Undo = Callable[[], None]


def _replace(owner: type, name: str, replacement: Callable[..., Any]) -> Undo:
    original = owner.__dict__[name]
    setattr(owner, name, replacement)
    return lambda: setattr(owner, name, original)


# --- Lambda -------------------------------------------------------------------------------------------


def patch_lambda(runtime: LambdaRuntime) -> Undo:
    """moto's LambdaFunction runs its handler through the in-process runtime instead of Docker."""
    from moto.awslambda.models import LambdaFunction

    def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
        if isinstance(event, str | bytes):
            event = json.loads(event or "{}")
        result = runtime.invoke(str(self.function_name), {} if event is None else event)
        return result.payload, result.errored, result.logs

    return _replace(LambdaFunction, "_invoke_lambda", _invoke_lambda)


def patch_s3_notifications() -> Undo:
    """S3 invokes a notified function asynchronously in AWS; moto does it inside the PutObject call.

    A CSV import must not hold the uploader's request open, so the invocation moves to its own thread.
    """
    from moto.s3 import notifications

    original = notifications._invoke_awslambda

    def invoke_later(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        threading.Thread(
            target=original, args=(account_id, event_body, fn_arn, region_name), name="s3-notify", daemon=True
        ).start()

    notifications._invoke_awslambda = invoke_later

    def undo() -> None:
        notifications._invoke_awslambda = original

    return undo


# --- Step Functions Wait ------------------------------------------------------------------------------


def scaled_wait(scale: float) -> Callable[[Any, Any, float], None]:
    """A Wait that lasts wait_seconds / scale, and still ends early when the execution stops."""

    def _wait_interval(self: Any, env: Any, wait_seconds: float) -> None:
        deadline = time.monotonic() + max(0.0, wait_seconds) / scale
        while (remaining := deadline - time.monotonic()) > 0:
            if env.program_state_event.wait(remaining) and env.is_running():
                # Woken by an unrelated state change: keep waiting, without spinning on a set event.
                time.sleep(min(remaining, 0.05))
            elif not env.is_running():
                return

    return _wait_interval


class ExecutionTimes:
    """Where each execution stands in sequence time, so a Wait until a timestamp counts from its own start.

    moto waits until a timestamp by subtracting real now. With Waits scaled down, an execution's sequence
    time runs ahead of real time: a round runs at its planned instant (`max(now, send_at)`, see
    talentpool/logic/sequences/engage.py) and plans the next one from there, so "one day after this round" measured
    from real now lasted one day *plus* everything the execution had already waited, and each Wait drifted
    further. Here a Wait begins at the execution's current instant, the later of real now and the timestamp
    it last waited until, so a Wait of N sequence-days lasts N x 86,400 / scale real seconds, whenever it runs.
    """

    KEPT = 20_000  # executions remembered (the least recently waiting forgotten): one per enrolled candidate

    def __init__(self, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._now = now
        self._reached: OrderedDict[str, datetime] = OrderedDict()
        self._lock = threading.Lock()

    def seconds_until(self, execution: str, due: datetime) -> float:
        """Sequence seconds from the execution's current instant to `due`; the execution then stands at `due`."""
        with self._lock:
            began = max(self._now(), self._reached.pop(execution, datetime.min.replace(tzinfo=UTC)))
            self._reached[execution] = max(began, due)
            while len(self._reached) > self.KEPT:
                self._reached.popitem(last=False)
        return (due - began).total_seconds()


def _execution_id(env: Any) -> str:
    return str(env.states.context_object.context_object_data["Execution"]["Id"])


def timestamp_wait_seconds(times: ExecutionTimes) -> Callable[[Any, Any], float]:
    """Timestamp(Path)._get_wait_seconds counted from the execution's own instant (see ExecutionTimes)."""
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEventException

    def _get_wait_seconds(self: Any, env: Any) -> float:
        self.string.eval(env=env)
        text = env.stack.pop()
        due = self._from_timestamp_string(text)  # naive, in UTC: the pattern only admits a Z
        if due is None:
            raise FailureEventException(self._create_failure_event(env, text))
        return times.seconds_until(_execution_id(env), due.replace(tzinfo=UTC))

    return _get_wait_seconds


def patch_wait(scale: float, times: ExecutionTimes | None = None) -> Undo:
    """Waits last 1/scale of their time, and a Wait until a timestamp counts from its execution's instant."""
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

    undo_interval = _replace(WaitFunction, "_wait_interval", scaled_wait(scale))
    undo_timestamp = _replace(Timestamp, "_get_wait_seconds", timestamp_wait_seconds(times or ExecutionTimes()))

    def undo() -> None:
        undo_timestamp()
        undo_interval()

    return undo


# --- SES ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendRequest:
    """What the API call carried that moto's backend forgets: configuration set, tags, both body parts."""

    configuration_set: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    subject: str | None = None
    text: str | None = None
    html: str | None = None


@dataclass(frozen=True)
class SentMessage:
    """One message SES accepted: either raw MIME, or Simple content the outbox turns into MIME."""

    message_id: str
    source: str
    destinations: list[str]
    raw: str | None
    request: SendRequest


_current = threading.local()


@contextmanager
def _request_scope(request: SendRequest) -> Iterator[None]:
    # The backend call runs in the same moto request thread, so a thread-local carries the request to it.
    _current.request = request
    try:
        yield
    finally:
        _current.request = None


def _current_request() -> SendRequest:
    request = getattr(_current, "request", None)
    return request if isinstance(request, SendRequest) else SendRequest()


def _tags(pairs: Any) -> dict[str, str]:
    return {str(p.get("Name")): str(p.get("Value")) for p in pairs or [] if isinstance(p, dict)}


def _sesv2_request(response: Any) -> SendRequest:
    params = json.loads(response.body or "{}")
    simple = (params.get("Content") or {}).get("Simple") or {}
    body = simple.get("Body") or {}
    return SendRequest(
        configuration_set=params.get("ConfigurationSetName"),
        tags=_tags(params.get("EmailTags")),
        subject=(simple.get("Subject") or {}).get("Data"),
        text=(body.get("Text") or {}).get("Data"),
        html=(body.get("Html") or {}).get("Data"),
    )


def _ses_v1_request(response: Any) -> SendRequest:
    return SendRequest(
        configuration_set=response._get_param("ConfigurationSetName"),
        tags=_tags(response._get_param("Tags", [])),
        subject=response._get_param("Message.Subject.Data"),
        text=response._get_param("Message.Body.Text.Data"),
        html=response._get_param("Message.Body.Html.Data"),
    )


def _remembering(original: Callable[[Any], Any], read: Callable[[Any], SendRequest]) -> Callable[[Any], Any]:
    def handle(self: Any) -> Any:
        try:
            request = read(self)
        except (ValueError, TypeError, AttributeError):
            request = SendRequest()
        with _request_scope(request):
            return original(self)

    return handle


def _simple_destinations(destinations: Any) -> list[str]:
    if isinstance(destinations, dict):
        return [a for key in ("ToAddresses", "CcAddresses", "BccAddresses") for a in destinations.get(key) or []]
    return list(destinations or [])


def _observing(original: Callable[..., Any], sink: Callable[[SentMessage], None]) -> Callable[..., Any]:
    def send(self: Any, *args: Any, **kwargs: Any) -> Any:
        message = original(self, *args, **kwargs)
        raw = getattr(message, "raw_data", None)
        sent = SentMessage(
            message_id=str(message.id),
            source=str(message.source),
            destinations=_simple_destinations(message.destinations),
            raw=str(raw) if raw is not None else None,
            request=_current_request() if raw is not None else _simple_request(message),
        )
        try:
            sink(sent)
        except Exception:
            # Recording is a side channel: the send itself succeeded and must stay succeeded.
            log.exception("could not record sent email %s", sent.message_id)
        else:
            _forget(self.sent_messages, message)
        return message

    return send


def _forget(sent_messages: list[Any], message: Any) -> None:
    """The sink keeps the mail (the outbox, on disk): moto's in-memory list of every message would only grow."""
    if sent_messages and sent_messages[-1] is message:
        sent_messages.pop()
    else:
        with contextlib.suppress(ValueError):
            sent_messages.remove(message)


def _simple_request(message: Any) -> SendRequest:
    request = _current_request()
    if request.text is None and request.html is None:
        body = str(message.body)
        looks_html = body.lstrip().startswith("<")
        request = SendRequest(
            configuration_set=request.configuration_set,
            tags=request.tags,
            text=None if looks_html else body,
            html=body if looks_html else None,
        )
    return SendRequest(request.configuration_set, request.tags, str(message.subject), request.text, request.html)


def patch_ses(sink: Callable[[SentMessage], None]) -> Undo:
    """Every message SES v1 or v2 accepts is handed to `sink` (the outbox and the SES event feed), and moto's
    own list of sent messages lets go of it once the sink has it."""
    from moto.ses.models import SESBackend
    from moto.ses.responses import EmailResponse
    from moto.sesv2.responses import SESV2Response

    undo = [
        _replace(SESV2Response, "send_email", _remembering(SESV2Response.send_email, _sesv2_request)),
        _replace(EmailResponse, "send_email", _remembering(EmailResponse.send_email, _ses_v1_request)),
        _replace(EmailResponse, "send_raw_email", _remembering(EmailResponse.send_raw_email, _ses_v1_request)),
        _replace(SESBackend, "send_email", _observing(SESBackend.send_email, sink)),
        _replace(SESBackend, "send_raw_email", _observing(SESBackend.send_raw_email, sink)),
    ]

    def undo_all() -> None:
        for step in reversed(undo):
            step()

    return undo_all
