"""Every kind of HTML email, as a mail client receives it, rendered by Chromium on a 375 px wide phone."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest

from talentpool.emails import Site
from talentpool.logic.sending.marketing_email import Branding, Links, render_marketing_email
from talentpool.logic.sending.stage_email import DEFAULTS
from talentpool.logic.sending.transactional_email import (
    MailSettings,
    send_link_email,
    send_notice_email,
    send_stage_email,
)
from talentpool.logic.sequences import builtin as builtin_sequences
from talentpool.models.candidate import Candidate, EmailedLink, PendingChange, Stage, TimelineEntry
from talentpool.models.email_message import OutgoingEmail
from talentpool.models.events import CandidateCaptured, StageChanged
from tests.e2e.test_browser_careers import browser  # noqa: F401 - the shared chromium fixture

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PHONE = {"width": 375, "height": 667}
NOW = datetime(2026, 11, 26, 9, tzinfo=UTC)
SITE = Site(
    company_name="Acme",
    logo_url="https://talent.acme.example/assets/logo.svg",
    privacy_policy_url="https://acme.example/privacy",
)
SETTINGS = MailSettings(sender_email="talent@acme.example", public_base_url="https://talent.acme.example", site=SITE)
CANDIDATE = Candidate.model_validate(
    {
        "candidate_id": "01M8B9VGHAH080YCQ49MGPAEJE",
        "email": "ana.silva@example.com",
        "first_name": "Ana",
        "skills": ["Python developer", "AWS"],
        "interests": ["events"],
        "source": {"channel": "careers_site"},
        "consent": {"status": "active", "confirmed_at": "2026-11-02T10:00:00.000Z"},
        "owner": {"id": "r1", "name": "Rita Recruiter", "email": "rita@acme.example"},
        "captured_at": "2026-11-02T10:00:00.000Z",
        "updated_at": "2026-11-02T10:00:00.000Z",
        "confirmation_nonce": "01M8B9VGHAH080YCQ49MGPAEJF",
    }
)


class Outbox:
    """Every port the senders need, in memory: the candidate, and the emails they send."""

    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []

    def send(self, message: OutgoingEmail) -> str:
        self.sent.append(message)
        return f"m{len(self.sent)}"

    def get(self, candidate_id: str) -> Candidate:
        return CANDIDATE

    def claim_confirmation_email(self, candidate_id: str, now: str) -> Candidate:
        return CANDIDATE

    def claim_change_email(self, candidate_id: str, now: str) -> PendingChange:
        return PendingChange.model_validate(
            {
                "candidate_id": CANDIDATE.candidate_id,
                "nonce": "01M8B9VGHAH080YCQ49MGPAEJH",
                "submitted_at": "2026-11-26T08:00:00.000Z",
                "lapses_at": "2026-12-03T08:00:00.000Z",
                "profile": {"first_name": "Ana", "skills": ["Python developer", "Go"]},
                "consent": CANDIDATE.consent.model_dump(),
                "source": {"channel": "careers_site"},
            }
        )

    def append_timeline(self, entries: list[TimelineEntry]) -> None:
        pass

    def timeline_entry(self, candidate_id: str, at: str, entry_id: str) -> None:
        return None

    def stage_template(self, stage: Stage) -> None:
        return None

    def has_application(self, candidate_id: str) -> bool:
        return True


def every_email() -> list[tuple[str, OutgoingEmail]]:
    outbox: Any = Outbox()
    captured = CandidateCaptured(
        candidate_id=CANDIDATE.candidate_id,
        occurred_at="2026-11-26T09:00:00.000Z",
        channel="careers_site",
        merged=False,
        confirmation_requested=True,
    )
    for link in (EmailedLink.CONFIRMATION, EmailedLink.CHANGE):
        send_link_email(captured, link, now=NOW, secret=b"k", settings=SETTINGS, ledger=outbox, mailer=outbox)
    send_notice_email(captured, now=NOW, secret=b"k", settings=SETTINGS, repo=outbox, mailer=outbox)
    for stage in DEFAULTS:
        changed = StageChanged(
            candidate_id=CANDIDATE.candidate_id,
            occurred_at="2026-11-26T09:00:00.000Z",
            from_stage=Stage.APPLIED if stage is Stage.REJECTED else Stage.LEAD,
            to_stage=stage,
            timeline_entry_id="01M8B9VGHAH080YCQ49MGPAEJG",
        )
        send_stage_email(
            changed,
            now=NOW,
            secret=b"k",
            settings=SETTINGS,
            repo=outbox,
            templates=outbox,
            mailer=outbox,
            applications=outbox,
        )
    names = ("confirmation", "change", "notice", *(f"stage {stage.value}" for stage in DEFAULTS))
    named = list(zip(names, outbox.sent, strict=True))
    links = Links(
        unsubscribe_url="https://talent.acme.example/unsubscribe/" + "t" * 160,
        preferences_url="https://talent.acme.example/preferences/" + "p" * 160,
    )
    for sequence in builtin_sequences.builtin_sequences().values():
        for index in range(len(sequence.steps)):
            marketing = render_marketing_email(
                candidate=CANDIDATE,
                sequence=sequence,
                step_index=index,
                branding=Branding(
                    company_name="Acme",
                    sender_email=SETTINGS.sender_email,
                    logo_url=SITE.logo_url,
                    privacy_policy_url=SITE.privacy_policy_url,
                ),
                links=links,
                tags={},
            )
            named.append((f"{sequence.sequence_id} step {index}", marketing))
    return named


def received_html(message: OutgoingEmail) -> str:
    """The HTML part as a mail client decodes it from the MIME message we hand SES."""
    parsed = email.message_from_bytes(message.to_mime(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    part = parsed.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


EMAILS = every_email()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:  # noqa: F811 - the imported fixture is the one used
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize(("name", "message"), EMAILS, ids=[name for name, _ in EMAILS])
def test_each_email_fits_a_375_px_phone_without_zooming_or_scrolling_sideways(
    phone: Any, name: str, message: OutgoingEmail
) -> None:
    # Given the email as the phone's mail app receives it
    phone.set_content(received_html(message))

    # When Chromium lays it out on a 375 px wide screen
    layout = phone.evaluate(
        """() => ({
            width: document.documentElement.scrollWidth,
            viewport: window.innerWidth,
            font: parseFloat(getComputedStyle(document.querySelector('p') || document.body).fontSize),
            scale: window.visualViewport.scale,
        })"""
    )

    # Then it is laid out at the phone's width (not a 980 px desktop page shrunk), with nothing wider than the
    # screen (long links wrap), and its text is readable without zooming in
    assert layout["viewport"] == 375, layout
    assert layout["width"] <= 375, f"{name} scrolls sideways: {layout}"
    assert layout["scale"] == 1 and layout["font"] >= 14, layout


@pytest.mark.parametrize(("name", "message"), EMAILS, ids=[name for name, _ in EMAILS])
def test_each_email_has_the_house_layout_and_a_text_part_with_the_same_links(
    phone: Any, name: str, message: OutgoingEmail
) -> None:
    # Given the email as the phone's mail app receives it
    phone.set_content(received_html(message))

    # Then it has the layout's parts: the logo named for the company, a preheader, dark-mode colours chosen
    head = phone.evaluate(
        """() => ({
            viewport: !!document.querySelector('meta[name=viewport]'),
            scheme: (document.querySelector('meta[name=color-scheme]') || {}).content,
            logo: (document.querySelector('img') || {}).alt,
            preheader: document.body.firstElementChild.textContent.trim(),
            blank: [...document.links].filter(a => !a.textContent.trim()).map(a => a.href),
            links: [...document.links].map(a => a.href),
        })"""
    )
    assert head["viewport"] and head["scheme"] == "light dark" and head["logo"] == "Acme", head
    assert head["preheader"], f"{name} has no preheader"
    # Every link says where it goes, and the text part carries every one of them
    assert head["blank"] == [], f"{name} has links with no visible text"
    assert SITE.privacy_policy_url in head["links"]
    for href in head["links"]:
        assert href.replace("&amp;", "&") in message.text, f"{name}: {href} is missing from the text part"
