"""The nurture state machine, executed: the real ASL in moto's interpreter, the real campaign_step handler.

Every test drives `state_machines/nurture.asl.json` through tests/sfn_harness.py (Waits on a simulated clock)
and asserts on what a candidate or recruiter would notice: who got which email and when, what the run's
result says, what the timeline and the bus show, and how the execution ended.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests import factories
from tests.conftest import Account
from tests.integration.helpers import call
from tests.integration.test_engage import add_candidate, entries, sent_at, sent_to
from tests.sfn_harness import NURTURE_ASL, EngageHarness, asl_placeholders, nurture_machine, nurture_substitutions

MONDAY_10_UTC = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # 10:00 in Lisbon, inside the default window
Machine = tuple[Account, EngageHarness]
JOBS = "Roles for you, {{first_name|there}}"
EVENTS = "Meet the team, {{first_name|there}}"
ADVICE = "Grow your career, {{first_name|there}}"


@dataclass
class PacedClock:
    """The pacer's clock and sleep (logic.campaigns.pacing.monotonic / pause), simulated: pauses are recorded."""

    now: float = 0.0
    pauses: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    def pause(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


@pytest.fixture
def pacing(monkeypatch: pytest.MonkeyPatch) -> PacedClock:
    from talentpool.logic.campaigns import pacing as nurture_pacing

    paced = PacedClock()
    monkeypatch.setattr(nurture_pacing, "monotonic", paced.monotonic)
    monkeypatch.setattr(nurture_pacing, "pause", paced.pause)
    return paced


@pytest.fixture
def machine(pacing: PacedClock) -> Iterator[Machine]:
    with nurture_machine(MONDAY_10_UTC) as pair:
        yield pair


# --- Given ---------------------------------------------------------------------------------------------


def segment(tag: str) -> str:
    from talentpool.adapters.aws.segments import SegmentStore
    from talentpool.adapters.aws.table import Table
    from talentpool.ids import new_id
    from talentpool.models.search import CandidateFilter, Segment

    segment_id = new_id()
    SegmentStore(Table(factories.TABLE)).create(
        Segment(
            segment_id=segment_id,
            name=tag,
            filter=CandidateFilter(tag=tag),
            created_at="2026-03-01T00:00:00.000Z",
            created_by="recruiter:rec-1",
        )
    )
    return segment_id


def campaign(segment_id: str | None, *, steps: list[dict[str, Any]] | None = None, **fields: Any) -> str:
    """A nurture campaign about job alerts, saved through the API, with variants for events and career advice."""
    body = {
        "name": "Spring roles",
        "kind": "nurture",
        "topic": "job_alerts",
        "audience_segment_id": segment_id,
        "schedule": "cron(0 9 1 * ? *)",
        "steps": steps
        or [
            {
                "delay": "P0D",
                "subject": JOBS,
                "body": "Hi {{first_name|there}}, new roles for {{top_skill|your skills}}.",
                "variants": {
                    "events": {"subject": EVENTS, "body": "Come to our open evening in {{city|town}}."},
                    "career_advice": {"subject": ADVICE, "body": "Three ways to grow, {{first_name|there}}."},
                },
            }
        ],
        **fields,
    }
    response = call("recruiter_api", factories.api_event("POST", "/sequences", body=body, claims=factories.ADMIN))
    assert response["statusCode"] == 201, response["body"]
    return str(factories.response_json(response)["sequence_id"])


def fill_cap(candidate_id: str, *sends: datetime) -> None:
    """Marketing email the candidate got from other sequences lately: at the default cap of 2, they are full."""
    from talentpool.adapters.aws.send_log import SendLogStore
    from talentpool.adapters.aws.table import Table
    from talentpool.clock import isoformat
    from talentpool.models.sequences import SendLog, SendRecord

    records = [
        SendRecord(key=f"other#{i}", at=isoformat(at), status="sent", sequence_id="welcome", step=i, event_id=f"e{i}")
        for i, at in enumerate(sends)
    ]
    SendLogStore(Table(factories.TABLE)).write(SendLog(candidate_id=candidate_id, sends=records))


def body_parts(email: Any) -> list[str]:
    """The plain-text and HTML parts. A short email's parts travel as 8bit (the MIME writer's choice when every
    line fits), which `Sent.part`'s decode=True misreads, so those are taken as the text they already are."""
    found = []
    for piece in email.message.walk():
        if piece.get_content_type() in ("text/plain", "text/html"):
            if str(piece.get("Content-Transfer-Encoding", "")).lower() in ("7bit", "8bit"):
                found.append(str(piece.get_payload()))
            else:
                found.append(piece.get_payload(decode=True).decode(piece.get_content_charset() or "utf-8"))
    assert len(found) == 2, "a plain-text part and an HTML part"
    return found


def subject(template: str, first_name: str = "Ana") -> str:
    return template.replace("{{first_name|there}}", first_name)


def run_result(account: Account) -> dict[str, Any]:
    [result] = [i for i in account.items() if i["pk"].startswith("RUN#") and i["sk"] == "RESULT"]
    return result


def results(account: Account) -> list[dict[str, Any]]:
    return [i for i in account.items() if i["pk"].startswith("RUN#") and i["sk"] == "RESULT"]


def start(harness: EngageHarness, campaign_id: str, **fields: Any) -> str:
    from talentpool.ids import new_id

    return harness.start({"campaign_id": campaign_id, "trigger": "manual", "run_id": new_id(), **fields})


@dataclass
class Pool:
    """A segment of 30 candidates with every reason to get, wait for, or not get the campaign's email."""

    segment_id: str
    jobs: list[str]  # job alerts only: the step's own content
    events: list[str]  # job alerts and events: the events variant
    advice: list[str]  # career advice first, then job alerts: the career-advice variant
    capped: list[str]  # two emails from other sequences this week: deferred until the oldest ages out
    new_york: str  # 05:00 where they are: deferred to 09:00 New York time
    skipped: dict[str, str]  # candidate id -> the reason the run gives

    @property
    def eligible(self) -> list[str]:
        return [*self.jobs, *self.events, *self.advice, *self.capped, self.new_york]


def pool(tag: str = "spring") -> Pool:
    def person(**changes: Any) -> str:
        return add_candidate(tags=[tag], **changes)

    jobs = [person() for _ in range(7)]
    events = [person(interests=["job_alerts", "events"]) for _ in range(3)]
    advice = [person(interests=["career_advice", "job_alerts"]) for _ in range(3)]
    capped = [person() for _ in range(2)]
    for candidate_id in capped:
        fill_cap(candidate_id, MONDAY_10_UTC - timedelta(days=4), MONDAY_10_UTC - timedelta(days=3))
    new_york = person(location={"city": "New York", "country": "US", "timezone": "America/New_York"})
    reasons = {
        person(interests=["events"]): "topic_not_chosen",
        person(interests=["career_advice"]): "topic_not_chosen",
        person(interests=[]): "topic_not_chosen",
        person(unsubscribed_at="2026-03-01T08:00:00.000Z"): "unsubscribed",
        person(unsubscribed_at="2026-02-20T08:00:00.000Z"): "unsubscribed",
        person(suppressed_at="2026-02-28T08:00:00.000Z", suppression_reason="bounce"): "suppressed",
        person(suppressed_at="2026-02-27T08:00:00.000Z", suppression_reason="complaint"): "suppressed",
        person(consent={"status": "pending"}): "no_consent",
        person(consent={"status": "pending"}): "no_consent",
        person(consent={"status": "withdrawn", "withdrawn_at": "2026-02-01T00:00:00.000Z"}): "consent_withdrawn",
        person(stage="applied"): "stage_applied",
        person(stage="applied"): "stage_applied",
        person(stage="hired"): "stage_hired",
        person(preferences={"paused_until": "2026-03-20T00:00:00.000Z"}): "paused",
    }
    return Pool(segment(tag), jobs, events, advice, capped, new_york, reasons)


# --- The state machine file ----------------------------------------------------------------------------


def test_the_asl_placeholders_are_exactly_what_cdk_substitutes() -> None:
    assert asl_placeholders(NURTURE_ASL) == set(nurture_substitutions()) == {"CampaignStepFunctionArn"}


# --- A campaign over a segment -------------------------------------------------------------------------


def test_a_campaign_over_a_segment_emails_exactly_the_eligible_once_each_with_content_by_interest(
    machine: Machine,
) -> None:
    account, harness = machine
    people = pool()
    campaign_id = campaign(people.segment_id)

    arn = start(harness, campaign_id)
    harness.run()

    assert harness.status(arn) == "SUCCEEDED"
    # Who: exactly the eligible, one email each, content by their interests, compliant.
    emails = account.sent()
    recipients = sorted(to for email in emails for to in email.to)
    assert recipients == sorted(f"ana.{c.lower()}@example.com" for c in people.eligible)
    subjects = {email.to[0]: email.subject for email in emails}
    for group, template in ((people.jobs, JOBS), (people.events, EVENTS), (people.advice, ADVICE)):
        assert {subjects[f"ana.{c.lower()}@example.com"] for c in group} == {subject(template)}
    for email in emails:
        assert email.headers["List-Unsubscribe"].startswith(f"<{factories.BASE_URL}/unsubscribe/")
        assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert email.headers["From"] == f"Rita Recruiter <{factories.SENDER}>"
        for part in body_parts(email):
            assert "you asked for matching jobs emails" in part
            assert f"{factories.BASE_URL}/preferences/" in part
    for candidate_id in people.skipped:
        assert not entries(account, candidate_id, "email_sent")
    # When: at once, except those at their cap or outside their window, who got it after the machine waited:
    # at 09:00 in New York, and the moment the oldest of the capped's two sends ages out of the seven days
    # (Thursday just after 10:00 in Lisbon, inside the window).
    on_time = [c for c in people.eligible if c not in (*people.capped, people.new_york)]
    assert {at for c in on_time for at in sent_at(account, c)} == {MONDAY_10_UTC}
    new_york_9 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    cap_freed = MONDAY_10_UTC - timedelta(days=4) + timedelta(days=7, seconds=1)
    assert sent_at(account, people.new_york) == [new_york_9]
    assert {at for c in people.capped for at in sent_at(account, c)} == {cap_freed}
    assert [w.target for w in harness.waits_of(arn)] == [new_york_9, cap_freed]
    # The run's result: who was sent to, who was skipped and why; the campaign is free for its next run.
    result = run_result(account)
    assert result["status"] == "finished"
    assert (result["campaign_id"], result["version"], result["step"]) == (campaign_id, 1, 0)
    assert (result["audience"], result["sent"], result["deferred"]) == (30, 16, 0)
    expected: dict[str, int] = {}
    for reason in people.skipped.values():
        expected[reason] = expected.get(reason, 0) + 1
    assert result["skipped"] == expected
    assert result.get("failed", {}) == {}
    state = next(i for i in account.items() if i["pk"] == f"CAMPAIGN#{campaign_id}")
    assert state["runs"] == 1 and "active_run" not in state
    # Cost: Resolve, then per round Map + SendBatch + Tally + Choice, a Wait between rounds, and Succeed.
    assert harness.transitions(arn) == 1 + 3 * 4 + 2 + 1


def test_every_send_is_on_the_timeline_and_the_bus_named_by_its_run_and_tagged_for_ses_events(
    machine: Machine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from talentpool.adapters.aws.mail import Mailer

    account, harness = machine
    tags: list[dict[str, str]] = []
    original = Mailer.send

    def recording(self: Mailer, email: Any) -> str:
        tags.append(dict(email.tags))
        return original(self, email)

    monkeypatch.setattr(Mailer, "send", recording)
    candidate_id = add_candidate(tags=["one"])
    campaign_id = campaign(segment("one"))

    start(harness, campaign_id)
    harness.run()

    run_id = run_result(account)["run_id"]
    [entry] = entries(account, candidate_id, "email_sent")
    assert entry["data"]["sequence_id"] == campaign_id and entry["data"]["step"] == 0
    [event] = account.events("EmailSent")
    assert event["detail"]["campaign_run_id"] == run_id
    assert event["detail"]["message_id"] == entry["data"]["message_id"]
    assert "ana" not in str(event["detail"]).lower()  # ids only, never an address or a name
    assert tags == [
        {
            "candidate_id": candidate_id,
            "sequence_id": campaign_id,
            "step": "0",
            "kind": "marketing",
            "campaign_run_id": run_id,
        }
    ]


def test_a_candidate_never_sendable_within_seven_days_is_given_up_on_with_the_reason(machine: Machine) -> None:
    account, harness = machine
    # Their own limit of one a week, used an hour ago by another sequence, frees up next Monday; the campaign
    # sends on Sundays only, so their first slot is a fortnight away, past the seven days a run waits.
    candidate_id = add_candidate(tags=["late"], preferences={"max_per_week": 1})
    fill_cap(candidate_id, MONDAY_10_UTC - timedelta(hours=1))
    campaign_id = campaign(segment("late"), send_window={"start_hour": 9, "end_hour": 18, "weekdays": [6]})

    start(harness, campaign_id)
    harness.run()

    assert account.sent() == []
    assert run_result(account)["skipped"] == {"deferred_too_long": 1}
    [entry] = entries(account, candidate_id, "campaign_deferred_too_long")
    assert entry["data"]["sequence_id"] == campaign_id


# --- Audiences and schedules ---------------------------------------------------------------------------


def test_a_built_in_campaign_goes_to_everyone_with_active_consent_who_chose_its_topic(machine: Machine) -> None:
    account, harness = machine
    chose = [add_candidate(interests=["events"]), add_candidate(interests=["job_alerts", "events"])]
    add_candidate(interests=["job_alerts"])
    add_candidate(interests=["events"], consent={"status": "pending"})

    firing = {"campaign_id": "nurture-events", "trigger": "schedule", "scheduled_at": "2026-03-02T10:00:00Z"}
    arn = harness.start(firing)
    harness.run()

    assert harness.status(arn) == "SUCCEEDED"
    assert sorted(to for e in account.sent() for to in e.to) == sorted(f"ana.{c.lower()}@example.com" for c in chose)
    assert {e.subject for e in account.sent()} == {"Events and meet-ups coming up"}
    assert run_result(account)["audience"] == 2  # the audience is the topic's choosers with active consent


def test_two_deliveries_of_one_schedule_firing_send_the_campaign_once(machine: Machine) -> None:
    account, harness = machine
    add_candidate(interests=["events"])
    firing = {"campaign_id": "nurture-events", "trigger": "schedule", "scheduled_at": "2026-03-02T10:00:00Z"}

    first = harness.start(firing)
    harness.settle()
    second = harness.start(firing)
    harness.run()

    assert harness.status(first) == harness.status(second) == "SUCCEEDED"
    assert len(account.sent()) == 1
    [result] = results(account)
    assert result["execution"] == first


def test_a_send_while_a_run_of_the_campaign_is_sending_is_skipped_not_doubled(machine: Machine) -> None:
    account, harness = machine
    capped = add_candidate(tags=["busy"])
    fill_cap(capped, MONDAY_10_UTC - timedelta(days=4), MONDAY_10_UTC - timedelta(days=3))
    campaign_id = campaign(segment("busy"))

    first = start(harness, campaign_id)
    harness.settle()  # the first run waits for the capped candidate's slot
    second = start(harness, campaign_id)
    harness.run()

    assert harness.status(first) == harness.status(second) == "SUCCEEDED"
    assert len(sent_to(account, capped.lower())) == 1
    statuses = sorted((r["status"], r.get("skipped_reason")) for r in results(account))
    assert statuses == [("finished", None), ("skipped", "campaign_busy")]


def test_each_run_of_a_campaign_sends_its_next_step_in_turn(machine: Machine) -> None:
    account, harness = machine
    candidate_id = add_candidate(tags=["series"])
    steps = [{"delay": "P0D", "subject": f"Issue {n}", "body": f"Issue {n}, {{{{first_name|there}}}}."} for n in (1, 2)]
    campaign_id = campaign(segment("series"), steps=steps)

    for _ in range(3):
        start(harness, campaign_id)
        harness.run()
        harness.clock.advance(timedelta(days=7))  # a week apart: the cap allows each

    assert [e.subject for e in sent_to(account, candidate_id.lower())] == ["Issue 1", "Issue 2", "Issue 1"]


# --- Sending exactly once ------------------------------------------------------------------------------


def batch_request(account: Account, batch: int = 1) -> dict[str, Any]:
    result = run_result(account)
    run = {k: result[k] for k in ("run_id", "campaign_id", "version", "step", "started_at")}
    return {"action": "send_batch", "execution": result["execution"], "run": run, "batch": batch}


def forget_idempotency(account: Account) -> None:
    for item in account.items():
        if item["pk"].startswith("IDEMPOTENCY#"):
            account.ddb.delete_item(TableName=factories.TABLE, Key={"pk": {"S": item["pk"]}, "sk": {"S": item["sk"]}})


def test_running_a_batch_again_sends_nothing_new(machine: Machine) -> None:
    account, harness = machine
    for _ in range(3):
        add_candidate(tags=["again"])
    start(harness, campaign(segment("again")))
    harness.run()
    before = len(account.sent())

    answer = call("campaign_step", batch_request(account))

    assert answer == {"batch": 1, "sent": 0, "deferred": 0}
    assert len(account.sent()) == before


def test_a_batch_that_lost_its_record_finds_every_send_in_the_send_log_and_sends_nothing_again(
    machine: Machine,
) -> None:
    from talentpool.adapters.aws.campaign_runs import CampaignRunStore
    from talentpool.adapters.aws.table import Table

    account, harness = machine
    for _ in range(3):
        add_candidate(tags=["lost"])
    capped = add_candidate(tags=["lost"])  # sent in the second round, under the same key
    fill_cap(capped, MONDAY_10_UTC - timedelta(days=4), MONDAY_10_UTC - timedelta(days=3))
    start(harness, campaign(segment("lost")))
    harness.run()
    before = len(account.sent())
    forget_idempotency(account)  # and the handler's idempotency records have expired: only the send log knows
    runs = CampaignRunStore(Table(factories.TABLE))
    request = batch_request(account)
    stored = runs.batch(request["run"]["run_id"], 1)
    assert stored is not None
    runs.save_batch(stored.model_copy(update={"outcomes": {}, "deferred": {}}))  # as if the checkpoint was lost

    answer = call("campaign_step", request)

    assert before == 4 and len(account.sent()) == before
    assert answer["sent"] == 4  # each one is known as sent, from the send log
    announced = [e["detail"]["id"] for e in account.events("EmailSent")]
    assert len(announced) == 8 and len(set(announced)) == 4  # announced again under the same ids: consumers dedupe


def test_ses_throttling_for_an_hour_mid_batch_never_ends_the_run_and_each_email_goes_once(
    machine: Machine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from talentpool.logic import workflow_limits
    from tests.integration.test_engage import ses_refuses

    account, harness = machine
    monkeypatch.setattr(workflow_limits, "draw", lambda: 0.5)  # full jitter, pinned halfway for exact waits
    throttled_until = MONDAY_10_UTC + timedelta(hours=1)
    sends = iter(range(1000))
    # Two emails go; then SES throttles the account for an hour.
    refused = ses_refuses(lambda: next(sends) >= 2 and harness.clock.now() < throttled_until, "Throttling")
    people = [add_candidate(tags=["throttle"]) for _ in range(5)]

    arn = start(harness, campaign(segment("throttle")))
    harness.run()

    assert harness.status(arn) == "SUCCEEDED" and refused
    assert sorted(to for e in account.sent() for to in e.to) == sorted(f"ana.{c.lower()}@example.com" for c in people)
    assert not [e for e in harness.history(arn) if e["type"] == "TaskFailed"]
    # The batch's rest waited between passes, each a draw below a ceiling doubling from 4 s up to 30 minutes.
    waits = [w.seconds for w in harness.waits_of(arn)]
    assert waits == [0.5 * min(1800, 4 * 2**n) for n in range(len(waits))] and sum(waits) >= 3600
    assert run_result(account)["sent"] == 5 and "deferred_too_long" not in json.dumps(run_result(account))


def test_a_fault_fails_the_run_with_the_error_named_in_its_result_and_frees_the_campaign(
    machine: Machine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from talentpool.adapters.aws.mail import Mailer

    account, harness = machine

    def broken(self: Mailer, email: Any) -> str:
        raise RuntimeError("an unexpected fault")

    monkeypatch.setattr(Mailer, "send", broken)
    add_candidate(tags=["fault"])
    campaign_id = campaign(segment("fault"))

    arn = start(harness, campaign_id)
    harness.run()

    assert harness.status(arn) == "FAILED"
    result = run_result(account)
    assert (result["status"], result["error"]) == ("failed", "RuntimeError")
    state = next(i for i in account.items() if i["pk"] == f"CAMPAIGN#{campaign_id}")
    assert "active_run" not in state


def test_a_campaign_whose_segment_is_gone_fails_before_it_claims_a_run(machine: Machine) -> None:
    account, harness = machine
    campaign_id = campaign("01JNOSUCHSEGMENT0000000000")

    arn = start(harness, campaign_id)
    harness.run()

    assert harness.status(arn) == "FAILED"
    failures = [e["taskFailedEventDetails"]["error"] for e in harness.history(arn) if e["type"] == "TaskFailed"]
    assert failures == ["SegmentNotFound"]
    assert results(account) == []


# --- Concurrency, rate and cost ------------------------------------------------------------------------


def test_the_map_sends_as_many_batches_at_once_as_the_send_rate_allows_each_paced_to_its_share(
    machine: Machine, pacing: PacedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from talentpool.adapters.aws.mail import Mailer
    from talentpool.logic.campaigns import nurture

    account, harness = machine
    monkeypatch.setattr(nurture, "BATCH_SIZE", 3)
    original = Mailer.send

    def slow(self: Mailer, email: Any) -> str:
        time.sleep(0.01)  # a moment per send, so batches meant to overlap do overlap
        return original(self, email)

    monkeypatch.setattr(Mailer, "send", slow)
    people = [add_candidate(tags=["rate"]) for _ in range(15)]

    arn = start(harness, campaign(segment("rate")))
    harness.run()

    assert len(account.sent()) == len(people)
    [entered] = [e for e in harness.history(arn) if e["type"] == "MapStateEntered"]
    state = json.loads(entered["stateEnteredEventDetails"]["input"])
    assert (state["max_concurrency"], state["batches"]) == (2, [1, 2, 3, 4, 5])  # SES_SEND_RATE 14, 10 a task
    assert harness.runtime.in_flight_peak == 2  # five batches, never more than two at once
    # Each task spaces its sends at 1/7 s (its half of 14 a second): 3 sends, 2 pauses, in each of 5 batches.
    assert len(pacing.pauses) == 10 and all(abs(p - 1 / 7) < 1e-9 for p in pacing.pauses)


EMAILS = 20


def test_transitions_and_aws_calls_per_email(machine: Machine) -> None:
    """The nurture figures for docs/performance.md: state transitions from the execution history, AWS calls
    from a botocore hook on the handlers' session, for a one-round run in one batch. (20 emails keep moto's
    whole-table copy per transaction quick; a batch holds 100, and the transitions are per batch, not per
    email, so at 100 a batch they are 6/100 per email.)"""
    from talentpool.adapters.aws import clients

    account, harness = machine
    calls: list[str] = []
    # On the session before any client exists: a client copies the session's hooks when it is created.
    clients._session().events.register("before-call", lambda model, **_: calls.append(model.name))
    for _ in range(EMAILS):
        add_candidate(tags=["bulk"])
    campaign_id = campaign(segment("bulk"))
    calls.clear()

    arn = start(harness, campaign_id)
    harness.run()

    emails = len(account.sent())
    transitions = harness.transitions(arn)
    assert emails == EMAILS
    # Resolve, Map, SendBatch, Tally, Choice, Succeed: six transitions for a one-batch, one-round run.
    assert transitions == 6
    per_email = {name: calls.count(name) / emails for name in sorted(set(calls))}
    print(f"\nnurture: {transitions} transitions for {emails} emails; AWS calls per email: {per_email}")
    assert per_email["SendEmail"] == 1
    assert per_email["PutEvents"] <= 0.1  # EmailSent goes out ten per PutEvents, once per batch
    assert per_email["BatchGetItem"] <= 2 / EMAILS  # profiles and send logs: one read each per batch
