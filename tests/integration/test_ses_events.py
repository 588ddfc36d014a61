"""The ses_events function under moto: SQS batches of SES EventBridge events → timeline, score, suppression."""

from __future__ import annotations

from typing import Any

import pytest

from talentpool.ids import new_id
from tests import ses_samples
from tests.integration.helpers import call, candidates, captured_id, domain_items, timeline

SKILL_INDEX = "skill_index"


def deliver(*events: dict[str, Any] | str) -> dict[str, Any]:
    return call("ses_events", ses_samples.sqs_batch(*(ses_samples.sqs_record(e) for e in events)))


@pytest.fixture
def candidate_id(aws) -> str:
    return captured_id()


def ses(event_type: str, candidate_id: str, body: dict[str, Any] | None = None, **mail: str) -> dict[str, Any]:
    mail.setdefault("kind", "marketing")
    mail.setdefault("sequence_id", "SEQ1")
    mail.setdefault("step", "1")
    return ses_samples.ses_event(event_type, body, candidate_id=candidate_id, **mail)


def entries(aws, candidate_id: str, kind: str | None = None) -> list[dict[str, Any]]:
    return [e for e in timeline(aws.items(), candidate_id) if kind in (None, e["kind"])]


def profile(aws) -> dict[str, Any]:
    [stored] = candidates(aws.items())
    return stored


def test_each_email_event_lands_on_the_timeline_with_the_mails_ids(aws, candidate_id):
    response = deliver(
        ses("Send", candidate_id),
        ses("Delivery", candidate_id),
        ses("Open", candidate_id, ses_samples.opened("2026-11-26T12:00:00.000Z")),
        ses("Click", candidate_id, ses_samples.clicked("2026-11-26T12:01:00.000Z")),
        ses("DeliveryDelay", candidate_id, message_id="0100019a-message-2"),
        ses("Reject", candidate_id, message_id="0100019a-message-3"),
    )

    assert response == {"batchItemFailures": []}
    ses_entries = [e for e in entries(aws, candidate_id) if e["actor"] == "ses"]
    assert [e["kind"] for e in ses_entries] == [
        "email_rejected",
        "email_delivered",
        "email_delayed",
        "email_opened",
        "email_clicked",
    ]
    [clicked] = entries(aws, candidate_id, "email_clicked")
    assert clicked["at"] == "2026-11-26T12:01:00.000Z"
    assert clicked["data"] == {
        "message_id": "0100019a-message-1",
        "sent_at": "2026-11-26T09:00:00.000Z",  # when the email went: its events count on that day
        "email": "marketing",
        "sequence_id": "SEQ1",
        "step": 1,
        "link": "https://talent.example.com/jobs/backend-engineer",
    }
    assert ses_samples.RECIPIENT not in str(ses_entries)


def test_opens_and_clicks_raise_the_score_with_decay_and_the_index_summaries_follow(aws, candidate_id):
    deliver(ses("Open", candidate_id, ses_samples.opened("2026-11-01T09:00:00.000Z")))
    deliver(ses("Click", candidate_id, ses_samples.clicked("2026-12-01T09:00:00.000Z")))

    # The open has halved over the thirty days before the click: 1 · 0.5 + 3.
    assert profile(aws)["engagement"] == 3.5
    summaries = [i for i in aws.items() if i.get("entity") == SKILL_INDEX]
    assert summaries and all(s["engagement"] == 3.5 for s in summaries)
    assert all(s["engagement_at"] == "2026-12-01T09:00:00.000Z" for s in [profile(aws), *summaries])


def test_a_redelivered_batch_changes_nothing(aws, candidate_id):
    batch = ses_samples.sqs_batch(
        ses_samples.sqs_record(ses("Open", candidate_id, ses_samples.opened("2026-11-26T12:00:00.000Z"))),
        ses_samples.sqs_record(ses("Click", candidate_id, ses_samples.clicked("2026-11-26T12:01:00.000Z"))),
        ses_samples.sqs_record(ses("Bounce", candidate_id)),
    )
    call("ses_events", batch)
    after_first = domain_items(aws.items())

    response = call("ses_events", batch)

    assert response == {"batchItemFailures": []}
    assert domain_items(aws.items()) == after_first
    assert len(aws.events("CandidateSuppressed")) == 1


