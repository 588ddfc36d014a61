"""One router, several execution environments in one process: each request reads its own event and context.

On Lambda each environment is its own process. The local runtime runs a function's environments as threads of
one process, so the api modules' routers are shared by every environment's app; a router that answered with the
last including app's event once gave a sign-up another request's facts, and a confirm button another's token.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from talentpool import http
from tests.factories import api_event


def two_environments_of_one_function() -> tuple[Any, Any, threading.Barrier]:
    """Two apps including one router whose route waits until both requests are inside it."""
    router = http.Router()
    both_inside = threading.Barrier(2, timeout=10)

    @router.get("/whoami")
    def whoami() -> dict[str, Any]:
        both_inside.wait()  # the other environment has now set its own event
        return {
            "ip": http.request_meta(router.current_event.raw_event).source_ip,
            "principal": router.context.get("principal"),
        }

    first, second = http.create_app(), http.create_app()
    first.include_router(router)
    second.include_router(router)  # Powertools now points the router at the second app
    return first, second, both_inside


def test_concurrent_environments_each_read_their_own_event_and_context() -> None:
    """Given two environments of one function sharing a router, When both resolve a request at the same time,
    Then each route reads its own request's event and its own principal, not the other's."""
    first, second, _ = two_environments_of_one_function()

    def call(app: Any, ip: str) -> dict[str, Any]:
        app.append_context(principal=f"recruiter at {ip}")
        response = http.resolve(app, api_event("GET", "/whoami", source_ip=ip), None)
        return json.loads(response["body"])

    with ThreadPoolExecutor(2) as pool:
        a = pool.submit(call, first, "198.51.100.1")
        b = pool.submit(call, second, "198.51.100.2")
        answers = [a.result(), b.result()]

    assert answers == [
        {"ip": "198.51.100.1", "principal": "recruiter at 198.51.100.1"},
        {"ip": "198.51.100.2", "principal": "recruiter at 198.51.100.2"},
    ]


def test_outside_a_request_the_router_follows_the_app_that_included_it() -> None:
    """Given a router included by an app, When nothing is being resolved, Then it reads that app's state."""
    first, _, _ = two_environments_of_one_function()
    lone = http.Router()
    first.include_router(lone)

    assert lone.api_resolver is first
