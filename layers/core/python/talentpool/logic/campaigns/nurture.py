"""Nurture campaigns: one run sends a campaign's email to its audience, once per candidate, in batches.

A run is one execution of `state_machines/nurture.asl.json`, whose tasks all call the campaign_step Lambda:

- **resolve**: pin the campaign's current version, claim the run (one run of a campaign at a time), page
  through the audience and store it in batches of 100;
- **send_batch**, in a Map whose concurrency follows the SES send rate: for each candidate, the eligibility
  check, then the engage send path itself (`logic.sequences.engage.send_step_email`: a reservation in the shared send
  log under the frequency cap, content chosen by the candidate's interests, SES, `email_sent` on the
  timeline). Someone blocked only by the cap or the send window is *deferred*, not dropped;
- **tally**: batches not sent yet, or deferred candidates left? Then the machine sends the next page of
  batches at once, or waits until the earliest slot and sends the batches due then. Otherwise the run's
  result is recorded;
- **failed**: the machine's Catch-all records why the run stopped.

SES throttling never ends a run: the candidates a throttled batch had not reached yet are deferred by a
backoff with full jitter, like anyone whose window is closed, and sent on a later pass.

Limits. One pass of the Map sends at most NURTURE_PAGE batches, and each execution accounts for the history
events it has written in the worst case (logic.workflow_limits): before a pass could take it past its
budget, Tally starts a new execution that carries the run on from its Resolve, and this one ends.

Which content a run sends: run n of a campaign (counting from 0) sends step n mod len(steps), so a
campaign can hold a series of issues that rotate; a one-step campaign sends the same email every time.
Step delays do not apply to campaigns: the schedule decides when a run starts.

Nothing here sees Step Functions, HTTP or boto3: the stores come in as ports, so unit tests can pass fakes.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterator
from collections.abc import Sequence as Seq
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from talentpool.auth import Principal
from talentpool.clock import isoformat, parse_iso
from talentpool.errors import Conflict, NotFound, NotSent
from talentpool.ids import new_id, ulid
from talentpool.logic import workflow_limits as limits
from talentpool.logic.optimistic import optimistic
from talentpool.logic.people.search import IndexReader, iter_matching
from talentpool.logic.people.segments import SegmentRepository, evaluate_segment
from talentpool.logic.sending.eligibility import exit_reason, plan_send
from talentpool.logic.sending.send_once import SendingPorts, SendLogBusy, SendResult, SendTask, SlotTaken, send_key
from talentpool.logic.sequences.definitions import CandidateLookup, SequenceSource, current_sequence, pinned_sequence
from talentpool.logic.timeline import timeline_entry
from talentpool.models.campaigns import (
    BatchOutcome,
    BatchRequest,
    CampaignBatch,
    CampaignRun,
    CampaignSendAccepted,
    CampaignStart,
    CampaignState,
    CampaignTrigger,
    FailureRequest,
    ResolveRequest,
    RunRef,
    RunState,
    TallyRequest,
)
from talentpool.models.candidate import Candidate, ConsentStatus, TimelineKind
from talentpool.models.email_message import OutgoingEmail
from talentpool.models.events import BusEvent, EmailSent
from talentpool.models.search import CandidateFilter
from talentpool.models.sequences import SendLog, Sequence, SequenceKind
from talentpool.observability import logger, metrics, tracer
from talentpool.ports.repositories import Continuations, EventPublisher, MailSender

BATCH_SIZE = 100  # one BatchGetItem of profiles, and well inside a 300 s task at the slowest send rate
MAX_DEFERRAL = timedelta(days=7)  # the cap's window: anyone not sendable within it is given up on
RUN_HOLD = MAX_DEFERRAL + timedelta(days=1)  # how long a run can hold its campaign, even if its execution died
PER_TASK_RATE = 10  # emails a second one SendBatch sustains (SES answers in 50-100 ms, sends are sequential)
MAX_MAP_CONCURRENCY = 40  # an inline Map runs at most 40 iterations at once
RETRY_SOON = timedelta(minutes=1)  # a candidate whose send log or send is busy right now


class CampaignNotFound(NotFound):
    code = "campaign_not_found"


class CampaignBusy(Conflict):
    """A run of this campaign is still in progress; `details` is that run, when it is known."""

    code = "campaign_busy"

    def __init__(self, message: str, run: CampaignRun | None = None) -> None:
        super().__init__(message, details=_run_details(run))


class CampaignAlreadySent(Conflict):
    """The run a send would start sends the very email an earlier run of the campaign sent; `details` is it."""

    code = "campaign_already_sent"

    def __init__(self, message: str, run: CampaignRun) -> None:
        super().__init__(message, details=_run_details(run))


def _run_details(run: CampaignRun | None) -> dict[str, Any] | None:
    return {"run": run.model_dump(mode="json", exclude_none=True)} if run is not None else None


# --- Ports -------------------------------------------------------------------------------------------------


class SendLogReader(Protocol):
    def many(self, candidate_ids: Seq[str]) -> dict[str, SendLog]: ...


class CampaignRunRepository(Protocol):
    def get(self, run_id: str) -> CampaignRun | None: ...

    def save_run(self, run: CampaignRun) -> None: ...

    def state(self, campaign_id: str) -> CampaignState: ...

    def claim(self, run: CampaignRun, state: CampaignState) -> None: ...

    def hand_over(self, run: CampaignRun, previous_execution: str, execution: str) -> bool: ...

    def finish(self, run: CampaignRun) -> None: ...

    def put_batches(self, batches: Seq[CampaignBatch]) -> None: ...

    def save_batch(self, batch: CampaignBatch) -> None: ...

    def batch(self, run_id: str, batch: int) -> CampaignBatch | None: ...

    def batches(self, run_id: str) -> list[CampaignBatch]: ...


class ExecutionStarter(Protocol):
    def start(self, name: str, payload: dict[str, Any]) -> str: ...

    def execution_arn(self, name: str) -> str: ...


@dataclass(frozen=True)
class NurtureSettings:
    send_rate: int  # SES_SEND_RATE: emails a second the account may send


@dataclass
class NurturePorts:
    sequences: SequenceSource
    candidates: CandidateLookup
    send_logs: SendLogReader
    runs: CampaignRunRepository
    segments: SegmentRepository
    index: IndexReader
    send: SendingPorts  # the send path engage uses too: one send log, cap, rendering and records
    settings: NurtureSettings
    workflows: Continuations  # the execution that carries a run on near Step Functions' limits
    # Whether a failed call may work later (the adapters' judgement of a timeout, throttling or a service fault):
    # such a candidate waits for a later pass instead of failing the batch.
    is_transient: Callable[[BaseException], bool] = lambda exc: False


SendOnce = Callable[..., SendResult]
"""`send_once(task=, candidate=, sequence=, ports=)`: engage's `send_step_email`, whose send log is the idempotency."""


