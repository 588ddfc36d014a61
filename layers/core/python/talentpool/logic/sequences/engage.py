"""One round of an engage sequence: check the exit rules, send the due step once, record it, plan the next.

The engage state machine is a single callback Task and a Wait in a loop (see docs/sequences.md). Each
round calls `run_step`, whose outcome the handler reports with SendTaskSuccess (the state for the next
round, with `send_at` for the Wait) or SendTaskFailure (finished, exited, or continued as a new execution).
A round that cannot send now (SES throttling, a busy send log, a service that did not answer) is not an
error: it waits, through the same Wait, for a retry with backoff and full jitter, and never gives up.

Limits. A Standard execution holds at most 25,000 history events and runs at most a year. Each round
accounts for what the execution has written in the worst case (logic.workflow_limits) and, before either
limit could be reached, hands the enrolment to a new execution of the same machine and ends.

Nothing here sees Step Functions, HTTP or boto3: the stores come in as ports, so unit tests can pass fakes.

Time. A round runs when the Wait ends, at the planned `send_at`, so the round's *moment* is
`max(now, send_at)`: in AWS that is now (the Lambda runs a moment after the Wait), and where Waits are
scaled down (the local runtime) it is the planned instant, so planning stays consistent in sequence time.
The send log and plans use the moment; the timeline records the real time things happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from talentpool.clock import isoformat, parse_iso
from talentpool.errors import NotSent
from talentpool.logic import workflow_limits as limits
from talentpool.logic.sending.eligibility import exit_reason, plan_send
from talentpool.logic.sending.send_once import (
    ReservationHeld,
    SendingPorts,
    SendLogBusy,
    SendResult,
    SendTask,
    SlotTaken,
    deliver,
    send_key,
)
from talentpool.logic.sequences.builtin import WELCOME_ID
from talentpool.logic.sequences.definitions import SequenceSource, current_sequence, pinned_sequence
from talentpool.logic.timeline import timeline_entry
from talentpool.models.candidate import Candidate, TimelineEntry, TimelineKind
from talentpool.models.sequences import (
    SEQUENCE_CONTINUED,
    SEQUENCE_EXITED,
    SEQUENCE_FINISHED,
    EngageState,
    Enrolment,
    SendLog,
    Sequence,
    SequenceKind,
    StepRequest,
)
from talentpool.observability import logger, metrics, tracer
from talentpool.ports.item_kinds import enrolment_sk
from talentpool.ports.repositories import Continuations

# --- Ports -------------------------------------------------------------------------------------------------


class EnrolmentRepository(Protocol):
    def get(self, candidate_id: str, sequence_id: str) -> Enrolment | None: ...

    def claim(self, enrolment: Enrolment, entries: list[TimelineEntry]) -> bool: ...

    def replace(self, enrolment: Enrolment, entries: list[TimelineEntry]) -> bool: ...

    def hand_over(self, enrolment: Enrolment, previous_execution: str) -> bool: ...


@dataclass
class EngagePorts(SendingPorts):
    """The send path's ports, and what a round adds: the sequence, the enrolment and the executions."""

    sequences: SequenceSource
    enrolments: EnrolmentRepository
    workflows: Continuations


# --- Outcomes ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Continue:
    """Wait until `state.send_at`, then run the next round."""

    state: EngageState
    kind: Literal["continue"] = "continue"


@dataclass(frozen=True)
class Finished:
    """Every step was sent (or accounted for)."""

    kind: Literal["finished"] = "finished"


@dataclass(frozen=True)
class Exited:
    """The candidate left the sequence (an exit rule) or it never started (a duplicate, no such sequence)."""

    reason: str
    kind: Literal["exited"] = "exited"


@dataclass(frozen=True)
class Continued:
    """A new execution (`execution`) carries the enrolment on; this one ends."""

    execution: str
    kind: Literal["continued"] = "continued"


StepOutcome = Continue | Finished | Exited | Continued


class TaskCallbacks(Protocol):
    def succeed(self, token: str, output: dict[str, object]) -> bool: ...

    def fail(self, token: str, *, error: str, cause: str) -> bool: ...


