"""Inside Step Functions' limits: the worst-case history events per state machine, measured and bounded.

A Standard execution holds at most 25,000 history events and runs at most a year (logic.workflow_limits).
Each run here is the real ASL in moto's interpreter with the real handlers (tests/sfn_harness.py), and each
execution's history is counted from moto:

- engage, the longest sequence the API accepts (20 steps, waits as long as the duration rule allows, the
  narrowest send window), at the real budget: how much of one execution it uses;
- engage, the same sequence with SES throttling every step, lost reports to the task and a candidate who
  pauses for a year, at a budget lowered to 200 events so the run needs many executions in a bench's time:
  each execution's history against the budget, and the accounting's worst case against what moto wrote;
- nurture, a run over many pages of batches with throttling, lost answers and deferred time zones, at a
  budget of 300 events, the same way;
- the bounds at the real budget, from the accounting: what an execution may write at most, the largest
  single round or pass, and how many emails one nurture execution carries before it continues.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from typing import Any

ENGAGE_SMALL_BUDGET = 200
NURTURE_SMALL_BUDGET = 300


@contextlib.contextmanager
def _patched(**values: Any) -> Iterator[None]:
    """logic.workflow_limits with some values replaced, for one run."""
    from talentpool.logic import workflow_limits as limits

    saved = {name: getattr(limits, name) for name in values}
    for name, value in values.items():
        setattr(limits, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(limits, name, value)


@contextlib.contextmanager
def _unpaced() -> Iterator[None]:
    """The nurture batch's pacing to the SES rate off: it only sleeps, and the history is what is counted."""
    from talentpool.logic.campaigns import pacing

    saved = pacing.pause
    pacing.pause = lambda seconds: None
    try:
        yield
    finally:
        pacing.pause = saved


def _executions(harness: Any) -> list[dict[str, Any]]:
    """Per execution: its history's length, what the accounting said before each round or pass, and the
    smallest margin between the two (never negative, or the accounting under-counted)."""
    from tests.integration.test_workflow_limits import rounds, tally_promises

    found = []
    for arn in harness.started:
        history = harness.history(arn)
        engage = [(state.get("events", 1), before) for before, state in rounds(history)]
        nurture = [(promised, written) for promised, written in tally_promises(history)]
        pairs = engage or nurture
        found.append(
            {
                "history_events": len(history),
                "status": harness.status(arn),
                "days": round(sum(w.seconds for w in harness.waits_of(arn)) / 86400, 1),
                "least_slack": min((accounted - actual for accounted, actual in pairs), default=0),
            }
        )
    return found


def engage_longest(*, trouble: bool) -> dict[str, Any]:
    """The longest sequence the API accepts, run to its end; with `trouble`, the worst-case test's run
    (throttling, lost reports, a year's pause) at a budget of ENGAGE_SMALL_BUDGET events."""
    import pytest

    from talentpool.logic import workflow_limits as limits
    from tests.integration import test_workflow_limits as case
    from tests.integration.test_engage import add_candidate, entries
    from tests.sfn_harness import engage_machine

    budget = ENGAGE_SMALL_BUDGET if trouble else limits.HISTORY_BUDGET
    with (
        _patched(HISTORY_BUDGET=budget, draw=random.Random(9).random),
        pytest.MonkeyPatch.context() as patch,
        engage_machine(case.WEDNESDAY_9_LISBON) as (account, harness),
    ):
        if trouble:
            candidate_id = case.start_engage_worst_case(harness, patch).candidate_id
        else:
            sequence_id, candidate_id = case.longest_sequence(), add_candidate()
            harness.start({"candidate_id": candidate_id, "sequence_id": sequence_id})
        harness.run(timeout=900)
        executions = _executions(harness)
        steps = sorted(e["data"]["step"] for e in entries(account, candidate_id, "email_sent"))
        return {
            "budget": budget,
            "emails": len(account.sent()),
            "steps_sent_once": steps == list(range(20)),
            "executions": len(executions),
            "max_history_events": max(e["history_events"] for e in executions),
            "least_slack": min(e["least_slack"] for e in executions),
            "longest_execution_days": max(e["days"] for e in executions),
            "per_execution": executions,
        }


def nurture_pages() -> dict[str, Any]:
    """The worst-case test's nurture run: ten batches of two in pages of three, throttled, with lost reads and
    deferred time zones, at a budget of NURTURE_SMALL_BUDGET events."""
    from tests.integration.test_nurture import run_result
    from tests.integration.test_workflow_limits import nurture_worst_case

    with nurture_worst_case(NURTURE_SMALL_BUDGET) as (account, harness, _):
        harness.run(timeout=900)
        executions = _executions(harness)
        return {
            "budget": NURTURE_SMALL_BUDGET,
            "emails": len(account.sent()),
            "sent": run_result(account)["sent"],
            "executions": len(executions),
            "max_history_events": max(e["history_events"] for e in executions),
            "least_slack": min(e["least_slack"] for e in executions),
            "per_execution": executions,
        }


def nurture_one_execution(audience: int) -> dict[str, Any]:
    """A run to `audience` eligible candidates at the real budget: its history, and what it accounted for."""
    from bench.imports import item_level_transactions
    from tests.integration.test_engage import add_candidate
    from tests.integration.test_nurture import campaign, segment, start
    from tests.integration.test_workflow_limits import WEDNESDAY_9_LISBON, tally_promises
    from tests.sfn_harness import nurture_machine

    with _unpaced(), nurture_machine(WEDNESDAY_9_LISBON) as (account, harness), item_level_transactions():
        for _ in range(audience):
            add_candidate(tags=["bench"])
        arn = start(harness, campaign(segment("bench")))
        harness.run(timeout=1800)
        history = harness.history(arn)
        [(accounted, _)] = tally_promises(history)
        return {
            "audience": audience,
            "emails": len(account.sent()),
            "executions": len(harness.started),
            "history_events": len(history),
            "accounted_worst_case": accounted,
        }


