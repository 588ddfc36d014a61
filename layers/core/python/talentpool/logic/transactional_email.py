"""Transactional emails (not marketing): the double opt-in confirmation. Both parts, always."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from talentpool import templating
from talentpool.clock import isoformat
from talentpool.logic.confirm import confirmation_token
from talentpool.logic.ports import ConfirmationLedger, MailSender
from talentpool.models.email_message import OutgoingEmail
from talentpool.models.events import CandidateCaptured
from talentpool.observability import logger, metrics
from talentpool.store.mail import Throttled

CONFIRM_SUBJECT = "Please confirm your email address"
CONFIRM_TEXT = """Hello {{first_name|there}},

Thank you for joining our talent community. Please confirm your email address by opening this link:

{{confirm_url}}

The link works for 7 days. Until you confirm, we will not email you anything else.
If this was not you, ignore this email and we will not contact you again.
"""
CONFIRM_HTML = """<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1b1f24">
<p>Hello {{first_name|there}},</p>
<p>Thank you for joining our talent community. Please confirm your email address:</p>
<p><a href="{{confirm_url}}" style="display:inline-block;background:#0b5cad;color:#fff;padding:12px 20px;
border-radius:6px;text-decoration:none;font-weight:600">Confirm my email address</a></p>
<p style="color:#57606a">The link works for 7 days. Until you confirm, we will not email you anything else.
If this was not you, ignore this email and we will not contact you again.</p>
</body></html>"""


@dataclass(frozen=True)
class MailSettings:
    sender_email: str
    public_base_url: str
    sender_name: str = "Talent team"


def send_confirmation_email(
    event: CandidateCaptured,
    *,
    now: datetime,
    secret: bytes,
    settings: MailSettings,
    ledger: ConfirmationLedger,
    mailer: MailSender,
) -> str | None:
    """Email the current confirmation link, at most once per link. Returns the SES message id, if sent."""
    candidate = ledger.claim_confirmation_email(event.candidate_id, isoformat(now))
    if candidate is None or candidate.confirmation_nonce is None:
        logger.info("confirmation email not needed", extra={"candidate_id": event.candidate_id})
        return None
    token = confirmation_token(secret, candidate.candidate_id, candidate.confirmation_nonce, now)
    values = {
        "first_name": candidate.first_name,
        "confirm_url": f"{settings.public_base_url.rstrip('/')}/confirm?token={token}",
    }
    email = OutgoingEmail(
        to=candidate.email,
        subject=CONFIRM_SUBJECT,
        text=templating.render(CONFIRM_TEXT, values, escape=False),
        html=templating.render(CONFIRM_HTML, values),
        from_address=settings.sender_email,
        from_name=settings.sender_name,
        tags={"candidate_id": candidate.candidate_id, "kind": "confirmation"},
    )
    try:
        message_id = mailer.send(email)
    except Throttled:
        # Nothing went out: give the link back so EventBridge's retry can send it.
        ledger.release_confirmation_email(candidate.candidate_id, candidate.confirmation_nonce)
        raise
    metrics.add_metric(name="ConfirmationEmailsSent", unit=MetricUnit.Count, value=1)
    logger.info("confirmation email sent", extra={"candidate_id": candidate.candidate_id})
    return message_id
