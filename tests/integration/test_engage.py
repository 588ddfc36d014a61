"""The engage state machine, executed: the real ASL in moto's interpreter, the real step handler, sequence time.

Every test drives `state_machines/engage.asl.json` through tests/sfn_harness.py and asserts on what a
candidate or recruiter would notice: the emails SES accepted, when they went in the candidate's own time,
the timeline, the enrolment, and how the execution ended.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from talentpool.clock import parse_iso
from tests import factories
from tests.conftest import Account
from tests.integration.helpers import call, timeline
from tests.sfn_harness import EngageHarness, asl_placeholders, engage_machine, engage_substitutions

MONDAY_10_UTC = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # 10:00 in Lisbon, inside the welcome window
Machine = tuple[Account, EngageHarness]


@pytest.fixture
def machine() -> Iterator[Machine]:
    with engage_machine(MONDAY_10_UTC) as pair:
        yield pair


# --- Given ---------------------------------------------------------------------------------------------


def add_candidate(**changes: Any) -> str:
    from talentpool.adapters.aws.candidates import CandidateStore
    from talentpool.adapters.aws.table import Table
    from talentpool.ids import new_id
    from talentpool.models.candidate import Candidate

    candidate_id = new_id()
    fields: dict[str, Any] = {
        "candidate_id": candidate_id,
        "email": f"ana.{candidate_id.lower()}@example.com",
        "first_name": "Ana",
        "last_name": "Silva",
        "skills": ["python", "aws"],
        "interests": ["job_alerts"],
        "location": {"city": "Lisbon", "country": "PT", "timezone": "Europe/Lisbon"},
        "source": {"channel": "careers_site"},
        "consent": {"status": "active", "confirmed_at": "2026-03-02T09:55:00.000Z"},
        "owner": {"id": "rec-1", "name": "Rita Recruiter", "email": "rita@example.com"},
        "captured_at": "2026-03-02T09:50:00.000Z",
        "updated_at": "2026-03-02T09:55:00.000Z",
    }
    fields.update(changes)
    CandidateStore(Table(factories.TABLE)).create(Candidate.model_validate(fields), [], clear_tombstone=False)
    return candidate_id


def change_candidate(candidate_id: str, **changes: Any) -> None:
    """What another part of the system does meanwhile (self-service, SES events): the profile changes."""
    from talentpool.adapters.aws.candidates import CandidateStore
    from talentpool.adapters.aws.table import Table

    store = CandidateStore(Table(factories.TABLE))
    before = store.get(candidate_id)
    assert before is not None
    store.save(before, before.model_validate({**before.model_dump(), **changes}))


def create_sequence(steps: list[dict[str, Any]], **fields: Any) -> str:
    body = {"name": "Tips", "kind": "engage", "steps": steps, **fields}
    response = call("recruiter_api", factories.api_event("POST", "/sequences", body=body, claims=factories.ADMIN))
    assert response["statusCode"] == 201, response["body"]
    return str(factories.response_json(response)["sequence_id"])


def step(delay: str, subject: str) -> dict[str, Any]:
    return {"delay": delay, "subject": subject, "body": f"Hi {{{{first_name|there}}}}, {subject.lower()}."}


def recruiter_api(method: str, path: str, body: Any = None, claims: dict[str, Any] | None = None) -> dict[str, Any]:
    return call("recruiter_api", factories.api_event(method, path, body=body, claims=claims or factories.RECRUITER))


# --- Reading -------------------------------------------------------------------------------------------


def entries(account: Account, candidate_id: str, kind: str | None = None) -> list[dict[str, Any]]:
    return [e for e in timeline(account.items(), candidate_id) if kind in (None, e["kind"])]


def sent_at(account: Account, candidate_id: str) -> list[datetime]:
    """When each email went, in sequence time, from the candidate's timeline."""
    return [parse_iso(e["at"]) for e in entries(account, candidate_id, "email_sent")]


def enrolment(account: Account, candidate_id: str, sequence_id: str = "welcome") -> dict[str, Any]:
    [item] = [i for i in account.items() if i["pk"] == f"CAND#{candidate_id}" and i["sk"] == f"ENROL#{sequence_id}"]
    return item


def sent_to(account: Account, address_fragment: str) -> list[Any]:
    return [s for s in account.sent() if any(address_fragment in to for to in s.to)]


# --- The state machine file ----------------------------------------------------------------------------


def test_the_asl_placeholders_are_exactly_what_cdk_substitutes() -> None:
    assert asl_placeholders() == set(engage_substitutions()) == {"SequenceStepFunctionArn"}


# --- The welcome series --------------------------------------------------------------------------------


