"""POST /candidates: capture, dedupe, idempotency, honeypot, and every kind of bad input."""

from __future__ import annotations

import json

import pytest

from tests import factories
from tests.integration.helpers import (
    call,
    candidate_id_of,
    candidates,
    capture,
    captured_id,
    domain_items,
    header,
    timeline,
    waiting_submissions,
)


def test_capture_stores_candidate_with_source_and_consent_and_announces_it(aws):
    # Given a careers-site submission
    response = capture(headers={"User-Agent": "Mozilla/5.0 (iPhone)"})

    # Then it is accepted, pending confirmation, with a reference and no candidate id
    assert response["statusCode"] == 202
    body = factories.response_json(response)
    assert set(body) == {"status", "request_id"}
    assert body["status"] == "pending_confirmation"
    candidate_id = candidate_id_of("ana.silva@example.com")
    assert candidate_id and body["request_id"] != candidate_id

    # And, after the answer, the candidate is stored with normalised data, source and a consent record
    [stored] = candidates(aws.items())
    assert stored["candidate_id"] == candidate_id
    assert stored["email"] == "ana.silva@example.com"
    assert stored["skills"] == ["python", "aws"]
    assert stored["source"] == {"channel": "careers_site", "utm_source": "linkedin", "utm_campaign": "autumn"}
    consent = stored["consent"]
    assert consent["status"] == "pending"
    assert consent["text_version"] == "2026-11"
    assert consent["user_agent"] == "Mozilla/5.0 (iPhone)"
    assert len(consent["ip_hash"]) == 32 and "203.0.113.7" not in json.dumps(stored)
    assert consent["given_at"].endswith("Z")

    # And the timeline says it was captured, with the source
    [entry] = timeline(aws.items(), candidate_id)
    assert entry["kind"] == "captured"
    assert entry["data"]["utm_source"] == "linkedin"

    # And the bus carried the submission, then CandidateCaptured, with ids and no personal data
    [received] = aws.events("SubmissionReceived")
    assert received["detail"]["submission_id"] == body["request_id"]
    [event] = aws.events("CandidateCaptured")
    assert event["detail"]["candidate_id"] == candidate_id
    assert event["detail"]["confirmation_requested"] is True
    assert {"id", "occurred_at"} <= set(event["detail"])
    assert "ana" not in json.dumps(aws.events()).lower()

    # And the submission itself is gone once settled: the profile is the one place the data lives
    assert waiting_submissions() == []
    assert [i for i in aws.items() if i.get("entity") == "submission"] == []


def test_skill_index_items_are_written_with_the_profile(aws):
    candidate_id = captured_id()
    index = sorted(i["pk"] + "|" + i["sk"] for i in aws.items() if i.get("entity") == "skill_index")
    assert index == [f"SKILL#aws|06#{candidate_id}", f"SKILL#python|06#{candidate_id}"]


def test_skills_are_indexed_by_key_and_kept_as_written_for_emails(aws):
    capture(factories.capture_body(skills=["Python developer", "AWS", "go"]))

    [profile] = candidates(aws.items())
    index = sorted(i["pk"] for i in aws.items() if i.get("entity") == "skill_index")
    assert index == ["SKILL#aws", "SKILL#go", "SKILL#python developer"]
    assert profile["skills"] == ["python developer", "aws", "go"]
    assert profile["skill_names"] == {"python developer": "Python developer", "aws": "AWS"}


def test_same_email_after_normalisation_merges_into_one_unconfirmed_candidate(aws):
    # Given a candidate who has not confirmed yet
    first = captured_id()

    # When the same person submits again with different case, spaces and more skills
    again = factories.capture_body(
        email="  ANA.Silva@EXAMPLE.com ",
        skills=["Go", "python"],
        interests=["career_advice"],
        phone="+351 912 345 678",
        first_name="Ana Maria",
        last_name=None,
    )
    second = captured_id(again)

    # Then it is the same candidate, with lists unioned and non-empty fields updated: nothing was proven yet
    assert second == first
    [stored] = candidates(aws.items())
    assert stored["email"] == "ana.silva@example.com"
    assert stored["skills"] == ["python", "aws", "go"]
    assert stored["interests"] == ["job_alerts", "events", "career_advice"]
    assert stored["phone"] == "+351 912 345 678"
    assert stored["first_name"] == "Ana Maria"
    assert stored["last_name"] == "Silva"
    assert [e["kind"] for e in timeline(aws.items(), first)] == ["captured", "resubmitted"]
    assert [e["detail"]["merged"] for e in aws.events("CandidateCaptured")] == [False, True]


def test_the_local_part_is_kept_as_given_and_the_domain_normalised(aws):
    captured_id(factories.capture_body(email="Zoe.Nandu+Jobs@Example.COM"))
    [stored] = candidates(aws.items())
    assert stored["email"] == "Zoe.Nandu+Jobs@example.com"