# --- The send rate -----------------------------------------------------------------------------------------


def map_concurrency(send_rate: int) -> int:
    """How many batches the Map sends at once: enough tasks to use the account's SES rate, no more."""
    return min(MAX_MAP_CONCURRENCY, max(1, math.ceil(send_rate / PER_TASK_RATE)))


def task_send_rate(send_rate: int) -> float:
    """Each task's share of the rate: with `map_concurrency` tasks at once, the run never exceeds it."""
    return send_rate / map_concurrency(send_rate)


# The pacer's clock and sleep, as module attributes so tests can run it on a simulated clock.
monotonic: Callable[[], float] = time.monotonic
pause: Callable[[float], None] = time.sleep


class Pacer:
    """Spaces one task's SES calls at most `rate` a second. SES throttling is still retried, because engage
    sequences share the account's rate."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next: float | None = None

    def __call__(self) -> None:
        now = monotonic()
        if self._next is not None and self._next > now:
            pause(self._next - now)
            now = self._next
        self._next = now + self.interval


# --- Starting a send now (POST /campaigns/{id}/send) -------------------------------------------------------


def execution_name(campaign_id: str, run_id: str) -> str:
    """`<campaign>-<run_id>`, within Step Functions' 80 characters."""
    return f"{campaign_id[: 80 - len(run_id) - 1]}-{run_id}"