def test_the_welcome_series_sends_three_personal_compliant_emails_at_day_0_3_and_10(machine: Machine) -> None:
    account, harness = machine
    candidate_id = add_candidate()

    arn = harness.start({"candidate_id": candidate_id, "event_id": "confirmed-1"})
    harness.run()

    assert harness.status(arn) == "SUCCEEDED"
    emails = account.sent()
    assert [e.subject for e in emails] == [
        "Welcome to the Talentpool talent community, Ana",
        "What working at Talentpool is like",
        "Ana, how we match your python to roles",
    ]
    for email in emails:
        assert email.to == [f"ana.{candidate_id.lower()}@example.com"]
        assert email.headers["From"] == f"Rita Recruiter <{factories.SENDER}>"
        assert email.headers["Reply-To"] == "rita@example.com"
        assert email.headers["List-Unsubscribe"].startswith(f"<{factories.BASE_URL}/unsubscribe/")
        assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        for part in (email.text, email.html):
            assert "Ana" in part
            assert f"{factories.BASE_URL}/preferences/" in part
            assert "You receive this because you joined our talent community on 2 March 2026" in part
    assert "Rita Recruiter reads every reply" in emails[0].text
    assert "people\nwith python, aws" in emails[2].text
    assert sent_at(account, candidate_id) == [
        MONDAY_10_UTC,
        MONDAY_10_UTC + timedelta(days=3),
        MONDAY_10_UTC + timedelta(days=10),
    ]
    assert [w.seconds for w in harness.waits_of(arn)] == [3 * 86400, 7 * 86400]


def test_each_send_is_recorded_on_the_timeline_and_the_bus_and_the_enrolment_completes(machine: Machine) -> None:
    account, harness = machine
    candidate_id = add_candidate()

    harness.start({"candidate_id": candidate_id, "event_id": "confirmed-1"})
    harness.run()

    recorded = entries(account, candidate_id, "email_sent")
    message_ids = [m.message["Message-ID"] for m in account.sent()]
    assert [e["data"]["step"] for e in recorded] == [0, 1, 2]
    assert all(e["data"]["sequence_id"] == "welcome" and e["data"]["version"] == 1 for e in recorded)
    assert len({e["data"]["message_id"] for e in recorded}) == 3 and len(message_ids) == 3
    published = [e["detail"] for e in account.events("EmailSent")]
    assert [(p["step"], p["sequence_id"], p["kind"]) for p in published] == [
        (0, "welcome", "marketing"),
        (1, "welcome", "marketing"),
        (2, "welcome", "marketing"),
    ]
    assert not any("@" in str(p) for p in published)  # ids, never an address
    kinds = [e["kind"] for e in entries(account, candidate_id)]
    assert kinds[0] == "sequence_enrolled" and kinds[-1] == "sequence_completed"
    record = enrolment(account, candidate_id)
    assert (record["status"], record["step"], record["steps"], record["version"]) == ("completed", 3, 3, 1)


def test_the_welcome_email_costs_two_transitions_and_a_late_confirmation_waits_for_morning(machine: Machine) -> None:
    account, harness = machine
    in_hours = add_candidate()
    at_night = add_candidate(location={"timezone": "America/Los_Angeles"})  # 10:00 UTC is 02:00 there

    awake = harness.start({"candidate_id": in_hours})
    asleep = harness.start({"candidate_id": at_night})
    harness.run()

    assert harness.transitions(awake) / len(sent_at(account, in_hours)) == 2.0  # 6 states for 3 emails
    assert harness.transitions(asleep) / len(sent_at(account, at_night)) == 8 / 3  # one extra round to wait
    first = sent_at(account, at_night)[0].astimezone(ZoneInfo("America/Los_Angeles"))
    assert (first.day, first.hour, first.minute) == (2, 8, 0)


def test_a_five_email_sequence_stays_under_two_and_a_half_transitions_per_email(machine: Machine) -> None:
    account, harness = machine
    sequence_id = create_sequence(
        [step("P0D", "One"), step("P7D", "Two"), step("P7D", "Three"), step("P7D", "Four"), step("P7D", "Five")]
    )
    candidate_id = add_candidate(location={"timezone": "America/Los_Angeles"})  # 02:00 there: waits for 9:00

    arn = harness.start({"candidate_id": candidate_id, "sequence_id": sequence_id})
    harness.run()

    assert len(sent_at(account, candidate_id)) == 5
    assert harness.transitions(arn) / 5 <= 2.5  # the worst case: even the first email waited for the window


# --- Send windows, time zones, daylight saving ---------------------------------------------------------

