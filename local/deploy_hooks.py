"""Run-on-deploy functions at start-up, as the CDK trigger runs them after a deploy (spec run_on_deploy: seed).

Locally a failure is logged and the runtime keeps starting: a broken seed should not stop someone from trying the
rest, and `GET /_local/info` says how each run went. In AWS the same failure fails (and rolls back) the deploy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from infra import spec
from local.lambdas import Invocation

log = logging.getLogger("local.deploy")

Invoke = Callable[[str, Any], Invocation]


def run_on_deploy(functions: Iterable[spec.FunctionSpec], invoke: Invoke) -> dict[str, str]:
    """Invoke each run_on_deploy function once with an empty event (what the trigger sends); how each went."""
    outcomes: dict[str, str] = {}
    for function in functions:
        if not function.run_on_deploy:
            continue
        try:
            result = invoke(function.name, {})
        except Exception as exc:  # the runtime's own failure to call it: still not fatal
            log.exception("run on deploy: %s could not be invoked", function.name)
            outcomes[function.name] = f"failed: {type(exc).__name__}"
            continue
        if result.errored:
            payload = result.json()
            error = payload if isinstance(payload, dict) else {}
            outcomes[function.name] = f"failed: {error.get('errorType', 'error')}"
            log.error(
                "run on deploy: %s failed (%s: %s); the runtime carries on without it",
                function.name,
                error.get("errorType"),
                error.get("errorMessage"),
            )
            continue
        outcomes[function.name] = "succeeded"
        log.info("run on deploy: %s succeeded: %s", function.name, result.json())
    return outcomes
