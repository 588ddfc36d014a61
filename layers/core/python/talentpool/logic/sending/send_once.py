"""Send a marketing email exactly once per (execution, step): the send log is the idempotency record.

Engage and nurture both send through `send_step_email`: a reservation in the candidate's send log (under the
frequency cap, in the send window), SES, the record and `email_sent` on the timeline, and an EmailSent event.
See docs/sequences.md, "Sending exactly once".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeVar

from aws_lambda_powertools.metrics import MetricUnit

from talentpool.clock import isoformat, parse_iso
from talentpool.errors import NotSent, Rejected, SendLogChanged
from talentpool.ids import minted_at, new_id
from talentpool.logic.optimistic import optimistic
from talentpool.logic.sending.eligibility import plan_send
from talentpool.logic.sending.links import preferences_url, unsubscribe_url
from talentpool.logic.sending.marketing_email import Branding, Links, render_marketing_email
from talentpool.logic.sending.settings import SendingSettings
from talentpool.logic.timeline import timeline_entry
from talentpool.models.base import Model
from talentpool.models.candidate import Candidate, TimelineEntry, TimelineKind
from talentpool.models.email_message import OutgoingEmail
from talentpool.models.events import EmailSent
from talentpool.models.sequences import SendLog, SendRecord, Sequence
from talentpool.observability import logger, metrics, tracer
from talentpool.ports.repositories import EventPublisher, MailSender
from talentpool.ports.sending import CandidateReader, SendLogRepository

T = TypeVar("T")


@dataclass
class SendingPorts:
    """What a send goes through: narrow on purpose, so engage, nurture and later senders share it."""

    candidates: CandidateReader
    send_log: SendLogRepository
    mailer: MailSender
    bus: EventPublisher
    secret: Callable[[], bytes]  # the link-signing key, fetched only when an email is rendered
    settings: SendingSettings


class SendTask(Model):
    """What identifies one send: the idempotency key is (execution, step); `at` is the round's moment."""

    execution: str
    step: int
    candidate_id: str
    sequence_id: str
    version: int
    at: str


class SendResult(Model):
    """What became of a send: sent, unknown (a crash between SES and our record), or rejected by SES."""

    status: Literal["sent", "unknown", "rejected"]
    message_id: str | None = None
    error: str | None = None


