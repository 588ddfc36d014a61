"""The SnapStart uniqueness check can fail: values made unique at initialisation change the fingerprint."""

from __future__ import annotations

import random
import types
import uuid
from datetime import UTC, datetime

import pytest

from tests.lambda_child import fingerprint


class Holder:
    def __init__(self, value: object) -> None:
        self.value = value


def _module(**values: object) -> dict[str, object]:
    module = types.ModuleType("handler")
    module.__dict__.update(values)
    return {f"handler.{k}": v for k, v in vars(module).items() if not k.startswith("__")}


MADE_AT_INIT = {
    "an id": lambda: uuid.uuid4(),
    "a nonce in a nested object": lambda: Holder({"nonce": [uuid.uuid4().hex]}),
    "a seeded generator": lambda: random.Random(),
    "a start time": lambda: datetime.now(UTC),
}


@pytest.mark.parametrize("make", MADE_AT_INIT.values(), ids=MADE_AT_INIT.keys())
def test_a_value_made_unique_at_initialisation_changes_the_fingerprint(make: object) -> None:
    assert callable(make)
    first = fingerprint(_module(STATE=make(), TABLE="talentpool"))
    second = fingerprint(_module(STATE=make(), TABLE="talentpool"))
    assert first != second
    assert first["handler.TABLE"] == second["handler.TABLE"]


def test_settings_and_code_give_the_same_fingerprint_every_time() -> None:
    def make() -> dict[str, object]:
        return _module(TABLE="talentpool", LIMITS=(1, 2.5, None), CONFIG=Holder({"region": "us-east-1"}), f=len)

    assert fingerprint(make()) == fingerprint(make())