def start_campaign_send(
    sequences: SequenceSource,
    runs: CampaignRunRepository,
    launcher: ExecutionStarter,
    campaign_id: str,
    *,
    caller: Principal,
    now: datetime,
) -> CampaignSendAccepted:
    """Start a run of the campaign now, besides its schedule; the run resolves its audience when it starts.

    The run is claimed here, before its execution starts, so a second send a moment later finds it (409, with
    the run) instead of starting a second execution. A send whose email an earlier run of the same version
    already sent (a one-step campaign, or the step the rotation has come back to) is refused the same way:
    sending it again would email the same people the same thing. A new version can be sent.
    """
    from talentpool.errors import CampaignStateChanged, RunClaimed

    campaign = current_sequence(sequences, campaign_id)
    if campaign is None or campaign.kind is not SequenceKind.NURTURE:
        raise CampaignNotFound(f"No nurture campaign {campaign_id}")
    if not campaign.active:
        raise Conflict(f"Campaign {campaign_id} is inactive; activate it with PUT /sequences/{campaign_id} first")
    state = runs.state(campaign_id)
    _refuse_a_repeat(campaign, state, runs, now)
    run_id = new_id()
    name = execution_name(campaign_id, run_id)
    start = CampaignStart(
        campaign_id=campaign_id, trigger=CampaignTrigger.MANUAL, run_id=run_id, requested_by=caller.actor
    )
    run = _new_run(run_id, campaign, state, start, launcher.execution_arn(name), now)
    try:
        runs.claim(run, _taken(state, run, now))
    except (RunClaimed, CampaignStateChanged):
        # Another send (or a scheduled run) took the campaign between our read and our write.
        _refuse_a_repeat(campaign, runs.state(campaign_id), runs, now)
        raise CampaignBusy(f"Campaign {campaign_id} was started by someone else at the same moment") from None
    try:
        execution = launcher.start(name, start.model_dump(mode="json", exclude_none=True))
    except Exception:
        # Nothing was started: give the campaign back at once rather than hold it for RUN_HOLD.
        runs.finish(run.model_copy(update={"status": "failed", "error": "start_failed", "finished_at": isoformat(now)}))
        raise
    metrics.add_metric(name="CampaignSendsRequested", unit=MetricUnit.Count, value=1)
    logger.info("campaign send requested", extra={"campaign_id": campaign_id, "run_id": run_id})
    return CampaignSendAccepted(campaign_id=campaign_id, run_id=run_id, execution=execution)


def _refuse_a_repeat(campaign: Sequence, state: CampaignState, runs: CampaignRunRepository, now: datetime) -> None:
    """CampaignBusy while a run holds the campaign; CampaignAlreadySent when the next run would repeat the
    last one's email (same version, same step) and that run sent (or is sending) it."""
    if _holds(state, now):
        active = runs.get(state.active_run) if state.active_run else None
        raise CampaignBusy(
            f"Run {state.active_run} of campaign {campaign.sequence_id} is still sending; try when it ends", active
        )
    last = runs.get(state.last_run_id) if state.last_run_id else None
    step = state.runs % len(campaign.steps)
    if (
        last is not None
        and last.status in ("running", "finished")
        and (last.version, last.step)
        == (
            campaign.version,
            step,
        )
    ):
        raise CampaignAlreadySent(
            f"Run {last.run_id} already sent version {campaign.version} of campaign {campaign.sequence_id}; "
            "save a new version to send it again",
            last,
        )


def _new_run(
    run_id: str, campaign: Sequence, state: CampaignState, start: CampaignStart, execution: str, now: datetime
) -> CampaignRun:
    """The run the campaign's next run would be: its version pinned, its step the next in the rotation."""
    return CampaignRun(
        run_id=run_id,
        campaign_id=campaign.sequence_id,
        version=campaign.version,
        step=state.runs % len(campaign.steps),
        trigger=start.trigger,
        execution=execution,
        started_at=isoformat(now),
        requested_by=start.requested_by,
        scheduled_at=start.scheduled_at,
        number=state.runs,
    )


def _taken(state: CampaignState, run: CampaignRun, now: datetime) -> CampaignState:
    """The campaign's state once `run` holds it."""
    return state.model_copy(
        update={
            "runs": state.runs + 1,
            "active_run": run.run_id,
            "active_execution": run.execution,
            "active_until": isoformat(now + RUN_HOLD),
            "last_run_id": run.run_id,
        }
    )


def _holds(state: CampaignState, now: datetime) -> bool:
    """Whether a run still holds the campaign. A run whose execution died without a word holds it only until
    `active_until`, longer than any run can last."""
    return bool(state.active_run and state.active_until and parse_iso(state.active_until) > now)


# --- The machine's tasks -----------------------------------------------------------------------------------


@tracer.capture_method(capture_response=False)  # a span per step; answers may hold PII, so not recorded
def run_campaign_task(
    request: ResolveRequest | BatchRequest | TallyRequest | FailureRequest,
    ports: NurturePorts,
    *,
    now: datetime,
    send_once: SendOnce,
) -> dict[str, Any]:
    """One task of the nurture machine, by its action; the answer is the machine's next state (or a record)."""
    if isinstance(request, ResolveRequest):
        return resolve_run(request, ports, now=now).output()
    if isinstance(request, BatchRequest):
        pacer = Pacer(task_send_rate(ports.settings.send_rate))
        return send_batch(request, ports, now=now, send_once=send_once, pace=pacer).model_dump(exclude_none=True)
    if isinstance(request, TallyRequest):
        return tally_run(request, ports, now=now).output()
    record_run_failure(request, ports, now=now)
    return {"recorded": True}