def report_outcome(callbacks: TaskCallbacks, token: str, outcome: StepOutcome) -> None:
    """Answer the waiting Task. Normal ends are SendTaskFailure with our error names, which the machine's
    Catch routes to a Succeed state: the Lambda itself returns normally, so no end counts as a Lambda error."""
    if isinstance(outcome, Continue):
        callbacks.succeed(token, outcome.state.output())
    elif isinstance(outcome, Finished):
        callbacks.fail(token, error=SEQUENCE_FINISHED, cause="completed")
    elif isinstance(outcome, Exited):
        callbacks.fail(token, error=SEQUENCE_EXITED, cause=outcome.reason)
    else:
        callbacks.fail(token, error=SEQUENCE_CONTINUED, cause="continued as a new execution")


# --- A round -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lifetime:
    """Where this execution stands against Step Functions' limits as this round reports (logic.workflow_limits).

    `events` is what the history holds, in the worst case, once this round's Task has ended: the rounds before
    (carried in the state) and this one with every attempt the machine's Retry made at it. `began` is when the
    execution's first round ran; `fresh` says no round of this execution has reported yet, so continuing as a
    new execution would gain nothing."""

    events: int
    began: datetime
    generation: int
    fresh: bool

    @property
    def deadline(self) -> datetime:
        return self.began + limits.DURATION_BUDGET


def _lifetime(request: StepRequest, now: datetime) -> _Lifetime:
    state = request.state
    return _Lifetime(
        events=state.events + limits.engage_round_events(request.retries),
        began=parse_iso(state.began) if state.began else now,
        generation=state.generation,
        fresh=state.events <= limits.EXECUTION_STARTED,
    )


@dataclass(frozen=True)
class _Round:
    """What a round read once and works with: the caller's execution, the candidate, the pinned sequence.

    The candidate's send log is read once too, and passed along from check to reservation to record to the
    next plan (`_proceed`): each write returns the log as written, and its condition guards the rest."""

    execution: str
    candidate: Candidate
    sequence: Sequence
    ports: EngagePorts
    now: datetime
    life: _Lifetime

    def entry(self, kind: TimelineKind, **data: object) -> TimelineEntry:
        return timeline_entry(
            self.candidate.candidate_id,
            kind,
            self.now,
            sequence_id=self.sequence.sequence_id,
            version=self.sequence.version,
            **data,
        )


@dataclass(frozen=True)
class _Retry:
    """The due step could not be sent now, and nothing is wrong: try again at `at`."""

    at: datetime


@tracer.capture_method(capture_response=False)  # a span per step; answers may hold PII, so not recorded
def run_step(request: StepRequest, ports: EngagePorts, *, now: datetime) -> StepOutcome:
    """One round: the first one enrols and plans; every later one sends the step that is due, then plans. The
    first round of an execution that continues another takes the enrolment over and waits."""
    life = _lifetime(request, now)
    if request.state.continued_from:
        return _take_over(request.execution, request.state, ports, now, life)
    if not request.state.started:
        return _start(request.execution, request.state, ports, now, life)
    return _resume(request.execution, request.state, ports, now, life)


def retry_round(request: StepRequest, *, now: datetime) -> StepOutcome | None:
    """The round failed on a call that may work later (a timeout, a dropped connection, a busy service): the
    same round, run again after a backoff with full jitter, through the machine's Wait. Nothing is written, so
    this works while the store does not. None when the execution has no room left for another round: then
    the failure stands, the machine's Retry runs the round again, and that round hands over to a new execution.
    """
    state, life = request.state, _lifetime(request, now)
    after_wait = life.events + limits.WAIT
    if limits.engage_must_continue(after_wait):
        return None
    moment = max(now, parse_iso(state.send_at)) if state.send_at else now
    return Continue(
        state.model_copy(
            update={
                "send_at": isoformat(moment + limits.retry_after(state.retries)),
                "retries": state.retries + 1,
                "events": after_wait,
                "began": isoformat(life.began),
            }
        )
    )


