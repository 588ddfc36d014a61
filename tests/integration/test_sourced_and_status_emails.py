"""Recruiter-sourced candidates (token verified by capture), the Art. 14 notice, and stage status emails."""

from __future__ import annotations

import time
from types import SimpleNamespace

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from talentpool import auth
from tests import factories
from tests.integration.helpers import call, candidates, capture, captured_id, timeline

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def token(*, groups=("recruiters",), key=KEY, expires_in=3600, audience="talentpool-test", issuer=None) -> str:
    claims = {
        "sub": "rec-7",
        "email": "rita@example.com",
        "cognito:groups": list(groups),
        "token_use": "id",
        "iss": issuer or "https://auth.example.com",
        "aud": audience,
        "exp": int(time.time()) + expires_in,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


@pytest.fixture(autouse=True)
def jwks(monkeypatch):
    """The user pool's published key, as PyJWKClient would fetch it from JWKS_URL."""

    class Keys:
        def get_signing_key_from_jwt(self, _token):
            return SimpleNamespace(key=KEY.public_key())

    monkeypatch.setattr(auth, "_jwks_client", lambda url: Keys())


SOURCED = {"email": "Sam.Lee@Example.com", "first_name": "Sam", "skills": ["Rust"], "tags": ["github"]}


def post_sourced(bearer: str, body=SOURCED) -> dict:
    return capture(body, headers={"Authorization": f"Bearer {bearer}"})


def test_a_recruiter_adds_a_candidate_who_gets_the_art14_notice_and_no_marketing(aws):
    response = post_sourced(token())
    assert response["statusCode"] == 201
    candidate_id = factories.response_json(response)["candidate_id"]

    [stored] = candidates(aws.items())
    assert stored["source"]["channel"] == "recruiter"
    assert stored["consent"]["status"] == "pending"
    assert stored["tags"] == ["github"]
    [event] = aws.events("CandidateCaptured")
    assert event["detail"]["notice_requested"] is True
    assert event["detail"]["confirmation_requested"] is False

    call("notify", event)
    [mail] = aws.sent()
    assert mail.to == ["Sam.Lee@example.com"]  # the local part as given, the domain normalised
    assert mail.subject == "We have added you to our talent community"
    assert "/preferences/" in mail.text and "/preferences/" in mail.html
    assert "confirm" not in mail.text.lower()
    assert timeline(aws.items(), candidate_id)[-1]["data"]["email"] == "notice"

    call("notify", event)  # redelivered
    assert len(aws.sent()) == 1


@pytest.mark.parametrize(
    ("bearer", "status"),
    [
        (token(expires_in=-60), 401),
        (token(key=OTHER_KEY), 401),
        (token(audience="someone-else"), 401),
        (token(issuer="https://evil.example.com"), 401),
        ("not.a.jwt", 401),
        (token(groups=("candidates",)), 403),
    ],
)
def test_a_bad_token_on_the_capture_route_is_refused_before_anything_is_read(aws, bearer, status):
    response = post_sourced(bearer, body={"not": "even valid"})
    assert response["statusCode"] == status
    assert candidates(aws.items()) == []


def test_a_non_bearer_authorization_header_is_refused(aws):
    response = capture(SOURCED, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response["statusCode"] == 401


def test_an_address_already_in_the_pool_or_erased_is_a_409(aws):
    first = factories.response_json(post_sourced(token()))["candidate_id"]
    again = post_sourced(token())
    assert again["statusCode"] == 409
    assert first in factories.response_json(again)["error"]["message"]

    call("recruiter_api", factories.api_event("DELETE", f"/candidates/{first}", claims=factories.ADMIN))
    erased = post_sourced(token())
    assert erased["statusCode"] == 409
    assert "erased" in factories.response_json(erased)["error"]["message"]


def test_sourced_candidate_fields_are_validated(aws):
    response = post_sourced(token(), body={"email": "nope", "consent": {"given": True, "text_version": "v"}})
    assert response["statusCode"] == 422
    locations = [f["loc"][0] for f in factories.response_json(response)["error"]["fields"]]
    assert sorted(locations) == ["consent", "email"]


def test_a_sourced_post_checks_the_idempotency_key_as_the_document_says(aws):
    # Given the one POST /candidates operation, whose Idempotency-Key header is at most 200 characters
    # When a recruiter sends a longer one
    response = capture(SOURCED, headers={"Authorization": f"Bearer {token()}", "Idempotency-Key": "k" * 201})
    # Then it is refused, naming the header, and nobody is added
    assert response["statusCode"] == 422
    assert [f["loc"] for f in factories.response_json(response)["error"]["fields"]] == [["header", "idempotency-key"]]


def stage(candidate_id: str, **body) -> dict:
    return call(
        "recruiter_api",
        factories.api_event("POST", f"/candidates/{candidate_id}/stage", body=body, claims=factories.RECRUITER),
    )


def test_a_stage_change_sends_a_friendly_status_email_from_the_owner(aws):
    candidate_id = captured_id()
    owner = {"id": "rec-1", "name": "Rita Recruiter", "email": "rita@example.com"}
    call(
        "recruiter_api",
        factories.api_event("PUT", f"/candidates/{candidate_id}/owner", body=owner, claims=factories.RECRUITER),
    )
    stage(candidate_id, stage="applied", reason="Applied", job_ref="JOB-1")
    stage(candidate_id, stage="rejected", reason="Role filled", feedback="Your Rust was great; we need more Go.")

    for event in aws.events("StageChanged"):
        call("notify", event)
    applied, rejected = aws.sent()
    assert applied.subject == "We have received your application"
    assert "Hello Ana," in applied.text
    assert applied.headers["From"] == "Rita Recruiter <talent@example.com>"
    assert applied.headers["Reply-To"] == "rita@example.com"
    assert rejected.subject == "About your application"
    assert "Your Rust was great; we need more Go." in rejected.text
    assert "Your Rust was great; we need more Go." in rejected.html
    assert [e["data"]["email"] for e in timeline(aws.items(), candidate_id) if e["kind"] == "email_sent"] == [
        "stage_applied",
        "stage_rejected",
    ]


def notify_stage_changes(aws) -> None:
    for event in aws.events("StageChanged"):
        call("notify", event)


@pytest.mark.parametrize("to", ["rejected", "archived"])
def test_a_lead_who_never_applied_gets_no_status_email_when_rejected_or_archived(aws, to):
    # Given a lead who never applied, and a status template for the stage (archived has none by default)
    body = {"subject": "About you", "text": "We have decided not to move forward.", "html": "<p>No.</p>"}
    put = factories.api_event("PUT", f"/templates/stages/{to}", body=body, claims=factories.RECRUITER)
    assert call("recruiter_api", put)["statusCode"] == 200
    candidate_id = captured_id()

    # When a recruiter rejects or archives them
    assert stage(candidate_id, stage=to, reason="Not a fit")["statusCode"] == 200
    notify_stage_changes(aws)

    # Then nothing is sent: there is no application to be told about
    assert aws.sent() == []
    assert [e for e in timeline(aws.items(), candidate_id) if e["kind"] == "email_sent"] == []


def test_someone_who_applied_once_is_told_when_rejected_again_later(aws):
    # Given a candidate who applied, was rejected, and was kept warm as nurtured
    candidate_id = captured_id()
    for to in ("applied", "rejected", "nurtured"):
        stage(candidate_id, stage=to, reason="step")
    notify_stage_changes(aws)
    sent_before, changes_before = len(aws.sent()), len(aws.events("StageChanged"))

    # When they are rejected again, from nurtured
    stage(candidate_id, stage="rejected", reason="Role filled")
    for event in aws.events("StageChanged")[changes_before:]:
        call("notify", event)

    # Then their stage history holds an application, so they hear about it
    [mail] = aws.sent()[sent_before:]
    assert mail.subject == "About your application"


def test_the_recruiter_can_opt_out_of_the_email_per_change(aws):
    candidate_id = captured_id()
    stage(candidate_id, stage="applied", reason="Applied", notify_candidate=False)
    [event] = aws.events("StageChanged")
    assert event["detail"]["notify_candidate"] is False
    call("notify", event)
    assert aws.sent() == []


def test_an_edited_template_is_used_and_an_unknown_placeholder_is_refused_at_save(aws):
    def put(body: dict) -> dict:
        event = factories.api_event("PUT", "/templates/stages/applied", body=body, claims=factories.RECRUITER)
        return call("recruiter_api", event)

    bad = put({"subject": "Hi {{first_name}}", "text": "{{favourite_colour}}", "html": "<p>x</p>"})
    assert bad["statusCode"] == 422
    assert "favourite_colour" in factories.response_json(bad)["error"]["fields"][0]["msg"]

    good = put(
        {
            "subject": "Thanks, {{first_name|friend}}",
            "text": "Got it. {{preferences_url}}",
            "html": "<p>Got it, {{first_name}}</p>",
        }
    )
    assert good["statusCode"] == 200
    listing = factories.response_json(
        call("recruiter_api", factories.api_event("GET", "/templates/stages", claims=factories.RECRUITER))
    )
    assert listing["templates"]["applied"]["edited"] is True
    assert listing["templates"]["rejected"]["edited"] is False

    candidate_id = captured_id()
    stage(candidate_id, stage="applied", reason="Applied")
    call("notify", aws.events("StageChanged")[0])
    [mail] = aws.sent()
    assert mail.subject == "Thanks, Ana"
    assert "/preferences/" in mail.text


def test_template_routes_need_a_recruiter(aws):
    for method, path, body in [
        ("GET", "/templates/stages", None),
        ("PUT", "/templates/stages/applied", {"subject": "s", "text": "t", "html": "h"}),
    ]:
        assert call("recruiter_api", factories.api_event(method, path, body=body))["statusCode"] == 401
        outsider = {"sub": "x", "cognito:groups": "interns"}
        assert call("recruiter_api", factories.api_event(method, path, body=body, claims=outsider))["statusCode"] == 403
