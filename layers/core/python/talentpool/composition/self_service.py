"""Wiring for the self-service routes: the candidate store, the bus, the workflows and the link secret, built once
per process from the function's environment."""

from __future__ import annotations

from functools import cache

from talentpool.adapters.aws.candidates import CandidateStore
from talentpool.adapters.aws.events import EventBus
from talentpool.adapters.aws.secrets import token_secret
from talentpool.adapters.aws.table import Table
from talentpool.adapters.aws.workflows import Workflows
from talentpool.config import SelfServiceEnv, load


def env() -> SelfServiceEnv:
    return load(SelfServiceEnv)


def secret() -> bytes:
    return token_secret(env().token_secret_arn)


@cache
def repo() -> CandidateStore:
    return CandidateStore(Table(env().table_name))


@cache
def bus() -> EventBus:
    return EventBus(env().event_bus_name)


@cache
def workflows() -> Workflows:
    return Workflows()
