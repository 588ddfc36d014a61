"""Transactional emails (not marketing): double opt-in, the Art. 14 notice, stage updates. Both parts, always."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from talentpool import templating
from talentpool.clock import isoformat
from talentpool.emails import Site, recruiter_email, render_email
from talentpool.errors import NotSent
from talentpool.ids import new_id
from talentpool.logic.capture.confirm import change_token, confirmation_token
from talentpool.logic.capture.submissions import changed_fields
from talentpool.logic.sending.links import preferences_url
from talentpool.logic.sending.stage_email import DEFAULTS
from talentpool.models.candidate import Candidate, EmailedLink, TimelineEntry, TimelineKind
from talentpool.models.email_message import OutgoingEmail
from talentpool.models.events import CandidateCaptured, StageChanged
from talentpool.models.stages import CONVERTED
from talentpool.observability import logger, metrics
from talentpool.ports.repositories import Applications, CandidateAdmin, ConfirmationLedger, MailSender, StageTemplates

# The words are templates/emails/<name>.j2; the subject and the preheader (the inbox's preview line) are here,
# beside the code that chooses the email.
CONFIRM_SUBJECT = "Please confirm your email address"
CHANGE_SUBJECT = "Confirm the new details for your profile"
NOTICE_SUBJECT = "We have added you to our talent community"
# How a changed field is named to its owner: wording, so it is data rather than logic.
FIELD_NAMES = {
    "first_name": "first name",
    "last_name": "last name",
    "phone": "phone number",
    "location": "location",
    "skills": "skills",
    "years_experience": "years of experience",
    "desired_roles": "roles you are looking for",
    "interests": "topics",
    "linkedin_url": "LinkedIn profile",
}


@dataclass(frozen=True)
class MailSettings:
    sender_email: str
    public_base_url: str
    sender_name: str = "Talent team"
    site: Site = field(default_factory=Site)


@dataclass(frozen=True)
class _LinkEmail:
    template: str
    subject: str
    preheader: str


LINK_EMAILS = {
    EmailedLink.CONFIRMATION: _LinkEmail(
        "confirmation", CONFIRM_SUBJECT, "One click to confirm, and you are in our talent community."
    ),
    EmailedLink.CHANGE: _LinkEmail("change", CHANGE_SUBJECT, "Nothing changes on your profile unless you confirm."),
}


def describe_fields(names: list[str]) -> str:
    """Field names as words for the candidate: 'first name, skills'; the values are never in the email."""
    return ", ".join(FIELD_NAMES.get(name, name.replace("_", " ")) for name in names) or "no visible change"


def _claim(
    event: CandidateCaptured, link: EmailedLink, ledger: ConfirmationLedger, secret: bytes, now: datetime
) -> tuple[Candidate, str, str, list[str]] | None:
    """Claim the candidate's current link of this kind: (candidate, token, nonce, changed fields), or None."""
    if link is EmailedLink.CONFIRMATION:
        candidate = ledger.claim_confirmation_email(event.candidate_id, now)
        if candidate is None or candidate.confirmation_nonce is None:
            return None
        nonce = candidate.confirmation_nonce
        return candidate, confirmation_token(secret, candidate.candidate_id, nonce, now), nonce, []
    change = ledger.claim_change_email(event.candidate_id, now)
    held_for = ledger.get(event.candidate_id) if change else None
    if change is None or held_for is None or held_for.suppressed_at:
        return None
    fields = changed_fields(held_for, change.profile, now)
    return held_for, change_token(secret, held_for.candidate_id, change, now), change.nonce, fields


def send_link_email(
    event: CandidateCaptured,
    link: EmailedLink,
    *,
    now: datetime,
    secret: bytes,
    settings: MailSettings,
    ledger: ConfirmationLedger,
    mailer: MailSender,
) -> str | None:
    """Email the candidate's current confirmation or change link, at most once per link. Returns the SES id.

    The greeting uses the name on the profile, never one from a held change: whoever submitted the change
    cannot put words into an email to someone else's address.
    """
    claimed = _claim(event, link, ledger, secret, now)
    if claimed is None:
        logger.info("link email not needed", extra={"candidate_id": event.candidate_id, "link": link.value})
        return None
    candidate, token, nonce, fields = claimed
    wording = LINK_EMAILS[link]
    body = render_email(
        wording.template,
        subject=wording.subject,
        preheader=wording.preheader,
        site=settings.site,
        first_name=candidate.first_name,
        confirm_url=f"{settings.public_base_url.rstrip('/')}/confirm?token={token}",
        fields=describe_fields(fields),
    )
    email = OutgoingEmail(
        to=candidate.email,
        subject=wording.subject,
        text=body.text,
        html=body.html,
        from_address=settings.sender_email,
        from_name=settings.sender_name,
        tags={"candidate_id": candidate.candidate_id, "kind": link.value},
    )
    try:
        message_id = mailer.send(email)
    except NotSent:
        # Nothing went out: give the link back so EventBridge's retry can send it.
        ledger.release_link_email(candidate.candidate_id, link, nonce)
        raise
    metrics.add_metric(name=f"{link.value.capitalize()}EmailsSent", unit=MetricUnit.Count, value=1)
    logger.info("link email sent", extra={"candidate_id": candidate.candidate_id, "link": link.value})
    return message_id


