"""Engage logic with fakes: who may be emailed, caps and zones, send-once, outcomes, built-ins, models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from talentpool.adapters.aws.mail import Rejected, Throttled
from talentpool.adapters.aws.send_log import SendLogChanged
from talentpool.config import SequenceStepEnv
from talentpool.ids import new_id
from talentpool.logic.sending.eligibility import candidate_zone, exit_reason, frequency_cap
from talentpool.logic.sending.marketing_email import Branding, Links, render_marketing_email
from talentpool.logic.sending.send_once import ReservationHeld, SendTask, SlotTaken, send_key, send_step_email
from talentpool.logic.sending.settings import SendingSettings
from talentpool.logic.sequences import builtin as builtin_sequences
from talentpool.logic.sequences.engage import Continue, Continued, EngagePorts, Exited, Finished, report_outcome
from talentpool.models.candidate import Candidate, TimelineEntry
from talentpool.models.email_message import OutgoingEmail
from talentpool.models.events import DomainEvent
from talentpool.models.sequences import (
    EngageState,
    EnrollmentRequest,
    ExitRules,
    SendLog,
    SendRecord,
    Sequence,
)

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
SETTINGS = SendingSettings(
    sender_email="talent@example.com",
    company_name="Acme",
    public_base_url="https://t.example",
    default_timezone="Europe/London",
    frequency_cap=2,
)
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:engage:x"


def candidate(**changes: Any) -> Candidate:
    fields: dict[str, Any] = {
        "candidate_id": "01M8B9VGHAH080YCQ49MGPAEJE",
        "email": "ana@example.com",
        "first_name": "Ana",
        "source": {"channel": "careers_site"},
        "consent": {"status": "active"},
        "captured_at": "2026-03-01T10:00:00.000Z",
        "updated_at": "2026-03-01T10:00:00.000Z",
    }
    fields.update(changes)
    return Candidate.model_validate(fields)


WELCOME = builtin_sequences.builtin_sequences()["welcome"]


# --- Fakes -------------------------------------------------------------------------------------------------


class FakeSendLog:
    """The send log item: a write must name the version it read (as the store's condition does)."""

    def __init__(self) -> None:
        self.log = SendLog(candidate_id=candidate().candidate_id)
        self.conflicts = 0
        self.reads = 0
        self.entries: list[TimelineEntry] = []  # written in the same transaction as the log

    def read(self, candidate_id: str) -> SendLog:
        self.reads += 1
        return self.log

    def write(self, log: SendLog, entries: list[TimelineEntry]) -> SendLog:
        if self.conflicts:
            self.conflicts -= 1
            self.log = self.log.model_copy(update={"version": self.log.version + 1})
            raise SendLogChanged(log.candidate_id)
        if log.version != self.log.version:
            raise SendLogChanged(log.candidate_id)
        self.log = log.model_copy(update={"version": log.version + 1})
        self.entries.extend(entries)
        return self.log


class FakeCandidates:
    def __init__(self) -> None:
        self.timeline: list[TimelineEntry] = []

    def get(self, candidate_id: str) -> Candidate | None:
        return candidate()

    def append_timeline(self, entries: list[TimelineEntry]) -> None:
        self.timeline.extend(entries)


class FakeMailer:
    def __init__(self, error: Exception | None = None, *, after: Exception | None = None) -> None:
        self.sent: list[OutgoingEmail] = []
        self.error = error  # SES refuses
        self.after = after  # SES accepts, then the attempt fails before it can record the send

    def send(self, email: OutgoingEmail) -> str:
        if self.error:
            raise self.error
        self.sent.append(email)
        if self.after:
            raise self.after
        return f"msg-{len(self.sent)}"


class FakeBus:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    def publish(self, *events: DomainEvent) -> None:
        self.events.extend(events)


def ports(mailer: FakeMailer | None = None) -> EngagePorts:
    return EngagePorts(
        candidates=FakeCandidates(),
        sequences=None,  # type: ignore[arg-type]
        enrolments=None,  # type: ignore[arg-type]
        send_log=FakeSendLog(),
        mailer=mailer or FakeMailer(),
        bus=FakeBus(),
        secret=lambda: b"secret",
        settings=SETTINGS,
        workflows=None,  # type: ignore[arg-type]
    )


def task(step: int = 0, at: datetime = NOW) -> SendTask:
    return SendTask(
        execution=EXECUTION,
        step=step,
        candidate_id=candidate().candidate_id,
        sequence_id="welcome",
        version=1,
        at=at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    )


def send(
    p: EngagePorts, t: SendTask | None = None, who: Candidate | None = None, *, now: datetime = NOW, **kw: Any
) -> Any:
    return send_step_email(t or task(), candidate=who or candidate(), sequence=WELCOME, ports=p, now=now, **kw)


def reservation(taken_at: datetime, step: int = 0) -> SendRecord:
    """A reservation another attempt took at `taken_at` and has not recorded a result for (yet)."""
    return SendRecord(
        key=send_key(EXECUTION, step),
        at="2026-03-02T10:00:00.000Z",
        status="reserved",
        event_id=new_id(at_ms=int(taken_at.timestamp() * 1000)),
    )


# --- Who may be emailed ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({}, None),
        ({"unsubscribed_at": "2026-03-01T00:00:00.000Z"}, "unsubscribed"),
        ({"suppressed_at": "2026-03-01T00:00:00.000Z"}, "suppressed"),
        ({"consent": {"status": "withdrawn"}}, "consent_withdrawn"),
        ({"consent": {"status": "pending"}}, "no_consent"),
        ({"stage": "interviewing"}, "stage_interviewing"),
        ({"stage": "nurtured"}, None),
    ],
)
def test_exit_reasons(changes: dict[str, Any], reason: str | None) -> None:
    assert exit_reason(candidate(**changes), ExitRules()) == reason


