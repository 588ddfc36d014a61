"""Parsing SES email events as AWS delivers them (SQS record → EventBridge event → SES event record)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from local import ses_events
from local.moto_patches import SendRequest, SentMessage
from local.outbox import Outbox
from talentpool.logic.sending.delivery_events import TIMELINE_KINDS, safe_link, suppression_reason, timeline_entry_for
from talentpool.models.ses import SesEvent, SesEventRecord, SesEventType
from tests import ses_samples

CANDIDATE = "01JDQ3V4J1X7M2A8Z6K9P5T3RB"


def parse(body: dict[str, Any] | str) -> SesEventRecord:
    return SesEventRecord.model_validate(ses_samples.sqs_record(body))


def detail(event_type: str, body: dict[str, Any] | None = None, **mail: str) -> SesEvent:
    parsed = parse(ses_samples.ses_event(event_type, body, candidate_id=CANDIDATE, **mail)).body.detail
    assert parsed is not None
    return parsed


@pytest.mark.parametrize(
    ("event_type", "body", "occurred_at"),
    [
        ("Send", None, "2026-11-26T09:00:00+00:00"),
        ("Delivery", None, "2026-11-26T09:00:01.200000+00:00"),
        ("Open", ses_samples.opened("2026-11-26T12:00:00.000Z"), "2026-11-26T12:00:00+00:00"),
        ("Click", ses_samples.clicked("2026-11-26T12:01:00.000Z"), "2026-11-26T12:01:00+00:00"),
        ("Bounce", None, "2026-11-26T09:00:02+00:00"),
        ("Complaint", None, "2026-11-27T10:00:00+00:00"),
        ("Reject", None, "2026-11-26T09:00:00+00:00"),
        ("DeliveryDelay", None, "2026-11-26T09:20:00+00:00"),
        ("Rendering Failure", None, "2026-11-26T09:00:00+00:00"),
    ],
)
def test_every_email_event_type_parses_with_the_time_it_happened(event_type, body, occurred_at):
    event = detail(event_type, body)

    assert event.event_type == SesEventType(event_type)
    assert event.mail.message_id == "0100019a-message-1"
    assert event.mail.tag("candidate_id") == CANDIDATE
    assert event.occurred_at.isoformat() == occurred_at


def test_our_message_tags_are_read_from_the_lists_ses_sends():
    event = detail("Delivery", kind="marketing", sequence_id="SEQ1", step="2", campaign_run_id="RUN1")

    entry = timeline_entry_for(event, CANDIDATE, "email_delivered")

    assert entry.data == {
        "message_id": "0100019a-message-1",
        "sent_at": "2026-11-26T09:00:00.000Z",  # the mail's own timestamp: reports count its events on that day
        "email": "marketing",
        "sequence_id": "SEQ1",
        "step": 2,
        "campaign_run_id": "RUN1",
    }
    assert entry.at == "2026-11-26T09:00:01.200Z"
    assert entry.actor == "ses"


def test_timeline_facts_never_carry_an_address_an_ip_or_a_user_agent():
    events = [
        detail("Bounce"),
        detail("Complaint"),
        detail("DeliveryDelay"),
        detail("Open", ses_samples.opened("2026-11-26T12:00:00.000Z")),
        detail("Click", ses_samples.clicked("2026-11-26T12:01:00.000Z")),
    ]

    stored = json.dumps([timeline_entry_for(e, CANDIDATE, TIMELINE_KINDS[e.event_type]).data for e in events])

    assert ses_samples.RECIPIENT not in stored
    assert "192.0.2.1" not in stored
    assert "Mozilla" not in stored
    assert '"bounce_type": "Permanent"' in stored and '"bounce_subtype": "General"' in stored


@pytest.mark.parametrize(
    ("link", "kept"),
    [
        ("https://talent.example.com/jobs/42?utm_source=email&t=abc#apply", "https://talent.example.com/jobs/42"),
        ("https://talent.example.com/unsubscribe/eyJwIjoidW5zdWIifQ.c2ln", "https://talent.example.com/unsubscribe"),
        (
            "https://abc.execute-api.eu-west-1.amazonaws.com/prod/preferences/eyJwIjoicHJlZiJ9.c2ln/export",
            "https://abc.execute-api.eu-west-1.amazonaws.com/prod/preferences",
        ),
        ("https://talent.example.com/confirm?token=eyJwIjoiY29uZmlybSJ9.c2ln", "https://talent.example.com/confirm"),
        ("https://user:secret@example.com:8443/a", "https://example.com:8443/a"),
    ],
)
def test_a_clicked_link_keeps_no_query_token_or_credentials(link, kept):
    assert safe_link(link) == kept


@pytest.mark.parametrize(
    ("event_type", "body", "reason"),
    [
        ("Bounce", ses_samples.bounce("Permanent", "General"), "bounce"),
        ("Bounce", ses_samples.bounce("Permanent", "OnAccountSuppressionList"), "bounce"),
        ("Bounce", ses_samples.bounce("Transient", "MailboxFull"), None),
        ("Bounce", ses_samples.bounce("Undetermined", "Undetermined"), None),
        ("Complaint", ses_samples.complaint(feedback_type="abuse"), "complaint"),
        ("Complaint", ses_samples.complaint(feedback_type=None), "complaint"),
        ("Complaint", ses_samples.complaint(feedback_type="not-spam"), None),
        ("Reject", None, None),
        ("DeliveryDelay", None, None),
    ],
)
def test_only_hard_bounces_and_complaints_suppress(event_type, body, reason):
    assert suppression_reason(detail(event_type, body)) == reason


def test_an_ses_event_that_is_not_about_an_email_parses_without_a_detail():
    advisory = {
        **ses_samples.ses_event("Send", candidate_id=CANDIDATE),
        "detail-type": "Sending Status Disabled",
        "detail": {"sendingStatus": "DISABLED", "reason": "review"},
    }

    assert parse(advisory).body.detail is None


@pytest.mark.parametrize(
    "body",
    [
        "not json at all",
        json.dumps({"detail-type": "Email Delivered", "source": "aws.ses"}),
        {**ses_samples.ses_event("Bounce", candidate_id=CANDIDATE), "detail": {"eventType": "Bounce"}},
        {
            **ses_samples.ses_event("Bounce", candidate_id=CANDIDATE),
            "detail": {"eventType": "Bounce", "mail": ses_samples.mail(candidate_id=CANDIDATE)},
        },
    ],
    ids=["not-json", "no-envelope", "no-mail", "bounce-without-bounce"],
)
def test_a_malformed_record_is_refused(body):
    with pytest.raises(ValidationError):
        parse(body)


def local_runtime_events(tmp_path: Path, to: str) -> list[dict[str, Any]]:
    """What `make run` publishes for one email, wrapped as the default bus hands it to a rule's target."""
    request = SendRequest(configuration_set="talentpool", tags={"candidate_id": CANDIDATE, "kind": "marketing"})
    raw = f"From: talent@example.com\r\nTo: {to}\r\nSubject: Hi\r\nMIME-Version: 1.0\r\n\r\nHello\r\n"
    sent = SentMessage("0100019a-local-1", "talent@example.com", [to], raw, request)
    box = Outbox(tmp_path / "outbox")
    box.clear()
    entries = ses_events.events_for(
        sent, box.record(sent), account="123456789012", region="us-east-1", now=datetime(2026, 11, 26, 9, tzinfo=UTC)
    )
    return [
        {
            **ses_samples.ses_event("Send"),
            "detail-type": e["DetailType"],
            "resources": e["Resources"],
            "detail": json.loads(e["Detail"]),
        }
        for e in entries
    ]


@pytest.mark.parametrize(
    ("to", "kinds"),
    [
        ("ana@example.com", [SesEventType.SEND, SesEventType.DELIVERY]),
        ("bounce@simulator.amazonses.com", [SesEventType.SEND, SesEventType.BOUNCE]),
        ("complaint@simulator.amazonses.com", [SesEventType.SEND, SesEventType.DELIVERY, SesEventType.COMPLAINT]),
    ],
)
def test_the_events_the_local_runtime_publishes_parse_like_aws_ones(tmp_path, to, kinds):
    parsed = [parse(event).body.detail for event in local_runtime_events(tmp_path, to)]

    assert [p.event_type for p in parsed if p] == kinds
    assert all(p and p.mail.tag("candidate_id") == CANDIDATE for p in parsed)