def _sent_entry(candidate_id: str, kind: TimelineKind, message_id: str, now: datetime) -> TimelineEntry:
    return TimelineEntry(
        entry_id=new_id(),
        candidate_id=candidate_id,
        kind=TimelineKind.EMAIL_SENT,
        at=isoformat(now),
        data={"email": kind, "message_id": message_id},
    )


def send_notice_email(
    event: CandidateCaptured,
    *,
    now: datetime,
    secret: bytes,
    settings: MailSettings,
    repo: CandidateAdmin,
    mailer: MailSender,
) -> str | None:
    """GDPR Art. 14: someone whose data we did not get from them is told, with a way to act on it."""
    candidate = repo.get(event.candidate_id)
    if candidate is None or candidate.suppressed_at:
        return None
    body = render_email(
        "notice",
        subject=NOTICE_SUBJECT,
        preheader="You can see, change or delete your data at any time.",
        site=settings.site,
        first_name=candidate.first_name,
        preferences_url=preferences_url(settings.public_base_url, secret, candidate.candidate_id, now),
    )
    message_id = mailer.send(
        OutgoingEmail(
            to=candidate.email,
            subject=NOTICE_SUBJECT,
            text=body.text,
            html=body.html,
            from_address=settings.sender_email,
            from_name=settings.sender_name,
            tags={"candidate_id": candidate.candidate_id, "kind": "notice"},
        )
    )
    repo.append_timeline([_sent_entry(candidate.candidate_id, TimelineKind.NOTICE, message_id, now)])
    return message_id


def has_application(event: StageChanged, applications: Applications) -> bool:
    """The move itself shows an application (into or out of applied or later), or their history does."""
    if event.to_stage in CONVERTED or event.from_stage in CONVERTED:
        return True
    return applications.has_application(event.candidate_id)


def send_stage_email(
    event: StageChanged,
    *,
    now: datetime,
    secret: bytes,
    settings: MailSettings,
    repo: CandidateAdmin,
    templates: StageTemplates,
    mailer: MailSender,
    applications: Applications,
) -> str | None:
    """The status email for a stage change, from the stage's edited template or its default.

    Only for someone with an application: a lead who never applied is not told "we have decided not to go
    further" about something they never asked for."""
    if not event.notify_candidate:
        return None
    if not has_application(event, applications):
        logger.info("no status email: the candidate never applied", extra={"candidate_id": event.candidate_id})
        return None
    template = templates.stage_template(event.to_stage) or DEFAULTS.get(event.to_stage)
    candidate = repo.get(event.candidate_id)
    if template is None or candidate is None or candidate.suppressed_at:
        return None
    entry = repo.timeline_entry(event.candidate_id, event.occurred_at, event.timeline_entry_id)
    values = {
        "first_name": candidate.first_name,
        "last_name": candidate.last_name,
        "stage": event.to_stage.value,
        "job_ref": event.job_ref,
        "feedback": (entry.data.get("feedback") if entry else None),
        "recruiter_name": candidate.owner.name if candidate.owner else None,
        "company_name": settings.sender_name,
        "preferences_url": preferences_url(settings.public_base_url, secret, candidate.candidate_id, now),
    }
    subject = templating.render(template.subject, values, escape=False)
    body = recruiter_email(
        subject=subject,
        site=settings.site,
        body_html=templating.render(template.html, values),
        body_text=templating.render(template.text, values, escape=False),
        preferences_url=str(values["preferences_url"]),
    )
    message_id = mailer.send(
        OutgoingEmail(
            to=candidate.email,
            subject=subject,
            text=body.text,
            html=body.html,
            from_address=settings.sender_email,
            from_name=candidate.owner.name if candidate.owner else settings.sender_name,
            reply_to=candidate.owner.email if candidate.owner else None,
            tags={"candidate_id": candidate.candidate_id, "kind": f"stage_{event.to_stage.value}"},
        )
    )
    repo.append_timeline(
        [_sent_entry(candidate.candidate_id, TimelineKind(f"stage_{event.to_stage.value}"), message_id, now)]
    )
    return message_id
