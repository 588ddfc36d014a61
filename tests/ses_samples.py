"""SES email events shaped as AWS sends them (EventBridge default bus → SQS → Lambda), for the ses_events tests.

The detail objects follow the SES developer guide's event record examples: every field SES sends is here,
including the ones we deliberately ignore (recipients, IP addresses, user agents), so the parser is tested
against the real shape and not a trimmed copy.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from tests import factories

RECIPIENT = "ana.silva@example.com"
MAIL_SENT_AT = "2026-11-26T09:00:00.000Z"
QUEUE_ARN = f"arn:aws:sqs:{factories.REGION}:{factories.ACCOUNT}:talentpool-ses-events"

DETAIL_TYPES = {
    "Send": "Email Sent",
    "Delivery": "Email Delivered",
    "Open": "Email Opened",
    "Click": "Email Clicked",
    "Bounce": "Email Bounced",
    "Complaint": "Email Complaint Received",
    "Reject": "Email Rejected",
    "DeliveryDelay": "Email Delivery Delayed",
    "Rendering Failure": "Email Rendering Failed",
}


def mail(
    *, candidate_id: str | None, message_id: str = "0100019a-message-1", sent_at: str = MAIL_SENT_AT, **tags: str
) -> dict[str, Any]:
    """The `mail` object: the email the event is about, with SES's own tags and ours."""
    all_tags: dict[str, list[str]] = {
        "ses:configuration-set": [factories.CONFIG_SET],
        "ses:source-ip": ["192.0.2.0"],
        "ses:from-domain": ["example.com"],
        "ses:caller-identity": ["talentpool-sequence-step"],
        "ses:outgoing-ip": ["203.0.113.9"],
    }
    if candidate_id:
        all_tags["candidate_id"] = [candidate_id]
    all_tags.update({name: [value] for name, value in tags.items()})
    return {
        "timestamp": sent_at,
        "source": factories.SENDER,
        "sourceArn": f"arn:aws:ses:{factories.REGION}:{factories.ACCOUNT}:identity/example.com",
        "sendingAccountId": factories.ACCOUNT,
        "messageId": message_id,
        "destination": [RECIPIENT],
        "headersTruncated": False,
        "headers": [
            {"name": "From", "value": factories.SENDER},
            {"name": "To", "value": RECIPIENT},
            {"name": "Subject", "value": "Roles that match your skills"},
        ],
        "commonHeaders": {
            "from": [factories.SENDER],
            "to": [RECIPIENT],
            "messageId": message_id,
            "subject": "Roles that match your skills",
        },
        "tags": all_tags,
    }


def delivery(at: str = "2026-11-26T09:00:01.200Z") -> dict[str, Any]:
    return {
        "timestamp": at,
        "processingTimeMillis": 1200,
        "recipients": [RECIPIENT],
        "smtpResponse": "250 2.6.0 Message received",
        "reportingMTA": "a8-70.smtp-out.amazonses.com",
        "remoteMtaIp": "198.51.100.25",
    }


def opened(at: str) -> dict[str, Any]:
    return {"ipAddress": "192.0.2.1", "timestamp": at, "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)"}


def clicked(at: str, link: str = "https://talent.example.com/jobs/backend-engineer?utm_source=email") -> dict[str, Any]:
    return {
        "ipAddress": "192.0.2.1",
        "link": link,
        "linkTags": {"samplekey0": ["samplevalue0"]},
        "timestamp": at,
        "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
    }


def bounce(
    bounce_type: str = "Permanent",
    sub_type: str = "General",
    at: str = "2026-11-26T09:00:02.000Z",
    feedback_id: str = "0100019a-bounce-feedback-1",
) -> dict[str, Any]:
    return {
        "bounceType": bounce_type,
        "bounceSubType": sub_type,
        "bouncedRecipients": [
            {
                "emailAddress": RECIPIENT,
                "action": "failed",
                "status": "5.1.1",
                "diagnosticCode": f"smtp; 550 5.1.1 <{RECIPIENT}>: user unknown",
            }
        ],
        "timestamp": at,
        "feedbackId": feedback_id,
        "reportingMTA": "dsn; a8-70.smtp-out.amazonses.com",
    }


def complaint(
    at: str = "2026-11-27T10:00:00.000Z", feedback_type: str | None = "abuse", feedback_id: str = "0100019a-complaint-1"
) -> dict[str, Any]:
    return {
        "feedbackId": feedback_id,
        "complaintSubType": None,
        "complainedRecipients": [{"emailAddress": RECIPIENT}],
        "timestamp": at,
        "userAgent": "Mozilla/5.0 (compatible; FBL reporter)",
        "complaintFeedbackType": feedback_type,
        "arrivalDate": at,
    }


def delay(at: str = "2026-11-26T09:20:00.000Z") -> dict[str, Any]:
    return {
        "timestamp": at,
        "delayType": "TransientCommunicationFailure",
        "expirationTime": "2026-11-27T09:00:00.000Z",
        "delayedRecipients": [
            {
                "emailAddress": RECIPIENT,
                "status": "4.4.1",
                "diagnosticCode": "smtp; 421 4.4.1 Unable to connect to remote host",
            }
        ],
    }


OBJECT_NAMES = {
    "Send": "send",
    "Delivery": "delivery",
    "Open": "open",
    "Click": "click",
    "Bounce": "bounce",
    "Complaint": "complaint",
    "Reject": "reject",
    "DeliveryDelay": "deliveryDelay",
    "Rendering Failure": "failure",
}


def ses_event(event_type: str, body: dict[str, Any] | None = None, **mail_fields: Any) -> dict[str, Any]:
    """An `aws.ses` EventBridge event as the default bus delivers it to a rule's target."""
    defaults: dict[str, dict[str, Any]] = {
        "Send": {},
        "Delivery": delivery(),
        "Reject": {"reason": "Bad content"},
        "Rendering Failure": {
            "errorMessage": "Attribute 'first_name' is not present in the rendering data.",
            "templateName": "Welcome",
        },
        "DeliveryDelay": delay(),
        "Bounce": bounce(),
        "Complaint": complaint(),
    }
    mail_fields.setdefault("candidate_id", None)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": DETAIL_TYPES[event_type],
        "source": "aws.ses",
        "account": factories.ACCOUNT,
        "time": "2026-11-26T09:00:05Z",
        "region": factories.REGION,
        "resources": [f"arn:aws:ses:{factories.REGION}:{factories.ACCOUNT}:configuration-set/{factories.CONFIG_SET}"],
        "detail": {
            "eventType": event_type,
            "mail": mail(**mail_fields),
            OBJECT_NAMES[event_type]: defaults[event_type] if body is None else body,
        },
    }


def sqs_record(body: dict[str, Any] | str, *, receive_count: int = 1) -> dict[str, Any]:
    """One record of the event Lambda's SQS event source mapping passes to the function."""
    text = body if isinstance(body, str) else json.dumps(body)
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a" + uuid.uuid4().hex,
        "body": text,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": "1795683605000",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1795683605100",
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(text.encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": factories.REGION,
    }


def sqs_batch(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}
