"""Public capture answers alike: the request path's time for a new, a known and a confirmed address, and a bot.

The real capture handler runs in-process against moto (the tests' account, as bench/aws_calls.py does), and
only the request is timed: what follows the answer (intake settling the submission, notify's email) runs
between requests, untimed, as EventBridge would run it. Each round sends the four cases in a shuffled order,
each to an address of its own (the per-mailbox email limit allows three an hour). Target (issue 10 §1): the
four medians over 30 requests each within 50% of each other, and the same status and body shape every time.
"""

from __future__ import annotations

import json
import random
import time
from typing import Any

from bench import support

ROUNDS = 30
CASES = ("new address", "known, unconfirmed", "confirmed", "honeypot (a bot)")
TARGET_RATIO = 1.5


class _Pool:
    """The handlers under moto, with the events they publish delivered to the functions whose rules match."""

    def __init__(self) -> None:
        from bench.aws_calls import Harness, Operation, Recorder

        self.harness = Harness(Recorder())
        self._untimed = Operation("untimed")

    def post(self, body: dict[str, Any]) -> tuple[float, dict[str, Any]]:
        """One public POST /candidates: how long the answer took (ms), and the answer."""
        from tests import factories

        handler = factories.load_handler("capture")
        event = support.api_event("POST", "/candidates", body=body)
        started = time.perf_counter()
        response: dict[str, Any] = handler.lambda_handler(event, factories.LambdaContext(function_name="capture"))
        return (time.perf_counter() - started) * 1000, response

    def settle(self) -> None:
        """What happens after the answers so far: intake, then notify (not timed)."""
        self.harness.deliver(self._untimed)
        self._untimed.steps.clear()

    def confirm(self, address: str) -> None:
        token = self.harness.last_confirmation_token(address)
        event = support.api_event("POST", "/confirm", form={"token": token}, headers={"Accept": "text/html"})
        assert self.harness.call(self._untimed, "confirm", event)["statusCode"] == 200
        self.settle()


def _body(case: str, email: str, n: int) -> dict[str, Any]:
    # A body unlike the set-up's, so no answer is a replay of an earlier one (idempotency).
    extra: dict[str, Any] = {"skills": ["Python", f"Skill{n}"], "first_name": "Someone"}
    if case == CASES[3]:
        extra["website"] = "https://spam.example.com"
    return support.capture_body(email, **extra)


def _prepare(pool: _Pool) -> dict[str, list[str]]:
    """Addresses for each case: known ones captured first, confirmed ones captured and confirmed."""
    known = [support.unique_email("timing-known") for _ in range(ROUNDS)]
    confirmed = [support.unique_email("timing-confirmed") for _ in range(ROUNDS)]
    for email in known + confirmed:
        _, response = pool.post(support.capture_body(email))
        assert response["statusCode"] == 202, response
        pool.settle()
    for email in confirmed:
        pool.confirm(email)
    return {
        CASES[0]: [support.unique_email("timing-new") for _ in range(ROUNDS)],
        CASES[1]: known,
        CASES[2]: confirmed,
        CASES[3]: [support.unique_email("timing-bot") for _ in range(ROUNDS)],
    }


def run() -> dict[str, Any]:
    import boto3
    from moto import mock_aws

    from talentpool.adapters.aws import clients, secrets
    from tests import conftest  # noqa: F401 - sets the tests' process environment: names, region, credentials

    rng = random.Random(10)
    timings: dict[str, list[float]] = {case: [] for case in CASES}
    shapes: set[tuple[int, str]] = set()
    clients.reset()
    secrets.token_secret.cache_clear()
    with mock_aws():
        boto3.setup_default_session()
        pool = _Pool()
        addresses = _prepare(pool)
        for n in range(ROUNDS):
            order = list(CASES)
            rng.shuffle(order)
            for case in order:
                elapsed, response = pool.post(_body(case, addresses[case][n], n))
                timings[case].append(elapsed)
                shapes.add((response["statusCode"], json.dumps(sorted(json.loads(response["body"])))))
                pool.settle()
    clients.reset()
    boto3.DEFAULT_SESSION = None
    medians = {case: support.median(values) for case, values in timings.items()}
    ratio = max(medians.values()) / min(medians.values())
    return {
        "rounds": ROUNDS,
        "cases": {case: support.spread(values, 2) for case, values in timings.items()},
        "slowest_over_fastest": round(ratio, 2),
        "target_ratio": TARGET_RATIO,
        "answers": sorted(f"{status} {keys}" for status, keys in shapes),
        "pass": ratio <= TARGET_RATIO and len(shapes) == 1,
    }


def _in_order(cases: dict[str, Any]) -> list[tuple[str, Any]]:
    return sorted(cases.items(), key=lambda item: CASES.index(item[0]) if item[0] in CASES else len(CASES))


def describe(figures: dict[str, Any]) -> str:
    rows = support.markdown_table(
        ["case", "median ms", "p25", "p75", "min", "max", "requests"],
        # In the cases' own order: results.json keeps its keys sorted.
        (
            [case, f["median"], f["p25"], f["p75"], f["min"], f["max"], f["n"]]
            for case, f in _in_order(figures["cases"])
        ),
    )
    ratio, target = figures["slowest_over_fastest"], figures["target_ratio"]
    answers = "; ".join(f"`{a}`" for a in figures["answers"])
    return f"""
## Public capture: the same answer, in the same time

Target (issue 10 §1): the public answer to a new address, a known one, a confirmed one and a honeypot hit has
the same status and body shape, and their median times over {figures["rounds"]} requests each are within
{round((target - 1) * 100)}% of each other. Measured on the real capture handler, in-process against moto, one
round at a time with the four cases shuffled, each to an address of its own; only the request is timed, and
what follows each answer (intake, the email) runs before the next one, as EventBridge would run it.

{rows}

Slowest median over fastest: **{ratio}** (target ≤ {target}): {support.verdict(figures["pass"])}. Every answer
was {answers}.

Why they match: the request path is the same writes whoever the address belongs to (the idempotency record,
the per-mailbox email count, the submission) and one `SubmissionReceived` event. Whether the address is new,
known or confirmed, or the form came from a bot, is decided by the `intake` function after the answer.
"""
