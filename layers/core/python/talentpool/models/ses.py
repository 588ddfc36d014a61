"""SES email sending events as SES publishes them to EventBridge, and the SQS records that carry them to us.

A configuration set's EventBridge destination puts one event per SES event on the default bus: source
`aws.ses`, a detail-type such as `Email Delivered`, and as `detail` the same event record SES sends to SNS
and Firehose (`eventType`, `mail`, and one object named after the event type). The `ses-events` rule
buffers them in a queue, so each SQS record body is the whole EventBridge event as JSON.

The models read only what we use and ignore the rest (SES adds fields over time). Recipient addresses, IP
addresses and user agents arrive in these events but are deliberately not modelled, so nothing downstream
can store or log them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel, SqsRecordModel
from pydantic import ConfigDict, Field, Json, ValidationInfo, field_validator, model_validator

from talentpool.models.base import Model

_SES = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class SesEventType(StrEnum):
    """`detail.eventType` of an email sending event."""

    SEND = "Send"
    DELIVERY = "Delivery"
    OPEN = "Open"
    CLICK = "Click"
    BOUNCE = "Bounce"
    COMPLAINT = "Complaint"
    REJECT = "Reject"
    DELIVERY_DELAY = "DeliveryDelay"
    RENDERING_FAILURE = "Rendering Failure"
    SUBSCRIPTION = "Subscription"


# EventBridge detail-type → the event type its detail carries. Other `aws.ses` detail-types (Virtual
# Deliverability Manager advisories, account sending status) are not about one email and have no `mail`.
EMAIL_DETAIL_TYPES: dict[str, SesEventType] = {
    "Email Sent": SesEventType.SEND,
    "Email Delivered": SesEventType.DELIVERY,
    "Email Opened": SesEventType.OPEN,
    "Email Clicked": SesEventType.CLICK,
    "Email Bounced": SesEventType.BOUNCE,
    "Email Complaint Received": SesEventType.COMPLAINT,
    "Email Rejected": SesEventType.REJECT,
    "Email Delivery Delayed": SesEventType.DELIVERY_DELAY,
    "Email Rendering Failed": SesEventType.RENDERING_FAILURE,
    "Email Subscribed": SesEventType.SUBSCRIPTION,
}


class SesMail(Model):
    """The email an event is about. `tags` holds our message tags (and SES's own `ses:*` tags) as lists."""

    model_config = _SES

    message_id: str = Field(alias="messageId", min_length=1)
    timestamp: datetime
    tags: dict[str, list[str]] = Field(default_factory=dict)

    def tag(self, name: str) -> str | None:
        """The first value of a message tag, or None when the mail does not carry it."""
        values = self.tags.get(name) or []
        return values[0] if values else None


class SesDelivery(Model):
    model_config = _SES

    timestamp: datetime


class SesOpen(Model):
    model_config = _SES

    timestamp: datetime


class SesClick(Model):
    model_config = _SES

    timestamp: datetime
    link: str


class SesBounce(Model):
    """bounceType is Permanent, Transient or Undetermined; only a Permanent bounce is a hard bounce."""

    model_config = _SES

    bounce_type: str = Field(alias="bounceType")
    bounce_sub_type: str = Field(alias="bounceSubType")
    timestamp: datetime
    feedback_id: str = Field(alias="feedbackId")


class SesComplaint(Model):
    """complaintFeedbackType comes from the mailbox provider's report, when it sends one (e.g. abuse, not-spam)."""

    model_config = _SES

    timestamp: datetime
    feedback_id: str = Field(alias="feedbackId")
    complaint_feedback_type: str | None = Field(default=None, alias="complaintFeedbackType")
    complaint_sub_type: str | None = Field(default=None, alias="complaintSubType")


class SesReject(Model):
    """SES found a virus in the message and did not try to deliver it."""

    model_config = _SES

    reason: str | None = None


class SesDeliveryDelay(Model):
    model_config = _SES

    timestamp: datetime
    delay_type: str | None = Field(default=None, alias="delayType")
    expiration_time: datetime | None = Field(default=None, alias="expirationTime")


class SesRenderingFailure(Model):
    model_config = _SES

    template_name: str | None = Field(default=None, alias="templateName")


class SesEvent(Model):
    """One email sending event record: its type, the email, and the object named after the type."""

    model_config = _SES

    event_type: SesEventType = Field(alias="eventType")
    mail: SesMail
    delivery: SesDelivery | None = None
    open: SesOpen | None = None
    click: SesClick | None = None
    bounce: SesBounce | None = None
    complaint: SesComplaint | None = None
    reject: SesReject | None = None
    delivery_delay: SesDeliveryDelay | None = Field(default=None, alias="deliveryDelay")
    failure: SesRenderingFailure | None = None

    @model_validator(mode="after")
    def _has_its_object(self) -> SesEvent:
        # A Bounce without its bounce object cannot be judged hard or soft: refuse it rather than guess.
        name = _OBJECT_OF.get(self.event_type)
        if name and getattr(self, name) is None:
            raise ValueError(f"a {self.event_type.value} event must carry its {name!r} object")
        return self

    @property
    def occurred_at(self) -> datetime:
        """When the event happened: its own timestamp, else (Send, Reject) when the email was sent."""
        name = _OBJECT_OF.get(self.event_type)
        stamped: _Stamped | None = getattr(self, name) if name else None
        return stamped.timestamp if stamped is not None else self.mail.timestamp


# The event types whose own object is required, and carries the time the event happened.
_Stamped = SesDelivery | SesOpen | SesClick | SesBounce | SesComplaint | SesDeliveryDelay
_OBJECT_OF: dict[SesEventType, str] = {
    SesEventType.DELIVERY: "delivery",
    SesEventType.OPEN: "open",
    SesEventType.CLICK: "click",
    SesEventType.BOUNCE: "bounce",
    SesEventType.COMPLAINT: "complaint",
    SesEventType.DELIVERY_DELAY: "delivery_delay",
}


class SesEventBridgeEvent(EventBridgeModel):
    """An `aws.ses` event from the default bus. `detail` is None for SES events that are not about an email."""

    detail: SesEvent | None  # type: ignore[assignment]

    @field_validator("detail", mode="before")
    @classmethod
    def _email_events_only(cls, value: Any, info: ValidationInfo) -> Any:
        # The rule matches every aws.ses event; advisories and sending-status changes have no `mail` to parse.
        return value if info.data.get("detail_type") in EMAIL_DETAIL_TYPES else None


class SesEventRecord(SqsRecordModel):
    """An SQS record from the ses-events queue; its body is the EventBridge event, parsed."""

    body: Json[SesEventBridgeEvent]