def test_plus_and_dot_variants_are_different_people(aws):
    # Given one person's address, then its plus and dot variants
    ids = {
        captured_id(factories.capture_body(email=e)) for e in ("ana@gmail.com", "ana+jobs@gmail.com", "a.na@gmail.com")
    }

    # Then each is a candidate of its own: their owner chose a distinct address
    assert len(ids) == 3
    assert len(candidates(aws.items())) == 3


def test_idn_domain_is_stored_as_punycode_and_dedupes(aws):
    first = captured_id(factories.capture_body(email="jo@bücher.de"))
    second = captured_id(factories.capture_body(email="JO@xn--bcher-kva.de"))
    assert second == first
    assert candidates(aws.items())[0]["email"] == "jo@xn--bcher-kva.de"


def test_a_name_in_any_script_round_trips(aws):
    candidate_id = captured_id(factories.capture_body(first_name="Zoë", last_name="Ñandú 李"))
    response = call(
        "recruiter_api",
        factories.api_event(
            "GET",
            f"/candidates/{candidate_id}",
            claims=factories.RECRUITER,
            resource="/candidates/{candidate_id}",
            path_parameters={"candidate_id": candidate_id},
        ),
    )
    profile = factories.response_json(response)["candidate"]
    assert (profile["first_name"], profile["last_name"]) == ("Zoë", "Ñandú 李")


def test_retry_with_same_idempotency_key_returns_same_response_and_writes_nothing(aws):
    first = capture(headers={"Idempotency-Key": "abc-123"})
    before = domain_items(aws.items())
    retry = capture(headers={"Idempotency-Key": "abc-123"})
    assert retry["statusCode"] == 202
    assert factories.response_json(retry) == factories.response_json(first)
    assert domain_items(aws.items()) == before
    assert len(aws.events("SubmissionReceived")) == 1
    assert len(aws.events("CandidateCaptured")) == 1


def test_same_key_with_a_different_body_is_a_conflict(aws):
    capture(headers={"Idempotency-Key": "abc-123"})
    response = capture(factories.capture_body(skills=["rust"]), headers={"Idempotency-Key": "abc-123"})
    assert response["statusCode"] == 409
    assert factories.response_json(response)["error"]["code"] == "conflict"


def test_same_body_without_key_within_ten_minutes_is_a_retry(aws):
    first = capture()
    before = domain_items(aws.items())
    retry = capture()
    assert factories.response_json(retry) == factories.response_json(first)
    assert domain_items(aws.items()) == before
    assert [e["detail-type"] for e in aws.events()] == ["SubmissionReceived", "CandidateCaptured"]


def test_filled_honeypot_looks_accepted_but_stores_and_sends_nothing(aws, capsys):
    # When a bot fills the hidden field
    response = capture(factories.capture_body(website="http://spam.example"))

    # Then it gets the answer a person gets
    assert response["statusCode"] == 202
    assert set(factories.response_json(response)) == {"status", "request_id"}

    # And after the answer nothing comes of it: no candidate, no announcement, no email
    assert candidates(aws.items()) == []
    assert [i for i in aws.items() if i.get("entity") == "submission"] == []
    assert aws.events("CandidateCaptured") == []
    assert aws.sent() == []
    assert '"HoneypotTriggered":[1.0]' in capsys.readouterr().out


def test_a_redelivered_submission_is_settled_once(aws):
    # Given a submission answered, and its SubmissionReceived delivered twice (EventBridge is at least once)
    response = capture(settle=False)
    [received] = aws.events("SubmissionReceived")

    call("intake", received)
    call("intake", received)

    # Then one candidate, one timeline entry, one announcement
    assert len(candidates(aws.items())) == 1
    assert [e["kind"] for e in timeline(aws.items(), candidate_id_of())] == ["captured"]
    assert len(aws.events("CandidateCaptured")) == 1
    assert received["detail"]["submission_id"] == factories.response_json(response)["request_id"]


def test_a_settled_submission_whose_announcement_failed_announces_the_same_event_on_retry(aws, monkeypatch):
    from talentpool.adapters.aws.events import EventBus, EventPublishFailed

    # Given the candidate is written but publishing its event fails
    capture(settle=False)
    [received] = aws.events("SubmissionReceived")
    real_publish = EventBus.publish

    def failing(self, *events):
        raise EventPublishFailed("bus down")

    monkeypatch.setattr(EventBus, "publish", failing)
    with pytest.raises(EventPublishFailed):
        call("intake", received)
    assert len(candidates(aws.items())) == 1

    # When EventBridge retries the delivery
    monkeypatch.setattr(EventBus, "publish", real_publish)
    call("intake", received)

    # Then the same outcome is announced once, and nothing is written twice
    [event] = aws.events("CandidateCaptured")
    assert event["detail"]["confirmation_requested"] is True
    assert len(candidates(aws.items())) == 1
    assert [e["kind"] for e in timeline(aws.items(), candidate_id_of())] == ["captured"]
    assert waiting_submissions() == []