def resolve_run(request: ResolveRequest, ports: NurturePorts, *, now: datetime) -> RunState:
    """Pin the campaign, claim the run, and store its audience in batches for the Map; or, in an execution that
    continues another, take the run over and name the pass that is due."""
    start = request.input
    if start.continued_from:
        return _take_over_run(request, ports, now=now)
    campaign = current_sequence(ports.sequences, start.campaign_id)
    if campaign is None or campaign.kind is not SequenceKind.NURTURE:
        raise CampaignNotFound(f"No nurture campaign {start.campaign_id}")
    # Before the claim, so a segment deleted since the campaign was saved fails the run without holding it.
    members = audience(campaign, ports.segments, ports.index)
    run = _claim(request.execution, start, campaign, ports.runs, now)
    concurrency = map_concurrency(ports.settings.send_rate)
    if run.execution != request.execution or run.status != "running":
        # A duplicate start, or a run that sends nothing: the Map gets no batches and Tally ends the execution.
        logger.info(
            "campaign run not sending",
            extra={"run_id": run.run_id, "campaign_id": run.campaign_id, "reason": run.skipped_reason or "duplicate"},
        )
        return RunState(run=run.ref(), max_concurrency=concurrency)
    count, batches = _store_batches(run.run_id, members, ports.runs)
    ports.runs.save_run(run.model_copy(update={"audience": count, "batches": batches}))
    metrics.add_metric(name="CampaignRunsStarted", unit=MetricUnit.Count, value=1)
    logger.info(
        "campaign run resolved",
        extra={"run_id": run.run_id, "campaign_id": run.campaign_id, "audience": count, "batches": batches},
    )
    first = list(range(1, min(batches, limits.NURTURE_PAGE) + 1))
    ref = run.ref().model_copy(
        update={"history": limits.nurture_start_events() + limits.nurture_pass_events(len(first))}
    )
    return RunState(run=ref, batches=first, max_concurrency=concurrency)


def audience(campaign: Sequence, segments: SegmentRepository, index: IndexReader) -> Iterator[str]:
    """The campaign's audience now, lazily, from the index summaries (never a scan, never contact data).

    With a segment: its members; eligibility (consent, topic and the rest) is checked per candidate at send
    time, where each skip is counted with its reason. Without one: everyone with active consent who chose the
    campaign's topic, read from the by_consent index and filtered on the summaries' interests.
    """
    if campaign.audience_segment_id:
        members = evaluate_segment(segments, index, campaign.audience_segment_id)
        return (summary.candidate_id for summary in members)
    topic = campaign.topic
    active = iter_matching(index, CandidateFilter(consent=ConsentStatus.ACTIVE))
    return (summary.candidate_id for summary in active if topic in summary.interests)


def _store_batches(run_id: str, members: Iterator[str], runs: CampaignRunRepository) -> tuple[int, int]:
    """Write the audience as numbered batches, 25 batch items per write; (members, batches)."""
    pending: list[CampaignBatch] = []
    ids: list[str] = []
    count = number = 0
    for candidate_id in members:
        ids.append(candidate_id)
        count += 1
        if len(ids) == BATCH_SIZE:
            number += 1
            pending.append(CampaignBatch(run_id=run_id, batch=number, candidate_ids=ids))
            ids = []
        if len(pending) == 25:
            runs.put_batches(pending)
            pending = []
    if ids:
        number += 1
        pending.append(CampaignBatch(run_id=run_id, batch=number, candidate_ids=ids))
    runs.put_batches(pending)
    return count, number


def scheduled_run_id(campaign_id: str, scheduled_at: str) -> str:
    """The run id of one firing of a campaign's schedule: a ULID whose time is the firing's and whose rest is a
    hash of (campaign, firing). A second delivery of the same firing therefore names the same run."""
    at = parse_iso(scheduled_at)
    digest = int.from_bytes(hashlib.sha256(f"{campaign_id}@{isoformat(at)}".encode()).digest()[:10], "big")
    return ulid(int(at.timestamp() * 1000), digest)