def _start(execution: str, state: EngageState, ports: EngagePorts, now: datetime, life: _Lifetime) -> StepOutcome:
    sequence_id = state.sequence_id or WELCOME_ID
    sequence = current_sequence(ports.sequences, sequence_id)
    refusal = _refuse_to_start(sequence)
    if refusal or sequence is None:
        logger.warning("sequence not started", extra={"sequence_id": sequence_id, "reason": refusal})
        return Exited(refusal or "sequence_not_found")
    candidate = ports.candidates.get(state.candidate_id)
    if candidate is None:
        return Exited("candidate_not_found")
    enrolled = _enrol(execution, state, candidate, sequence, ports, now)
    if isinstance(enrolled, Exited):
        return enrolled
    enrolment, sequence = enrolled
    log = ports.send_log.read(candidate.candidate_id)
    if log.find(send_key(execution, 0)) is not None:
        first_at = now  # a retried first round whose send happened: never re-plan it behind its own send
    else:
        earliest = now + sequence.steps[0].delay
        first_at = plan_send(candidate, sequence, earliest=earliest, log=log, settings=ports.settings)
    first = state.model_copy(
        update={
            "candidate_id": candidate.candidate_id,
            "sequence_id": sequence_id,
            "version": enrolment.version,
            "step": 0,
            "send_at": isoformat(first_at),
            "enrolment": enrolment_sk(sequence_id),
        }
    )
    # A welcome confirmed in waking hours goes now, in this same round: no Wait, no second Task.
    round_ = _Round(execution, candidate, sequence, ports, now, life)
    return _proceed(round_, enrolment, first, due=first_at <= now, log=log)


def _enrol(
    execution: str, state: EngageState, candidate: Candidate, sequence: Sequence, ports: EngagePorts, now: datetime
) -> tuple[Enrolment, Sequence] | Exited:
    """Claim the one running enrolment for this candidate and sequence, pinning the version."""
    existing = ports.enrolments.get(candidate.candidate_id, sequence.sequence_id)
    if existing is not None and existing.status == "running":
        if existing.execution_arn != execution:
            # EventBridge delivers at least once, and recruiters double-click: one running enrolment is enough.
            logger.info(
                "already enrolled", extra={"candidate_id": candidate.candidate_id, "sequence_id": sequence.sequence_id}
            )
            return Exited("already_enrolled")
        # This execution's own first round, retried: carry on with the version it pinned (read again only if
        # a new version was saved in between).
        if existing.version == sequence.version:
            return existing, sequence
        return existing, pinned_sequence(ports.sequences, sequence.sequence_id, existing.version) or sequence
    stamp = isoformat(now)
    enrolment = Enrolment(
        candidate_id=candidate.candidate_id,
        sequence_id=sequence.sequence_id,
        version=sequence.version,
        steps=len(sequence.steps),
        execution_arn=execution,
        enrolled_at=stamp,
        updated_at=stamp,
        event_id=state.event_id,
    )
    entry = timeline_entry(
        candidate.candidate_id,
        TimelineKind.SEQUENCE_ENROLLED,
        now,
        sequence_id=sequence.sequence_id,
        version=sequence.version,
    )
    if not ports.enrolments.claim(enrolment, [entry]):
        return Exited("already_enrolled")
    metrics.add_metric(name="SequenceEnrolments", unit=MetricUnit.Count, value=1)
    return enrolment, sequence


def _refuse_to_start(sequence: Sequence | None) -> str | None:
    if sequence is None:
        return "sequence_not_found"
    if sequence.kind is not SequenceKind.ENGAGE:
        return "not_an_engage_sequence"
    if not sequence.active:
        return "sequence_inactive"
    return None


