"""The SES sender identity (an address or a DKIM domain) and the configuration set whose events feed EventBridge."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ses as ses
from constructs import Construct

from infra.settings import Settings

# Every engagement signal the timeline, the engagement score and suppression care about.
TRACKED_EVENTS = (
    ses.EmailSendingEvent.SEND,
    ses.EmailSendingEvent.DELIVERY,
    ses.EmailSendingEvent.OPEN,
    ses.EmailSendingEvent.CLICK,
    ses.EmailSendingEvent.BOUNCE,
    ses.EmailSendingEvent.COMPLAINT,
    ses.EmailSendingEvent.REJECT,
)


class SenderIdentity(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(scope, construct_id)
        self.configuration_set = ses.ConfigurationSet(
            self,
            "ConfigurationSet",
            reputation_metrics=True,
            sending_enabled=True,
            tls_policy=ses.ConfigurationSetTlsPolicy.REQUIRE,
        )
        # SES publishes sending events to the account's default bus; rules there pick them up.
        self.configuration_set.add_event_destination(
            "ToEventBridge",
            destination=ses.EventDestination.event_bus(
                events.EventBus.from_event_bus_name(self, "DefaultBus", "default")
            ),
            events=list(TRACKED_EVENTS),
        )
        self.identity: ses.IEmailIdentity
        if settings.sender_identity_exists:
            # Adopted by name: SES refuses to create an identity that exists (a company domain usually does), so
            # the stack neither creates nor deletes it. Every send names the configuration set itself.
            self.identity = ses.EmailIdentity.from_email_identity_name(self, "Identity", identity_name(settings))
        else:
            created = ses.EmailIdentity(
                self,
                "Identity",
                identity=_identity(settings),
                configuration_set=self.configuration_set,
            )
            self.identity = created
            if settings.sender_domain:
                self._output_dkim_records(created)

    @property
    def configuration_set_name(self) -> str:
        return self.configuration_set.configuration_set_name

    @property
    def identity_arn(self) -> str:
        return Stack.of(self).format_arn(
            service="ses", resource="identity", resource_name=self.identity.email_identity_name
        )

    def grant_send(self, grantee: iam.IGrantable) -> iam.Grant:
        """Send as this identity, through this configuration set: SES authorises both resources."""
        stack = Stack.of(self)
        configuration_set_arn = stack.format_arn(
            service="ses", resource="configuration-set", resource_name=self.configuration_set_name
        )
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["ses:SendEmail", "ses:SendRawEmail"],
            resource_arns=[self.identity_arn, configuration_set_arn],
        )

    def _output_dkim_records(self, identity: ses.EmailIdentity) -> None:
        """The three CNAMEs the operator adds to DNS before SES will sign (and send) for the domain."""
        for number, record in enumerate(identity.dkim_records, start=1):
            CfnOutput(
                self,
                f"DkimRecord{number}",
                value=f"{record.name} CNAME {record.value}",
                description=f"DKIM record {number} for the sender domain",
            )


def identity_name(settings: Settings) -> str:
    """What SES calls the identity: the domain when one is verified, else the sender address."""
    return settings.sender_domain or settings.sender_email


def _identity(settings: Settings) -> ses.Identity:
    if settings.sender_domain:
        return ses.Identity.domain(settings.sender_domain)
    return ses.Identity.email(settings.sender_email)