def _claim(
    execution: str, start: CampaignStart, campaign: Sequence, runs: CampaignRunRepository, now: datetime
) -> CampaignRun:
    """This execution's run: claimed now, or found again on a retried Resolve. A run of another execution
    comes back as it is (a duplicate start); an inactive or busy campaign gets a skipped run."""
    from talentpool.errors import CampaignStateChanged, RunClaimed

    if start.run_id:
        run_id = start.run_id
    elif start.scheduled_at:
        run_id = scheduled_run_id(start.campaign_id, start.scheduled_at)
    else:
        run_id = new_id()  # started by hand in the console: a retried Resolve finds its run through the state

    def attempt(_: int) -> CampaignRun:
        state = runs.state(campaign.sequence_id)
        mine = runs.get(state.active_run) if state.active_execution == execution and state.active_run else None
        existing = mine or runs.get(run_id)
        if existing is not None:
            return existing
        run = _new_run(run_id, campaign, state, start, execution, now)
        skipped = "campaign_inactive" if not campaign.active else "campaign_busy" if _holds(state, now) else None
        if skipped:
            run = run.model_copy(update={"status": "skipped", "skipped_reason": skipped, "finished_at": run.started_at})
            runs.save_run(run)
            metrics.add_metric(name="CampaignRunsSkipped", unit=MetricUnit.Count, value=1)
            return run
        # RunClaimed or CampaignStateChanged: the run or the state is someone else's now (or our own earlier
        # attempt's), so read again.
        runs.claim(run, _taken(state, run, now))
        return run

    return optimistic(
        attempt,
        conflicts=(RunClaimed, CampaignStateChanged),
        exhausted=lambda: CampaignBusy(
            f"Campaign {campaign.sequence_id} kept changing while run {run_id} was starting"
        ),
    )


def send_batch(
    request: BatchRequest, ports: NurturePorts, *, now: datetime, send_once: SendOnce, pace: Callable[[], None]
) -> BatchOutcome:
    """Send the batch's email to each of its candidates still pending, once each."""
    run = request.run
    campaign = pinned_sequence(ports.sequences, run.campaign_id, run.version)
    if campaign is None:
        raise LookupError(f"campaign {run.campaign_id} has no version {run.version}")
    batch = ports.runs.batch(run.run_id, request.batch)
    if batch is None:
        raise LookupError(f"run {run.run_id} has no batch {request.batch}")
    return _BatchSend(run, campaign, batch, ports, now, send_once, pace).send()


def ineligibility(candidate: Candidate, campaign: Sequence, moment: datetime) -> str | None:
    """Why this candidate must not get this campaign's email now, for good; None if they may.

    The exit rules first (unsubscribed, suppressed, consent, stage), the same as engage's. Then the topic:
    the email says "you asked for {topic} emails", so it goes only to people who chose the topic. Then a
    pause: they asked for no email for a while, and a campaign arriving weeks late is not what they chose.
    """
    reason = exit_reason(candidate, campaign.exit_rules)
    if reason:
        return reason
    if campaign.topic is not None and campaign.topic not in candidate.interests:
        return "topic_not_chosen"
    paused = candidate.preferences.paused_until
    if paused and parse_iso(paused) > moment:
        return "paused"
    return None


@dataclass(frozen=True)
class RunTaggedMailer:
    """Names the run in every message's SES tags, so its delivery, open and click events are the run's."""

    mailer: MailSender
    run_id: str

    def send(self, email: OutgoingEmail) -> str:
        return self.mailer.send(email.model_copy(update={"tags": {**email.tags, "campaign_run_id": self.run_id}}))


@dataclass
class RunEvents:
    """Holds a batch's events, EmailSent stamped with the run, to publish them ten per PutEvents at the end."""

    bus: EventPublisher
    run_id: str
    pending: list[BusEvent] = field(default_factory=list)

    def publish(self, *events: BusEvent) -> None:
        for event in events:
            stamp = isinstance(event, EmailSent)
            self.pending.append(event.model_copy(update={"campaign_run_id": self.run_id}) if stamp else event)

    def flush(self) -> None:
        if self.pending:
            self.bus.publish(*self.pending)
            self.pending = []


