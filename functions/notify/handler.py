"""Transactional email for domain events on the bus: today, the double opt-in confirmation."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from talentpool.clock import utcnow
from talentpool.config import NotifyEnv, load
from talentpool.logic.transactional_email import MailSettings, send_confirmation_email
from talentpool.models.events import CandidateCaptured
from talentpool.observability import logger, metrics, tracer
from talentpool.store.candidates import CandidateStore
from talentpool.store.mail import Mailer
from talentpool.store.secrets import token_secret
from talentpool.store.table import Table

ENV = load(NotifyEnv)
REPO = CandidateStore(Table(ENV.table_name))
MAILER = Mailer(ENV.ses_configuration_set)
SETTINGS = MailSettings(sender_email=ENV.sender_email, public_base_url=ENV.public_base_url)


class CapturedEvent(EventBridgeModel):
    detail: CandidateCaptured  # type: ignore[assignment]


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=CapturedEvent)
def lambda_handler(event: CapturedEvent, context: LambdaContext) -> dict[str, Any]:
    message_id = send_confirmation_email(
        event.detail,
        now=utcnow(),
        secret=token_secret(ENV.token_secret_arn),
        settings=SETTINGS,
        ledger=REPO,
        mailer=MAILER,
    )
    return {"sent": message_id is not None}
