"""Marketing emails: personal words, both parts, variants by interest, and the compliance every one carries."""

from __future__ import annotations

import email

import pytest
from pydantic import ValidationError

from talentpool.logic.sending.marketing_email import Branding, Links, render_marketing_email
from talentpool.models.candidate import Candidate, ConsentRecord, ConsentStatus, Owner, Source
from talentpool.models.sequences import SequenceDefinition, SequenceKind, SequenceStep

BRANDING = Branding(company_name="Acme", sender_email="talent@acme.example")
LINKS = Links(unsubscribe_url="https://t.example/unsubscribe/TOKEN", preferences_url="https://t.example/preferences/P")


def candidate(**changes) -> Candidate:
    base = Candidate(
        candidate_id="01M8B9VGHAH080YCQ49MGPAEJE",
        email="ana@example.com",
        first_name="Ana",
        skills=["rust", "go"],
        interests=["job_alerts"],
        source=Source(channel="careers_site"),
        consent=ConsentRecord(status=ConsentStatus.ACTIVE),
        captured_at="2026-11-02T10:00:00.000Z",
        updated_at="2026-11-02T10:00:00.000Z",
    )
    return base.model_copy(update=changes)


def sequence(**changes):
    from talentpool.models.sequences import Sequence

    definition = SequenceDefinition(
        name="Welcome",
        kind=SequenceKind.ENGAGE,
        steps=[
            SequenceStep(
                delay="P0D",
                subject="Welcome, {{first_name|friend}}",
                body="Hi {{first_name|there}},\n\nYour {{top_skill|skills}} are in demand. See https://acme.example/jobs",
                variants={"career_advice": {"subject": "Career tips for {{first_name}}", "body": "Tips."}},
            )
        ],
    )
    return Sequence(
        **definition.model_dump(), sequence_id="welcome", version=1, created_at="x", updated_at="x", **changes
    )


def render(cand: Candidate, seq=None):
    return render_marketing_email(
        candidate=cand,
        sequence=seq or sequence(),
        step_index=0,
        branding=BRANDING,
        links=LINKS,
        tags={"candidate_id": cand.candidate_id},
    )


def test_every_marketing_email_has_rfc8058_headers_and_a_visible_footer():
    message = email.message_from_bytes(render(candidate()).to_mime())
    assert message["List-Unsubscribe"] == "<https://t.example/unsubscribe/TOKEN>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    parts = {p.get_content_type(): p.get_payload(decode=True).decode() for p in message.walk() if not p.is_multipart()}
    assert set(parts) == {"text/plain", "text/html"}
    for part in parts.values():
        assert "https://t.example/unsubscribe/TOKEN" in part
        assert "https://t.example/preferences/P" in part
        assert "joined our talent community on 2 November 2026" in part


def test_personalisation_and_fallbacks():
    rendered = render(candidate())
    assert rendered.subject == "Welcome, Ana"
    assert "Your rust are in demand" in rendered.text
    anonymous = render(candidate(first_name=None, skills=[]))
    assert anonymous.subject == "Welcome, friend"
    assert "Hi there," in anonymous.text and "Your skills are in demand" in anonymous.text


def test_html_is_escaped_and_links_are_clickable():
    rendered = render(candidate(first_name="<script>x</script>"))
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert '<a href="https://acme.example/jobs" rel="noopener">https://acme.example/jobs</a>' in rendered.html


def test_a_variant_for_the_candidates_interest_replaces_the_content():
    rendered = render(candidate(interests=["career_advice"]))
    assert rendered.subject == "Career tips for Ana"


def test_the_owner_is_the_display_name_and_reply_to_on_the_verified_address():
    owned = render(candidate(owner=Owner(id="r1", name="Rita Recruiter", email="rita@acme.example")))
    message = email.message_from_bytes(owned.to_mime())
    assert message["From"] == "Rita Recruiter <talent@acme.example>"
    assert message["Reply-To"] == "rita@acme.example"
    assert email.message_from_bytes(render(candidate()).to_mime())["From"] == "Acme <talent@acme.example>"


@pytest.mark.parametrize(
    "step",
    [
        {"delay": "P1D", "subject": "Hi {{favourite_colour}}", "body": "x"},
        {"delay": "P1D", "subject": "Hi", "body": "{{first_name}} {{salary|lots}}"},
        {"delay": "P1D", "subject": "Hi", "body": "x", "variants": {"events": {"subject": "{{nope}}", "body": "x"}}},
        {"delay": "-P1D", "subject": "Hi", "body": "x"},
    ],
)
def test_unknown_placeholders_and_bad_delays_are_refused_when_saved(step):
    with pytest.raises(ValidationError):
        SequenceDefinition(name="x", kind="engage", steps=[step])
