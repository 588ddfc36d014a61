"""The functions SnapStart restores have their routes analysed at initialisation, so the snapshot holds them ready."""

from __future__ import annotations

import pytest

from infra import spec
from local.lambdas import load_handler_module
from talentpool.http import Resolver

SNAPSTART = [f.name for f in spec.FUNCTIONS if f.snap_start]


@pytest.mark.parametrize("name", SNAPSTART)
def test_every_route_of_a_snapstart_function_is_ready_after_initialisation(name: str) -> None:
    # Given a fresh environment of the function, initialised as Lambda initialises it before the snapshot
    module = load_handler_module(spec.function(name), instance=1)
    # Then each route's parameters and body model were built then, not left to the first request after a restore
    routes = [
        route
        for resolver in vars(module).values()
        if isinstance(resolver, Resolver)
        for route in (*resolver._static_routes, *resolver._dynamic_routes)
    ]
    assert routes
    assert [route.rule for route in routes if route._dependant is None] == []