DST_CASES = [
    # zone, start (UTC), expected sends (UTC). The default window: 9:00-18:00 local, Monday to Friday.
    pytest.param(
        "America/New_York",
        datetime(2026, 3, 6, 22, 0, tzinfo=UTC),  # Friday 17:00 EST: in the window
        [datetime(2026, 3, 6, 22, 0, tzinfo=UTC), datetime(2026, 3, 9, 13, 0, tzinfo=UTC)],  # Monday 9:00 EDT
        id="new-york-spring-forward",
    ),
    pytest.param(
        "Europe/Berlin",
        datetime(2026, 3, 27, 17, 30, tzinfo=UTC),  # Friday 18:30 CET: closed
        [datetime(2026, 3, 30, 7, 0, tzinfo=UTC), datetime(2026, 3, 31, 7, 0, tzinfo=UTC)],  # 9:00 CEST
        id="berlin-spring-forward",
    ),
    pytest.param(
        "Asia/Tokyo",
        datetime(2026, 3, 6, 22, 0, tzinfo=UTC),  # Saturday 07:00 JST
        [datetime(2026, 3, 9, 0, 0, tzinfo=UTC), datetime(2026, 3, 10, 0, 0, tzinfo=UTC)],
        id="tokyo-no-dst",
    ),
]


@pytest.mark.parametrize(("zone", "start", "expected"), DST_CASES)
def test_emails_arrive_inside_the_window_in_the_candidates_zone_across_dst(
    machine: Machine, zone: str, start: datetime, expected: list[datetime]
) -> None:
    account, harness = machine
    sequence_id = create_sequence([step("P0D", "Hello"), step("P1D", "Next")])
    candidate_id = add_candidate(location={"timezone": zone})
    harness.clock.advance_to(start)

    harness.start({"candidate_id": candidate_id, "sequence_id": sequence_id})
    harness.run()

    times = sent_at(account, candidate_id)
    assert times == expected
    for moment in times:
        local = moment.astimezone(ZoneInfo(zone))
        assert 9 <= local.hour < 18 and local.weekday() < 5


def test_quiet_hours_and_a_pause_move_the_send(machine: Machine) -> None:
    account, harness = machine
    sequence_id = create_sequence(
        [step("P0D", "Hello")],
        send_window={"start_hour": 9, "end_hour": 18, "quiet_hours": [{"start_hour": 9, "end_hour": 12}]},
    )
    paused = add_candidate(preferences={"paused_until": "2026-03-04T00:00:00.000Z"})
    quiet = add_candidate()

    harness.start({"candidate_id": paused, "sequence_id": sequence_id})
    harness.start({"candidate_id": quiet, "sequence_id": sequence_id})
    harness.run()

    assert sent_at(account, quiet) == [datetime(2026, 3, 2, 12, 0, tzinfo=UTC)]  # after the quiet morning
    assert sent_at(account, paused) == [datetime(2026, 3, 4, 12, 0, tzinfo=UTC)]  # after the pause, same rules


# --- The frequency cap ---------------------------------------------------------------------------------


def test_the_frequency_cap_holds_across_two_sequences_running_at_once(machine: Machine) -> None:
    account, harness = machine
    tips = create_sequence(
        [step("P0D", "Tip one"), step("P1D", "Tip two"), step("P1D", "Tip three")],
        send_window={"start_hour": 8, "end_hour": 20, "weekdays": [0, 1, 2, 3, 4, 5, 6]},
    )
    candidate_id = add_candidate()

    welcome = harness.start({"candidate_id": candidate_id})
    other = harness.start({"candidate_id": candidate_id, "sequence_id": tips})
    harness.run()

    times = sorted(sent_at(account, candidate_id))
    assert len(times) == 6 and harness.status(welcome) == harness.status(other) == "SUCCEEDED"
    for moment in times:  # never more than 2 in any 7 days
        assert sum(1 for t in times if moment - timedelta(days=7) < t <= moment) <= 2
    assert times[2] - times[0] >= timedelta(days=7)  # the third email had to wait a week


def test_a_lower_cap_chosen_in_the_preference_centre_is_honoured(machine: Machine) -> None:
    account, harness = machine
    candidate_id = add_candidate(preferences={"max_per_week": 1})

    harness.start({"candidate_id": candidate_id})
    harness.run()

    first, second, third = sent_at(account, candidate_id)
    assert second - first > timedelta(days=7) and third - second >= timedelta(days=7)


# --- Exit rules ----------------------------------------------------------------------------------------


def apply_stage(candidate_id: str) -> None:
    body = {"stage": "applied", "reason": "Applied for the backend role"}
    response = recruiter_api("POST", f"/candidates/{candidate_id}/stage", body)
    assert response["statusCode"] == 200, response["body"]


