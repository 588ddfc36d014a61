"""Double opt-in: a candidate's click on the emailed link turns pending consent into active consent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from aws_lambda_powertools.metrics import MetricUnit

from talentpool import tokens
from talentpool.clock import isoformat
from talentpool.errors import InvalidToken, VersionConflict
from talentpool.ids import is_id, new_id
from talentpool.logic.engagement import Interaction, credit
from talentpool.logic.ports import CandidateRepository, EventPublisher
from talentpool.models import engagement
from talentpool.models.candidate import ConsentStatus, TimelineEntry
from talentpool.models.events import CandidateConfirmed
from talentpool.observability import metrics

CONFIRM_PURPOSE = "confirm"
CONFIRM_LINK_TTL = timedelta(days=7)


@dataclass(frozen=True)
class ConfirmOutcome:
    candidate_id: str


def confirmation_token(secret: bytes, candidate_id: str, nonce: str, now: datetime) -> str:
    return tokens.sign(
        secret, purpose=CONFIRM_PURPOSE, subject=candidate_id, nonce=nonce, now=now, ttl=CONFIRM_LINK_TTL
    )


def confirm_consent(
    token: str, *, secret: bytes, now: datetime, repo: CandidateRepository, bus: EventPublisher
) -> ConfirmOutcome:
    """Record consent as confirmed, once. A tampered, expired or already-used link changes nothing."""
    claims = tokens.verify(secret, token, purpose=CONFIRM_PURPOSE, now=now)
    if not is_id(claims.subject):
        raise InvalidToken("This link is not valid", "malformed")
    for _ in range(3):
        candidate = repo.get(claims.subject)
        if candidate is None:
            raise InvalidToken("This link is no longer valid", "unknown")
        if candidate.confirmation_nonce is None or candidate.confirmation_nonce != claims.nonce:
            # Single use: the nonce is cleared on confirmation and replaced when a new link is sent.
            raise InvalidToken("This link has already been used", "used")
        stamp = isoformat(now)
        consent = candidate.consent.model_copy(update={"status": ConsentStatus.ACTIVE, "confirmed_at": stamp})
        confirmed = candidate.model_copy(
            update={
                "consent": consent,
                "consent_history": [*candidate.consent_history, consent],
                "confirmation_nonce": None,
                "updated_at": stamp,
            }
        )
        # Confirming is the strongest engagement signal there is; it counts once, with this save.
        confirmed = engagement.onto(confirmed, credit(engagement.of(candidate), Interaction.CONFIRMED, now))
        entry = TimelineEntry(
            entry_id=new_id(),
            candidate_id=candidate.candidate_id,
            kind="confirmed",
            at=stamp,
            data={"consent_text_version": consent.text_version},
        )
        try:
            repo.save(candidate, confirmed, [entry])
        except VersionConflict:
            continue
        metrics.add_metric(name="CandidatesConfirmed", unit=MetricUnit.Count, value=1)
        bus.publish(
            CandidateConfirmed(candidate_id=candidate.candidate_id, occurred_at=stamp, channel=candidate.source.channel)
        )
        return ConfirmOutcome(candidate_id=candidate.candidate_id)
    raise VersionConflict(claims.subject)
