"""What any text can do to an email: never add a header, never break the message, never break the layout."""

from __future__ import annotations

import email
import quopri
from email import policy
from email.message import EmailMessage

import pytest

from talentpool.logic.sending.marketing_email import Branding, Links, render_marketing_email
from talentpool.models.candidate import Candidate, ConsentRecord, ConsentStatus, Owner, Source
from talentpool.models.email_message import OutgoingEmail, header_text, mobile_ready
from tests.unit.test_marketing_email import sequence

HOSTILE_NAMES = [
    "Ana\r\nBcc: everyone@evil.example",
    "Ana\nSubject: you won",
    "Ana\rX-Injected: 1",
    'Ana "the boss" <ceo@evil.example>, Bob',
    "Ana\u202e\u200dlive\x00\x85",
]


def parsed(message: OutgoingEmail) -> EmailMessage:
    result = email.message_from_bytes(message.to_mime(), policy=policy.default)
    assert isinstance(result, EmailMessage)
    return result


def stored_candidate(first_name: str, owner_name: str | None = None) -> Candidate:
    """A profile as it may sit in the table from before names were validated: built without validation."""
    owner = Owner.model_construct(id="r1", name=owner_name, email="rita@acme.example") if owner_name else None
    return Candidate.model_construct(
        candidate_id="01M8B9VGHAH080YCQ49MGPAEJE",
        email="ana@example.com",
        first_name=first_name,
        last_name=None,
        skills=["rust"],
        desired_roles=[],
        interests=[],
        location=None,
        years_experience=None,
        owner=owner,
        source=Source(channel="careers_site"),
        consent=ConsentRecord(status=ConsentStatus.ACTIVE),
        captured_at="2026-11-02T10:00:00.000Z",
        updated_at="2026-11-02T10:00:00.000Z",
    )


def marketing(candidate: Candidate, from_name: str | None = None) -> OutgoingEmail:
    seq = sequence()
    if from_name is not None:
        seq = seq.model_copy(update={"sender": seq.sender.model_copy(update={"from_name": from_name})})
    return render_marketing_email(
        candidate=candidate,
        sequence=seq,
        step_index=0,
        branding=Branding(company_name="Acme", sender_email="talent@acme.example"),
        links=Links(unsubscribe_url="https://t.example/unsubscribe/T", preferences_url="https://t.example/p/P"),
        tags={"candidate_id": candidate.candidate_id},
    )


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_first_name_in_the_subject_adds_no_header_and_the_email_still_goes(name):
    message = parsed(marketing(stored_candidate(name)))

    assert message["Bcc"] is None and message["X-Injected"] is None
    assert [str(a.addr_spec) for a in message["To"].addresses] == ["ana@example.com"]
    assert message["Subject"].startswith("Welcome, Ana")
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert message["List-Unsubscribe"] == "<https://t.example/unsubscribe/T>"


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_owner_name_is_only_ever_the_display_name_of_our_sender(name):
    message = parsed(marketing(stored_candidate("Ana", owner_name=name)))

    [sender] = message["From"].addresses
    assert sender.addr_spec == "talent@acme.example"
    assert sender.display_name.startswith("Ana")
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert [a.addr_spec for a in message["Reply-To"].addresses] == ["rita@acme.example"]


def test_a_sequence_from_name_with_a_line_break_cannot_add_a_header():
    message = parsed(marketing(stored_candidate("Ana"), from_name="Acme\r\nBcc: all@evil.example"))

    assert message["Bcc"] is None
    assert message["From"].addresses[0].display_name == "Acme Bcc: all@evil.example"


def test_ordinary_unicode_names_round_trip_in_from_and_subject():
    message = parsed(marketing(stored_candidate("Zoë Ñandú 李", owner_name="Zoë Ñandú 李")))

    assert message["Subject"] == "Welcome, Zoë Ñandú 李"
    assert message["From"].addresses[0].display_name == "Zoë Ñandú 李"


def test_header_text_drops_invisible_format_characters_and_turns_controls_into_spaces():
    assert header_text("A\u202eB\u200dC") == "ABC"
    assert header_text("A\r\n\tB\x00C\x85D\u2028E") == "A B C D E"
    assert header_text("Zoë Ñandú 李") == "Zoë Ñandú 李"


def test_bodies_are_quoted_printable_in_short_lines_and_decode_to_exactly_what_was_written():
    html = '<p style="color:#1b1f24">' + "word " * 100 + '<a href="https://t.example/' + "x" * 150 + '">x</a></p>'
    sent = marketing(stored_candidate("Zoë")).model_copy(update={"html": mobile_ready(html), "text": "é " * 200})
    raw = sent.to_mime()

    body = raw.split(b"\n\n", 1)[1]
    assert max(len(line.rstrip(b"\r")) for line in body.splitlines()) <= 76
    message = parsed(sent)
    parts = {p.get_content_type(): p for p in message.walk() if not p.is_multipart()}
    assert {p["Content-Transfer-Encoding"] for p in parts.values()} == {"quoted-printable"}
    assert parts["text/html"].get_content() == sent.html + "\n"
    assert parts["text/plain"].get_content() == sent.text + "\n"
    # No hard line break lands inside a tag once decoded.
    assert "\n" not in quopri.decodestring(parts["text/html"].get_payload()).decode().rstrip("\n")


@pytest.mark.parametrize(
    "html",
    [
        "<!doctype html><html><body><p>Hi</p></body></html>",
        "<html lang=en><head><title>x</title></head><body><p>Hi</p></body></html>",
        "<p>Hi</p>",
    ],
)
def test_every_html_email_gets_a_viewport_once(html):
    ready = mobile_ready(html)

    assert ready.count('name="viewport"') == 1
    assert "<p>Hi</p>" in ready
    assert mobile_ready(ready) == ready
