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

This module holds the machine's tasks; beside it, `runs` starts a run and says what it holds, `batches` is one
SendBatch, `pacing` the send rate, and `ports` what a run works through.

Nothing here sees Step Functions, HTTP or boto3: the stores come in as ports, so unit tests can pass fakes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from talentpool.clock import isoformat, parse_iso
from talentpool.ids import new_id, ulid
from talentpool.logic import workflow_limits as limits
from talentpool.logic.campaigns.batches import send_batch
from talentpool.logic.campaigns.pacing import Pacer, map_concurrency, task_send_rate
from talentpool.logic.campaigns.ports import CampaignRunRepository, NurturePorts, SendOnce
from talentpool.logic.campaigns.runs import CampaignBusy, CampaignNotFound, holds, new_run, taken
from talentpool.logic.optimistic import optimistic
from talentpool.logic.people.search import IndexReader, iter_matching
from talentpool.logic.people.segments import SegmentRepository, evaluate_segment
from talentpool.logic.sequences.definitions import current_sequence
from talentpool.models.campaigns import (
    BatchRequest,
    CampaignBatch,
    CampaignRun,
    CampaignStart,
    FailureRequest,
    ResolveRequest,
    RunState,
    TallyRequest,
)
from talentpool.models.candidate import ConsentStatus
from talentpool.models.search import CandidateFilter
from talentpool.models.sequences import Sequence, SequenceKind
from talentpool.observability import logger, metrics, tracer

BATCH_SIZE = 100  # one BatchGetItem of profiles, and well inside a 300 s task at the slowest send rate


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
        run = new_run(run_id, campaign, state, start, execution, now)
        skipped = "campaign_inactive" if not campaign.active else "campaign_busy" if holds(state, now) else None
        if skipped:
            run = run.model_copy(update={"status": "skipped", "skipped_reason": skipped, "finished_at": run.started_at})
            runs.save_run(run)
            metrics.add_metric(name="CampaignRunsSkipped", unit=MetricUnit.Count, value=1)
            return run
        # RunClaimed or CampaignStateChanged: the run or the state is someone else's now (or our own earlier
        # attempt's), so read again.
        runs.claim(run, taken(state, run, now))
        return run

    return optimistic(
        attempt,
        conflicts=(RunClaimed, CampaignStateChanged),
        exhausted=lambda: CampaignBusy(
            f"Campaign {campaign.sequence_id} kept changing while run {run_id} was starting"
        ),
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