def test_stages_are_the_sequences_choice_but_compliance_is_not() -> None:
    rules = ExitRules(stages=[])

    assert exit_reason(candidate(stage="hired"), rules) is None
    assert exit_reason(candidate(stage="hired", unsubscribed_at="2026-03-01T00:00:00.000Z"), rules) == "unsubscribed"
    with pytest.raises(ValidationError):
        ExitRules.model_validate({"unsubscribed": False})


def test_the_cap_is_the_lower_of_the_global_one_and_the_candidates_choice() -> None:
    assert frequency_cap(candidate(), SETTINGS) == 2
    assert frequency_cap(candidate(preferences={"max_per_week": 1}), SETTINGS) == 1
    assert frequency_cap(candidate(preferences={"max_per_week": 5}), SETTINGS) == 2


def test_a_candidate_without_a_zone_gets_the_default_one() -> None:
    assert str(candidate_zone(candidate(), SETTINGS)) == "Europe/London"
    assert str(candidate_zone(candidate(location={"timezone": "Asia/Tokyo"}), SETTINGS)) == "Asia/Tokyo"


# --- Sending once ------------------------------------------------------------------------------------------


def test_a_send_is_reserved_sent_marked_recorded_and_announced() -> None:
    p = ports()

    result = send(p)

    assert (result.status, result.message_id) == ("sent", "msg-1")
    [record] = p.send_log.read("x").sends
    assert (record.key, record.status, record.message_id) == (send_key(EXECUTION, 0), "sent", "msg-1")
    assert [e.kind for e in p.candidates.timeline] == []  # the sent entry goes in the send log's transaction
    [event] = p.bus.events
    assert event.id == record.event_id and event.detail_type == "EmailSent"
    assert p.mailer.sent[0].tags == {
        "candidate_id": candidate().candidate_id,
        "sequence_id": "welcome",
        "step": "0",
        "kind": "marketing",
    }


def test_the_same_key_again_never_sends_again() -> None:
    p = ports()
    send(p)

    again = send(p)

    assert again.status == "sent" and len(p.mailer.sent) == 1
    assert len(p.bus.events) == 2 and p.bus.events[0].id == p.bus.events[1].id  # same event id: consumers dedupe


def test_a_reservation_whose_attempt_died_is_an_unknown_outcome_and_is_not_resent() -> None:
    p = ports()
    died = reservation(NOW - SETTINGS.send_lease - timedelta(seconds=1))  # older than any invocation lives
    p.send_log.log = p.send_log.log.with_record(died, now=NOW)

    result = send(p)

    assert result.status == "unknown" and p.mailer.sent == []
    assert p.send_log.read("x").sends[0].status == "unknown"
    assert [e.kind for e in p.send_log.entries] == ["send_outcome_unknown"]  # with the record, in one write
    assert p.bus.events == []


def test_a_reservation_taken_moments_ago_is_a_send_in_progress_left_alone() -> None:
    p = ports()
    p.send_log.log = p.send_log.log.with_record(reservation(NOW - timedelta(seconds=3)), now=NOW)

    with pytest.raises(ReservationHeld):
        send(p)

    assert p.mailer.sent == [] and p.send_log.entries == []
    assert p.send_log.read("x").sends[0].status == "reserved"  # the other attempt records its own result


