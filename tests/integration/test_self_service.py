"""Candidate self-service through the real handler: one-click unsubscribe and the preference centre."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import urljoin

import pytest

from talentpool.adapters.aws import keys
from talentpool.adapters.aws.table import Table
from talentpool.adapters.aws.workflows import Workflows
from talentpool.clock import parse_iso, utcnow
from talentpool.logic.sending import links
from tests import factories
from tests.integration.helpers import call, candidates, captured_id, header, timeline

SECRET = b"s3cr3t-for-tests"
CONFIRM_LINK = re.compile(r"/confirm\?token=([A-Za-z0-9_.-]+)")
ONE_CLICK = "List-Unsubscribe=One-Click"
# What Gmail and friends send (RFC 8058 section 3.2): a bare POST, no cookies, no Accept header of note.
MAIL_CLIENT = {
    "User-Agent": "Mozilla/5.0 (compatible; Google-Mail)",
    "Content-Type": "application/x-www-form-urlencoded",
}


def token_for(purpose: str, candidate_id: str, *, secret: bytes = SECRET, age: timedelta = timedelta(0)) -> str:
    sign = links.preferences_url if purpose == links.PREFERENCES else links.unsubscribe_url
    return sign(factories.BASE_URL, secret, candidate_id, utcnow() - age).rsplit("/", 1)[1]


def request(method: str, path: str, **kwargs) -> dict:
    return call("self_service", factories.api_event(method, path, **kwargs))


def one_click(token: str, **kwargs) -> dict:
    kwargs.setdefault("headers", MAIL_CLIENT)
    kwargs.setdefault("raw_body", ONE_CLICK)
    return request("POST", f"/unsubscribe/{token}", **kwargs)


def post_preferences(token: str, **fields) -> dict:
    return request("POST", f"/preferences/{token}", form=fields)


def stored(aws, candidate_id: str) -> dict:
    [item] = [c for c in candidates(aws.items()) if c["candidate_id"] == candidate_id]
    return item


def kinds(aws, candidate_id: str) -> list[str]:
    return [e["kind"] for e in timeline(aws.items(), candidate_id)]


@pytest.fixture
def candidate_id(aws) -> str:
    """Ana, signed up on the careers site and confirmed by email: she gets marketing email."""
    candidate_id = captured_id()
    for event in aws.events("CandidateCaptured"):
        call("notify", event)
    [mail] = aws.sent()
    confirm_token = CONFIRM_LINK.search(mail.text).group(1)
    assert call("confirm", factories.api_event("POST", "/confirm", form={"token": confirm_token}))["statusCode"] == 200
    return candidate_id


@pytest.fixture
def unsubscribe_token(candidate_id) -> str:
    return token_for(links.UNSUBSCRIBE, candidate_id)


@pytest.fixture
def preferences_token(candidate_id) -> str:
    return token_for(links.PREFERENCES, candidate_id)


# --- One-click unsubscribe -------------------------------------------------------------------------------


def test_one_click_post_unsubscribes_at_once_with_200(aws, candidate_id, unsubscribe_token):
    response = one_click(unsubscribe_token)

    assert response["statusCode"] == 200
    profile = stored(aws, candidate_id)
    assert profile["consent"]["status"] == "withdrawn"
    assert profile["consent"]["withdrawn_at"] == profile["unsubscribed_at"]
    withdrawal = profile["consent_history"][-1]
    assert withdrawal["status"] == "withdrawn" and withdrawal["withdrawn_at"] == profile["unsubscribed_at"]
    assert profile["consent_history"][-2]["status"] == "active", "the consent given stays on record"
    [entry] = [e for e in timeline(aws.items(), candidate_id) if e["kind"] == "unsubscribed"]
    assert entry["data"] == {"via": "one_click"} and entry["actor"] == "candidate"
    [event] = aws.events("CandidateUnsubscribed")
    assert event["detail"]["candidate_id"] == candidate_id and event["detail"]["via"] == "one_click"
    assert set(event["detail"]) == {"id", "candidate_id", "occurred_at", "via"}, "ids and facts only"


def test_one_click_post_as_multipart_form_data_also_works(aws, candidate_id, unsubscribe_token):
    # RFC 8058 says the POST SHOULD be multipart/form-data; many clients send it that way.
    boundary = "----rfc8058"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n'
        f"--{boundary}--\r\n"
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "User-Agent": "mail-client"}

    response = one_click(unsubscribe_token, headers=headers, raw_body=body)

    assert response["statusCode"] == 200
    assert stored(aws, candidate_id)["unsubscribed_at"]


def test_a_second_one_click_post_is_200_and_changes_nothing(aws, candidate_id, unsubscribe_token):
    one_click(unsubscribe_token)
    before = aws.items()

    again = one_click(unsubscribe_token)

    assert again["statusCode"] == 200
    assert aws.items() == before
    assert len(aws.events("CandidateUnsubscribed")) == 1


def test_get_shows_a_confirm_page_and_changes_nothing(aws, candidate_id, unsubscribe_token):
    before = aws.items()

    response = request("GET", f"/unsubscribe/{unsubscribe_token}")

    assert response["statusCode"] == 200
    page = response["body"]
    assert f'<form class="panel" method="post" action="./{unsubscribe_token}">' in page
    assert "<script" not in page, "the confirm page needs no JavaScript"
    assert "a•••@example.com" in page and "ana.silva" not in page and "Ana" not in page
    assert aws.items() == before
    assert aws.events("CandidateUnsubscribed") == []


def test_the_confirm_pages_button_unsubscribes_and_shows_a_friendly_page(aws, candidate_id, unsubscribe_token):
    browser = {"Accept": "text/html,application/xhtml+xml", "User-Agent": "Mozilla/5.0"}

    response = one_click(unsubscribe_token, form={"List-Unsubscribe": "One-Click"}, headers=browser, raw_body=None)

    assert response["statusCode"] == 200
    assert header(response, "Content-Type").startswith("text/html")
    assert "You are unsubscribed" in response["body"]
    assert "/careers" in response["body"], "the way back is a fresh sign-up"
    assert stored(aws, candidate_id)["unsubscribed_at"]
    assert "<h1>You are already unsubscribed</h1>" in request("GET", f"/unsubscribe/{unsubscribe_token}")["body"]


# --- Links that are not good enough ----------------------------------------------------------------------


def tampered(token: str) -> str:
    body, signature = token.split(".")
    return body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + signature


BAD_LINKS = {
    "tampered": lambda cid: tampered(token_for(links.PREFERENCES, cid)),
    "expired": lambda cid: token_for(links.PREFERENCES, cid, age=links.LINK_TTL + timedelta(days=1)),
    "wrong purpose": lambda cid: token_for(links.UNSUBSCRIBE, cid),
    "another secret": lambda cid: token_for(links.PREFERENCES, cid, secret=b"someone-else"),
    "malformed": lambda cid: "not-a-token",
}


@pytest.mark.parametrize("how", BAD_LINKS)
@pytest.mark.parametrize(
    ("method", "path", "fields"),
    [
        ("GET", "/preferences/{t}", None),
        ("POST", "/preferences/{t}", {"action": "unsubscribe"}),
        ("POST", "/preferences/{t}", {"action": "delete", "confirm": "yes"}),
        ("GET", "/preferences/{t}/export", None),
    ],
)
def test_a_bad_preferences_link_is_a_403_page_and_changes_nothing(aws, candidate_id, how, method, path, fields):
    token = BAD_LINKS[how](candidate_id)
    before = aws.items()

    response = request(method, path.format(t=token), form=fields)

    assert response["statusCode"] == 403
    assert "This link" in response["body"] and "Ana" not in response["body"] and "ana.silva" not in response["body"]
    assert aws.items() == before
    assert [e["detail-type"] for e in aws.events()] == ["SubmissionReceived", "CandidateCaptured", "CandidateConfirmed"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_bad_unsubscribe_link_is_a_403_page_and_changes_nothing(aws, candidate_id, method):
    before = aws.items()
    for token in (
        tampered(token_for(links.UNSUBSCRIBE, candidate_id)),
        token_for(links.UNSUBSCRIBE, candidate_id, age=links.LINK_TTL + timedelta(days=1)),
        token_for(links.PREFERENCES, candidate_id),
    ):
        response = one_click(token) if method == "POST" else request("GET", f"/unsubscribe/{token}")
        assert response["statusCode"] == 403
        assert "This link" in response["body"]
    assert aws.items() == before
    assert aws.events("CandidateUnsubscribed") == []


def test_an_expired_link_says_so(aws, candidate_id):
    token = token_for(links.PREFERENCES, candidate_id, age=links.LINK_TTL + timedelta(days=1))
    assert "This link has expired" in request("GET", f"/preferences/{token}")["body"]


def erase_as_recruiter(candidate_id: str) -> None:
    event = factories.api_event("DELETE", f"/candidates/{candidate_id}", claims=factories.ADMIN)
    assert call("recruiter_api", event)["statusCode"] == 204


@pytest.mark.parametrize("age", [timedelta(0), links.LINK_TTL + timedelta(days=30)], ids=["fresh", "expired"])
def test_after_a_recruiter_erases_someone_their_links_say_the_data_was_deleted(aws, candidate_id, age):
    # Given a genuine preferences link (the one in their emails, however old) and a recruiter's erasure
    preferences = token_for(links.PREFERENCES, candidate_id, age=age)
    unsubscribe = token_for(links.UNSUBSCRIBE, candidate_id, age=age)
    erase_as_recruiter(candidate_id)

    # When the person follows it
    page = request("GET", f"/preferences/{preferences}")
    late_one_click = one_click(unsubscribe)

    # Then they are told their data was deleted, not that the link expired
    assert page["statusCode"] == 404
    assert "We no longer hold data about you" in page["body"] and "expired" not in page["body"]
    assert late_one_click["statusCode"] == 200 and "no longer hold any data" in late_one_click["body"]


def test_a_forged_link_for_an_erased_person_reveals_nothing(aws, candidate_id):
    erase_as_recruiter(candidate_id)
    old = links.LINK_TTL + timedelta(days=30)
    forged = [
        token_for(links.PREFERENCES, candidate_id, secret=b"not-our-key"),
        token_for(links.PREFERENCES, candidate_id, secret=b"not-our-key", age=old),
        token_for(links.UNSUBSCRIBE, candidate_id, age=old),  # ours, but for the other door
    ]

    for token in forged:
        page = request("GET", f"/preferences/{token}")
        assert page["statusCode"] == 403
        assert "This link is not valid" in page["body"] and "no longer hold" not in page["body"]


# --- The preference centre -------------------------------------------------------------------------------


def test_the_page_shows_their_choices_why_they_get_email_and_what_we_hold(candidate_id, preferences_token):
    response = request("GET", f"/preferences/{preferences_token}")

    assert response["statusCode"] == 200
    assert header(response, "Cache-Control") == "no-store"
    assert header(response, "X-Robots-Tag") == "noindex, nofollow"
    page = response["body"]
    assert "Hello Ana." in page and "ana.silva@example.com" in page
    assert "because you joined our talent community on" in page and "confirmed your email address" in page
    assert 'value="job_alerts" checked' in page and 'value="events" checked' in page
    assert 'value="career_advice">' in page
    assert 'name="max_per_week" value="default" checked' in page
    assert "Python, aws" in page or "python, aws" in page
    assert "Lisbon, Portugal" in page and "6 years" in page
    assert f'href="./{preferences_token}/export"' in page
    assert "Emails are on." in page


def test_the_page_is_also_json_for_scripts(candidate_id, preferences_token):
    response = request("GET", f"/preferences/{preferences_token}", headers={"Accept": "application/json"})

    assert response["statusCode"] == 200
    body = factories.response_json(response)
    assert body["email"] == "ana.silva@example.com"
    assert body["interests"] == ["job_alerts", "events"]
    assert body["subscribed"] is True and body["max_per_week"] is None and body["paused_until"] is None
    assert "candidate_id" not in body and "confirmation_nonce" not in body


def test_saving_topics_and_frequency_redirects_back_with_a_notice(aws, candidate_id, preferences_token):
    response = post_preferences(
        preferences_token, action="save", interests=["career_advice", "events"], max_per_week="1"
    )

    assert response["statusCode"] == 303
    location = urljoin(f"{factories.BASE_URL}/preferences/{preferences_token}", header(response, "Location"))
    assert location == f"{factories.BASE_URL}/preferences/{preferences_token}?notice=saved"
    profile = stored(aws, candidate_id)
    assert profile["interests"] == ["career_advice", "events"]
    assert profile["preferences"]["max_per_week"] == 1
    [entry] = [e for e in timeline(aws.items(), candidate_id) if e["kind"] == "preferences_changed"]
    assert entry["data"] == {
        "fields": ["interests", "max_per_week"],
        "interests": ["career_advice", "events"],
        "max_per_week": 1,
    }
    [event] = aws.events("CandidateUpdated")
    assert event["detail"]["fields"] == ["interests", "preferences"]
    page = request("GET", f"/preferences/{preferences_token}", query={"notice": "saved"})["body"]
    assert "Saved. Your choices are up to date." in page
    assert 'value="career_advice" checked' in page and 'value="job_alerts">' in page
    assert 'name="max_per_week" value="1" checked' in page


def test_saving_the_same_choices_changes_nothing(aws, candidate_id, preferences_token):
    before = aws.items()

    response = post_preferences(
        preferences_token, action="save", interests=["events", "job_alerts"], max_per_week="default"
    )

    assert response["statusCode"] == 303
    assert aws.items() == before
    assert aws.events("CandidateUpdated") == []


def test_pause_for_weeks_then_resume(aws, candidate_id, preferences_token):
    started = utcnow()

    assert post_preferences(preferences_token, action="pause", weeks="4")["statusCode"] == 303

    until = parse_iso(stored(aws, candidate_id)["preferences"]["paused_until"])
    # Stored times keep milliseconds, so the pause may read a fraction of a millisecond short.
    assert timedelta(weeks=4, milliseconds=-1) <= until - started < timedelta(weeks=4, minutes=1)
    page = request("GET", f"/preferences/{preferences_token}", query={"notice": "paused"})["body"]
    assert "Emails are paused until" in page and "Resume emails now" in page
    assert post_preferences(preferences_token, action="resume")["statusCode"] == 303
    assert "paused_until" not in stored(aws, candidate_id)["preferences"]
    assert kinds(aws, candidate_id)[-2:] == ["paused", "resumed"]
    assert [e["detail"]["fields"] for e in aws.events("CandidateUpdated")] == [["preferences"], ["preferences"]]


def test_unsubscribe_from_the_page_is_one_click_via_preferences(aws, candidate_id, preferences_token):
    response = post_preferences(preferences_token, action="unsubscribe")

    assert response["statusCode"] == 303
    profile = stored(aws, candidate_id)
    assert profile["consent"]["status"] == "withdrawn" and profile["unsubscribed_at"]
    [event] = aws.events("CandidateUnsubscribed")
    assert event["detail"]["via"] == "preferences"
    page = request("GET", f"/preferences/{preferences_token}", query={"notice": "unsubscribed"})["body"]
    assert "You are unsubscribed" in page and "Want to hear from us again?" in page
    assert 'href="../careers"' in page


def test_changes_after_unsubscribing_are_refused_with_a_page_not_a_crash(aws, candidate_id, preferences_token):
    post_preferences(preferences_token, action="unsubscribe")
    before = aws.items()

    response = post_preferences(preferences_token, action="pause", weeks="2")

    assert response["statusCode"] == 409
    assert "sign up on our careers page" in response["body"]
    assert aws.items() == before


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"action": "pause", "weeks": "3.5"}, "weeks", "Choose how long to pause"),
        ({"action": "pause"}, "weeks", "Please make a choice here"),
        ({"action": "save", "interests": ["knitting"]}, "interests", "Choose topics from the list"),
        ({"action": "save", "interests": ["events"], "max_per_week": "9"}, "max_per_week", "Choose how often"),
        ({"action": "launch"}, "form", "is not an action"),
    ],
)
def test_invalid_choices_show_the_page_again_with_the_error_at_the_field(
    aws, candidate_id, preferences_token, fields, field, message
):
    before = aws.items()

    response = post_preferences(preferences_token, **fields)

    assert response["statusCode"] == 422
    page = response["body"]
    assert "Please check your choices" in page and "autofocus" in page
    if field == "form":
        assert re.search(rf'<ul class="error-list"><li>[^<]*{message}', page, re.IGNORECASE)
    else:
        assert re.search(rf'id="{field}-error"\s*>[^<]*{message}', page, re.IGNORECASE)
        assert re.search(rf'<li><a href="#{field}">[^<]*{message}', page, re.IGNORECASE), "the summary links to it"
    if field == "weeks":
        assert 'name="weeks" aria-describedby="weeks-error" aria-invalid="true"' in page
    assert aws.items() == before


def test_a_failed_save_keeps_what_was_ticked(preferences_token):
    page = post_preferences(preferences_token, action="save", interests=["career_advice"], max_per_week="9")["body"]
    assert 'value="career_advice" checked' in page and 'value="job_alerts">' in page


def test_json_callers_get_json_state_and_json_errors(aws, candidate_id, preferences_token):
    path = f"/preferences/{preferences_token}"
    accept = {"Accept": "application/json"}

    saved = request("POST", path, body={"action": "save", "interests": ["events"], "max_per_week": 2}, headers=accept)
    invalid = request("POST", path, body={"action": "pause", "weeks": 53}, headers=accept)
    malformed = request("POST", path, raw_body="{", headers={**accept, "Content-Type": "application/json"})

    assert saved["statusCode"] == 200
    assert factories.response_json(saved)["preferences"]["max_per_week"] == 2
    assert invalid["statusCode"] == 422
    assert factories.response_json(invalid)["error"]["fields"][0]["loc"] == ["weeks"]
    assert malformed["statusCode"] == 400


@pytest.mark.parametrize("weeks", [1.5, "2.5", 0.9999, 0, 53])
def test_a_pause_of_part_of_a_week_or_outside_a_year_is_422_and_changes_nothing(
    aws, candidate_id, preferences_token, weeks
):
    before = stored(aws, candidate_id)

    response = request(
        "POST", f"/preferences/{preferences_token}", body={"action": "pause", "weeks": weeks},
        headers={"Accept": "application/json"},
    )  # fmt: skip

    assert response["statusCode"] == 422
    assert factories.response_json(response)["error"]["fields"][0]["loc"] == ["weeks"]
    assert stored(aws, candidate_id) == before


def test_any_whole_number_of_weeks_up_to_52_pauses(aws, candidate_id, preferences_token):
    response = request(
        "POST", f"/preferences/{preferences_token}", body={"action": "pause", "weeks": 52},
        headers={"Accept": "application/json"},
    )  # fmt: skip

    assert response["statusCode"] == 200
    assert stored(aws, candidate_id)["preferences"]["paused_until"]


# --- Their data ------------------------------------------------------------------------------------------


def test_download_my_data_is_a_json_attachment_of_everything(aws, candidate_id, preferences_token):
    response = request("GET", f"/preferences/{preferences_token}/export")

    assert response["statusCode"] == 200
    assert header(response, "Content-Disposition") == 'attachment; filename="talentpool-data.json"'
    assert header(response, "Content-Type").startswith("application/json")
    export = json.loads(response["body"])
    assert export["profile"]["email"] == "ana.silva@example.com"
    assert export["consent"]["current"]["status"] == "active"
    assert {"captured", "confirmed"} <= {e["kind"] for e in export["timeline"]}
    [entry] = [e for e in timeline(aws.items(), candidate_id) if e["kind"] == "exported"]
    assert entry["actor"] == "candidate"


def test_delete_asks_for_a_second_confirmation_first(aws, candidate_id, preferences_token):
    before = aws.items()

    confirm_page = request("GET", f"/preferences/{preferences_token}", query={"step": "delete"})
    unticked = post_preferences(preferences_token, action="delete")

    assert confirm_page["statusCode"] == 200
    assert 'name="confirm" value="yes"' in confirm_page["body"]
    assert unticked["statusCode"] == 422
    assert (
        'id="confirm" type="checkbox" name="confirm" value="yes" aria-describedby="confirm-error" aria-invalid="true"'
        in (unticked["body"])
    )
    assert "Tick the box to confirm" in unticked["body"]
    assert aws.items() == before


def test_delete_everything_leaves_nothing_with_their_id_or_email_and_stops_sequences(
    aws, candidate_id, preferences_token, unsubscribe_token, monkeypatch
):
    execution = "arn:aws:states:us-east-1:123456789012:execution:engage:welcome-1"
    Table(factories.TABLE).put(
        {
            "pk": keys.candidate_pk(candidate_id),
            "sk": "ENROL#seq-welcome",
            "entity": "enrolment",
            "candidate_id": candidate_id,
            "execution_arn": execution,
            "status": "running",
        }
    )
    stopped: list[str] = []
    monkeypatch.setattr(Workflows, "stop", lambda self, arn, *, cause: stopped.append(arn))

    response = post_preferences(preferences_token, action="delete", confirm="yes")

    assert response["statusCode"] == 200
    assert "Your data is deleted" in response["body"]
    assert stopped == [execution]
    leftovers = [i for i in aws.items() if candidate_id in json.dumps(i) or "ana.silva" in json.dumps(i)]
    assert leftovers == []
    [tombstone] = [i for i in aws.items() if i.get("entity") == "tombstone"]
    assert set(tombstone) == {"pk", "sk", "entity", "erased_at"}
    [event] = aws.events("CandidateErased")
    assert event["detail"]["candidate_id"] == candidate_id and event["detail"]["requested_by"] == "candidate"


def test_after_erasure_links_say_we_no_longer_hold_their_data(aws, candidate_id, preferences_token, unsubscribe_token):
    post_preferences(preferences_token, action="delete", confirm="yes")
    before = aws.items()

    page = request("GET", f"/preferences/{preferences_token}")
    export = request("GET", f"/preferences/{preferences_token}/export")
    unsubscribe_page = request("GET", f"/unsubscribe/{unsubscribe_token}")
    late_one_click = one_click(unsubscribe_token)

    assert page["statusCode"] == export["statusCode"] == unsubscribe_page["statusCode"] == 404
    assert "We no longer hold data about you" in page["body"]
    # A mail client's late one-click must not look like a failure: nobody is left to email.
    assert late_one_click["statusCode"] == 200
    assert "no longer hold any data" in late_one_click["body"]
    assert aws.items() == before
