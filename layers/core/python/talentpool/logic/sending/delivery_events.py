"""What an SES email event means for the candidate: a timeline entry, their engagement score, suppression.

Every event is recorded at most once: its timeline entry's key is derived from the SES event itself, and
the entry is written in the same transaction as whatever the event changes on the profile (see
store/delivery_events.py). A redelivered event finds its entry and changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal, Protocol
from urllib.parse import urlsplit, urlunsplit

from aws_lambda_powertools.metrics import MetricUnit

from talentpool.clock import isoformat
from talentpool.errors import VersionConflict
from talentpool.ids import is_id
from talentpool.logic.optimistic import optimistic
from talentpool.logic.people.engagement import Interaction, credit
from talentpool.models import engagement as engagement_model
from talentpool.models.candidate import Candidate, TimelineEntry, TimelineKind
from talentpool.models.events import CandidateSuppressed
from talentpool.models.ses import SesEvent, SesEventType
from talentpool.observability import logger, metrics, tracer
from talentpool.ports.repositories import EventPublisher

ACTOR = "ses"
# Our signed self-service links carry the candidate's token in the path: a click keeps only the route.
SELF_SERVICE_ROUTES = frozenset({"unsubscribe", "preferences"})
# The message tags our senders set (store/mail.py EmailTags) that the timeline keeps. Ids only, never contact data.
_TAGS = ("sequence_id", "step", "campaign_run_id")
# Name-based UUIDs make an entry's id a function of the SES event, so a redelivery lands on the same item.
_NAMESPACE = uuid.UUID("5b0c3f6e-9d7e-4d0a-8c3a-7f1e2b6a9c41")
_MAX_ATTEMPTS = 5

TIMELINE_KINDS: dict[SesEventType, TimelineKind] = {
    SesEventType.DELIVERY: TimelineKind.EMAIL_DELIVERED,
    SesEventType.OPEN: TimelineKind.EMAIL_OPENED,
    SesEventType.CLICK: TimelineKind.EMAIL_CLICKED,
    SesEventType.BOUNCE: TimelineKind.EMAIL_BOUNCED,
    SesEventType.COMPLAINT: TimelineKind.EMAIL_COMPLAINED,
    SesEventType.REJECT: TimelineKind.EMAIL_REJECTED,
    SesEventType.DELIVERY_DELAY: TimelineKind.EMAIL_DELAYED,
    SesEventType.RENDERING_FAILURE: TimelineKind.EMAIL_RENDERING_FAILED,
}
# Send is absent on purpose: the sender already wrote `email_sent` with the same message id when SES accepted
# the mail, and a second entry would only double what reports count. Subscription (SES list management) is
# not something we use.


class Outcome(StrEnum):
    RECORDED = "recorded"
    DUPLICATE = "duplicate"  # already recorded: a redelivery
    NOT_OURS = "not_ours"  # no candidate tag: not sent by Talentpool, or not about a candidate
    UNKNOWN_CANDIDATE = "unknown_candidate"  # erased since, or never existed
    SKIPPED = "skipped"  # an event type we deliberately do not record


class DeliveryEventRepository(Protocol):
    def get(self, candidate_id: str) -> Candidate | None: ...

    def timeline_entry(self, candidate_id: str, at: str, entry_id: str) -> TimelineEntry | None: ...

    def record(self, entry: TimelineEntry) -> bool: ...

    def record_with_profile(
        self,
        before: Candidate,
        after: Candidate,
        entry: TimelineEntry,
        *,
        also: Sequence[TimelineEntry] = (),
    ) -> bool: ...

    def mark_published(self, entry: TimelineEntry) -> None: ...


@dataclass(frozen=True)
class _Change:
    """What an event does to the profile beyond its own timeline entry."""

    after: Candidate
    suppressed: TimelineEntry | None = None


@tracer.capture_method(capture_response=False)  # a span per step; answers may hold PII, so not recorded
def record_ses_event(event: SesEvent, *, repo: DeliveryEventRepository, bus: EventPublisher, now: datetime) -> Outcome:
    """Record one SES event on its candidate's timeline, credit engagement, and suppress on a hard bounce or
    complaint. Safe to call again with the same event."""
    kind = TIMELINE_KINDS.get(event.event_type)
    if kind is None:
        return Outcome.SKIPPED
    candidate_id = event.mail.tag("candidate_id")
    if not candidate_id or not is_id(candidate_id):
        logger.info("SES event for mail we did not tag", extra=_log(event))
        return Outcome.NOT_OURS
    entry = timeline_entry_for(event, candidate_id, kind)

    def attempt(_: int) -> tuple[_Change | None, bool] | None:
        candidate = repo.get(candidate_id)
        if candidate is None:
            return None
        change = _profile_change(event, entry, candidate, repo, now)
        # A VersionConflict here: someone saved the profile meanwhile, so re-read and decide again on fresh data.
        return change, _write(entry, candidate, change, repo)

    written = optimistic(
        attempt, conflicts=VersionConflict, exhausted=lambda: VersionConflict(candidate_id), attempts=_MAX_ATTEMPTS
    )
    if written is None:
        logger.info("SES event for a candidate no longer here", extra=_log(event, candidate_id))
        return Outcome.UNKNOWN_CANDIDATE
    change, recorded = written
    if not recorded:
        _finish_publication(event, entry, repo, bus)
        return Outcome.DUPLICATE
    _announce(event, change, repo, bus)
    return Outcome.RECORDED


def _write(entry: TimelineEntry, candidate: Candidate, change: _Change | None, repo: DeliveryEventRepository) -> bool:
    """Write the entry, with the profile change when there is one; False when the entry was already there."""
    if change is None:
        return repo.record(entry)
    return repo.record_with_profile(
        candidate,
        change.after,
        entry,
        also=[change.suppressed] if change.suppressed else [],
    )


def _announce(event: SesEvent, change: _Change | None, repo: DeliveryEventRepository, bus: EventPublisher) -> None:
    """Tell the bus and the operator what a newly recorded event means."""
    metrics.add_metric(name="SesEventsRecorded", unit=MetricUnit.Count, value=1)
    if event.event_type is SesEventType.REJECT:
        # SES refused our own content (a virus): the fix is on the sending side, so an operator must hear.
        logger.warning("SES rejected an email we sent", extra=_log(event, event.mail.tag("candidate_id")))
        metrics.add_metric(name="EmailsRejectedBySes", unit=MetricUnit.Count, value=1)
    if change is not None and change.suppressed is not None:
        _publish_suppression(change.suppressed, repo, bus)


def timeline_entry_for(event: SesEvent, candidate_id: str, kind: TimelineKind) -> TimelineEntry:
    """The event's timeline entry: when it happened, what happened, and the mail's ids from its tags."""
    # When the email was sent: reports count every event of an email on that day, so a delivery after
    # midnight still meets its send (see logic.reports.aggregates).
    data: dict[str, object] = {"message_id": event.mail.message_id, "sent_at": isoformat(event.mail.timestamp)}
    email_kind = event.mail.tag("kind")
    if email_kind:
        data["email"] = email_kind  # the same key the senders' `email_sent` entries use
    for name in _TAGS:
        value = event.mail.tag(name)
        if value:
            data[name] = int(value) if name == "step" and value.isdigit() else value
    data.update(_facts(event))
    return TimelineEntry(
        entry_id=_derived_id(event),
        candidate_id=candidate_id,
        kind=kind,
        at=isoformat(event.occurred_at),
        actor=ACTOR,
        data=data,
    )


def _facts(event: SesEvent) -> dict[str, object]:
    """What is worth keeping about each kind of event; never an address, IP or user agent."""
    if event.click:
        return {"link": safe_link(event.click.link)}
    if event.bounce:
        return {"bounce_type": event.bounce.bounce_type, "bounce_subtype": event.bounce.bounce_sub_type}
    if event.complaint:
        facts = {
            "feedback_type": event.complaint.complaint_feedback_type,
            "complaint_subtype": event.complaint.complaint_sub_type,
        }
        return {k: v for k, v in facts.items() if v}
    if event.reject and event.reject.reason:
        return {"reason": event.reject.reason}
    if event.delivery_delay and event.delivery_delay.delay_type:
        return {"delay_type": event.delivery_delay.delay_type}
    if event.failure and event.failure.template_name:
        return {"template_name": event.failure.template_name}
    return {}


def safe_link(url: str) -> str:
    """The clicked link without what could identify or authenticate someone: no query, fragment or userinfo,
    and our self-service routes cut after the route name, where the signed token sits."""
    parts = urlsplit(url)
    segments = parts.path.split("/")
    for index, segment in enumerate(segments):
        if segment in SELF_SERVICE_ROUTES:
            segments = segments[: index + 1]
            break
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, "/".join(segments), "", ""))


def is_self_service_link(url: str) -> bool:
    return any(segment in SELF_SERVICE_ROUTES for segment in urlsplit(url).path.split("/"))


def suppression_reason(event: SesEvent) -> Literal["bounce", "complaint"] | None:
    """'bounce' for a hard bounce, 'complaint' for a spam report; None for everything else.

    A transient or undetermined bounce may succeed next time, so it is recorded but not acted on. A Reject
    means SES found a virus in *our* message: a fault to fix on the sending side, not a reason to stop
    writing to this person. A complaint report saying "not-spam" is the opposite of a complaint.
    """
    if event.bounce is not None and event.bounce.bounce_type == "Permanent":
        return "bounce"
    if event.complaint is not None and event.complaint.complaint_feedback_type != "not-spam":
        return "complaint"
    return None


def _interaction(event: SesEvent) -> Interaction | None:
    if event.open is not None:
        return Interaction.OPEN
    # Following our unsubscribe or preferences link is not interest in what we wrote.
    if event.click is not None and not is_self_service_link(event.click.link):
        return Interaction.CLICK
    return None


def _profile_change(
    event: SesEvent, entry: TimelineEntry, candidate: Candidate, repo: DeliveryEventRepository, now: datetime
) -> _Change | None:
    interaction = _interaction(event)
    if interaction is not None:
        # The score and its instant live on the profile, so index summaries carry both.
        return _Change(
            after=engagement_model.onto(
                candidate, credit(engagement_model.of(candidate), interaction, event.occurred_at)
            )
        )
    reason = suppression_reason(event)
    if reason is None or candidate.suppressed_at is not None:
        return None  # already suppressed: record the event, but announce nothing twice
    suppressed = TimelineEntry(
        entry_id=_derived_id(event, "suppressed"),
        candidate_id=candidate.candidate_id,
        kind=TimelineKind.SUPPRESSED,
        at=entry.at,
        actor=ACTOR,
        data={
            "reason": reason,
            "message_id": event.mail.message_id,
            "event_id": _derived_id(event, CandidateSuppressed.detail_type),
            "published": False,
        },
    )
    after = candidate.model_copy(
        update={"suppressed_at": entry.at, "suppression_reason": reason, "updated_at": isoformat(now)}
    )
    return _Change(after=after, suppressed=suppressed)


def _publish_suppression(entry: TimelineEntry, repo: DeliveryEventRepository, bus: EventPublisher) -> None:
    """Announce the suppression with an id fixed by the SES event, then note on the entry that it went out."""
    event = CandidateSuppressed.model_validate(
        {
            "id": entry.data["event_id"],
            "candidate_id": entry.candidate_id,
            "occurred_at": entry.at,
            "reason": entry.data["reason"],
        }
    )
    bus.publish(event)
    repo.mark_published(entry)
    metrics.add_metric(name="CandidatesSuppressed", unit=MetricUnit.Count, value=1)


def _finish_publication(
    event: SesEvent, entry: TimelineEntry, repo: DeliveryEventRepository, bus: EventPublisher
) -> None:
    """A redelivered suppressing event: if the first attempt saved the suppression but died before the bus
    took the event, publish it now, with the same id, so it goes out once."""
    if suppression_reason(event) is None:
        return
    suppressed = repo.timeline_entry(entry.candidate_id, entry.at, _derived_id(event, "suppressed"))
    if suppressed is not None and not suppressed.data.get("published"):
        _publish_suppression(suppressed, repo, bus)


def _derived_id(event: SesEvent, purpose: str = "") -> str:
    """A stable id for something this SES event causes. Two opens of one mail differ by timestamp, two
    clicks by link, two bounce or complaint reports by SES's feedback id."""
    discriminator = ""
    if event.click:
        discriminator = event.click.link
    elif event.bounce:
        discriminator = event.bounce.feedback_id
    elif event.complaint:
        discriminator = event.complaint.feedback_id
    name = "|".join((event.mail.message_id, event.event_type.value, isoformat(event.occurred_at), discriminator))
    return str(uuid.uuid5(_NAMESPACE, f"{name}|{purpose}"))


def _log(event: SesEvent, candidate_id: str | None = None) -> dict[str, object]:
    """What we may log about an event: ids and its type, never the recipient."""
    fields: dict[str, object] = {"message_id": event.mail.message_id, "event_type": event.event_type.value}
    if candidate_id:
        fields["candidate_id"] = candidate_id
    return fields
