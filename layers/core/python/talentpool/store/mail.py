"""Sending email through SES v2 with the configuration set, as a raw MIME message."""

from __future__ import annotations

from talentpool.models.email_message import OutgoingEmail
from talentpool.store.clients import client


class Throttled(Exception):
    """SES refused for rate: nothing was sent, so the caller may retry."""


class Mailer:
    def __init__(self, configuration_set: str) -> None:
        self.configuration_set = configuration_set

    def send(self, email: OutgoingEmail) -> str:
        """Send and return the SES message id.

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
        except ses.exceptions.TooManyRequestsException as exc:
            raise Throttled(str(exc)) from exc
        return str(response["MessageId"])