def test_a_hard_bounce_suppresses_the_candidate_and_announces_it_once(aws, candidate_id):
    deliver(ses("Bounce", candidate_id))
    deliver(ses("Bounce", candidate_id, ses_samples.bounce(feedback_id="0100019a-bounce-2")))

    stored = profile(aws)
    assert stored["suppressed_at"] == "2026-11-26T09:00:02.000Z"
    assert stored["suppression_reason"] == "bounce"
    assert len(entries(aws, candidate_id, "email_bounced")) == 2
    [suppressed] = entries(aws, candidate_id, "suppressed")
    assert suppressed["data"]["reason"] == "bounce" and suppressed["data"]["published"] is True
    [event] = aws.events("CandidateSuppressed")
    assert event["detail"]["candidate_id"] == candidate_id
    assert event["detail"]["reason"] == "bounce"
    assert event["detail"]["id"] == suppressed["data"]["event_id"]
    assert ses_samples.RECIPIENT not in str(event)


def test_a_complaint_suppresses_the_candidate_and_announces_it_once(aws, candidate_id):
    deliver(ses("Complaint", candidate_id))
    deliver(ses("Complaint", candidate_id, ses_samples.complaint(feedback_id="0100019a-complaint-2")))

    assert profile(aws)["suppression_reason"] == "complaint"
    assert profile(aws)["suppressed_at"] == "2026-11-27T10:00:00.000Z"
    [event] = aws.events("CandidateSuppressed")
    assert event["detail"]["reason"] == "complaint"


def test_a_soft_bounce_is_recorded_but_does_not_suppress(aws, candidate_id):
    deliver(ses("Bounce", candidate_id, ses_samples.bounce("Transient", "MailboxFull")))

    assert "suppressed_at" not in profile(aws)
    [bounced] = entries(aws, candidate_id, "email_bounced")
    assert (bounced["data"]["bounce_type"], bounced["data"]["bounce_subtype"]) == ("Transient", "MailboxFull")
    assert aws.events("CandidateSuppressed") == []


def test_a_malformed_record_fails_alone(aws, candidate_id):
    good = ses_samples.sqs_record(ses("Delivery", candidate_id))
    broken = ses_samples.sqs_record('{"detail-type": "Email Delivered", "detail": ')
    bounce_without_details = ses_samples.sqs_record(
        {**ses("Bounce", candidate_id), "detail": {"eventType": "Bounce", "mail": ses_samples.mail(candidate_id=None)}}
    )
    also_good = ses_samples.sqs_record(ses("Open", candidate_id, ses_samples.opened("2026-11-26T12:00:00.000Z")))

    response = call("ses_events", ses_samples.sqs_batch(good, broken, bounce_without_details, also_good))

    assert response == {
        "batchItemFailures": [
            {"itemIdentifier": broken["messageId"]},
            {"itemIdentifier": bounce_without_details["messageId"]},
        ]
    }
    assert [e["kind"] for e in entries(aws, candidate_id) if e["actor"] == "ses"] == ["email_delivered", "email_opened"]


def test_a_batch_of_only_malformed_records_is_reported_not_raised(aws):
    broken = ses_samples.sqs_record("not json")

    assert call("ses_events", ses_samples.sqs_batch(broken)) == {
        "batchItemFailures": [{"itemIdentifier": broken["messageId"]}]
    }


def test_events_we_cannot_place_are_acknowledged_and_change_nothing(aws, candidate_id):
    before = aws.items()
    advisory = {**ses("Send", candidate_id), "detail-type": "Sending Status Disabled", "detail": {"reason": "x"}}

    response = deliver(
        ses("Bounce", new_id()),  # erased, or never ours
        ses_samples.ses_event("Complaint"),  # no candidate tag: mail sent by something else in the account
        advisory,
    )

    assert response == {"batchItemFailures": []}
    assert aws.items() == before
    assert aws.events("CandidateSuppressed") == []


def test_a_failed_record_is_logged_by_id_and_reason_never_by_address(aws, candidate_id, caplog):
    bounce_without_details = ses_samples.sqs_record(
        {**ses("Bounce", candidate_id), "detail": {"eventType": "Bounce", "mail": ses_samples.mail(candidate_id=None)}}
    )

    call("ses_events", ses_samples.sqs_batch(bounce_without_details))

    [logged] = [r for r in caplog.records if r.getMessage() == "SES event record malformed"]
    assert logged.sqs_message_id == bounce_without_details["messageId"]
    assert logged.problems[0]["loc"] == ("body", "detail")
    assert ses_samples.RECIPIENT not in str([vars(r) for r in caplog.records])