def bounds() -> dict[str, Any]:
    """The real budget's bounds, from the accounting the runs above check against moto."""
    from talentpool.logic import workflow_limits as limits

    page = limits.NURTURE_PAGE
    fixed = limits.nurture_start_events() + limits.nurture_pass_events(0) + limits.NURTURE_END_MAX
    batches_per_execution = (limits.HISTORY_BUDGET - fixed) // limits.NURTURE_ITERATION_MAX
    return {
        "history_limit": limits.HISTORY_LIMIT,
        "history_budget": limits.HISTORY_BUDGET,
        "duration_limit_days": limits.DURATION_LIMIT.days,
        "duration_budget_days": limits.DURATION_BUDGET.days,
        "engage_round_max": limits.ENGAGE_ROUND_MAX,
        "engage_end_max": limits.ENGAGE_END_MAX,
        "engage_last_round_starts_below": limits.HISTORY_BUDGET - limits.ENGAGE_ROUND_MAX - limits.ENGAGE_END_MAX,
        "nurture_page_batches": page,
        "nurture_page_pass_max": limits.nurture_pass_events(page),
        "nurture_iteration_max": limits.NURTURE_ITERATION_MAX,
        "nurture_emails_per_execution_at_least": batches_per_execution * 100,
        "retry_ceiling_seconds": [limits.RETRY_BASE.total_seconds() * 2**n for n in range(9)]
        + [limits.RETRY_CAP.total_seconds()],
        "retry_ceilings_to_half_an_hour": sum(
            min(limits.RETRY_CAP, limits.RETRY_BASE * 2**n).total_seconds() for n in range(10)
        ),
    }


def run() -> dict[str, Any]:
    from bench.sequences import environment

    with environment():
        return {
            "bounds": bounds(),
            "engage_longest": engage_longest(trouble=False),
            "engage_worst": engage_longest(trouble=True),
            "nurture_1000": nurture_one_execution(1000),
            "nurture_worst": nurture_pages(),
        }


def _row(label: str, case: dict[str, Any]) -> list[Any]:
    return [
        label,
        f"{case['budget']:,}",
        case["executions"],
        f"{case['max_history_events']:,}",
        case["least_slack"],
    ]


def describe(figures: dict[str, Any]) -> str:
    b, longest, worst = figures["bounds"], figures["engage_longest"], figures["engage_worst"]
    nurture, pages = figures["nurture_1000"], figures["nurture_worst"]
    table = [
        "| run | budget (events) | executions | most history events in one | least margin of the accounting |",
        "|---|---|---|---|---|",
        *(
            "| " + " | ".join(str(c) for c in row) + " |"
            for row in (
                _row("engage: the longest sequence (20 steps, 357.5 days, one hour a week)", longest),
                _row("engage: the same, SES throttling each step 3 times, 1 report in 5 lost, a 52-week pause", worst),
                _row(
                    "nurture: 20 candidates in 10 batches, pages of 3, 1 send in 6 throttled, 1 read in 5 lost", pages
                ),
            )
        ),
    ]
    return f"""## Step Functions limits: history events per execution

Target (issue 9, section 3): no execution of either state machine reaches Step Functions Standard's 25,000
history events or its year. `bench/workflow_limits.py` runs the worst case the API accepts in moto's interpreter
with the real handlers and counts each execution's history; the accounting in `logic/workflow_limits.py`
decides, round by round, when an execution continues as a new one, and its worst case is checked against
what moto wrote before every round (engage) or pass (nurture): the margin is never negative.

{chr(10).join(table)}

Runs that need many executions use a lowered budget, so that a bench (and `tests/integration/test_workflow_limits.py`,
which runs the same cases) finishes in a minute; the accounting does not depend on the budget's size.

At the real budget ({b["history_budget"]:,} events of {b["history_limit"]:,}; {b["duration_budget_days"]} days of \
{b["duration_limit_days"]}):

| bound | events |
|---|---|
| most any execution writes (its budget) | {b["history_budget"]:,} |
| an engage round, every retry taken (11 attempts) | {b["engage_round_max"]} |
| the longest way out of an engage execution (RecordFailure, every retry, Fail) | {b["engage_end_max"]} |
| the most an engage execution may have written after a Wait and still run its next round | \
{b["engage_last_round_starts_below"]:,} |
| a nurture pass of a full page ({b["nurture_page_batches"]} batches, every retry) | {b["nurture_page_pass_max"]:,} |
| a nurture Map iteration, every retry taken (7 attempts) | {b["nurture_iteration_max"]} |

- The longest engage sequence needs one execution: {longest["max_history_events"]} events over \
{longest["longest_execution_days"]:g} days, {longest["emails"]} emails.
- With throttling, lost reports and a year's pause it took {worst["executions"]} executions, none over its \
budget of {worst["budget"]} events or {b["duration_budget_days"]} days; every step went once ({worst["emails"]} emails).
- A nurture run to {nurture["audience"]:,} candidates: {nurture["history_events"]} events in \
{nurture["executions"]} execution (the accounting allowed for {nurture["accounted_worst_case"]:,}). One execution \
carries at least {b["nurture_emails_per_execution_at_least"]:,} emails, every retry counted, before it continues.
- SES throttling is retried without end, with full jitter below a ceiling that doubles from 4 s to 30 minutes: \
the first ten ceilings add up to {b["retry_ceilings_to_half_an_hour"]:,.0f} s.
"""