class SlotTaken(Exception):
    """Another sequence took the candidate's last slot under the cap since this round planned: wait for `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__(isoformat(until))
        self.until = until


class SendLogBusy(Exception):
    """The send log kept changing under us; the round is retried as a whole."""


class ReservationHeld(SendLogBusy):
    """Another attempt at this very send reserved it less than `send_lease` ago and may still be between SES
    and its record: come back `until` its lease ends, when it has either recorded the send or is known to have
    died. A kind of SendLogBusy, so a caller that only knows "busy, try again soon" is right too."""

    def __init__(self, key: str, until: datetime) -> None:
        super().__init__(key)
        self.until = until


def send_key(execution: str, step: int) -> str:
    return f"{execution}#{step}"


@tracer.capture_method(capture_response=False)  # a span per step; answers may hold PII, so not recorded
def send_step_email(
    task: SendTask,
    *,
    candidate: Candidate,
    sequence: Sequence,
    ports: SendingPorts,
    now: datetime,
    log: SendLog | None = None,
) -> SendResult:
    """Reserve a slot in the send log, send through SES, mark it sent and record it: at most once per key.

    The send log is the idempotency record (docs/sequences.md, "Sending exactly once"). The reservation is
    written (with the log's version as condition) before SES is called, so a retried task finds its own
    record: "sent" returns what happened; "reserved" means an earlier attempt is still sending (reserved less
    than `send_lease` ago: ReservationHeld) or died between reserving and recording, maybe after SES accepted
    the mail, so it is never sent again and the timeline says the outcome is unknown.

    `log` is the candidate's send log as the caller last read it (read here when None); the conditional
    writes guard against it being stale.
    """
    return deliver(task, candidate=candidate, sequence=sequence, ports=ports, now=now, log=log)[0]


def deliver(
    task: SendTask,
    *,
    candidate: Candidate,
    sequence: Sequence,
    ports: SendingPorts,
    now: datetime,
    log: SendLog | None,
) -> tuple[SendResult, SendLog]:
    """`send_step_email`, also answering the send log as this send left it, so a round reads it only once."""
    key = send_key(task.execution, task.step)
    moment = parse_iso(task.at)
    log = log if log is not None else ports.send_log.read(task.candidate_id)
    if log.find(key) is not None:
        return _known(task, log, key, ports, now)
    email = _render(task, candidate, sequence, ports, now)
    reserved, log = _reserve(task, key, moment, candidate, sequence, ports, now, log)
    if reserved is None:
        return _known(task, log, key, ports, now)
    try:
        message_id = ports.mailer.send(email)
    except NotSent:
        _release(ports, task.candidate_id, key, log)
        raise
    except Rejected as exc:
        log = _release(ports, task.candidate_id, key, log)
        ports.candidates.append_timeline([_entry(task, TimelineKind.EMAIL_FAILED, now, error=exc.code)])
        metrics.add_metric(name="SequenceEmailsRejected", unit=MetricUnit.Count, value=1)
        logger.warning("email rejected", extra={**_ids(task), "code": exc.code})
        return SendResult(status="rejected", error=exc.code), log
    except Exception:
        _abandon(task, key, log, ports, now)
        raise
    sent = reserved.model_copy(update={"status": "sent", "message_id": message_id})
    try:
        log = _update_record(
            ports,
            task.candidate_id,
            sent,
            moment,
            [_entry(task, TimelineKind.EMAIL_SENT, now, message_id=message_id)],
            log,
        )
    except Exception:
        _abandon(task, key, log, ports, now)
        raise
    _announce(task, sent, now, ports)
    metrics.add_metric(name="SequenceEmailsSent", unit=MetricUnit.Count, value=1)
    return SendResult(status="sent", message_id=message_id), log


def _render(
    task: SendTask, candidate: Candidate, sequence: Sequence, ports: SendingPorts, now: datetime
) -> OutgoingEmail:
    return render_marketing_email(
        candidate=candidate,
        sequence=sequence,
        step_index=task.step,
        branding=Branding(company_name=ports.settings.company_name, sender_email=ports.settings.sender_email),
        links=_links(candidate.candidate_id, ports, now),
        tags={
            "candidate_id": candidate.candidate_id,
            "sequence_id": sequence.sequence_id,
            "step": str(task.step),
            "kind": "marketing",
        },
    )


def _reserve(
    task: SendTask,
    key: str,
    moment: datetime,
    candidate: Candidate,
    sequence: Sequence,
    ports: SendingPorts,
    now: datetime,
    log: SendLog,
) -> tuple[SendRecord | None, SendLog]:
    """(the new reservation, the log with it), or (None, the log) when a record for `key` already exists.

    The first attempt writes over the log the caller read; a condition failure means someone wrote it since,
    so the log is read again and the decision taken again."""

    def reserve(current: SendLog) -> tuple[SendRecord | None, SendLog]:
        if current.find(key) is not None:
            return None, current
        # The same rule that planned the round, applied to the log as it is now, inside the same write.
        slot = plan_send(candidate, sequence, earliest=moment, log=current, settings=ports.settings)
        if slot > moment:
            raise SlotTaken(slot)
        record = SendRecord(
            key=key,
            at=isoformat(moment),
            status="reserved",
            sequence_id=task.sequence_id,
            step=task.step,
            # A ULID minted now: it also says when this attempt took the reservation (see `_lease_end`).
            event_id=new_id(at_ms=int(now.timestamp() * 1000)),
        )
        return record, ports.send_log.write(current.with_record(record, now=moment), [])

    return _on_log(ports, task.candidate_id, log, reserve)


def _known(task: SendTask, log: SendLog, key: str, ports: SendingPorts, now: datetime) -> tuple[SendResult, SendLog]:
    """What became of a send whose key is already in the log: never a second email."""
    record = log.find(key)
    if record is not None and record.status == "reserved":
        lease_ends = _lease_end(record, ports.settings)
        if lease_ends is not None and now < lease_ends:
            logger.info("send in progress elsewhere", extra=_ids(task))
            raise ReservationHeld(key, lease_ends)
        log = _give_up(task, key, log, ports, now)
        record = log.find(key)
    if record is not None and record.status == "sent":
        # Recorded before an earlier attempt died: announce again with the same event id (consumers dedupe).
        _announce(task, record, now, ports)
        return SendResult(status="sent", message_id=record.message_id), log
    return SendResult(status="unknown"), log


def _lease_end(record: SendRecord, settings: SendingSettings) -> datetime | None:
    """Until when the attempt that reserved `record` may still be running: `send_lease` (the longest an
    invocation lives) after it reserved. The reservation's event id is a ULID minted when it was taken."""
    taken = minted_at(record.event_id)
    return taken + settings.send_lease if taken is not None else None


def _give_up(task: SendTask, key: str, log: SendLog, ports: SendingPorts, now: datetime) -> SendLog:
    """The reservation's attempt is over (it died, or it is failing now) without a recorded result; SES may
    have accepted the mail. The record becomes "unknown": it is never sent again and it counts toward the cap.

    If this fails too, the reservation stays "reserved" and the next attempt gives it up once its lease has
    run out.
    """

    def give_up(current: SendLog) -> SendLog:
        record = current.find(key)
        if record is None or record.status != "reserved":
            return current  # recorded (or taken back) meanwhile
        unknown = record.model_copy(update={"status": "unknown"})
        entry = _entry(task, TimelineKind.SEND_OUTCOME_UNKNOWN, now)
        written = ports.send_log.write(current.with_record(unknown, now=parse_iso(record.at)), [entry])
        metrics.add_metric(name="SequenceSendOutcomeUnknown", unit=MetricUnit.Count, value=1)
        logger.warning("send outcome unknown; not sending again", extra=_ids(task))
        return written

    return _on_log(ports, task.candidate_id, log, give_up)


def _abandon(task: SendTask, key: str, log: SendLog, ports: SendingPorts, now: datetime) -> None:
    """While this attempt fails between reserving and recording: give the reservation up, so a retry need
    not wait for its lease. The failure being raised is what matters; this one's own failure is only logged."""
    try:
        _give_up(task, key, log, ports, now)
    except Exception:
        logger.exception("could not mark the send's outcome unknown", extra=_ids(task))


def _update_record(
    ports: SendingPorts,
    candidate_id: str,
    record: SendRecord,
    moment: datetime,
    entries: list[TimelineEntry],
    log: SendLog,
) -> SendLog:
    return _on_log(
        ports, candidate_id, log, lambda current: ports.send_log.write(current.with_record(record, now=moment), entries)
    )


def _release(ports: SendingPorts, candidate_id: str, key: str, log: SendLog) -> SendLog:
    """Take back a reservation SES refused: nothing went out, so it must not count toward the cap."""

    def release(current: SendLog) -> SendLog:
        return current if current.find(key) is None else ports.send_log.write(current.without(key), [])

    return _on_log(ports, candidate_id, log, release)


def _on_log(ports: SendingPorts, candidate_id: str, log: SendLog, write: Callable[[SendLog], T]) -> T:
    """`write` on the log the caller read; after a lost race (SendLogChanged), on the log read again."""

    def attempt(number: int) -> T:
        return write(log if number == 0 else ports.send_log.read(candidate_id))

    return optimistic(attempt, conflicts=SendLogChanged, exhausted=lambda: SendLogBusy(candidate_id))


def _announce(task: SendTask, record: SendRecord, now: datetime, ports: SendingPorts) -> None:
    ports.bus.publish(
        EmailSent(
            id=record.event_id,
            candidate_id=task.candidate_id,
            occurred_at=isoformat(now),
            message_id=record.message_id or "",
            kind="marketing",
            sequence_id=task.sequence_id,
            sequence_version=task.version,
            step=task.step,
        )
    )


def _links(candidate_id: str, ports: SendingPorts, now: datetime) -> Links:
    secret, base = ports.secret(), ports.settings.public_base_url
    return Links(
        unsubscribe_url=unsubscribe_url(base, secret, candidate_id, now),
        preferences_url=preferences_url(base, secret, candidate_id, now),
    )


def _ids(task: SendTask) -> dict[str, object]:
    return {"candidate_id": task.candidate_id, "sequence_id": task.sequence_id, "step": task.step}


def _entry(task: SendTask, kind: TimelineKind, now: datetime, **data: object) -> TimelineEntry:
    return timeline_entry(
        task.candidate_id, kind, now, sequence_id=task.sequence_id, version=task.version, step=task.step, **data
    )