def test_a_duplicate_attempt_while_the_first_is_sending_sends_nothing_and_the_first_records_once() -> None:
    duplicates: list[BaseException] = []

    class DuplicateMidSend(FakeMailer):
        def send(self, email: OutgoingEmail) -> str:
            if not duplicates:  # the same (execution, step) runs again while SES is answering the first
                try:
                    send(p)
                except ReservationHeld as held:
                    duplicates.append(held)
            return super().send(email)

    p = ports(DuplicateMidSend())

    result = send(p)

    assert len(duplicates) == 1 and result.status == "sent" and len(p.mailer.sent) == 1
    assert [r.status for r in p.send_log.read("x").sends] == ["sent"]
    assert [e.kind for e in p.send_log.entries] == ["email_sent"]


def test_an_attempt_failing_after_ses_accepted_gives_its_reservation_up_and_a_retry_never_resends() -> None:
    p = ports(FakeMailer(after=RuntimeError("the record could not be written")))

    with pytest.raises(RuntimeError):
        send(p)

    [record] = p.send_log.read("x").sends
    assert record.status == "unknown" and len(p.mailer.sent) == 1
    p.mailer.after = None
    again = send(p)  # the task retried at once: nothing to wait for, nothing sent
    assert again.status == "unknown" and len(p.mailer.sent) == 1
    assert [e.kind for e in p.send_log.entries] == ["send_outcome_unknown"]


def test_a_full_cap_takes_no_slot_and_says_when_one_frees() -> None:
    p = ports()
    for n, days in enumerate((1, 2)):
        record = SendRecord(key=f"other#{n}", at=(NOW - timedelta(days=days)).isoformat(), status="sent", event_id="e")
        p.send_log.log = p.send_log.log.with_record(record, now=NOW)

    with pytest.raises(SlotTaken) as taken:
        send(p)

    assert taken.value.until == NOW - timedelta(days=2) + timedelta(days=7, seconds=1)
    assert p.mailer.sent == []


def test_throttling_gives_the_slot_back() -> None:
    p = ports(FakeMailer(Throttled("TooManyRequestsException")))

    with pytest.raises(Throttled):
        send(p)

    assert p.send_log.read("x").sends == []


def test_a_rejected_email_is_recorded_and_gives_the_slot_back() -> None:
    p = ports(FakeMailer(Rejected("MessageRejected")))

    result = send(p)

    assert (result.status, result.error) == ("rejected", "MessageRejected")
    assert p.send_log.read("x").sends == []
    assert [(e.kind, e.data["error"]) for e in p.candidates.timeline] == [("email_failed", "MessageRejected")]


def test_a_concurrent_write_to_the_send_log_is_retried() -> None:
    p = ports()
    p.send_log.conflicts = 2

    assert send(p).status == "sent"


def test_a_send_given_the_log_reads_it_again_only_when_a_write_finds_it_changed() -> None:
    p = ports()
    log = p.send_log.read("x")
    p.send_log.reads = 0

    assert send(p, log=log).status == "sent"
    assert p.send_log.reads == 0  # reserved and recorded over the log the round read

    stale = ports()
    log = stale.send_log.read("x")
    other = SendRecord(key="other#0", at="2026-03-01T10:00:00.000Z", status="sent", event_id="e")
    stale.send_log.log = log.with_record(other, now=NOW).model_copy(update={"version": 1})  # another sequence
    stale.send_log.reads = 0

    assert send(stale, log=log).status == "sent"  # the condition failed: read again, decided again
    assert stale.send_log.reads == 1
    assert [r.key for r in stale.send_log.read("x").sends] == ["other#0", send_key(EXECUTION, 0)]


def test_old_sends_are_pruned_from_the_log() -> None:
    old = SendRecord(key="old", at="2026-02-01T10:00:00.000Z", status="sent", event_id="e")
    log = SendLog(candidate_id="c", sends=[old])

    new = SendRecord(key="new", at="2026-03-02T10:00:00.000Z", status="reserved", event_id="f")

    assert [r.key for r in log.with_record(new, now=NOW).sends] == ["new"]


# --- Reporting ---------------------------------------------------------------------------------------------


class Callbacks:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def succeed(self, token: str, output: dict[str, object]) -> bool:
        self.calls.append(("succeed", output))
        return True

    def fail(self, token: str, *, error: str, cause: str) -> bool:
        self.calls.append((error, cause))
        return True


@pytest.mark.parametrize(
    ("outcome", "call"),
    [
        (Finished(), ("Talentpool.SequenceFinished", "completed")),
        (Exited("unsubscribed"), ("Talentpool.SequenceExited", "unsubscribed")),
        (Continued("arn:new"), ("Talentpool.SequenceContinued", "continued as a new execution")),
    ],
)
def test_ends_are_reported_as_our_task_failures(outcome: Any, call: tuple[str, str]) -> None:
    callbacks = Callbacks()

    report_outcome(callbacks, "token", outcome)

    assert callbacks.calls == [call]