def _resume(execution: str, state: EngageState, ports: EngagePorts, now: datetime, life: _Lifetime) -> StepOutcome:
    """A round after a Wait: the step in `state` is due now, unless the Wait ended at this execution's last day
    before the planned send (`not_before`)."""
    if state.sequence_id is None or state.version is None:
        raise ValueError("a resumed round needs the sequence and the version it pinned")
    candidate = ports.candidates.get(state.candidate_id)
    if candidate is None:
        return Exited("candidate_erased")  # erasure deleted the partition (and stops the execution)
    enrolment = ports.enrolments.get(candidate.candidate_id, state.sequence_id)
    if enrolment is None or enrolment.status != "running":
        return Exited("enrolment_ended")  # stopped by a recruiter, or finished
    if enrolment.execution_arn != execution:
        return _handed_over(execution, state, enrolment, ports)
    sequence = pinned_sequence(ports.sequences, state.sequence_id, state.version)
    if sequence is None:
        raise LookupError(f"sequence {state.sequence_id} has no version {state.version}")
    round_ = _Round(execution, candidate, sequence, ports, now, life)
    woke = max(now, parse_iso(state.send_at)) if state.send_at else now
    if state.not_before and parse_iso(state.not_before) > woke:
        return _wait(round_, enrolment, state.model_copy(update={"send_at": state.not_before, "not_before": None}))
    return _proceed(round_, enrolment, state.model_copy(update={"not_before": None}), due=True, log=None)


def _proceed(
    round_: _Round, enrolment: Enrolment, state: EngageState, *, due: bool, log: SendLog | None
) -> StepOutcome:
    """Exit, wait, or send the due step and plan the next, until a step is not due yet or none is left.

    `log` is the candidate's send log if this round has read it already; otherwise it is read once, here."""
    reason = exit_reason(round_.candidate, round_.sequence.exit_rules)
    if reason:
        return _exit(round_, enrolment, reason, state.step)
    steps = round_.sequence.steps
    while state.step < len(steps):
        if not due or state.send_at is None:
            return _wait(round_, enrolment, state)
        if log is None:
            log = round_.ports.send_log.read(round_.candidate.candidate_id)
        moment = max(round_.now, parse_iso(state.send_at))
        outcome = _send(round_, state, moment, log)
        if isinstance(outcome, datetime):
            # The window closed, a pause began or the cap filled since this was planned: wait, send nothing.
            return _wait(round_, enrolment, state.model_copy(update={"send_at": isoformat(outcome)}))
        if isinstance(outcome, _Retry):
            retry = state.model_copy(update={"send_at": isoformat(outcome.at), "retries": state.retries + 1})
            return _wait(round_, enrolment, retry)
        result, log = outcome
        if result.status == "rejected":
            # SES refuses this address or message for good; the next steps would be refused the same way.
            return _exit(round_, enrolment, "email_rejected", state.step)
        following = state.step + 1
        enrolment = enrolment.model_copy(
            update={"step": following, "last_sent_at": isoformat(moment), "updated_at": isoformat(round_.now)}
        )
        if following == len(steps):
            break
        # Delays count from this send, so a step that slipped (window, cap) never bunches up with the next.
        # The log is the one the send left: this round's own writes are in it.
        next_at = plan_send(
            round_.candidate,
            round_.sequence,
            earliest=moment + steps[following].delay,
            log=log,
            settings=round_.ports.settings,
        )
        state = state.model_copy(update={"step": following, "send_at": isoformat(next_at), "retries": 0})
        due = next_at <= moment
    return _complete(round_, enrolment)


def _send(
    round_: _Round, state: EngageState, moment: datetime, log: SendLog
) -> tuple[SendResult, SendLog] | datetime | _Retry:
    """Send the due step once: its result and the log after it, a later slot to wait for, or when to try again
    because it could not go now."""
    candidate, sequence = round_.candidate, round_.sequence
    if log.find(send_key(round_.execution, state.step)) is None:
        slot = plan_send(candidate, sequence, earliest=moment, log=log, settings=round_.ports.settings)
        if slot > moment:
            return slot
    task = SendTask(
        execution=round_.execution,
        step=state.step,
        candidate_id=candidate.candidate_id,
        sequence_id=sequence.sequence_id,
        version=sequence.version,
        at=isoformat(moment),
    )
    try:
        return deliver(task, candidate=candidate, sequence=sequence, ports=round_.ports, now=round_.now, log=log)
    except SlotTaken as taken:
        return taken.until
    except ReservationHeld as held:
        # Another attempt at this very send is still under way: come back once it must have answered.
        return _Retry(max(moment, held.until))
    except (NotSent, SendLogBusy):
        # SES throttled or could not be reached (nothing went out), or the send log kept changing.
        return _Retry(moment + limits.retry_after(state.retries))


