"""A marketing email for one candidate: personal words, both parts, and everything the law and RFC 8058 ask.

Every one carries the List-Unsubscribe and one-click List-Unsubscribe-Post headers, a visible unsubscribe
link and preference-centre link, and the reason the candidate is receiving it.
"""

from __future__ import annotations

from dataclasses import dataclass

from talentpool import templating
from talentpool.clock import parse_iso
from talentpool.emails import Site, recruiter_email
from talentpool.models.candidate import Candidate, Topic
from talentpool.models.email_message import OutgoingEmail
from talentpool.models.geography import countries
from talentpool.models.sequences import Content, Sequence, SequenceKind, SequenceStep

TOPIC_NAMES = {
    Topic.CAREER_ADVICE: "career advice",
    Topic.SECTOR_NEWS: "sector news",
    Topic.EVENTS: "events",
    Topic.JOB_ALERTS: "matching jobs",
}


@dataclass(frozen=True)
class Branding:
    company_name: str
    sender_email: str
    logo_url: str | None = None
    privacy_policy_url: str | None = None

    @property
    def site(self) -> Site:
        return Site(self.company_name, self.logo_url, self.privacy_policy_url)


@dataclass(frozen=True)
class Links:
    unsubscribe_url: str
    preferences_url: str


def personal_values(candidate: Candidate, branding: Branding, topic: Topic | None) -> dict[str, object]:
    """The placeholder values for one candidate; missing ones fall back to the template's {{x|fallback}}."""
    location = candidate.location
    return {
        "first_name": candidate.first_name,
        "last_name": candidate.last_name,
        "top_skill": candidate.skill_name(candidate.skills[0]) if candidate.skills else None,
        "skills": ", ".join(candidate.skill_name(key) for key in candidate.skills[:5]) or None,
        "desired_role": candidate.desired_roles[0] if candidate.desired_roles else None,
        "city": location.city if location else None,
        "country": countries().get(location.country or "") if location and location.country else None,
        "years_experience": candidate.years_experience,
        "recruiter_name": candidate.owner.name if candidate.owner else None,
        "company_name": branding.company_name,
        "topic": TOPIC_NAMES.get(topic) if topic else None,
    }


def choose_content(step: SequenceStep, candidate: Candidate) -> tuple[Content, Topic | None]:
    """The step's content, or the variant for the first of the candidate's interests that has one."""
    for interest in candidate.interests:
        if interest in step.variants:
            return step.variants[interest], interest
    return step, None


def reason_line(candidate: Candidate, sequence: Sequence) -> str:
    joined = parse_iso(candidate.captured_at).strftime("%-d %B %Y")
    if sequence.kind is SequenceKind.NURTURE and sequence.topic:
        return (
            f"You receive this because you asked for {TOPIC_NAMES[sequence.topic]} emails when you joined "
            f"our talent community on {joined}."
        )
    return f"You receive this because you joined our talent community on {joined} and confirmed your email address."


def render_marketing_email(
    *,
    candidate: Candidate,
    sequence: Sequence,
    step_index: int,
    branding: Branding,
    links: Links,
    tags: dict[str, str],
) -> OutgoingEmail:
    step = sequence.steps[step_index]
    content, variant_topic = choose_content(step, candidate)
    values = personal_values(candidate, branding, sequence.topic or variant_topic)
    subject = templating.render(content.subject, values, escape=False)
    body = templating.render(content.body, values, escape=False)
    rendered = recruiter_email(
        subject=subject,
        site=branding.site,
        body_html=templating.render(content.html, values) if content.html else None,
        body_text=body,
        preferences_url=links.preferences_url,
        unsubscribe_url=links.unsubscribe_url,
        reason=reason_line(candidate, sequence),
    )
    owner = candidate.owner if sequence.sender.use_owner else None
    return OutgoingEmail(
        to=candidate.email,
        subject=subject,
        text=rendered.text,
        html=rendered.html,
        from_address=branding.sender_email,
        from_name=owner.name if owner else (sequence.sender.from_name or branding.company_name),
        reply_to=owner.email if owner else None,
        headers={
            "List-Unsubscribe": f"<{links.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        tags=tags,
    )
