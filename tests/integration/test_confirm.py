"""Double opt-in: the confirmation email, its signed link (a GET shows, a POST confirms), and bad links."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from talentpool.logic.capture.confirm import confirmation_token
from tests import factories
from tests.integration.helpers import call, candidates, capture, captured_id, timeline

LINK = re.compile(r"https://talent\.example\.com/confirm\?token=([A-Za-z0-9_.-]+)")


def deliver_captured_events(aws) -> list[dict]:
    return [call("notify", event) for event in aws.events("CandidateCaptured")]


def open_link(token: str) -> dict:
    """What a browser, or a mail scanner, does with the link: GET it."""
    return call("confirm", factories.api_event("GET", "/confirm", query={"token": token}))


def press_button(token: str) -> dict:
    """What the page's one button does: POST the token as a form."""
    return call("confirm", factories.api_event("POST", "/confirm", form={"token": token}))


def confirm(token: str) -> dict:
    """A person confirming: opens the link, then presses the button."""
    opened = open_link(token)
    return press_button(token) if opened["statusCode"] == 200 else opened


def captured_and_emailed(aws) -> tuple[str, str]:
    candidate_id = captured_id()
    deliver_captured_events(aws)
    [mail] = aws.sent()
    return candidate_id, LINK.search(mail.text).group(1)


def test_confirmation_email_has_both_parts_and_a_signed_link(aws):
    capture()
    deliver_captured_events(aws)
    [mail] = aws.sent()
    assert mail.to == ["ana.silva@example.com"]
    assert mail.subject == "Please confirm your email address"
    assert "Hello Ana," in mail.text
    token = LINK.search(mail.text).group(1)
    assert token in mail.html
    assert "Confirm my email address" in mail.html


def test_opening_the_link_only_shows_a_page_with_one_button(aws):
    # Given the confirmation email
    _, token = captured_and_emailed(aws)
    before = aws.items()

    # When a mail scanner (or the person) opens the link with GET, even twice
    first = open_link(token)
    second = open_link(token)

    # Then it sees a page with one button that posts the token, and the person is still pending
    for page in (first, second):
        assert page["statusCode"] == 200
        assert page["body"].count("<button") == 1
        assert '<form class="panel" method="post" action="confirm">' in page["body"]
        assert f'name="token" value="{token}"' in page["body"]
    assert aws.items() == before
    assert candidates(aws.items())[0]["consent"]["status"] == "pending"
    assert aws.events("CandidateConfirmed") == []


def test_following_the_link_confirms_consent_once(aws):
    candidate_id, token = captured_and_emailed(aws)

    response = confirm(token)

    assert response["statusCode"] == 200
    assert "You are confirmed" in response["body"]
    [stored] = candidates(aws.items())
    assert stored["consent"]["status"] == "active"
    assert stored["consent"]["confirmed_at"]
    assert stored["engagement"] == 5.0  # confirming is the strongest engagement signal
    assert stored["engagement_at"] == stored["consent"]["confirmed_at"]
    assert [e["kind"] for e in timeline(aws.items(), candidate_id)] == ["captured", "confirmed"]
    [event] = aws.events("CandidateConfirmed")
    assert event["detail"]["candidate_id"] == candidate_id


def test_a_reused_link_shows_a_clear_page_and_changes_nothing(aws):
    _, token = captured_and_emailed(aws)
    confirm(token)
    before = aws.items()

    response = confirm(token)

    assert response["statusCode"] == 403
    assert "already been used" in response["body"]
    assert aws.items() == before
    assert press_button(token)["statusCode"] == 403
    assert aws.items() == before
    assert len(aws.events("CandidateConfirmed")) == 1


def test_a_tampered_link_is_refused_and_changes_nothing(aws):
    _, token = captured_and_emailed(aws)
    body, signature = token.split(".")
    forged = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + signature
    before = aws.items()
    response = confirm(forged)
    assert response["statusCode"] == 403
    assert "not valid" in response["body"]
    assert press_button(forged)["statusCode"] == 403
    assert aws.items() == before


def test_an_expired_link_is_refused(aws):
    candidate_id, _ = captured_and_emailed(aws)
    [stored] = candidates(aws.items())
    old = confirmation_token(
        b"s3cr3t-for-tests", candidate_id, stored["confirmation_nonce"], datetime.now(UTC) - timedelta(days=8)
    )
    response = confirm(old)
    assert response["statusCode"] == 403
    assert "expired" in response["body"]
    assert candidates(aws.items())[0]["consent"]["status"] == "pending"


@pytest.mark.parametrize("query", [{}, {"token": "short"}, {"token": "x" * 40 + "." + "y" * 40}])
def test_a_missing_or_junk_token_gets_a_page_not_a_crash(aws, query):
    response = call("confirm", factories.api_event("GET", "/confirm", query=query or None))
    assert response["statusCode"] in (403, 422)
    assert "<html" in response["body"]


@pytest.mark.parametrize("form", [{}, {"token": "short"}, {"token": "x" * 40 + "." + "y" * 40}, {"other": "x"}])
def test_a_button_post_without_a_good_token_gets_a_page_not_a_crash(aws, form):
    response = call("confirm", factories.api_event("POST", "/confirm", form=form))
    assert response["statusCode"] in (403, 422)
    assert "<html" in response["body"]


def test_a_redelivered_event_does_not_send_a_second_email(aws):
    capture()
    [event] = aws.events("CandidateCaptured")
    call("notify", event)
    call("notify", event)
    assert len(aws.sent()) == 1


def test_resubmitting_soon_does_not_mail_bomb_but_later_sends_a_fresh_link(aws, monkeypatch):
    _, first_token = captured_and_emailed(aws)

    # A second submission with a different body a minute later: no new email
    capture(factories.capture_body(skills=["go"]))
    deliver_captured_events(aws)
    assert len(aws.sent()) == 1

    # Eleven minutes later: a fresh link, and the old one no longer works
    later = datetime.now(UTC) + timedelta(minutes=11)
    monkeypatch.setattr("talentpool.api.capture.utcnow", lambda: later)
    capture(factories.capture_body(skills=["rust"]))
    deliver_captured_events(aws)
    assert len(aws.sent()) == 2
    new_token = LINK.search(aws.sent()[-1].text).group(1)
    assert confirm(first_token)["statusCode"] == 403
    assert confirm(new_token)["statusCode"] == 200


def test_throttled_send_is_released_so_the_retry_sends_it(aws, monkeypatch):
    from talentpool.adapters.aws import mail

    capture()
    [event] = aws.events("CandidateCaptured")
    original = mail.Mailer.send
    monkeypatch.setattr(mail.Mailer, "send", lambda self, email: (_ for _ in ()).throw(mail.Throttled("slow")))
    with pytest.raises(mail.Throttled):
        call("notify", event)
    monkeypatch.setattr(mail.Mailer, "send", original)
    call("notify", event)
    assert len(aws.sent()) == 1


def test_no_confirmation_email_once_confirmed(aws):
    _, token = captured_and_emailed(aws)
    confirm(token)
    capture(factories.capture_body(skills=["go"]))
    [*_, last] = aws.events("CandidateCaptured")
    assert last["detail"]["confirmation_requested"] is False
    assert last["detail"]["change_requested"] is True
