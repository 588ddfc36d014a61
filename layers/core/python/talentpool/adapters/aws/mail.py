"""Sending email through SES v2 with the configuration set, as a raw MIME message."""

from __future__ import annotations

from talentpool.adapters.aws.clients import client, error_code, never_sent
from talentpool.errors import NotSent, Rejected
from talentpool.models.email_message import OutgoingEmail

# SES (and the API in front of it) refusing for rate or quota: nothing was sent, try again later.
THROTTLING_CODES = frozenset(
    {
        "TooManyRequestsException",
        "LimitExceededException",
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "SlowDown",
        "MaxSendRateExceeded",
    }
)
# SES v1's way of saying the same under a generic code ("Throttling: Maximum sending rate exceeded.").
_THROTTLING_MESSAGES = ("sending rate exceeded", "message quota exceeded")
# SES refusing this one message for good (a malformed or refused address, rejected content): sending the
# same message again cannot succeed. Account-wide refusals (paused sending, unverified domain) are not here:
# they are an operator's problem and fail loudly instead.
REJECTED_CODES = frozenset({"MessageRejected", "BadRequestException", "InvalidParameterValue"})


class Throttled(NotSent):
    """SES refused for rate or quota."""


class Unreachable(NotSent):
    """No connection to SES could be made, so the request never reached it."""


class Mailer:
    def __init__(self, configuration_set: str) -> None:
        self.configuration_set = configuration_set

    def send(self, email: OutgoingEmail) -> str:
        """Send and return the SES message id; NotSent (Throttled, Unreachable) when it surely did not go,
        Rejected when SES refuses it for good. Anything else (a read timeout among them) may have been sent.

        Raw content keeps our exact headers (List-Unsubscribe, Reply-To) and both parts, which SES's Simple
        content cannot carry everywhere we run.
        """
        ses = client("sesv2")
        try:
            response = ses.send_email(
                FromEmailAddress=email.from_address,
                Destination={"ToAddresses": [email.to]},
                Content={"Raw": {"Data": email.to_mime()}},
                ConfigurationSetName=self.configuration_set,
                EmailTags=[{"Name": k, "Value": v} for k, v in email.tags.items()],
            )
        except Exception as exc:
            code, message = error_code(exc), str(exc).lower()
            if code in THROTTLING_CODES or any(m in message for m in _THROTTLING_MESSAGES):
                raise Throttled(str(code)) from exc
            if code in REJECTED_CODES:
                raise Rejected(str(code)) from exc
            if never_sent(exc):
                raise Unreachable(type(exc).__name__) from exc
            raise
        return str(response["MessageId"])
