"""Nobody can change someone else's profile, or learn whether an address is in the pool, through the public form."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from tests import factories
from tests.integration.helpers import call, candidate_id_of, candidates, capture, captured_id, header, timeline

LINK = re.compile(r"https://talent\.example\.com/confirm\?token=([A-Za-z0-9_.-]+)")
ANA = "ana.silva@example.com"


def deliver_captured_events(aws) -> None:
    """What the welcome-email rule does: each CandidateCaptured to notify (a redelivery sends nothing twice)."""
    for event in aws.events("CandidateCaptured"):
        call("notify", event)


def open_link(token: str) -> dict:
    return call("confirm", factories.api_event("GET", "/confirm", query={"token": token}))


def press_button(token: str) -> dict:
    return call("confirm", factories.api_event("POST", "/confirm", form={"token": token}))


def last_link(aws, address: str = ANA) -> str:
    [*_, mail] = [m for m in aws.sent() if address in m.to]
    return LINK.search(mail.text).group(1)


def confirmed_ana(aws) -> str:
    """Ana signs up and confirms her address: a proven profile."""
    candidate_id = captured_id()
    deliver_captured_events(aws)
    assert press_button(last_link(aws))["statusCode"] == 200
    return candidate_id


def profile(aws) -> dict:
    [stored] = candidates(aws.items())
    return stored


MALLORY = factories.capture_body(
    first_name="Mallory", last_name="Evil", phone="+44 20 7946 0000", skills=["phishing"], interests=["events"]
)


def test_the_public_answer_is_the_same_for_a_new_a_known_a_confirmed_address_and_a_bot(aws):
    # Given a confirmed address and an unconfirmed one in the pool
    confirmed_ana(aws)
    captured_id(factories.capture_body(email="li.wei@example.com"))

    # When someone submits each of them, a new address, and a bot fills the honeypot
    cases = {
        "confirmed": factories.capture_body(skills=["go"]),
        "known": factories.capture_body(email="li.wei@example.com", skills=["go"]),
        "new": factories.capture_body(email="new.person@example.com"),
        "bot": factories.capture_body(email="bot@example.com", website="http://spam.example"),
    }
    answers = {name: capture(body) for name, body in cases.items()}

    # Then every answer has the same status, the same headers and the same body shape
    assert {a["statusCode"] for a in answers.values()} == {202}
    assert len({json.dumps(sorted((a.get("headers") or {}).keys())) for a in answers.values()}) == 1
    bodies = {name: factories.response_json(a) for name, a in answers.items()}
    assert {json.dumps(sorted(b)) for b in bodies.values()} == {'["request_id", "status"]'}
    assert {b["status"] for b in bodies.values()} == {"pending_confirmation"}

    # And no answer holds a candidate id, or anything else that tells the cases apart
    ids = {c["candidate_id"] for c in candidates(aws.items())}
    assert all(b["request_id"] not in ids for b in bodies.values())
    assert len({b["request_id"] for b in bodies.values()}) == 4


def test_the_plain_form_post_is_the_same_for_every_case_too(aws):
    confirmed_ana(aws)
    form = {"email": ANA, "first_name": "Mallory", "consent": "yes", "consent_text_version": "2026-11"}
    cases = [form, {**form, "email": "someone.new@example.com"}, {**form, "email": "x@example.com", "website": "y"}]

    answers = [capture(form=case, headers={"Accept": "text/html"}) for case in cases]

    assert {a["statusCode"] for a in answers} == {303}
    assert {header(a, "Location") for a in answers} == {f"{factories.BASE_URL}/thanks"}
    assert {a["body"] for a in answers} == {""}


def test_an_anonymous_submission_cannot_change_a_confirmed_profile(aws):
    # Given Ana has confirmed her address
    candidate_id = confirmed_ana(aws)
    before = profile(aws)

    # When someone else submits her address with their own details
    response = capture(MALLORY)

    # Then the answer is the usual one, and her profile keeps every detail she gave
    assert response["statusCode"] == 202
    after = profile(aws)
    for field in ("first_name", "last_name", "phone", "skills", "interests", "consent", "source"):
        assert after.get(field) == before.get(field), field

    # And the submission waits beside the profile for her, expiring with its TTL, with a change request on her
    # timeline (names, no values)
    [held] = [i for i in aws.items() if i.get("entity") == "held_change"]
    assert (held["pk"], held["sk"]) == (f"CAND#{candidate_id}", "CHANGE")
    assert held["profile"]["first_name"] == "Mallory"
    assert held["expires_at"] == int(datetime.fromisoformat(held["lapses_at"]).timestamp())
    [*_, entry] = timeline(aws.items(), candidate_id)
    assert entry["kind"] == "change_requested"
    assert sorted(entry["data"]["fields"]) == ["first_name", "last_name", "phone", "skills"]
    assert "Mallory" not in json.dumps(entry)

    # And her address is asked to confirm the change, greeted with her name, never the submitter's words
    deliver_captured_events(aws)
    mail = aws.sent()[-1]
    assert mail.to == [ANA]
    assert mail.subject == "Confirm the new details for your profile"
    assert "Hello Ana," in mail.text
    assert "first name, last name, phone number, skills" in mail.text
    assert "Mallory" not in mail.text and "Mallory" not in mail.html and "phishing" not in mail.text
    [event] = [e for e in aws.events("CandidateCaptured") if e["detail"]["change_requested"]]
    assert event["detail"]["candidate_id"] == candidate_id


def test_opening_the_change_link_shows_what_would_change_and_changes_nothing(aws):
    confirmed_ana(aws)
    capture(MALLORY)
    deliver_captured_events(aws)
    token = last_link(aws)
    before = aws.items()

    page = open_link(token)

    assert page["statusCode"] == 200
    assert "Apply your new details?" in page["body"]
    assert "first name, last name, phone number, skills" in page["body"]
    assert page["body"].count("<button") == 1
    assert aws.items() == before


def test_the_owner_applies_a_held_change_with_the_button(aws):
    # Given Ana herself sends new details, and opens the change email
    candidate_id = confirmed_ana(aws)
    capture(
        factories.capture_body(first_name="Ana Maria", skills=["go"], consent={"given": True, "text_version": "v2"})
    )
    deliver_captured_events(aws)
    token = last_link(aws)

    # When she presses the button
    response = press_button(token)

    # Then the details are on her profile, still confirmed, with the wording she agreed to this time
    assert response["statusCode"] == 200
    assert "Your details are updated" in response["body"]
    stored = profile(aws)
    assert stored["first_name"] == "Ana Maria"
    assert stored["skills"] == ["python", "aws", "go"]
    assert [i for i in aws.items() if i.get("entity") == "held_change"] == []
    assert stored["consent"]["status"] == "active"
    assert stored["consent"]["text_version"] == "v2"
    assert [e["kind"] for e in timeline(aws.items(), candidate_id)][-1] == "change_applied"
    [updated] = aws.events("CandidateUpdated")
    assert sorted(updated["detail"]["fields"]) == ["first_name", "skills"]
    assert len(aws.events("CandidateConfirmed")) == 1  # no second welcome series

    # And the link works once
    assert press_button(token)["statusCode"] == 403


def test_a_newer_submission_replaces_the_held_change_and_its_link(aws):
    confirmed_ana(aws)
    capture(MALLORY)
    deliver_captured_events(aws)
    first = last_link(aws)

    capture(factories.capture_body(first_name="Ana Maria"))
    deliver_captured_events(aws)
    second = last_link(aws)

    assert second != first
    assert press_button(first)["statusCode"] == 403
    assert profile(aws)["first_name"] == "Ana"
    assert press_button(second)["statusCode"] == 200
    assert profile(aws)["first_name"] == "Ana Maria"
    assert profile(aws)["last_name"] == "Silva"  # the replaced submission left nothing behind


def test_a_held_change_lapses_after_seven_days(aws, monkeypatch):
    confirmed_ana(aws)
    capture(MALLORY)
    deliver_captured_events(aws)
    token = last_link(aws)

    later = datetime.now(UTC) + timedelta(days=7, minutes=1)
    monkeypatch.setattr("talentpool_fn_confirm.utcnow", lambda: later)
    response = press_button(token)

    assert response["statusCode"] == 403
    assert "expired" in response["body"]
    assert profile(aws)["first_name"] == "Ana"


def test_a_confirmed_person_who_unsubscribed_rejoins_only_through_the_link(aws):
    # Given Ana confirmed, then withdrew her consent
    candidate_id = confirmed_ana(aws)
    from talentpool.adapters.aws.candidates import CandidateStore
    from talentpool.adapters.aws.table import Table
    from talentpool.models.candidate import ConsentStatus

    store = CandidateStore(Table(factories.TABLE))
    current = store.get(candidate_id)
    withdrawn = current.consent.model_copy(update={"status": ConsentStatus.WITHDRAWN})
    store.save(current, current.model_copy(update={"consent": withdrawn}))

    # When her address is submitted again
    capture(factories.capture_body(first_name="Ana Maria"))

    # Then nothing changes until the address's owner presses the button, which also renews her consent
    assert profile(aws)["consent"]["status"] == "withdrawn"
    deliver_captured_events(aws)
    assert press_button(last_link(aws))["statusCode"] == 200
    assert profile(aws)["consent"]["status"] == "active"
    assert profile(aws)["first_name"] == "Ana Maria"
    assert len(aws.events("CandidateConfirmed")) == 2


@pytest.mark.parametrize("channel", ["recruiter", "import"])
def test_a_public_submission_cannot_claim_a_recruiter_channel(aws, channel):
    response = capture(factories.capture_body(source={"channel": channel}))

    assert response["statusCode"] == 422
    [field] = factories.response_json(response)["error"]["fields"]
    assert field["loc"] == ["source", "channel"]
    assert candidates(aws.items()) == []


def test_a_form_claiming_a_recruiter_channel_gets_the_form_back(aws):
    form = {"email": ANA, "consent": "yes", "consent_text_version": "2026-11", "source_channel": "import"}
    response = capture(form=form, headers={"Accept": "text/html"})
    assert response["statusCode"] == 422
    assert "recorded by recruiters" in response["body"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "Ana\r\nBcc: victim@example.com"),
        ("first_name", "Ana\x00"),
        ("last_name", "Silva\u202egnp.exe"),
        ("last_name", "Sil\u200dva"),
        ("first_name", "A\x85na"),
        ("email", "ana@example.com\nBcc: victim@example.com"),
        ("email", "ana\n@example.com"),
    ],
)
def test_text_that_could_break_a_header_or_a_page_is_refused_naming_the_field(aws, field, value):
    response = capture(factories.capture_body(**{field: value}))

    assert response["statusCode"] == 422
    assert [f["loc"] for f in factories.response_json(response)["error"]["fields"]] == [[field]]
    assert candidates(aws.items()) == []


# --- The per-mailbox limit -----------------------------------------------------------------------------


def test_plus_and_dot_variants_cannot_send_one_mailbox_more_than_three_emails_an_hour(aws):
    # Given three variants of one Gmail mailbox are submitted: each is answered, each is its own candidate
    variants = ["ana.silva@gmail.com", "AnaSilva+jobs@gmail.com", "a.n.a.s.i.l.v.a@googlemail.com"]
    for email in variants:
        assert capture(factories.capture_body(email=email))["statusCode"] == 202

    # When a fourth variant is submitted within the hour
    refused = capture(factories.capture_body(email="ana.silva+again@gmail.com"))

    # Then it is refused with 429 and when to try again, and nothing is kept for it
    assert refused["statusCode"] == 429
    assert factories.response_json(refused)["error"]["code"] == "rate_limited"
    assert 3500 <= int(header(refused, "Retry-After")) <= 3600
    assert candidate_id_of("ana.silva+again@gmail.com") is None

    # And the mailbox got at most three emails
    deliver_captured_events(aws)
    assert len(aws.sent()) == 3


def test_the_limit_says_nothing_about_whether_the_address_is_in_the_pool(aws):
    # Given a confirmed address and a new one, each submitted three times
    confirmed_ana(aws)  # one submission already counted for Ana
    for _ in range(2):
        capture(factories.capture_body(skills=["go"]), headers={"Idempotency-Key": f"ana-{_}"})
    for n in range(3):
        capture(factories.capture_body(email="new.person@example.com"), headers={"Idempotency-Key": f"new-{n}"})

    # When each is submitted a fourth time
    answers = [
        capture(factories.capture_body(skills=["rust"])),
        capture(factories.capture_body(email="new.person@example.com", skills=["rust"])),
    ]

    # Then both get the same refusal
    assert [a["statusCode"] for a in answers] == [429, 429]
    assert len({json.dumps(factories.response_json(a)) for a in answers}) == 1


def test_a_retry_of_an_accepted_submission_does_not_count_again(aws):
    for _ in range(5):
        assert capture(headers={"Idempotency-Key": "same-one"})["statusCode"] == 202


def test_the_careers_page_shows_the_limit_with_its_retry_time(aws):
    form = {"email": ANA, "consent": "yes", "consent_text_version": "2026-11"}
    for n in range(3):
        capture(form={**form, "first_name": f"Ana{n}"}, headers={"Accept": "text/html"})

    refused = capture(form={**form, "first_name": "Ana"}, headers={"Accept": "text/html"})

    assert refused["statusCode"] == 429
    assert header(refused, "Retry-After")
    assert "Too many emails to this address" in refused["body"]
