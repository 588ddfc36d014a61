"""What the self-service routes depend on, built once per process from the function's environment."""

from __future__ import annotations

from functools import cache

from talentpool.config import SelfServiceEnv, load
from talentpool.store.candidates import CandidateStore
from talentpool.store.events import EventBus
from talentpool.store.secrets import token_secret
from talentpool.store.table import Table
from talentpool.store.workflows import Workflows


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