class _BatchSend:
    """One SendBatch: decides each pending candidate's fate, then saves the outcomes (also when interrupted)."""

    def __init__(
        self,
        run: RunRef,
        campaign: Sequence,
        batch: CampaignBatch,
        ports: NurturePorts,
        now: datetime,
        send_once: SendOnce,
        pace: Callable[[], None],
    ) -> None:
        self.ref, self.campaign, self.batch, self.ports = run, campaign, batch, ports
        self.now, self.send_once, self.pace = now, send_once, pace
        # As in engage: where Waits are scaled down, the round runs early in real time; its moment is the slot.
        self.moment = max(now, parse_iso(run.not_before)) if run.not_before else now
        self.deadline = parse_iso(run.started_at) + MAX_DEFERRAL
        self.events = RunEvents(ports.send.bus, run.run_id)
        self.send_ports = replace(ports.send, mailer=RunTaggedMailer(ports.send.mailer, run.run_id), bus=self.events)
        self.outcomes = dict(batch.outcomes)
        self.deferred: dict[str, str] = {}
        self.sent = 0
        self.held_up = False

    def send(self) -> BatchOutcome:
        pending = self.batch.pending()
        profiles = self.ports.candidates.many(pending)
        logs = self.ports.send_logs.many(sorted(profiles))
        try:
            for index, candidate_id in enumerate(pending):
                log = logs.get(candidate_id) or SendLog(candidate_id=candidate_id)
                if not self._try(candidate_id, profiles.get(candidate_id), log):
                    self._back_off(pending[index:])
                    break
        finally:
            self._checkpoint()
        if self.sent:
            metrics.add_metric(name="CampaignEmailsSent", unit=MetricUnit.Count, value=self.sent)
        if self.deferred:
            metrics.add_metric(name="CampaignCandidatesDeferred", unit=MetricUnit.Count, value=len(self.deferred))
        next_at = min(self.deferred.values()) if self.deferred else None
        return BatchOutcome(batch=self.batch.batch, sent=self.sent, deferred=len(self.deferred), next_at=next_at)

    def _try(self, candidate_id: str, candidate: Candidate | None, log: SendLog) -> bool:
        """Decide one candidate's fate; False when SES (or the table) cannot take a send now: the rest of the
        batch waits with them. Nothing went out twice: an answer lost after SES took the mail left the send
        "unknown" in the send log, and it is never sent again."""
        try:
            self._one(candidate_id, candidate, log)
        except NotSent:
            return False
        except Exception as exc:
            if not self.ports.is_transient(exc):
                raise
            logger.warning(
                "campaign send will be retried", extra={"candidate_id": candidate_id, "error": type(exc).__name__}
            )
            return False
        return True

    def _back_off(self, candidate_ids: list[str]) -> None:
        """Defer these candidates by a backoff with full jitter that grows with each pass this batch is held up,
        up to half an hour; retrying never ends the run (each is given up on only after MAX_DEFERRAL)."""
        retry_at = self.moment + limits.retry_after(self.batch.throttled)
        for candidate_id in candidate_ids:
            if candidate_id not in self.outcomes:
                self._defer(candidate_id, retry_at)
        self.held_up = True
        metrics.add_metric(name="CampaignBatchesThrottled", unit=MetricUnit.Count, value=1)

    def _one(self, candidate_id: str, candidate: Candidate | None, log: SendLog) -> None:
        if candidate is None:
            self.outcomes[candidate_id] = "skipped:candidate_not_found"  # erased since the audience was read
            return
        reason = ineligibility(candidate, self.campaign, self.moment)
        if reason:
            self.outcomes[candidate_id] = f"skipped:{reason}"
            return
        if log.find(send_key(self.ref.run_id, self.ref.step)) is None:
            # The same rule engage plans with: the window where they are, and the cap over every sequence.
            slot = plan_send(candidate, self.campaign, earliest=self.moment, log=log, settings=self.ports.send.settings)
            if slot > self.moment:
                self._defer(candidate_id, slot)
                return
            self.pace()
        # Otherwise an earlier attempt reserved or sent it: the send path reports what became of it.
        task = SendTask(
            execution=self.ref.run_id,
            step=self.ref.step,
            candidate_id=candidate_id,
            sequence_id=self.campaign.sequence_id,
            version=self.campaign.version,
            at=isoformat(self.moment),
        )
        try:
            result = self.send_once(task=task, candidate=candidate, sequence=self.campaign, ports=self.send_ports)
        except SlotTaken as taken:
            self._defer(candidate_id, taken.until)  # another sequence took the last slot meanwhile
            return
        except SendLogBusy:  # includes ReservationHeld: an earlier attempt at this very send is still going
            self._defer(candidate_id, self.moment + RETRY_SOON)
            return
        if result.status == "sent":
            self.sent += 1
            self.outcomes[candidate_id] = "sent"
        elif result.status == "unknown":
            self.outcomes[candidate_id] = "unknown"
        else:
            self.outcomes[candidate_id] = f"failed:{result.error or 'rejected'}"

    def _defer(self, candidate_id: str, slot: datetime) -> None:
        if slot <= self.deadline:
            self.deferred[candidate_id] = isoformat(slot)
            return
        self.outcomes[candidate_id] = "skipped:deferred_too_long"
        entry = timeline_entry(
            candidate_id,
            TimelineKind.CAMPAIGN_DEFERRED_TOO_LONG,
            self.now,
            sequence_id=self.campaign.sequence_id,
            version=self.campaign.version,
            step=self.ref.step,
            campaign_run_id=self.ref.run_id,
        )
        self.ports.send.candidates.append_timeline([entry])

    def _checkpoint(self) -> None:
        """Events first: if saving the batch then fails, the retry finds the sends in the send log and
        announces them again with the same event ids, which consumers dedupe. The other way round, a
        failed publish after the save would lose them."""
        self.events.flush()
        throttled = self.batch.throttled + 1 if self.held_up else 0
        self.ports.runs.save_batch(
            self.batch.model_copy(
                update={
                    "outcomes": self.outcomes,
                    "deferred": self.deferred,
                    "rounds": self.batch.rounds + 1,
                    "throttled": throttled,
                }
            )
        )


