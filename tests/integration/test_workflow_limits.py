"""Inside Step Functions' limits: the longest sequence a user can save, run to the end in moto's interpreter.

Step Functions Standard keeps at most 25,000 history events per execution and runs one for at most a year.
The worst case the API lets through is run here with the real ASL and handler (tests/sfn_harness.py): the
most steps, the longest waits, the narrowest send window, SES throttling every step, reports to the task
lost to read timeouts, and a candidate who pauses for a year mid-way. The history budget is lowered so that
the run needs many executions in a test's time; every execution's history is counted from moto and held
against the budget, and the accounting (logic.workflow_limits) against what moto wrote, round by round.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from talentpool.logic import workflow_limits as limits
from tests import factories
from tests.conftest import Account
from tests.integration.test_engage import add_candidate, change_candidate, entries, recruiter_api
from tests.sfn_harness import ENGAGE_ASL, NURTURE_ASL, EngageHarness, engage_machine, nurture_machine

Machine = tuple[Account, EngageHarness]
WEDNESDAY_9_LISBON = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
# The narrowest window the API accepts: one hour, one day a week. A send held back by it waits up to 7 days.
WEEKLY_HOUR = {"start_hour": 9, "end_hour": 10, "weekdays": [2]}
# The most steps, each as long as the duration rule allows with that window: 20 x (10 d 21 h + 7 d) = 357.5 d.
LONGEST_DELAY = "P10DT21H"
SMALL_BUDGET = 200  # history events per execution, so the run needs many executions


def longest_sequence() -> str:
    body = {
        "name": "The longest a user can save",
        "kind": "engage",
        "send_window": WEEKLY_HOUR,
        "steps": [
            {"delay": LONGEST_DELAY, "subject": f"Step {n}", "body": "Hello {{first_name|there}}."} for n in range(20)
        ],
    }
    response = recruiter_api("POST", "/sequences", body, claims=factories.ADMIN)
    assert response["statusCode"] == 201, response["body"]
    return str(factories.response_json(response)["sequence_id"])


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[Machine]:
    monkeypatch.setattr(limits, "HISTORY_BUDGET", SMALL_BUDGET)
    monkeypatch.setattr(limits, "draw", random.Random(9).random)  # full jitter, reproducibly
    with engage_machine(WEDNESDAY_9_LISBON) as pair:
        yield pair


# --- What the run does to SES, to the reports and to the candidate ----------------------------------------


def throttle_first_attempts(per_step: int) -> list[str]:
    """SES refuses the first `per_step` sends of every step with TooManyRequestsException, as it would for a
    throttled account; returns the steps it refused, one entry per refusal."""
    from botocore.exceptions import ClientError

    from talentpool.adapters.aws.clients import client

    refused: list[str] = []

    def refuse(params: dict[str, Any], **_: Any) -> None:
        step = next(t["Value"] for t in params["EmailTags"] if t["Name"] == "step")
        if refused.count(step) < per_step:
            refused.append(step)
            raise ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "Rate"}}, "SendEmail")

    # Before the request is built, where `params` are the call's own arguments.
    client("sesv2").meta.events.register("before-parameter-build.sesv2.SendEmail", refuse)
    return refused


def lose_every_nth_report(monkeypatch: pytest.MonkeyPatch, nth: int) -> list[int]:
    """Every `nth` SendTaskSuccess times out on its way back (botocore's ReadTimeoutError after its own retries),
    so the machine's Retry runs that round again; returns the rounds it happened to."""
    from botocore.exceptions import ReadTimeoutError

    from talentpool.adapters.aws.workflows import Workflows

    succeed, calls, lost = Workflows.succeed, [0], []

    def timing_out(self: Workflows, token: str, output: dict[str, Any]) -> bool:
        calls[0] += 1
        if calls[0] % nth == 0:
            lost.append(calls[0])
            raise ReadTimeoutError(endpoint_url="https://states.example")
        return succeed(self, token, output)

    monkeypatch.setattr(Workflows, "succeed", timing_out)
    return lost


def pause_for_a_year_after(monkeypatch: pytest.MonkeyPatch, step: int, candidate_id: str) -> None:
    """Once step `step` has gone, the candidate pauses marketing email for 52 weeks (the preference centre's
    longest pause): the next send is planned more than a year away."""
    from talentpool import clock
    from talentpool.adapters.aws.mail import Mailer

    original = Mailer.send

    def send_then_pause(self: Mailer, email: Any) -> str:
        message_id = original(self, email)
        if email.tags["step"] == str(step):
            until = clock.utcnow() + timedelta(weeks=52)
            change_candidate(candidate_id, preferences={"paused_until": until.strftime("%Y-%m-%dT%H:%M:%S.000Z")})
        return message_id

    monkeypatch.setattr(Mailer, "send", send_then_pause)


@dataclass
class EngageWorstCase:
    """The longest sequence, started for a candidate, with SES, the reports and the candidate set to be as
    hard on it as they can: what `start_engage_worst_case` hands back to check against."""

    candidate_id: str
    sequence_id: str
    first: str
    refused: list[str]
    lost: list[int]


def start_engage_worst_case(harness: EngageHarness, patch: pytest.MonkeyPatch) -> EngageWorstCase:
    """The longest sequence, SES throttling the first 3 sends of every step, 1 report in 5 to the task lost to
    a read timeout, and a 52-week pause after step 9; started (the bench runs it too)."""
    sequence_id, candidate_id = longest_sequence(), add_candidate()
    refused = throttle_first_attempts(per_step=3)
    lost = lose_every_nth_report(patch, nth=5)
    pause_for_a_year_after(patch, step=9, candidate_id=candidate_id)
    first = harness.start({"candidate_id": candidate_id, "sequence_id": sequence_id})
    return EngageWorstCase(candidate_id, sequence_id, first, refused, lost)


# --- Reading an execution ----------------------------------------------------------------------------------


def rounds(history: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """(events before it, its input) for each Step the execution entered."""
    return [
        (index, json.loads(event["stateEnteredEventDetails"]["input"]))
        for index, event in enumerate(history)
        if event["type"] == "TaskStateEntered" and event["stateEnteredEventDetails"]["name"] == "Step"
    ]


def waited(harness: EngageHarness, arn: str) -> timedelta:
    return timedelta(seconds=sum(w.seconds for w in harness.waits_of(arn)))


# --- The ASL and the accounting agree ------------------------------------------------------------------------


def attempts(state: dict[str, Any]) -> int:
    return 1 + sum(retrier["MaxAttempts"] for retrier in state.get("Retry", []))


def test_the_accounting_assumes_the_retries_the_asl_files_allow() -> None:
    engage = json.loads(ENGAGE_ASL.read_text())["States"]
    nurture = json.loads(NURTURE_ASL.read_text())["States"]
    send_batch = nurture["SendBatches"]["ItemProcessor"]["States"]["SendBatch"]

    assert attempts(engage["Step"]) == limits.ENGAGE_STEP_ATTEMPTS
    assert attempts(engage["RecordFailure"]) == limits.ENGAGE_RECORD_ATTEMPTS
    assert {attempts(nurture[name]) for name in ("Resolve", "Tally", "RecordFailure")} == {limits.NURTURE_TASK_ATTEMPTS}
    assert attempts(send_batch) == limits.NURTURE_BATCH_ATTEMPTS


def test_at_the_real_budget_a_sequence_continues_long_before_the_service_limit() -> None:
    # The last round that may still go on leaves room for the worst round and the longest way out.
    last = limits.HISTORY_BUDGET - limits.ENGAGE_ROUND_MAX - limits.ENGAGE_END_MAX
    assert not limits.engage_must_continue(last) and limits.engage_must_continue(last + 1)
    assert last + limits.ENGAGE_ROUND_MAX + limits.ENGAGE_END_MAX <= limits.HISTORY_BUDGET < limits.HISTORY_LIMIT
    # A nurture execution's first pass, a full page of batches with every retry taken, always fits: twice over.
    first_pass = limits.nurture_start_events() + limits.nurture_pass_events(limits.NURTURE_PAGE)
    assert not limits.nurture_must_continue(first_pass, limits.NURTURE_PAGE)
    assert limits.DURATION_BUDGET < limits.DURATION_LIMIT


# --- The worst case, run ------------------------------------------------------------------------------------


def test_the_longest_sequence_with_throttling_lost_reports_and_a_years_pause_stays_inside_the_limits(
    machine: Machine, monkeypatch: pytest.MonkeyPatch
) -> None:
    account, harness = machine
    worst = start_engage_worst_case(harness, monkeypatch)

    harness.run(timeout=600)

    executions = harness.started
    # Every step went once, in order, and the enrolment followed each new execution to the end.
    steps = [e["data"]["step"] for e in entries(account, worst.candidate_id, "email_sent")]
    assert steps == list(range(20)) and len(account.sent()) == 20
    assert not entries(account, worst.candidate_id, "send_outcome_unknown")
    assert len(entries(account, worst.candidate_id, "sequence_enrolled")) == 1
    [enrolment] = [i for i in account.items() if i["sk"] == f"ENROL#{worst.sequence_id}"]
    assert enrolment["status"] == "completed" and enrolment["execution_arn"] == executions[-1]
    assert {harness.status(arn) for arn in executions} == {"SUCCEEDED"}
    assert executions[0] == worst.first and executions[1] == f"{worst.first}-c1" and len(executions) >= 5
    assert len(worst.refused) == 3 * 20 and worst.lost  # the run did meet throttling and lost reports
    # Each execution stayed inside the budget, and never counted fewer events than moto wrote before a round.
    for arn in executions:
        history = harness.history(arn)
        assert len(history) <= SMALL_BUDGET
        assert all(state.get("events", 1) >= before for before, state in rounds(history))
        assert waited(harness, arn) <= limits.DURATION_BUDGET
    # The pause made the run longer than a year: no execution had to last that long.
    sends = [
        datetime.fromisoformat(e["at"].replace("Z", "+00:00"))
        for e in entries(account, worst.candidate_id, "email_sent")
    ]
    assert sends[10] - sends[9] > timedelta(weeks=52)
    assert sends[-1] - WEDNESDAY_9_LISBON > limits.DURATION_LIMIT


# --- Continuing as a new execution keeps every promise -----------------------------------------------------

TWO_ROUNDS = 80  # a budget with room for an execution's first round and one more: then it continues


@pytest.fixture
def continuing(monkeypatch: pytest.MonkeyPatch) -> Iterator[Machine]:
    monkeypatch.setattr(limits, "HISTORY_BUDGET", TWO_ROUNDS)
    with engage_machine(WEDNESDAY_9_LISBON) as pair:
        yield pair


def welcome_sent(account: Account, candidate_id: str) -> list[int]:
    return [e["data"]["step"] for e in entries(account, candidate_id, "email_sent")]


def test_the_welcome_series_continues_in_a_new_execution_and_the_enrolment_follows(continuing: Machine) -> None:
    account, harness = continuing
    candidate_id = add_candidate()

    first = harness.start({"candidate_id": candidate_id})
    harness.run()

    assert harness.started == [first, f"{first}-c1"]
    assert welcome_sent(account, candidate_id) == [0, 1, 2] and len(account.sent()) == 3
    ends = [e["type"] for arn in harness.started for e in harness.history(arn)[-3:-1]]
    assert ends == ["SucceedStateEntered", "SucceedStateExited"] * 2
    assert [
        e["stateEnteredEventDetails"]["name"] for e in harness.history(first) if e["type"] == "SucceedStateEntered"
    ] == ["Continued"]
    enrolment = next(i for i in account.items() if i["sk"] == "ENROL#welcome")
    assert (enrolment["status"], enrolment["execution_arn"]) == ("completed", f"{first}-c1")


def run_until_continued(harness: EngageHarness) -> str:
    """Drive the run until the second execution holds the enrolment and waits; its ARN."""
    harness.settle()
    while len(harness.started) < 2:
        harness.release_next()
        harness.settle()
    return harness.started[1]


def test_a_recruiter_stop_after_the_hand_over_stops_the_new_execution(continuing: Machine) -> None:
    account, harness = continuing
    candidate_id = add_candidate()
    first = harness.start({"candidate_id": candidate_id})
    successor = run_until_continued(harness)

    response = recruiter_api("DELETE", f"/sequences/welcome/enrollments/{candidate_id}")
    harness.run()

    assert response["statusCode"] == 200
    assert (harness.status(first), harness.status(successor)) == ("SUCCEEDED", "ABORTED")
    assert welcome_sent(account, candidate_id) == [0, 1] and len(account.sent()) == 2


def test_erasure_after_the_hand_over_stops_the_new_execution(continuing: Machine) -> None:
    account, harness = continuing
    candidate_id = add_candidate()
    harness.start({"candidate_id": candidate_id})
    successor = run_until_continued(harness)

    response = recruiter_api("DELETE", f"/candidates/{candidate_id}", claims=factories.ADMIN)
    harness.run()

    assert response["statusCode"] == 204
    assert harness.status(successor) == "ABORTED" and len(account.sent()) == 2
    assert not [i for i in account.items() if i["pk"] == f"CAND#{candidate_id}"]


def test_a_stop_between_the_hand_over_and_the_new_executions_start_sends_nothing_more(
    continuing: Machine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from talentpool.adapters.aws.workflows import Workflows

    account, harness = continuing
    candidate_id = add_candidate()
    start, stops = Workflows.start_continuation, []

    def stopped_first(self: Workflows, execution_arn: str, generation: int, payload: dict[str, Any]) -> str:
        # The enrolment already names the new execution, which does not exist yet: the recruiter stops that.
        stops.append(recruiter_api("DELETE", f"/sequences/welcome/enrollments/{candidate_id}")["statusCode"])
        return start(self, execution_arn, generation, payload)

    monkeypatch.setattr(Workflows, "start_continuation", stopped_first)
    harness.start({"candidate_id": candidate_id})
    harness.run()

    assert stops == [200] and len(harness.started) == 2
    assert {harness.status(arn) for arn in harness.started} == {"SUCCEEDED"}  # the new one ended on its own
    assert welcome_sent(account, candidate_id) == [0, 1] and len(account.sent()) == 2
    enrolment = next(i for i in account.items() if i["sk"] == "ENROL#welcome")
    assert enrolment["status"] == "stopped"


def test_a_hand_over_whose_report_was_lost_is_run_again_without_a_second_email_or_execution() -> None:
    def hands_over(event: dict[str, Any]) -> bool:
        return bool(event["state"].get("step") == 1 and event["state"].get("version"))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(limits, "HISTORY_BUDGET", TWO_ROUNDS)
        with engage_machine(WEDNESDAY_9_LISBON, duplicate=hands_over) as (account, harness):
            candidate_id = add_candidate()

            first = harness.start({"candidate_id": candidate_id})
            harness.run()

            assert harness.started == [first, f"{first}-c1"]
            assert welcome_sent(account, candidate_id) == [0, 1, 2] and len(account.sent()) == 3
            assert {harness.status(arn) for arn in harness.started} == {"SUCCEEDED"}
            assert not entries(account, candidate_id, "send_outcome_unknown")


# --- Nurture: a run over many pages, throttled, with lost answers, across executions -----------------------


NURTURE_BUDGET = 300  # room for two passes of three batches, every retry counted: the run needs several executions


def tally_promises(history: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """(what Tally's input said the pass would have written by its Choice, what moto had written by then)."""
    promises = []
    for index, event in enumerate(history):
        details = event.get("stateEnteredEventDetails") or {}
        if event["type"] == "TaskStateEntered" and details.get("name") == "Tally":
            choice = next(i for i in range(index, len(history)) if history[i]["type"] == "ChoiceStateExited")
            promises.append((json.loads(details["input"])["run"]["history"], choice + 1))
    return promises


@dataclass
class NurtureWorstCase:
    first: str
    people: list[str]
    refused: list[str]
    lost: list[str]


@contextmanager
def nurture_worst_case(budget: int) -> Iterator[tuple[Account, EngageHarness, NurtureWorstCase]]:
    """A run over ten batches of two, in pages of three, at a history budget of `budget` events: SES throttles
    one send in six, one read of the send logs and profiles in five times out, and three of the twenty are
    in Los Angeles, where it is 01:00 (their batches wait for the window there). Started, not run."""
    from botocore.exceptions import ReadTimeoutError

    from talentpool.logic.campaigns import nurture
    from talentpool.logic.campaigns import pacing as nurture_pacing
    from tests.integration.test_engage import fail_calls, ses_refuses
    from tests.integration.test_nurture import campaign, segment, start

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(nurture, "BATCH_SIZE", 2)
        patch.setattr(nurture_pacing, "pause", lambda seconds: None)  # the pacer's spacing is not what this is about
        patch.setattr(limits, "NURTURE_PAGE", 3)
        patch.setattr(limits, "HISTORY_BUDGET", budget)
        patch.setattr(limits, "draw", random.Random(9).random)
        with nurture_machine(WEDNESDAY_9_LISBON) as (account, harness):
            calls, reads = iter(range(10_000)), iter(range(10_000))
            refused = ses_refuses(lambda: next(calls) % 6 == 5, "TooManyRequestsException")
            timeout = ReadTimeoutError(endpoint_url="https://dynamodb.example")
            lost = fail_calls(
                "dynamodb", "BatchGetItem", timeout, lambda: next(reads) % 5 == 4, event="before-parameter-build"
            )
            people = [add_candidate(tags=["many"]) for _ in range(20)]
            for candidate_id in people[:3]:
                change_candidate(
                    candidate_id, location={"city": "LA", "country": "US", "timezone": "America/Los_Angeles"}
                )
            first = start(harness, campaign(segment("many")))
            yield account, harness, NurtureWorstCase(first, people, refused, lost)


def test_a_run_over_many_pages_with_throttling_and_lost_answers_stays_inside_the_history_budget() -> None:
    from tests.integration.test_nurture import run_result

    with nurture_worst_case(NURTURE_BUDGET) as (account, harness, worst):
        harness.run(timeout=600)

        executions = harness.started
        assert executions[0] == worst.first and len(executions) >= 3
        assert harness.retry_intervals  # the lost answers were retried by the machine
        assert {harness.status(arn) for arn in executions} == {"SUCCEEDED"}
        sent = sorted(to for e in account.sent() for to in e.to)
        assert sent == sorted(f"ana.{c.lower()}@example.com" for c in worst.people)
        assert run_result(account)["sent"] == 20 and worst.refused and worst.lost
        for arn in executions:
            history = harness.history(arn)
            assert len(history) <= NURTURE_BUDGET
            assert all(promised >= written for promised, written in tally_promises(history))
