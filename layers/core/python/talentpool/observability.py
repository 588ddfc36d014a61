"""The single logger, tracer and metrics objects every function uses."""

from __future__ import annotations

import numbers
from collections.abc import AsyncGenerator, Generator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment

SERVICE = "talentpool"
NAMESPACE = "Talentpool"


class _Unrecorded(BaseSegment):
    """A segment that records nothing: what the decorators annotate when tracing is off."""

    def close(self, end_time: int | None = None) -> None:
        return None

    def add_subsegment(self, subsegment: Any) -> None:
        return None

    def remove_subsegment(self, subsegment: Any) -> None:
        return None

    def put_annotation(self, key: str, value: str | numbers.Number | bool) -> None:
        return None

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        return None

    def add_exception(self, exception: BaseException, stack: Any, remote: bool = False) -> None:
        return None


class UntracedProvider(BaseProvider):
    """Stands in for the X-Ray SDK when tracing is off.

    Powertools' Tracer builds the SDK's recorder even when it is disabled, which imports and configures the
    whole SDK (tens of milliseconds of every cold start) for nothing. With this provider it never loads, and
    the handlers' decorators stay as they are.
    """

    @contextmanager
    def in_subsegment(self, name: str = "", **kwargs: Any) -> Generator[BaseSegment, None, None]:
        yield _Unrecorded()

    @asynccontextmanager
    async def in_subsegment_async(self, name: str = "", **kwargs: Any) -> AsyncGenerator[BaseSegment, None]:
        yield _Unrecorded()

    def put_annotation(self, key: str, value: str | numbers.Number | bool) -> None:
        return None

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        return None

    def patch(self, modules: Sequence[str]) -> None:
        return None

    def patch_all(self) -> None:
        return None


def tracing_enabled() -> bool:
    """Whether Powertools would trace here: in Lambda, unless POWERTOOLS_TRACE_DISABLED says otherwise.

    Powertools' own rule, asked rather than copied, so the two can never disagree.
    """
    return not Tracer._is_tracer_disabled()


def _tracer() -> Tracer:
    if tracing_enabled():
        return Tracer(service=SERVICE)  # the X-Ray SDK's recorder, patching boto3 and the HTTP clients
    return Tracer(service=SERVICE, disabled=True, provider=UntracedProvider())


logger = Logger(service=SERVICE)
tracer = _tracer()
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