def tally_run(request: TallyRequest, ports: NurturePorts, *, now: datetime) -> RunState:
    """After a pass over the batches: send the next page at once, wait for the earliest deferred slot, or record
    the result and end. Before a pass could take this execution past its history budget, a new execution
    carries the run on."""
    run = ports.runs.get(request.run.run_id)
    concurrency = map_concurrency(ports.settings.send_rate)
    if run is None or run.execution != request.execution or run.status != "running":
        return RunState(run=request.run, max_concurrency=concurrency, done=True)
    batches = ports.runs.batches(run.run_id)
    ref = request.run
    moment = max(now, parse_iso(ref.not_before)) if ref.not_before else now
    following = next_pass(batches, moment)
    if following is None:
        _finish(run, batches, ports, now)
        return RunState(run=ref, max_concurrency=concurrency, done=True)
    numbers, next_at = following
    if limits.nurture_must_continue(ref.history, len(numbers)):
        if next_at <= moment:
            return _continue_run(request, run, next_at, ports, concurrency)
        numbers = []  # wait here first, through a pass with no batches: it always fits (see `nurture_must_continue`)
    ref = ref.model_copy(
        update={
            "round": ref.round + 1,
            "not_before": isoformat(next_at),
            "history": ref.history + limits.nurture_pass_events(len(numbers)),
        }
    )
    return RunState(run=ref, batches=numbers, max_concurrency=concurrency, next_at=isoformat(next_at))


def next_pass(batches: list[CampaignBatch], moment: datetime) -> tuple[list[int], datetime] | None:
    """The batches the next pass sends and when: a page of those never sent yet, at once; else those whose
    earliest deferred candidate is due first, at that slot. None when every candidate is decided."""
    unsent = [b.batch for b in batches if b.unsent()]
    if unsent:
        return unsent[: limits.NURTURE_PAGE], moment
    earliest = {b.batch: min(parse_iso(slot) for slot in b.deferred.values()) for b in batches if b.deferred}
    if not earliest:
        return None
    next_at = min(earliest.values())
    return sorted(n for n, slot in earliest.items() if slot <= next_at)[: limits.NURTURE_PAGE], next_at


def _finish(run: CampaignRun, batches: list[CampaignBatch], ports: NurturePorts, now: datetime) -> None:
    result = _counted(run, batches).model_copy(update={"status": "finished", "finished_at": isoformat(now)})
    ports.runs.finish(result)
    metrics.add_metric(name="CampaignRunsFinished", unit=MetricUnit.Count, value=1)
    logger.info(
        "campaign run finished",
        extra={
            "run_id": run.run_id,
            "campaign_id": run.campaign_id,
            "sent": result.sent,
            "skipped": result.skipped,
            "failed": result.failed,
        },
    )


# --- Continuing a run in a new execution ------------------------------------------------------------------