EXITS: list[Any] = [
    pytest.param(apply_stage, "stage_applied", id="applied-via-the-recruiter-api"),
    pytest.param(
        lambda c: change_candidate(c, unsubscribed_at="2026-03-03T08:00:00.000Z"), "unsubscribed", id="unsubscribed"
    ),
    pytest.param(
        lambda c: change_candidate(c, suppressed_at="2026-03-03T08:00:00.000Z", suppression_reason="bounce"),
        "suppressed",
        id="suppressed",
    ),
    pytest.param(
        lambda c: change_candidate(c, consent={"status": "withdrawn", "withdrawn_at": "2026-03-03T08:00:00.000Z"}),
        "consent_withdrawn",
        id="consent-withdrawn",
    ),
]


@pytest.mark.parametrize(("happen", "reason"), EXITS)
def test_an_exit_rule_arriving_mid_wait_prevents_every_later_email(
    machine: Machine, happen: Callable[[str], None], reason: str
) -> None:
    account, harness = machine
    candidate_id = add_candidate()
    arn = harness.start({"candidate_id": candidate_id})
    harness.settle()  # the welcome went; the execution waits three days for the next one
    assert len(account.sent()) == 1

    happen(candidate_id)
    harness.run()

    assert len(account.sent()) == 1
    assert harness.status(arn) == "SUCCEEDED"
    [exited] = entries(account, candidate_id, "sequence_exited")
    assert exited["data"] == {"sequence_id": "welcome", "version": 1, "step": 1, "reason": reason}
    record = enrolment(account, candidate_id)
    assert (record["status"], record["exit_reason"]) == ("exited", reason)


def test_no_email_without_active_consent(machine: Machine) -> None:
    account, harness = machine
    candidate_id = add_candidate(consent={"status": "pending"})

    arn = harness.start({"candidate_id": candidate_id})
    harness.run()

    assert account.sent() == [] and harness.status(arn) == "SUCCEEDED"
    assert enrolment(account, candidate_id)["exit_reason"] == "no_consent"


def test_a_recruiter_stopping_the_enrolment_stops_the_execution(machine: Machine) -> None:
    account, harness = machine
    candidate_id = add_candidate()
    arn = harness.start({"candidate_id": candidate_id})
    harness.settle()

    response = recruiter_api("DELETE", f"/sequences/welcome/enrollments/{candidate_id}")
    harness.run()

    assert response["statusCode"] == 200
    assert factories.response_json(response)["status"] == "stopped"
    assert harness.status(arn) == "ABORTED" and len(account.sent()) == 1
    assert [e["actor"] for e in entries(account, candidate_id, "sequence_stopped")] == ["recruiter:rec-1"]


def test_erasure_mid_sequence_stops_the_execution(machine: Machine) -> None:
    account, harness = machine
    candidate_id = add_candidate()
    arn = harness.start({"candidate_id": candidate_id})
    harness.settle()

    response = recruiter_api("DELETE", f"/candidates/{candidate_id}", claims=factories.ADMIN)
    harness.run()

    assert response["statusCode"] == 204
    assert harness.status(arn) == "ABORTED"
    assert len(account.sent()) == 1
    assert not [i for i in account.items() if i["pk"] == f"CAND#{candidate_id}"]


# --- Once and only once --------------------------------------------------------------------------------


def test_a_duplicate_start_makes_one_enrolment(machine: Machine) -> None:
    account, harness = machine
    candidate_id = add_candidate()

    first = harness.start({"candidate_id": candidate_id, "event_id": "e-1"})
    again = harness.start({"candidate_id": candidate_id, "event_id": "e-1"})
    harness.run()

    assert len(account.sent()) == 3
    assert harness.status(first) == harness.status(again) == "SUCCEEDED"
    assert len(entries(account, candidate_id, "sequence_enrolled")) == 1
    ends = [
        e["taskFailedEventDetails"] for arn in (first, again) for e in harness.history(arn) if e["type"] == "TaskFailed"
    ]
    assert sorted(end["error"] for end in ends) == ["Talentpool.SequenceExited", "Talentpool.SequenceFinished"]


DEAD_TOKEN = "a-token-nobody-waits-for"  # what tests/sfn_harness.py's duplicate attempts report to