def test_continuing_hands_the_next_round_its_state_without_the_error() -> None:
    callbacks = Callbacks()
    state = EngageState(
        candidate_id="c", sequence_id="s", version=2, step=1, send_at="2026-03-05T10:00:00.000Z", error={"Error": "x"}
    )

    report_outcome(callbacks, "token", Continue(state))

    assert callbacks.calls == [
        (
            "succeed",
            {
                "candidate_id": "c",
                "sequence_id": "s",
                "version": 2,
                "step": 1,
                "send_at": "2026-03-05T10:00:00.000Z",
                "retries": 0,
                "events": 1,
                "generation": 0,
            },
        )
    ]


# --- Built-ins, models, environment ------------------------------------------------------------------------


@pytest.mark.parametrize("sequence", builtin_sequences.builtin_sequences().values(), ids=lambda s: s.sequence_id)
def test_every_built_in_renders_warmly_even_for_a_candidate_we_know_little_about(sequence: Sequence) -> None:
    sparse = candidate(first_name=None, interests=["events"])
    for index in range(len(sequence.steps)):
        email = render_marketing_email(
            candidate=sparse,
            sequence=sequence,
            step_index=index,
            branding=Branding(company_name="Acme", sender_email="talent@example.com"),
            links=Links(unsubscribe_url="https://t.example/u", preferences_url="https://t.example/p"),
            tags={},
        )
        for part in (email.subject, email.text, email.html):
            assert "{{" not in part and "None" not in part
        assert "Hi there," in email.text
        assert email.subject == email.subject.strip() and "!" not in email.subject


# What an email that lists roles says; no built-in email may say it while no role is attached to any email.
PROMISES_OF_ROLES = ("roles that match your", "new roles for", "here are this month's roles", "roles that fit what you")


@pytest.mark.parametrize("sequence", builtin_sequences.builtin_sequences().values(), ids=lambda s: s.sequence_id)
def test_no_built_in_email_promises_roles_it_does_not_contain(sequence: Sequence) -> None:
    for step in sequence.steps:
        for content in (step, *step.variants.values()):
            words = f"{content.subject}\n{content.body}".lower().replace("\n", " ")
            assert not [p for p in PROMISES_OF_ROLES if p in words], content.subject


def test_the_welcome_series_is_day_0_3_and_10_and_every_campaign_is_monthly() -> None:
    builtins = builtin_sequences.builtin_sequences()
    delays = [s.delay for s in builtins["welcome"].steps]

    assert [sum(delays[: i + 1], timedelta()) for i in range(3)] == [timedelta(0), timedelta(3), timedelta(10)]
    campaigns = [s for i, s in builtins.items() if i.startswith("nurture-")]
    assert len(campaigns) == 4 and {c.schedule for c in campaigns} == {"cron(0 9 1 * ? *)"}
    assert all(c.audience_segment_id is None and c.topic for c in campaigns)


def test_an_enrolment_request_is_ids_or_a_segment_never_both() -> None:
    assert EnrollmentRequest(candidate_ids=["a", "b", "a"]).candidate_ids == ["a", "b"]
    assert EnrollmentRequest(segment_id="s").segment_id == "s"
    for bad in ({}, {"candidate_ids": ["a"], "segment_id": "s"}):
        with pytest.raises(ValidationError):
            EnrollmentRequest.model_validate(bad)


def test_the_step_functions_environment_has_defaults_and_checks_the_zone() -> None:
    base = {
        "TABLE_NAME": "t",
        "EVENT_BUS_NAME": "b",
        "TOKEN_SECRET_ARN": "s",
        "SENDER_EMAIL": "talent@example.com",
        "SES_CONFIGURATION_SET": "c",
        "PUBLIC_BASE_URL": "https://t.example",
    }

    env = SequenceStepEnv.from_environ(base)
    custom = SequenceStepEnv.from_environ({**base, "DEFAULT_TIMEZONE": "Asia/Tokyo", "FREQUENCY_CAP": "3"})

    assert (env.default_timezone, env.frequency_cap, env.company_name) == ("Europe/London", 2, "Talentpool")
    assert (custom.default_timezone, custom.frequency_cap) == ("Asia/Tokyo", 3)
    with pytest.raises(ValidationError):
        SequenceStepEnv.from_environ({**base, "DEFAULT_TIMEZONE": "Mars/Olympus"})