def _continue_run(
    request: TallyRequest, run: CampaignRun, due: datetime, ports: NurturePorts, concurrency: int
) -> RunState:
    """Start the execution that carries the run on (its Resolve takes the run over), and end this one. Every
    attempt starts the same execution: its name derives from this one's and the generation."""
    generation = request.run.generation + 1
    start = CampaignStart(
        campaign_id=run.campaign_id,
        trigger=run.trigger,
        run_id=run.run_id,
        scheduled_at=run.scheduled_at,
        requested_by=run.requested_by,
        continued_from=request.execution,
        generation=generation,
        not_before=isoformat(due),
    )
    payload = start.model_dump(mode="json", exclude_none=True)
    ports.workflows.start_continuation(request.execution, generation, payload)
    metrics.add_metric(name="CampaignRunsContinued", unit=MetricUnit.Count, value=1)
    logger.info("campaign run continued", extra={"run_id": run.run_id, "generation": generation})
    return RunState(run=request.run, max_concurrency=concurrency, done=True, continued=True)


def _take_over_run(request: ResolveRequest, ports: NurturePorts, *, now: datetime) -> RunState:
    """Resolve in an execution that continues a run: take the run over from the execution that started this
    one (or find it ours, on a retried Resolve) and name the pass that is due. A run that ended or belongs to
    another execution meanwhile gets an empty state: the Map sends nothing and Tally ends the execution."""
    start = request.input
    concurrency = map_concurrency(ports.settings.send_rate)
    run = ports.runs.get(start.run_id or "")
    if run is None:
        raise CampaignNotFound(f"No campaign run {start.run_id} to carry on")
    ours = run.execution == request.execution or (
        run.execution == start.continued_from and ports.runs.hand_over(run, run.execution, request.execution)
    )
    if not ours or run.status != "running":
        logger.info("campaign run not carried on", extra={"run_id": run.run_id})
        return RunState(run=run.ref(), max_concurrency=concurrency)
    moment = max(now, parse_iso(start.not_before)) if start.not_before else now
    following = next_pass(ports.runs.batches(run.run_id), moment)
    numbers, due = following if following else ([], moment)
    if due > moment:
        numbers = []  # not due yet after all: Tally after an empty pass waits for it
    ref = run.ref().model_copy(
        update={
            "generation": start.generation or 0,
            "not_before": isoformat(due),
            "history": limits.nurture_start_events() + limits.nurture_pass_events(len(numbers)),
        }
    )
    return RunState(run=ref, batches=numbers, max_concurrency=concurrency)


def _counted(run: CampaignRun, batches: list[CampaignBatch]) -> CampaignRun:
    """The run with its counts from the batches' outcomes: sent, unknown, skipped and failed by reason."""
    sent = unknown = deferred = 0
    skipped: dict[str, int] = {}
    failed: dict[str, int] = {}
    for batch in batches:
        deferred += len(batch.deferred)
        for outcome in batch.outcomes.values():
            kind, _, reason = outcome.partition(":")
            if kind == "sent":
                sent += 1
            elif kind == "unknown":
                unknown += 1
            else:
                tally = skipped if kind == "skipped" else failed
                tally[reason] = tally.get(reason, 0) + 1
    return run.model_copy(
        update={"sent": sent, "unknown": unknown, "deferred": deferred, "skipped": skipped, "failed": failed}
    )


def record_run_failure(request: FailureRequest, ports: NurturePorts, *, now: datetime) -> None:
    """The machine's Catch-all: record the run as failed with the error's name (never its cause, which can
    quote data) and the counts so far, and free the campaign for its next run."""
    state = request.state
    error = str((state.get("error") or {}).get("Error") or "unknown")
    metrics.add_metric(name="CampaignRunsFailed", unit=MetricUnit.Count, value=1)
    run = _failed_run(request, ports)
    logger.error(
        "campaign run failed",
        extra={"run_id": run.run_id if run else None, "campaign_id": state.get("campaign_id"), "error": error},
    )
    if run is None:
        return  # Resolve failed before the run existed: the execution's failure is the record
    failed = _counted(run, ports.runs.batches(run.run_id))
    ports.runs.finish(failed.model_copy(update={"status": "failed", "error": error, "finished_at": isoformat(now)}))


def _failed_run(request: FailureRequest, ports: NurturePorts) -> CampaignRun | None:
    """This execution's run: named in the state after Resolve, or found through the campaign's state when
    Resolve itself failed after claiming it."""
    state = request.state
    ref = state.get("run")
    if isinstance(ref, dict) and isinstance(ref.get("run_id"), str):
        run = ports.runs.get(ref["run_id"])
    elif isinstance(state.get("campaign_id"), str):
        campaign = ports.runs.state(state["campaign_id"])
        held = campaign.active_execution == request.execution and campaign.active_run
        run = ports.runs.get(campaign.active_run) if held and campaign.active_run else None
    else:
        run = None
    return run if run is not None and run.execution == request.execution and run.status == "running" else None
