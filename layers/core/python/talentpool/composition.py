"""Wiring shared by more than one function: the stores and settings behind engage's send path."""

from __future__ import annotations

from talentpool.adapters.aws.candidates import CandidateStore
from talentpool.adapters.aws.enrolments import EnrolmentStore
from talentpool.adapters.aws.events import EventBus
from talentpool.adapters.aws.mail import Mailer
from talentpool.adapters.aws.secrets import token_secret
from talentpool.adapters.aws.send_log import SendLogStore
from talentpool.adapters.aws.sequences import SequenceStore
from talentpool.adapters.aws.table import Table
from talentpool.adapters.aws.workflows import Workflows
from talentpool.config import SequenceStepEnv
from talentpool.logic.engage import EngagePorts, EngageSettings


def engage_ports(env: SequenceStepEnv, table: Table) -> EngagePorts:
    """What sequence_step and campaign_step send through: one send log, cap and renderer for both."""
    return EngagePorts(
        candidates=CandidateStore(table),
        sequences=SequenceStore(table),
        enrolments=EnrolmentStore(table),
        send_log=SendLogStore(table),
        mailer=Mailer(env.ses_configuration_set),
        bus=EventBus(env.event_bus_name),
        secret=lambda: token_secret(env.token_secret_arn),
        settings=EngageSettings(
            sender_email=env.sender_email,
            company_name=env.company_name,
            public_base_url=env.public_base_url,
            default_timezone=env.default_timezone,
            frequency_cap=env.frequency_cap,
        ),
        workflows=Workflows(),
    )