def _wait(round_: _Round, enrolment: Enrolment, state: EngageState) -> StepOutcome:
    """Wait for the next round, planned at `state.send_at`: in this execution while it has room for that, else
    in a new one. A Wait never ends after this execution's last day: a send planned beyond it is waited for in
    parts (`not_before`), the first here and the rest in a new execution."""
    life, plan = round_.life, parse_iso(state.send_at or isoformat(round_.now))
    after_wait = life.events + limits.WAIT
    if not life.fresh and (limits.engage_must_continue(after_wait) or plan > life.deadline):
        return _continue_as_new(round_, enrolment, state)
    waiting = enrolment.model_copy(update={"next_send_at": state.send_at, "updated_at": isoformat(round_.now)})
    if not round_.ports.enrolments.replace(waiting, []):
        return Exited("enrolment_ended")
    wake = min(plan, life.deadline)
    return Continue(
        state.model_copy(
            update={
                "send_at": isoformat(wake),
                "not_before": state.send_at if plan > wake else None,
                "events": after_wait,
                "began": isoformat(life.began),
                "generation": life.generation,
                "continued_from": None,
            }
        )
    )


# --- Continuing as a new execution ------------------------------------------------------------------------


def _continue_as_new(round_: _Round, enrolment: Enrolment, state: EngageState) -> StepOutcome:
    """Hand the enrolment to the next execution, then start it; this one ends (Continued).

    The hand-over is one conditional write, made before the new execution exists: from then on a stop or an
    erasure finds the new execution's ARN on the enrolment (stopping one that is not started yet is a no-op,
    and it exits on its first round), and this execution's rounds, if its Task is ever retried, send nothing
    and only make sure the new one runs (`_handed_over`)."""
    ports, generation = round_.ports, round_.life.generation + 1
    successor = ports.workflows.continuation_arn(round_.execution, generation)
    moved = enrolment.model_copy(
        update={
            "execution_arn": successor,
            "step": state.step,
            "next_send_at": state.send_at,
            "updated_at": isoformat(round_.now),
        }
    )
    if not ports.enrolments.hand_over(moved, round_.execution):
        return Exited("enrolment_ended")
    return _start_successor(round_.execution, generation, moved, ports)


def _handed_over(execution: str, state: EngageState, enrolment: Enrolment, ports: EngagePorts) -> StepOutcome:
    """A round of an execution that no longer holds the enrolment. If it handed it over itself (this round ran
    before, and its report was lost), the new execution is started again, idempotently; otherwise another
    execution holds it, and this one has no say."""
    generation = state.generation + 1
    if enrolment.execution_arn == ports.workflows.continuation_arn(execution, generation):
        return _start_successor(execution, generation, enrolment, ports)
    return Exited("enrolment_ended")


def _start_successor(execution: str, generation: int, enrolment: Enrolment, ports: EngagePorts) -> Continued:
    """The new execution's input comes from the enrolment as handed over, so every attempt starts it alike."""
    payload = EngageState(
        candidate_id=enrolment.candidate_id,
        sequence_id=enrolment.sequence_id,
        event_id=enrolment.event_id,
        version=enrolment.version,
        step=enrolment.step,
        send_at=enrolment.next_send_at,
        enrolment=enrolment_sk(enrolment.sequence_id),
        generation=generation,
        continued_from=execution,
    )
    successor = ports.workflows.start_continuation(execution, generation, payload.output())
    metrics.add_metric(name="SequencesContinued", unit=MetricUnit.Count, value=1)
    logger.info(
        "sequence continued as a new execution",
        extra={"candidate_id": enrolment.candidate_id, "sequence_id": enrolment.sequence_id, "generation": generation},
    )
    return Continued(successor)