def reports(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """Every report a round made to a task token, (token, output or error), including to tokens nobody waits for."""
    from talentpool.adapters.aws.workflows import Workflows

    made: list[tuple[str, Any]] = []
    succeed, fail = Workflows.succeed, Workflows.fail

    def succeeded(self: Workflows, token: str, output: dict[str, Any]) -> bool:
        made.append((token, output))
        return succeed(self, token, output)

    def failed(self: Workflows, token: str, *, error: str, cause: str) -> bool:
        made.append((token, error))
        return fail(self, token, error=error, cause=cause)

    monkeypatch.setattr(Workflows, "succeed", succeeded)
    monkeypatch.setattr(Workflows, "fail", failed)
    return made


@pytest.mark.parametrize("round_", ["first", "second"])
def test_a_send_task_run_twice_for_the_same_step_sends_once_and_answers_the_same(
    round_: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def chosen(event: dict[str, Any]) -> bool:
        state = event["state"]
        return not state.get("version") if round_ == "first" else state.get("step") == 1

    made = reports(monkeypatch)
    with engage_machine(MONDAY_10_UTC, duplicate=chosen) as (account, harness):
        candidate_id = add_candidate()

        harness.start({"candidate_id": candidate_id})
        harness.run()

        assert len(account.sent()) == 3
        assert [e["data"]["step"] for e in entries(account, candidate_id, "email_sent")] == [0, 1, 2]
        assert len(entries(account, candidate_id, "sequence_enrolled")) == 1
        assert not entries(account, candidate_id, "send_outcome_unknown")
        assert sent_at(account, candidate_id) == [
            MONDAY_10_UTC,
            MONDAY_10_UTC + timedelta(days=3),
            MONDAY_10_UTC + timedelta(days=10),
        ]
        # The retry found the send in the send log and answered what the first attempt answered.
        [first] = [i for i, (token, _) in enumerate(made) if token == DEAD_TOKEN]
        assert made[first + 1][0] != DEAD_TOKEN and made[first + 1][1] == made[first][1]
        assert isinstance(made[first][1], dict) and made[first][1]["step"] == (1 if round_ == "first" else 2)
        assert not [i for i in account.items() if i["pk"].startswith("IDEMPOTENCY#")]  # the send log is the record


def test_a_round_run_again_while_the_first_attempt_is_still_sending_sends_nothing_and_comes_back_when_it_is_done(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from talentpool.adapters.aws.mail import Mailer

    made = reports(monkeypatch)
    original = Mailer.send
    with engage_machine(MONDAY_10_UTC) as (account, harness):
        duplicates: list[Any] = []
        during: list[datetime] = []

        def send_while_a_duplicate_runs(self: Mailer, email: Any) -> str:
            if email.tags["step"] == "1" and not duplicates:
                # While SES is answering this attempt, the same round runs again (a retried Task whose first
                # invocation is still under way): it finds the reservation held and waits out its lease.
                _, event = harness.runtime.invocations[-1]
                during.append(harness.clock.now())
                duplicates.append(harness.runtime.runtime.invoke("sequence_step", {**event, "token": DEAD_TOKEN}))
            return original(self, email)

        monkeypatch.setattr(Mailer, "send", send_while_a_duplicate_runs)
        candidate_id = add_candidate()

        arn = harness.start({"candidate_id": candidate_id})
        harness.run()

        assert [d.json() for d in duplicates] == [{"outcome": "continue"}]
        [(_, retry)] = [(token, output) for token, output in made if token == DEAD_TOKEN]
        # It comes back when the first attempt's lease (its 60 s timeout and 5 s for clocks) has run out.
        lease_ends = parse_iso(retry["send_at"]) - during[0]
        assert retry["step"] == 1 and timedelta(seconds=60) <= lease_ends <= timedelta(seconds=66)
        assert len(account.sent()) == 3 and harness.status(arn) == "SUCCEEDED"
        assert [e["data"]["step"] for e in entries(account, candidate_id, "email_sent")] == [0, 1, 2]
        assert not entries(account, candidate_id, "send_outcome_unknown")


def second_step(event: dict[str, Any]) -> bool:
    return bool(event["state"].get("step") == 1 and event["state"].get("version"))


def test_a_crash_after_ses_accepted_is_never_sent_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from talentpool.adapters.aws.mail import Mailer

    original = Mailer.send
    crashes = iter([False, True])  # the first send works; the second dies just after SES took the mail

    def send_then_die(self: Mailer, email: Any) -> str:
        message_id = original(self, email)
        if next(crashes, False):
            raise RuntimeError("the process died before recording the send")
        return message_id

    monkeypatch.setattr(Mailer, "send", send_then_die)
    with engage_machine(MONDAY_10_UTC, duplicate=second_step) as (account, harness):
        candidate_id = add_candidate()

        arn = harness.start({"candidate_id": candidate_id})
        harness.run()

        assert len(account.sent()) == 3  # welcome, the one whose outcome was lost, and the last
        assert [e["data"]["step"] for e in entries(account, candidate_id, "send_outcome_unknown")] == [1]
        assert [e["data"]["step"] for e in entries(account, candidate_id, "email_sent")] == [0, 2]
        assert harness.status(arn) == "SUCCEEDED"


def test_an_attempt_that_died_without_a_word_is_given_up_once_its_time_ran_out_and_never_resent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from talentpool.adapters.aws.mail import Mailer
    from talentpool.logic.sending import send_once

    original = Mailer.send
    monkeypatch.setattr(send_once, "_abandon", lambda *args: None)  # killed: not even the reservation is given up
    with engage_machine(MONDAY_10_UTC, duplicate=second_step) as (account, harness):
        died: list[str] = []

        def send_then_die(self: Mailer, email: Any) -> str:
            message_id = original(self, email)
            if email.tags["step"] == "1" and not died:
                died.append(message_id)
                harness.clock.advance(timedelta(minutes=2))  # the retry comes after that invocation's timeout
                raise RuntimeError("the process was killed before recording the send")
            return message_id

        monkeypatch.setattr(Mailer, "send", send_then_die)
        candidate_id = add_candidate()

        arn = harness.start({"candidate_id": candidate_id})
        harness.run()

        assert len(account.sent()) == 3 and len(died) == 1
        assert [e["data"]["step"] for e in entries(account, candidate_id, "send_outcome_unknown")] == [1]
        assert [e["data"]["step"] for e in entries(account, candidate_id, "email_sent")] == [0, 2]
        assert harness.status(arn) == "SUCCEEDED"


def test_a_round_reads_the_send_log_candidate_and_enrolment_once_and_writes_no_one_item_transaction(
    machine: Machine,
) -> None:
    from talentpool.adapters.aws import clients

    account, harness = machine
    calls: list[tuple[int, str, dict[str, Any]]] = []

    def seen(model: Any, params: dict[str, Any], **_: Any) -> None:
        calls.append((len(harness.runtime.invocations), model.name, params))

    # On the session before any client exists: a client copies the session's hooks when it is created.
    clients._session().events.register("before-parameter-build.dynamodb", seen)
    candidate_id = add_candidate()
    calls.clear()

    harness.start({"candidate_id": candidate_id})
    harness.run()

    assert len(account.sent()) == 3 and len(harness.runtime.invocations) == 3
    reads = Counter((n, p["Key"]["sk"]["S"]) for n, op, p in calls if op == "GetItem")
    assert {sk for _, sk in reads} >= {"SENDLOG", "PROFILE", "ENROL#welcome"}
    assert max(reads.values()) == 1  # per round, each item is read once
    transactions = [len(p["TransactItems"]) for _, op, p in calls if op == "TransactWriteItems"]
    assert transactions and min(transactions) >= 2  # a single item is a conditional PutItem
    assert not [p for _, _, p in calls if "IDEMPOTENCY#" in json.dumps(p)]


def ses_refuses(until: Callable[[], bool], code: str, message: str = "Rate exceeded") -> list[str]:
    """SES answers SendEmail with `code` while `until()` holds (the error reaches our Mailer as it would from
    AWS, through botocore); returns the codes it answered, one per refused call."""
    from botocore.exceptions import ClientError

    from talentpool.adapters.aws.clients import client

    refused: list[str] = []

    def refuse(**_: Any) -> None:
        if until():
            refused.append(code)
            raise ClientError({"Error": {"Code": code, "Message": message}}, "SendEmail")

    client("sesv2").meta.events.register("before-call.sesv2.SendEmail", refuse)
    return refused


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("TooManyRequestsException", "Too many requests"),
        ("Throttling", "Maximum sending rate exceeded."),
        ("MaxSendRateExceeded", "Maximum sending rate exceeded."),
        ("LimitExceededException", "Daily message quota exceeded."),
    ],
)
def test_ses_throttling_for_an_hour_never_ends_the_sequence_and_the_email_goes_once(
    machine: Machine, monkeypatch: pytest.MonkeyPatch, code: str, message: str
) -> None:
    from talentpool.logic import workflow_limits

    account, harness = machine
    monkeypatch.setattr(workflow_limits, "draw", lambda: 0.5)  # full jitter, pinned halfway for exact waits
    throttled_until = MONDAY_10_UTC + timedelta(hours=1)
    refused = ses_refuses(lambda: harness.clock.now() < throttled_until, code, message)
    candidate_id = add_candidate()

    arn = harness.start({"candidate_id": candidate_id})
    harness.run()

    # Backoff with full jitter: each wait is a draw below a ceiling that doubles from 4 s up to 30 minutes.
    retries = [w.seconds for w in harness.waits_of(arn)][: len(refused)]
    assert retries == [0.5 * min(1800, 4 * 2**n) for n in range(len(refused))]
    assert sum(retries) >= 3600 and len(refused) == 12
    welcome = sent_at(account, candidate_id)[0]
    assert throttled_until <= welcome < throttled_until + timedelta(minutes=15)
    assert len(account.sent()) == 3 and harness.status(arn) == "SUCCEEDED"
    assert not [
        e for e in harness.history(arn) if e["type"] == "TaskFailed" and "Throttl" in json.dumps(e, default=str)
    ]
    assert not entries(account, candidate_id, "send_outcome_unknown")
    [log] = [i for i in account.items() if i["sk"] == "SENDLOG"]
    assert {s["status"] for s in log["sends"]} == {"sent"}  # the refusals took their reservations back


def fail_calls(service: str, operation: str, error: Exception, when: Callable[[], bool], *, event: str) -> list[str]:
    """`service`'s `operation` raises `error` (as botocore would after its own retries) whenever `when()` holds.

    `event` is where in botocore's call it happens: "before-parameter-build" fails the call before anything
    is sent; "before-send" hands the request to moto first, so the service did the work and only the answer
    is lost, as with a read timeout (inside botocore's retry loop: a retry would send the request again).
    Returns one entry per failed call."""
    from moto.core.models import botocore_stubber

    from talentpool.adapters.aws.clients import client

    failed: list[str] = []

    def failing(**kwargs: Any) -> None:
        if when():
            failed.append(operation)
            if event == "before-send":
                botocore_stubber(**kwargs)
            raise error

    client(service).meta.events.register(f"{event}.{service}.{operation}", failing)
    return failed


def on_day(harness: EngageHarness, day: int) -> Callable[[], bool]:
    return lambda: harness.clock.now().date() == (MONDAY_10_UTC + timedelta(days=day)).date()


def test_a_read_timeout_from_the_table_never_fails_the_sequence_the_round_runs_again_later(machine: Machine) -> None:
    from botocore.exceptions import ReadTimeoutError

    account, harness = machine
    candidate_id = add_candidate()
    timeout = ReadTimeoutError(endpoint_url="https://dynamodb.example")
    # The whole of day 3, every read of the table times out (a local moto under load does this).
    failed = fail_calls("dynamodb", "GetItem", timeout, on_day(harness, 3), event="before-parameter-build")

    arn = harness.start({"candidate_id": candidate_id})
    harness.run()

    assert failed and harness.status(arn) == "SUCCEEDED"
    assert [e["data"]["step"] for e in entries(account, candidate_id, "email_sent")] == [0, 1, 2]
    assert sent_at(account, candidate_id)[1].date() == (MONDAY_10_UTC + timedelta(days=4)).date()
    assert not [
        e for e in harness.history(arn) if e["type"] == "TaskFailed" and "Timeout" in json.dumps(e, default=str)
    ]


def test_an_ses_answer_lost_to_a_read_timeout_is_never_sent_again(machine: Machine) -> None:
    from botocore.exceptions import ReadTimeoutError

    account, harness = machine
    candidate_id = add_candidate()
    once = iter([True])
    timeout = ReadTimeoutError(endpoint_url="https://email.example")
    # SES takes the day-3 email, and its answer never arrives: botocore must not send it again by itself.
    failed = fail_calls(
        "sesv2", "SendEmail", timeout, lambda: on_day(harness, 3)() and next(once, False), event="before-send"
    )

    arn = harness.start({"candidate_id": candidate_id})
    harness.run()

    assert failed == ["SendEmail"] and harness.status(arn) == "SUCCEEDED"
    assert len(account.sent()) == 3  # SES took all three; none went twice
    assert [e["data"]["step"] for e in entries(account, candidate_id, "send_outcome_unknown")] == [1]
    assert [e["data"]["step"] for e in entries(account, candidate_id, "email_sent")] == [0, 2]


def test_ses_out_of_reach_is_retried_and_the_email_goes_once(machine: Machine) -> None:
    from botocore.exceptions import EndpointConnectionError

    account, harness = machine
    candidate_id = add_candidate()
    refused = EndpointConnectionError(endpoint_url="https://email.example")
    failed = fail_calls("sesv2", "SendEmail", refused, on_day(harness, 3), event="before-parameter-build")

    arn = harness.start({"candidate_id": candidate_id})
    harness.run()

    assert failed and harness.status(arn) == "SUCCEEDED"
    assert [e["data"]["step"] for e in entries(account, candidate_id, "email_sent")] == [0, 1, 2]
    assert len(account.sent()) == 3 and not entries(account, candidate_id, "send_outcome_unknown")


def test_a_permanently_rejected_email_ends_the_sequence_with_the_reason(
    machine: Machine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from talentpool.adapters.aws.mail import Mailer, Rejected

    account, harness = machine

    def rejected(self: Mailer, email: Any) -> str:
        raise Rejected("MessageRejected")

    monkeypatch.setattr(Mailer, "send", rejected)
    candidate_id = add_candidate()

    arn = harness.start({"candidate_id": candidate_id})
    harness.run()

    assert harness.status(arn) == "SUCCEEDED"
    [failed] = entries(account, candidate_id, "email_failed")
    assert failed["data"]["error"] == "MessageRejected"
    assert enrolment(account, candidate_id)["exit_reason"] == "email_rejected"
    send_log = [i for i in account.items() if i["sk"] == "SENDLOG"]
    assert all(not log["sends"] for log in send_log)  # nothing went, so nothing counts toward the cap


def test_an_unexpected_fault_is_caught_and_recorded_on_the_timeline(
    machine: Machine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from talentpool.adapters.aws.mail import Mailer

    account, harness = machine

    def broken(self: Mailer, email: Any) -> str:
        raise KeyError("bug")

    monkeypatch.setattr(Mailer, "send", broken)
    candidate_id = add_candidate()

    arn = harness.start({"candidate_id": candidate_id})
    harness.run()

    assert harness.status(arn) == "FAILED"
    [failed] = entries(account, candidate_id, "sequence_failed")
    assert failed["data"] == {"sequence_id": "welcome", "step": 0, "error": "KeyError"}
    assert enrolment(account, candidate_id)["status"] == "failed"


# --- Versions ------------------------------------------------------------------------------------------


def test_a_new_version_applies_to_new_enrolments_only(machine: Machine) -> None:
    account, harness = machine
    sequence_id = create_sequence(
        [step("P0D", "First"), step("P1D", "Second, version one")],
        send_window={"start_hour": 8, "end_hour": 20, "weekdays": [0, 1, 2, 3, 4, 5, 6]},
    )
    early = add_candidate()
    harness.start({"candidate_id": early, "sequence_id": sequence_id})
    harness.settle()

    changed = {
        "name": "Tips",
        "kind": "engage",
        "steps": [step("P0D", "First"), step("P1D", "Second, version two")],
    }
    response = recruiter_api("PUT", f"/sequences/{sequence_id}", changed, claims=factories.ADMIN)
    assert response["statusCode"] == 200
    late = add_candidate()
    harness.start({"candidate_id": late, "sequence_id": sequence_id})
    harness.run()

    def subjects(candidate_id: str) -> list[str]:
        return [s.subject for s in sent_to(account, candidate_id.lower())]

    assert subjects(early) == ["First", "Second, version one"]
    assert subjects(late) == ["First", "Second, version two"]
    assert enrolment(account, early, sequence_id)["version"] == 1
    assert enrolment(account, late, sequence_id)["version"] == 2


def test_a_recruiter_sees_the_enrolment_while_it_runs(machine: Machine) -> None:
    _, harness = machine
    candidate_id = add_candidate()
    harness.start({"candidate_id": candidate_id})
    harness.settle()

    response = recruiter_api("GET", f"/candidates/{candidate_id}/enrollments")

    assert response["statusCode"] == 200
    [item] = factories.response_json(response)["items"]
    assert item["sequence_id"] == "welcome" and item["status"] == "running"
    assert (item["version"], item["step"], item["steps"]) == (1, 1, 3)
    assert item["next_send_at"] == "2026-03-05T10:00:00.000Z"


def test_a_pause_chosen_mid_wait_moves_the_next_email_without_sending(machine: Machine) -> None:
    account, harness = machine
    candidate_id = add_candidate()
    harness.start({"candidate_id": candidate_id})
    harness.settle()

    change_candidate(candidate_id, preferences={"paused_until": "2026-03-08T00:00:00.000Z"})
    harness.run()

    assert sent_at(account, candidate_id) == [
        MONDAY_10_UTC,
        datetime(2026, 3, 8, 8, 0, tzinfo=UTC),  # when the pause ends, once the window opens (8:00 in Lisbon)
        datetime(2026, 3, 15, 8, 0, tzinfo=UTC),  # seven days after the send that actually happened
    ]


def test_an_enrolment_through_the_api_starts_with_the_input_the_enrol_rule_maps(machine: Machine) -> None:
    account, harness = machine
    sequence_id = create_sequence([step("P0D", "Hello from the team")])
    candidate_id = add_candidate()
    response = recruiter_api("POST", f"/sequences/{sequence_id}/enrollments", {"candidate_ids": [candidate_id]})
    assert response["statusCode"] == 202
    [event] = account.events("EnrollmentRequested")

    # The `enrol` rule's input transformer: {candidate_id, sequence_id, event_id} from the event.
    detail = event["detail"]
    harness.start(
        {"candidate_id": detail["candidate_id"], "sequence_id": detail["sequence_id"], "event_id": detail["id"]}
    )
    harness.run()

    assert [s.subject for s in account.sent()] == ["Hello from the team"]
    assert enrolment(account, candidate_id, sequence_id)["event_id"] == detail["id"]
