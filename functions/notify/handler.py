"""Transactional email for domain events: double opt-in, the Art. 14 notice, and stage status updates."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from talentpool.adapters.aws.applications import StageHistoryApplications
from talentpool.adapters.aws.candidates import CandidateStore
from talentpool.adapters.aws.idempotency import persistence
from talentpool.adapters.aws.mail import Mailer
from talentpool.adapters.aws.secrets import token_secret
from talentpool.adapters.aws.table import Table
from talentpool.adapters.aws.templates import TemplateStore
from talentpool.clock import utcnow
from talentpool.config import NotifyEnv, load
from talentpool.emails import Site
from talentpool.logic.sending.transactional_email import (
    MailSettings,
    send_link_email,
    send_notice_email,
    send_stage_email,
)
from talentpool.models.base import Model
from talentpool.models.candidate import EmailedLink
from talentpool.models.events import CandidateCaptured, StageChanged
from talentpool.observability import logger, metrics, tracer

ENV = load(NotifyEnv)
TABLE = Table(ENV.table_name)
REPO = CandidateStore(TABLE)
TEMPLATES = TemplateStore(TABLE)
APPLICATIONS = StageHistoryApplications(TABLE)
MAILER = Mailer(ENV.ses_configuration_set)
SITE = Site(company_name=ENV.company_name, logo_url=ENV.logo_url, privacy_policy_url=ENV.privacy_policy_url)
SETTINGS = MailSettings(sender_email=ENV.sender_email, public_base_url=ENV.public_base_url, site=SITE)
# One email per event: EventBridge delivers at least once, so a redelivery must find the first send's record.
ONCE = IdempotencyConfig(event_key_jmespath="id", expires_after_seconds=24 * 3600)


class Delivered(Model):
    message_id: str | None


@idempotent_function(  # type: ignore[untyped-decorator]  # Powertools leaves it unannotated
    data_keyword_argument="event",
    config=ONCE,
    persistence_store=persistence(ENV.table_name, "notify"),
    output_serializer=PydanticSerializer(model=Delivered),
)
def notice_once(event: CandidateCaptured) -> Delivered:
    secret = token_secret(ENV.token_secret_arn)
    return Delivered(
        message_id=send_notice_email(event, now=utcnow(), secret=secret, settings=SETTINGS, repo=REPO, mailer=MAILER)
    )


@idempotent_function(  # type: ignore[untyped-decorator]  # Powertools leaves it unannotated
    data_keyword_argument="event",
    config=ONCE,
    persistence_store=persistence(ENV.table_name, "notify"),
    output_serializer=PydanticSerializer(model=Delivered),
)
def stage_email_once(event: StageChanged) -> Delivered:
    secret = token_secret(ENV.token_secret_arn)
    return Delivered(
        message_id=send_stage_email(
            event,
            now=utcnow(),
            secret=secret,
            settings=SETTINGS,
            repo=REPO,
            templates=TEMPLATES,
            mailer=MAILER,
            applications=APPLICATIONS,
        )
    )


def on_captured(event: CandidateCaptured) -> Delivered:
    link = (
        EmailedLink.CONFIRMATION
        if event.confirmation_requested
        else EmailedLink.CHANGE
        if event.change_requested
        else None
    )
    if link is not None:
        # Claimed per link on the profile itself, so no idempotency record is needed.
        secret = token_secret(ENV.token_secret_arn)
        return Delivered(
            message_id=send_link_email(
                event, link, now=utcnow(), secret=secret, settings=SETTINGS, ledger=REPO, mailer=MAILER
            )
        )
    if event.notice_requested:
        noticed: Delivered = notice_once(event=event)  # the untyped decorator's answer, as its serializer made it
        return noticed
    return Delivered(message_id=None)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=EventBridgeModel)
def lambda_handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, Any]:
    ONCE.register_lambda_context(context)
    if event.detail_type == CandidateCaptured.detail_type:
        delivered = on_captured(CandidateCaptured.model_validate(event.detail))
    elif event.detail_type == StageChanged.detail_type:
        delivered = stage_email_once(event=StageChanged.model_validate(event.detail))
    else:
        logger.warning("event not handled", extra={"detail_type": event.detail_type})
        delivered = Delivered(message_id=None)
    return {"sent": delivered.message_id is not None}
