"""One SendBatch of a campaign run: each pending candidate's eligibility, the shared send path, deferral by the
cap or the window, and the batch's outcomes saved (also when interrupted)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from aws_lambda_powertools.metrics import MetricUnit

from talentpool.clock import isoformat, parse_iso
from talentpool.errors import NotSent
from talentpool.logic import workflow_limits as limits
from talentpool.logic.campaigns.ports import NurturePorts, SendOnce
from talentpool.logic.campaigns.runs import MAX_DEFERRAL
from talentpool.logic.sending.eligibility import exit_reason, plan_send
from talentpool.logic.sending.send_once import SendLogBusy, SendTask, SlotTaken, send_key
from talentpool.logic.sequences.definitions import pinned_sequence
from talentpool.logic.timeline import timeline_entry
from talentpool.models.campaigns import (
    BatchOutcome,
    BatchRequest,
    CampaignBatch,
    RunRef,
)
from talentpool.models.candidate import Candidate, TimelineKind
from talentpool.models.email_message import OutgoingEmail
from talentpool.models.events import BusEvent, EmailSent
from talentpool.models.sequences import SendLog, Sequence
from talentpool.observability import logger, metrics
from talentpool.ports.repositories import EventPublisher, MailSender

RETRY_SOON = timedelta(minutes=1)  # a candidate whose send log or send is busy right now


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
