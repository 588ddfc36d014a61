"""Wiring for the send path: the ports engage (sequence_step) and nurture (campaign_step) send through."""

from __future__ import annotations

from typing import TYPE_CHECKING

from talentpool.adapters.aws.candidates import CandidateStore
from talentpool.adapters.aws.events import EventBus
from talentpool.adapters.aws.mail import Mailer
from talentpool.adapters.aws.secrets import token_secret
from talentpool.adapters.aws.send_log import SendLogStore
from talentpool.adapters.aws.sequences import SequenceStore
from talentpool.adapters.aws.table import Table
from talentpool.adapters.aws.workflows import Workflows
from talentpool.logic.sending.send_once import SendingPorts
from talentpool.logic.sending.settings import SendingSettings

if TYPE_CHECKING:  # each function imports only its own consumer's logic and adapters (cold start)
    from talentpool.config import CampaignStepEnv, SequenceStepEnv
    from talentpool.logic.campaigns.ports import NurturePorts
    from talentpool.logic.sequences.engage import EngagePorts


def sending_ports(env: SequenceStepEnv, table: Table) -> SendingPorts:
    """What every marketing send goes through: one send log, cap and renderer for engage and nurture."""
    return SendingPorts(
        candidates=CandidateStore(table),
        send_log=SendLogStore(table),
        mailer=Mailer(env.ses_configuration_set),
        bus=EventBus(env.event_bus_name),
        secret=lambda: token_secret(env.token_secret_arn),
        settings=SendingSettings(
            sender_email=env.sender_email,
            company_name=env.company_name,
            public_base_url=env.public_base_url,
            default_timezone=env.default_timezone,
            frequency_cap=env.frequency_cap,
        ),
    )


def engage_ports(env: SequenceStepEnv, table: Table) -> EngagePorts:
    """sequence_step's ports: the send path's, plus sequences, enrolments and continuations."""
    from talentpool.adapters.aws.enrolments import EnrolmentStore
    from talentpool.logic.sequences.engage import EngagePorts

    send = sending_ports(env, table)
    return EngagePorts(
        candidates=send.candidates,
        send_log=send.send_log,
        mailer=send.mailer,
        bus=send.bus,
        secret=send.secret,
        settings=send.settings,
        sequences=SequenceStore(table),
        enrolments=EnrolmentStore(table),
        workflows=Workflows(),
    )


def nurture_ports(env: CampaignStepEnv, table: Table) -> NurturePorts:
    """campaign_step's ports: the audience, the runs and the same send path as engage."""
    from talentpool.adapters.aws.campaign_runs import CampaignRunStore, SendLogBatch
    from talentpool.adapters.aws.candidate_batch import CandidateBatch
    from talentpool.adapters.aws.clients import is_transient
    from talentpool.adapters.aws.search import SearchIndex
    from talentpool.adapters.aws.segments import SegmentStore
    from talentpool.logic.campaigns.ports import NurturePorts, NurtureSettings

    candidates = CandidateStore(table)
    return NurturePorts(
        sequences=SequenceStore(table),
        candidates=CandidateBatch(candidates),
        send_logs=SendLogBatch(table),
        runs=CampaignRunStore(table),
        segments=SegmentStore(table),
        index=SearchIndex(table),
        send=sending_ports(env, table),
        settings=NurtureSettings(send_rate=env.ses_send_rate),
        workflows=Workflows(),
        is_transient=is_transient,
    )
