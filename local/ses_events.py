"""SES-shaped events for mail the outbox saw: moto's SES emits none, so the local runtime publishes them.

They go to the default bus in the format SES uses for configuration-set event destinations on
EventBridge: source `aws.ses`, detail-type `Email Sent` / `Email Delivered` / `Email Bounced` /
`Email Complaint Received`, and the SES event record as the detail. Only mail sent with a configuration
set has events, as in AWS. The SES mailbox simulator addresses bounce and complain.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from local.moto_patches import SentMessage
from local.outbox import OutboxEntry

SOURCE = "aws.ses"
DEFAULT_BUS = "default"
BOUNCE = "bounce@simulator.amazonses.com"
SUPPRESSED = "suppressionlist@simulator.amazonses.com"
COMPLAINT = "complaint@simulator.amazonses.com"
REPORTING_MTA = "local.smtp-out.amazonses.com"

DETAIL_TYPES = {
    "Send": "Email Sent",
    "Delivery": "Email Delivered",
    "Bounce": "Email Bounced",
    "Complaint": "Email Complaint Received",
}


def events_for(
    sent: SentMessage, entry: OutboxEntry, *, account: str, region: str, now: datetime
) -> list[dict[str, Any]]:
    """PutEvents entries for one message: Send, then per recipient a Delivery or a Bounce (and Complaint)."""
    configuration_set = sent.request.configuration_set
    if not configuration_set:
        return []
    timestamp = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    mail = _mail(sent, entry, account=account, region=region, timestamp=timestamp)
    records: list[tuple[str, dict[str, Any]]] = [("Send", {})]
    delivered = [r for r in entry.to if r.lower() not in (BOUNCE, SUPPRESSED)]
    bounced = [r for r in entry.to if r.lower() in (BOUNCE, SUPPRESSED)]
    if delivered:
        records.append(("Delivery", _delivery(delivered, timestamp)))
    for recipient in bounced:
        records.append(("Bounce", _bounce(recipient, timestamp)))
    for recipient in (r for r in delivered if r.lower() == COMPLAINT):
        records.append(("Complaint", _complaint(recipient, timestamp)))
    resource = f"arn:aws:ses:{region}:{account}:configuration-set/{configuration_set}"
    return [
        {
            "Source": SOURCE,
            "DetailType": DETAIL_TYPES[kind],
            "Detail": json.dumps({"eventType": kind, "mail": mail, kind.lower(): body}),
            "Resources": [resource],
            "EventBusName": DEFAULT_BUS,
        }
        for kind, body in records
    ]


def _mail(sent: SentMessage, entry: OutboxEntry, *, account: str, region: str, timestamp: str) -> dict[str, Any]:
    tags: dict[str, list[str]] = {
        "ses:configuration-set": [sent.request.configuration_set or ""],
        "ses:source-ip": ["127.0.0.1"],
        "ses:from-domain": [sent.source.rpartition("@")[2]],
        "ses:caller-identity": ["local"],
    }
    tags.update({name: [value] for name, value in sent.request.tags.items()})
    return {
        "timestamp": timestamp,
        "source": sent.source,
        "sourceArn": f"arn:aws:ses:{region}:{account}:identity/{sent.source.rpartition('@')[2]}",
        "sendingAccountId": account,
        "messageId": sent.message_id,
        "destination": entry.to,
        "headersTruncated": False,
        "headers": [{"name": name, "value": value} for name, value in entry.headers.items()],
        "commonHeaders": {
            "from": [entry.sender],
            "to": entry.to,
            "messageId": sent.message_id,
            "subject": entry.subject,
        },
        "tags": tags,
    }


def _delivery(recipients: list[str], timestamp: str) -> dict[str, Any]:
    return {
        "timestamp": timestamp,
        "processingTimeMillis": 0,
        "recipients": recipients,
        "smtpResponse": "250 2.6.0 Message received",
        "reportingMTA": REPORTING_MTA,
    }


def _bounce(recipient: str, timestamp: str) -> dict[str, Any]:
    suppressed = recipient.lower() == SUPPRESSED
    return {
        "bounceType": "Permanent",
        "bounceSubType": "OnAccountSuppressionList" if suppressed else "General",
        "bouncedRecipients": [
            {
                "emailAddress": recipient,
                "action": "failed",
                "status": "5.1.1",
                "diagnosticCode": "Amazon SES did not send the message to this address because it is on the "
                "suppression list for your account."
                if suppressed
                else "smtp; 550 5.1.1 user unknown",
            }
        ],
        "timestamp": timestamp,
        "feedbackId": str(uuid.uuid4()),
        "reportingMTA": f"dns; {REPORTING_MTA}",
    }


def _complaint(recipient: str, timestamp: str) -> dict[str, Any]:
    return {
        "complainedRecipients": [{"emailAddress": recipient}],
        "timestamp": timestamp,
        "feedbackId": str(uuid.uuid4()),
        "complaintFeedbackType": "abuse",
        "arrivalDate": timestamp,
    }