def _take_over(execution: str, state: EngageState, ports: EngagePorts, now: datetime, life: _Lifetime) -> StepOutcome:
    """The first round of an execution that continues another: the enrolment names it already (the hand-over
    came first); it waits for the planned send. A stop or an erasure during the hand-over ends it here."""
    if state.sequence_id is None or state.version is None:
        raise ValueError("a continued execution needs the sequence and the version it pinned")
    candidate = ports.candidates.get(state.candidate_id)
    if candidate is None:
        return Exited("candidate_erased")
    enrolment = ports.enrolments.get(candidate.candidate_id, state.sequence_id)
    if enrolment is None or enrolment.status != "running" or enrolment.execution_arn != execution:
        return Exited("enrolment_ended")
    sequence = pinned_sequence(ports.sequences, state.sequence_id, state.version)
    if sequence is None:
        raise LookupError(f"sequence {state.sequence_id} has no version {state.version}")
    plan = enrolment.next_send_at or state.send_at
    round_ = _Round(execution, candidate, sequence, ports, now, life)
    return _wait(round_, enrolment, state.model_copy(update={"send_at": plan, "continued_from": None}))


def _exit(round_: _Round, enrolment: Enrolment, reason: str, step: int) -> StepOutcome:
    exited = enrolment.model_copy(
        update={"status": "exited", "exit_reason": reason, "next_send_at": None, "updated_at": isoformat(round_.now)}
    )
    if not round_.ports.enrolments.replace(
        exited, [round_.entry(TimelineKind.SEQUENCE_EXITED, step=step, reason=reason)]
    ):
        return Exited("enrolment_ended")
    metrics.add_metric(name="SequencesExited", unit=MetricUnit.Count, value=1)
    logger.info(
        "sequence exited",
        extra={"candidate_id": enrolment.candidate_id, "sequence_id": enrolment.sequence_id, "reason": reason},
    )
    return Exited(reason)


def _complete(round_: _Round, enrolment: Enrolment) -> StepOutcome:
    steps = len(round_.sequence.steps)
    done = enrolment.model_copy(
        update={"status": "completed", "step": steps, "next_send_at": None, "updated_at": isoformat(round_.now)}
    )
    if not round_.ports.enrolments.replace(done, [round_.entry(TimelineKind.SEQUENCE_COMPLETED, steps=steps)]):
        return Exited("enrolment_ended")
    metrics.add_metric(name="SequencesCompleted", unit=MetricUnit.Count, value=1)
    return Finished()


@tracer.capture_method(capture_response=False)  # a span per step; answers may hold PII, so not recorded
def record_failure(request: StepRequest, ports: EngagePorts, *, now: datetime) -> None:
    """The machine's Catch-all: say on the timeline that the sequence stopped, and why (the error's name only:
    a cause can quote an address), and mark the enrolment failed."""
    state = request.state
    sequence_id = state.sequence_id or WELCOME_ID
    error = str((state.error or {}).get("Error") or "unknown")
    logger.error(
        "sequence failed", extra={"candidate_id": state.candidate_id, "sequence_id": sequence_id, "error": error}
    )
    metrics.add_metric(name="SequencesFailed", unit=MetricUnit.Count, value=1)
    if ports.candidates.get(state.candidate_id) is None:
        return  # erased, or never existed: nothing to write about, and no partition to recreate
    entry = timeline_entry(
        state.candidate_id,
        TimelineKind.SEQUENCE_FAILED,
        now,
        sequence_id=sequence_id,
        version=state.version,
        step=state.step,
        error=error,
    )
    enrolment = ports.enrolments.get(state.candidate_id, sequence_id)
    if enrolment and enrolment.status == "running" and enrolment.execution_arn == request.execution:
        failed = enrolment.model_copy(
            update={"status": "failed", "exit_reason": error, "next_send_at": None, "updated_at": isoformat(now)}
        )
        if ports.enrolments.replace(failed, [entry]):
            return
    ports.candidates.append_timeline([entry])