def test_plain_html_form_post_redirects_to_thank_you_page(aws):
    form = {
        "email": "li.wei@example.com",
        "first_name": "Li",
        "skills": "Kotlin, Android",
        "interests": ["events", "job_alerts"],
        "country": "gb",
        "consent": "yes",
        "consent_text_version": "2026-11",
        "source_channel": "careers_site",
        "utm_source": "",
        "website": "",
    }
    response = capture(form=form, headers={"Accept": "text/html"})
    assert response["statusCode"] == 303
    assert header(response, "Location") == f"{factories.BASE_URL}/thanks"
    [stored] = candidates(aws.items())
    assert stored["skills"] == ["kotlin", "android"]
    assert stored["interests"] == ["events", "job_alerts"]
    assert stored["location"] == {"country": "GB"}


def test_form_post_with_errors_gets_the_form_back_with_inline_errors_and_values(aws):
    response = capture(
        form={"email": "not-an-email", "first_name": "Li", "consent_text_version": "2026-11"},
        headers={"Accept": "text/html"},
    )
    assert response["statusCode"] == 422
    assert header(response, "Content-Type").startswith("text/html")
    html = response["body"]
    assert 'id="email-error">Must be an email address like name@example.com<' in html
    assert 'id="consent-error">Tick the box to agree, so that we may keep your details and email you<' in html
    assert 'value="Li"' in html and 'value="not-an-email"' in html
    assert domain_items(aws.items()) == []


def test_script_posting_the_form_gets_json_errors(aws):
    response = capture(
        form={"email": "x", "consent": "yes", "consent_text_version": "v"},
        headers={"Accept": "application/json"},
    )
    assert response["statusCode"] == 422
    assert factories.response_json(response)["error"]["fields"] == [
        {"loc": ["email"], "msg": "must be an email address like name@example.com"}
    ]


def _fields(response: dict) -> dict[str, str]:
    return {".".join(map(str, f["loc"])): f["msg"] for f in factories.response_json(response)["error"]["fields"]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "ana@"}, "email"),
        ({"email": "ana silva@example.com"}, "email"),
        ({"email": None}, "email"),
        ({"email": 42}, "email"),
        ({"consent": None}, "consent"),
        ({"consent": {"given": False, "text_version": "2026-11"}}, "consent.given"),
        ({"consent": {"given": True}}, "consent.text_version"),
        ({"nickname": "anna"}, "nickname"),
        ({"location": {"country": "XX"}}, "location.country"),
        ({"location": {"timezone": "Mars/Olympus"}}, "location.timezone"),
        ({"location": {"planet": "Earth"}}, "location.planet"),
        ({"years_experience": "many"}, "years_experience"),
        ({"years_experience": 99}, "years_experience"),
        ({"skills": "python"}, "skills"),
        ({"skills": [f"s{i}" for i in range(31)]}, "skills"),
        ({"skills": ["x" * 61]}, "skills.0"),
        ({"first_name": "x" * 101}, "first_name"),
        ({"interests": ["gardening"]}, "interests.0"),
        ({"linkedin_url": "https://evil.example/in/ana"}, "linkedin_url"),
        ({"source": {"channel": "billboard"}}, "source.channel"),
        ({"phone": "call me"}, "phone"),
    ],
)
def test_bad_fields_get_422_naming_the_field_and_nothing_is_written(aws, change, field):
    body = factories.capture_body()
    for key, value in change.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    response = capture(body)
    assert response["statusCode"] == 422
    error = factories.response_json(response)["error"]
    assert error["code"] == "validation_failed"
    assert field in _fields(response)
    assert domain_items(aws.items()) == []
    assert aws.events() == []


def test_body_over_64_kb_is_413(aws):
    response = capture(
        raw_body=json.dumps({"email": "a@b.co", "pad": "x" * 70_000}),
        headers={"Content-Type": "application/json"},
    )
    assert response["statusCode"] == 413
    assert factories.response_json(response)["error"]["code"] == "payload_too_large"
    assert aws.items() == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data; boundary=x"])
def test_unsupported_content_type_is_415(aws, content_type):
    response = capture(raw_body="email=a@b.co", headers={"Content-Type": content_type})
    assert response["statusCode"] == 415
    assert factories.response_json(response)["error"]["code"] == "unsupported_media_type"


@pytest.mark.parametrize("raw", ['{"email": "a@b.co",', "not json", '{"email": "a@b.co"} trailing'])
def test_malformed_json_is_400(aws, raw):
    response = capture(raw_body=raw, headers={"Content-Type": "application/json"})
    assert response["statusCode"] == 400
    assert factories.response_json(response)["error"]["code"] == "malformed_request"


@pytest.mark.parametrize("raw", ["[]", '"text"', "null", "42"])
def test_json_that_is_not_an_object_is_422(aws, raw):
    response = capture(raw_body=raw, headers={"Content-Type": "application/json"})
    assert response["statusCode"] == 422


def test_cors_allows_the_careers_origin(aws):
    response = capture(headers={"Origin": "https://careers.example.com"})
    assert header(response, "Access-Control-Allow-Origin") == "https://careers.example.com"


def test_unknown_public_path_is_404_in_the_error_shape(aws):
    response = call("capture", factories.api_event("GET", "/candidates"))
    assert response["statusCode"] in (404, 405)
    assert "error" in factories.response_json(response)
