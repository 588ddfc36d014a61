"""Nurture logic with fakes: the send rate, who may get a campaign, claiming runs, tallying, failures, ids."""

from __future__ import annotations

from collections.abc import Sequence as Seq
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from talentpool.adapters.aws.campaign_runs import CampaignStateChanged, RunClaimed
from talentpool.auth import Principal
from talentpool.errors import Conflict
from talentpool.ids import is_id
from talentpool.logic import workflow_limits as limits
from talentpool.logic.campaigns import nurture, pacing
from talentpool.logic.campaigns.batches import ineligibility
from talentpool.logic.campaigns.nurture import record_run_failure, scheduled_run_id, tally_run
from talentpool.logic.campaigns.pacing import Pacer, map_concurrency, task_send_rate
from talentpool.logic.campaigns.ports import NurturePorts, NurtureSettings
from talentpool.logic.campaigns.runs import (
    CampaignAlreadySent,
    CampaignBusy,
    CampaignNotFound,
    execution_name,
    start_campaign_send,
)
from talentpool.logic.sequences import builtin as builtin_sequences
from talentpool.models.campaigns import (
    CampaignBatch,
    CampaignRun,
    CampaignStart,
    CampaignState,
    FailureRequest,
    ResolveRequest,
    RunRef,
    TallyRequest,
)
from talentpool.models.candidate import Candidate
from talentpool.models.sequences import Sequence

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:nurture:x"
CALLER = Principal(subject="rec-1", email="rita@example.com", groups=frozenset({"recruiters"}))


def candidate(**changes: Any) -> Candidate:
    fields: dict[str, Any] = {
        "candidate_id": "01M8B9VGHAH080YCQ49MGPAEJE",
        "email": "ana@example.com",
        "source": {"channel": "careers_site"},
        "consent": {"status": "active"},
        "interests": ["events"],
        "captured_at": "2026-03-01T09:00:00.000Z",
        "updated_at": "2026-03-01T09:00:00.000Z",
    }
    fields.update(changes)
    return Candidate.model_validate(fields)


def events_campaign(**changes: Any) -> Sequence:
    campaign = builtin_sequences.builtin("nurture-events")
    assert campaign is not None
    return campaign.model_copy(update=changes)


class FakeRuns:
    """The run store in memory, with the store's conditional claim."""

    def __init__(self) -> None:
        self.runs: dict[str, CampaignRun] = {}
        self.states: dict[str, CampaignState] = {}
        self.stored_batches: dict[tuple[str, int], CampaignBatch] = {}
        self.finished: list[CampaignRun] = []
        self.race: CampaignState | None = None  # a state another run writes just before our claim

    def get(self, run_id: str) -> CampaignRun | None:
        return self.runs.get(run_id)

    def save_run(self, run: CampaignRun) -> None:
        self.runs[run.run_id] = run

    def state(self, campaign_id: str) -> CampaignState:
        return self.states.get(campaign_id) or CampaignState(campaign_id=campaign_id)

    def claim(self, run: CampaignRun, state: CampaignState) -> None:
        if self.race is not None:
            self.states[state.campaign_id], self.race = self.race, None
        if run.run_id in self.runs:
            raise RunClaimed(run.run_id)
        if self.state(state.campaign_id).version != state.version:
            raise CampaignStateChanged(state.campaign_id)
        self.runs[run.run_id] = run
        self.states[state.campaign_id] = state.model_copy(update={"version": state.version + 1})

    def hand_over(self, run: CampaignRun, previous_execution: str, execution: str) -> bool:
        stored = self.runs.get(run.run_id)
        if stored is None or stored.execution != previous_execution or stored.status != "running":
            return False
        self.runs[run.run_id] = stored.model_copy(update={"execution": execution})
        state = self.state(run.campaign_id)
        self.states[run.campaign_id] = state.model_copy(update={"active_execution": execution})
        return True

    def finish(self, run: CampaignRun) -> None:
        self.runs[run.run_id] = run
        self.finished.append(run)
        state = self.state(run.campaign_id)
        if state.active_run == run.run_id:
            self.states[run.campaign_id] = state.model_copy(update={"active_run": None, "active_execution": None})

    def put_batches(self, batches: Seq[CampaignBatch]) -> None:
        for batch in batches:
            self.stored_batches[(batch.run_id, batch.batch)] = batch

    def save_batch(self, batch: CampaignBatch) -> None:
        self.stored_batches[(batch.run_id, batch.batch)] = batch

    def batch(self, run_id: str, batch: int) -> CampaignBatch | None:
        return self.stored_batches.get((run_id, batch))

    def batches(self, run_id: str) -> list[CampaignBatch]:
        return [b for (r, _), b in sorted(self.stored_batches.items()) if r == run_id]


class FakeSequences:
    def __init__(self, *stored: Sequence) -> None:
        self.stored = {s.sequence_id: s for s in stored}

    def latest(self, sequence_id: str) -> Sequence | None:
        return self.stored.get(sequence_id)

    def version(self, sequence_id: str, version: int) -> Sequence | None:
        found = self.stored.get(sequence_id)
        return found if found and found.version == version else None


class NoAudience:
    """A segment store and index with nobody in them: these tests are about runs, not audiences."""

    def read(self, stream: Any, *, after: str | None, limit: int | None) -> Any:
        from talentpool.models.search import IndexPage

        return IndexPage([], 0, None)

    def accepts(self, stream: Any, position: str) -> bool:
        return True

    def get(self, segment_id: str) -> None:
        return None


class Continuations:
    """The executions a run's Tally started to carry it on."""

    def __init__(self) -> None:
        self.started: list[tuple[str, int, dict[str, object]]] = []

    def continuation_arn(self, execution_arn: str, generation: int) -> str:
        return f"{execution_arn}-c{generation}"

    def start_continuation(self, execution_arn: str, generation: int, payload: dict[str, object]) -> str:
        self.started.append((execution_arn, generation, payload))
        return self.continuation_arn(execution_arn, generation)


def ports(
    runs: FakeRuns, *stored: Sequence, send_rate: int = 14, workflows: Continuations | None = None
) -> NurturePorts:
    return NurturePorts(
        sequences=FakeSequences(*stored),
        candidates=None,  # type: ignore[arg-type]
        send_logs=None,  # type: ignore[arg-type]
        runs=runs,
        segments=NoAudience(),  # type: ignore[arg-type]
        index=NoAudience(),
        send=None,  # type: ignore[arg-type]
        settings=NurtureSettings(send_rate=send_rate),
        workflows=workflows or Continuations(),
    )


def resolve(runs: FakeRuns, start: CampaignStart, *stored: Sequence, execution: str = EXECUTION) -> Any:
    request = ResolveRequest(action="resolve", execution=execution, input=start)
    return nurture.resolve_run(request, ports(runs, *stored), now=NOW)


# --- The send rate -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "tasks", "each"), [(1, 1, 1.0), (14, 2, 7.0), (50, 5, 10.0), (400, 40, 10.0), (1000, 40, 25.0)]
)
def test_the_map_runs_enough_tasks_to_use_the_send_rate_and_never_exceeds_it(
    rate: int, tasks: int, each: float
) -> None:
    assert map_concurrency(rate) == tasks
    assert task_send_rate(rate) == each
    assert tasks * task_send_rate(rate) == rate


def test_the_pacer_spaces_sends_at_its_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = {"now": 100.0}
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        clock["now"] += seconds

    monkeypatch.setattr(pacing, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(pacing, "pause", pause)
    pace = Pacer(4.0)

    pace()
    pace()
    clock["now"] += 1.0  # the task was busy elsewhere for a second: no need to wait
    pace()
    pace()

    assert pauses == [0.25, 0.25]


# --- Who may get a campaign ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({}, None),
        ({"unsubscribed_at": "2026-03-01T00:00:00.000Z"}, "unsubscribed"),
        ({"suppressed_at": "2026-03-01T00:00:00.000Z"}, "suppressed"),
        ({"consent": {"status": "pending"}}, "no_consent"),
        ({"consent": {"status": "withdrawn"}}, "consent_withdrawn"),
        ({"stage": "interviewing"}, "stage_interviewing"),
        ({"interests": ["job_alerts"]}, "topic_not_chosen"),
        ({"preferences": {"paused_until": "2026-03-09T00:00:00.000Z"}}, "paused"),
        ({"preferences": {"paused_until": "2026-03-01T00:00:00.000Z"}}, None),  # a pause that is over
    ],
)
def test_who_may_get_a_campaign(changes: dict[str, Any], reason: str | None) -> None:
    assert ineligibility(candidate(**changes), events_campaign(), NOW) == reason


def test_the_law_comes_before_the_topic() -> None:
    unsubscribed = candidate(interests=["job_alerts"], unsubscribed_at="2026-03-01T00:00:00.000Z")

    assert ineligibility(unsubscribed, events_campaign(), NOW) == "unsubscribed"


# --- Ids and names -------------------------------------------------------------------------------------


def test_one_schedule_firing_names_one_run_and_run_ids_sort_by_firing() -> None:
    march = scheduled_run_id("nurture-events", "2026-03-01T09:00:00Z")
    april = scheduled_run_id("nurture-events", "2026-04-01T09:00:00Z")

    assert march == scheduled_run_id("nurture-events", "2026-03-01T09:00:00.000Z")
    assert march != scheduled_run_id("nurture-career_advice", "2026-03-01T09:00:00Z")
    assert is_id(march) and march < april


def test_execution_names_fit_step_functions_limit() -> None:
    run_id = "01M8B9VGHAH080YCQ49MGPAEJE"

    assert execution_name("nurture-events", run_id) == f"nurture-events-{run_id}"
    assert len(execution_name("c" * 64, run_id)) == 80


# --- Claiming a run ------------------------------------------------------------------------------------


def test_runs_of_a_campaign_rotate_through_its_steps() -> None:
    runs = FakeRuns()
    two_steps = events_campaign()
    two_steps = two_steps.model_copy(update={"steps": [two_steps.steps[0], two_steps.steps[0]]})

    steps = []
    for n in range(3):
        state = resolve(runs, CampaignStart(campaign_id="nurture-events", run_id=f"R{n}"), two_steps, execution=f"E{n}")
        steps.append(state.run.step)
        runs.finish(runs.runs[f"R{n}"])

    assert steps == [0, 1, 0]


def test_a_retried_resolve_finds_its_own_run_and_claims_no_second_one() -> None:
    runs = FakeRuns()
    start = CampaignStart(campaign_id="nurture-events")  # started by hand in the console: no run id

    first = resolve(runs, start)
    again = resolve(runs, start)

    assert first.run.run_id == again.run.run_id
    assert runs.state("nurture-events").runs == 1


def test_a_second_execution_of_one_run_id_sends_nothing() -> None:
    runs = FakeRuns()
    start = CampaignStart(campaign_id="nurture-events", scheduled_at="2026-03-01T09:00:00Z")
    resolve(runs, start, execution="first")

    duplicate = resolve(runs, start, execution="second")

    assert duplicate.batches == []
    ended = tally_run(TallyRequest(action="tally", execution="second", run=duplicate.run), ports(runs), now=NOW)
    assert ended.done and runs.finished == []  # the duplicate writes nothing over the first run's result


def test_a_run_of_a_busy_or_inactive_campaign_is_recorded_as_skipped() -> None:
    runs = FakeRuns()
    resolve(runs, CampaignStart(campaign_id="nurture-events", run_id="R1"), execution="E1")

    busy = resolve(runs, CampaignStart(campaign_id="nurture-events", run_id="R2"), execution="E2")
    inactive = resolve(
        runs, CampaignStart(campaign_id="nurture-events", run_id="R3"), events_campaign(active=False), execution="E3"
    )

    assert busy.batches == inactive.batches == []
    assert (runs.runs["R2"].status, runs.runs["R2"].skipped_reason) == ("skipped", "campaign_busy")
    assert (runs.runs["R3"].status, runs.runs["R3"].skipped_reason) == ("skipped", "campaign_inactive")


def test_a_run_whose_execution_died_holds_its_campaign_only_until_its_hold_ends() -> None:
    runs = FakeRuns()
    runs.states["nurture-events"] = CampaignState(
        campaign_id="nurture-events", runs=3, active_run="OLD", active_until="2026-03-01T00:00:00.000Z"
    )

    state = resolve(runs, CampaignStart(campaign_id="nurture-events", run_id="NEW"))

    assert runs.runs["NEW"].status == "running" and state.run.step == 0
    assert runs.state("nurture-events").active_run == "NEW"


def test_a_claim_that_races_another_run_reads_again_and_finds_the_campaign_busy() -> None:
    runs = FakeRuns()
    runs.race = CampaignState(
        campaign_id="nurture-events", runs=1, active_run="OTHER", active_until="2999-01-01T00:00:00.000Z", version=1
    )

    resolve(runs, CampaignStart(campaign_id="nurture-events", run_id="MINE"))

    assert runs.runs["MINE"].skipped_reason == "campaign_busy"


def test_an_unknown_or_engage_campaign_cannot_be_resolved() -> None:
    with pytest.raises(CampaignNotFound):
        resolve(FakeRuns(), CampaignStart(campaign_id="welcome"))


# --- Tallying ------------------------------------------------------------------------------------------


def run_with_batches(runs: FakeRuns, *batches: CampaignBatch) -> RunRef:
    run = CampaignRun(
        run_id="R",
        campaign_id="nurture-events",
        version=1,
        step=0,
        trigger="manual",
        execution=EXECUTION,
        started_at="2026-03-02T10:00:00.000Z",
    )
    runs.save_run(run)
    runs.put_batches(batches)
    return run.ref()


def test_tally_waits_for_the_earliest_deferred_slot_and_sends_only_the_batches_due_then() -> None:
    runs = FakeRuns()
    ref = run_with_batches(
        runs,
        CampaignBatch(run_id="R", batch=1, candidate_ids=["a"], outcomes={"a": "sent"}),
        CampaignBatch(run_id="R", batch=2, candidate_ids=["b", "c"], deferred={"b": "2026-03-05T10:00:01.000Z"}),
        CampaignBatch(run_id="R", batch=3, candidate_ids=["d"], deferred={"d": "2026-03-02T14:00:00.000Z"}),
    )

    state = tally_run(TallyRequest(action="tally", execution=EXECUTION, run=ref), ports(runs), now=NOW)

    # Batch 2's candidate is due days later: it waits for a pass of its own, not re-deferred on this one.
    assert (state.done, state.batches, state.next_at) == (False, [3], "2026-03-02T14:00:00.000Z")
    assert (state.run.round, state.run.not_before) == (1, "2026-03-02T14:00:00.000Z")
    assert runs.finished == []


def test_tally_with_nothing_deferred_records_the_result_counted_by_reason() -> None:
    runs = FakeRuns()
    outcomes = {"a": "sent", "b": "sent", "c": "unknown", "d": "skipped:paused", "e": "failed:MessageRejected"}
    ref = run_with_batches(runs, CampaignBatch(run_id="R", batch=1, candidate_ids=list(outcomes), outcomes=outcomes))

    state = tally_run(TallyRequest(action="tally", execution=EXECUTION, run=ref), ports(runs), now=NOW)

    assert state.done
    [result] = runs.finished
    assert (result.status, result.sent, result.unknown) == ("finished", 2, 1)
    assert (result.skipped, result.failed) == ({"paused": 1}, {"MessageRejected": 1})


def sent_batch(number: int) -> CampaignBatch:
    return CampaignBatch(run_id="R", batch=number, candidate_ids=[f"c{number}"], outcomes={f"c{number}": "sent"})


def unsent_batch(number: int) -> CampaignBatch:
    return CampaignBatch(run_id="R", batch=number, candidate_ids=[f"c{number}"])


def test_tally_sends_the_next_page_of_batches_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "NURTURE_PAGE", 2)
    runs = FakeRuns()
    ref = run_with_batches(runs, sent_batch(1), sent_batch(2), unsent_batch(3), unsent_batch(4), unsent_batch(5))

    state = tally_run(TallyRequest(action="tally", execution=EXECUTION, run=ref), ports(runs), now=NOW)

    assert (state.done, state.batches, state.next_at) == (False, [3, 4], "2026-03-02T10:00:00.000Z")
    assert state.run.history == ref.history + limits.nurture_pass_events(2)


def test_a_run_near_its_history_budget_is_carried_on_by_a_new_execution() -> None:
    runs, workflows = FakeRuns(), Continuations()
    ref = run_with_batches(runs, sent_batch(1), unsent_batch(2))
    near = ref.model_copy(
        update={"history": limits.HISTORY_BUDGET - limits.NURTURE_END_MAX - limits.nurture_pass_events(0) - 10}
    )

    state = tally_run(
        TallyRequest(action="tally", execution=EXECUTION, run=near), ports(runs, workflows=workflows), now=NOW
    )

    assert (state.done, state.continued) == (True, True)
    [(previous, generation, payload)] = workflows.started
    assert (previous, generation) == (EXECUTION, 1)
    assert payload == {
        "campaign_id": "nurture-events",
        "trigger": "manual",
        "run_id": "R",
        "continued_from": EXECUTION,
        "generation": 1,
        "not_before": "2026-03-02T10:00:00.000Z",
    }
    assert runs.finished == [] and runs.runs["R"].execution == EXECUTION  # the new execution takes it over


def test_near_its_budget_a_run_waits_for_a_deferred_slot_before_it_is_carried_on() -> None:
    runs, workflows = FakeRuns(), Continuations()
    later = CampaignBatch(run_id="R", batch=1, candidate_ids=["a"], deferred={"a": "2026-03-02T14:00:00.000Z"})
    ref = run_with_batches(runs, later).model_copy(
        update={"history": limits.HISTORY_BUDGET - limits.NURTURE_END_MAX - limits.nurture_pass_events(0) - 10}
    )

    state = tally_run(
        TallyRequest(action="tally", execution=EXECUTION, run=ref), ports(runs, workflows=workflows), now=NOW
    )

    # A pass with no batches, after the Wait: the Tally after it carries the run on when the slot is due.
    assert (state.done, state.batches, state.next_at) == (False, [], "2026-03-02T14:00:00.000Z")
    assert state.run.history + limits.NURTURE_END_MAX <= limits.HISTORY_BUDGET and workflows.started == []


def test_the_new_execution_takes_the_run_over_and_sends_the_pass_that_is_due() -> None:
    runs = FakeRuns()
    run_with_batches(runs, sent_batch(1), unsent_batch(2), unsent_batch(3))
    start = CampaignStart(campaign_id="nurture-events", run_id="R", continued_from=EXECUTION, generation=1)

    state = resolve(runs, start, execution=f"{EXECUTION}-c1")
    again = resolve(runs, start, execution=f"{EXECUTION}-c1")  # a retried Resolve: the run is ours already
    other = resolve(runs, start, execution=f"{EXECUTION}-other")  # nobody else can take it

    assert state.batches == [2, 3] and again.batches == [2, 3] and other.batches == []
    assert (state.run.generation, runs.runs["R"].execution) == (1, f"{EXECUTION}-c1")
    assert state.run.history == limits.nurture_start_events() + limits.nurture_pass_events(2)
    assert runs.states["nurture-events"].active_execution == f"{EXECUTION}-c1"


def test_a_failure_after_resolve_claimed_the_run_is_recorded_on_it_and_frees_the_campaign() -> None:
    runs = FakeRuns()
    resolve(runs, CampaignStart(campaign_id="nurture-events", run_id="R"))
    # Resolve failed after its claim: the Catch's state is the execution input with the error.
    state = {"campaign_id": "nurture-events", "error": {"Error": "States.Timeout", "Cause": "..."}}

    record_run_failure(FailureRequest(action="failed", execution=EXECUTION, state=state), ports(runs), now=NOW)

    [failed] = runs.finished
    assert (failed.run_id, failed.status, failed.error) == ("R", "failed", "States.Timeout")
    assert runs.state("nurture-events").active_run is None


# --- Starting a send -----------------------------------------------------------------------------------


class Launcher:
    def __init__(self) -> None:
        self.started: list[tuple[str, dict[str, Any]]] = []

    def start(self, name: str, payload: dict[str, Any]) -> str:
        self.started.append((name, payload))
        return self.execution_arn(name)

    def execution_arn(self, name: str) -> str:
        return f"arn:execution:{name}"


def test_a_second_send_a_moment_later_is_409_with_the_run_the_first_started() -> None:
    # Given a send that was accepted, whose execution has not resolved its run yet
    runs, launcher = FakeRuns(), Launcher()
    first = start_campaign_send(FakeSequences(), runs, launcher, "nurture-events", caller=CALLER, now=NOW)

    # When the recruiter sends again
    with pytest.raises(CampaignBusy) as raised:
        start_campaign_send(FakeSequences(), runs, launcher, "nurture-events", caller=CALLER, now=NOW)

    # Then no second execution starts, and the answer names the run that exists
    assert len(launcher.started) == 1
    assert raised.value.details == {"run": runs.runs[first.run_id].model_dump(mode="json", exclude_none=True)}
    assert raised.value.details["run"]["execution"] == first.execution


def test_a_send_after_the_run_finished_is_409_until_a_new_version_is_saved() -> None:
    # Given a one-step campaign whose run has finished
    runs, launcher = FakeRuns(), Launcher()
    first = start_campaign_send(FakeSequences(), runs, launcher, "nurture-events", caller=CALLER, now=NOW)
    runs.finish(runs.runs[first.run_id].model_copy(update={"status": "finished", "sent": 3}))

    # When it is sent again, the same version
    with pytest.raises(CampaignAlreadySent) as raised:
        start_campaign_send(FakeSequences(), runs, launcher, "nurture-events", caller=CALLER, now=NOW)

    # Then it is refused with the run that sent it; a new version may be sent
    assert raised.value.details is not None and raised.value.details["run"]["run_id"] == first.run_id
    edited = FakeSequences(events_campaign().model_copy(update={"version": 2}))
    again = start_campaign_send(edited, runs, launcher, "nurture-events", caller=CALLER, now=NOW)
    assert again.run_id != first.run_id and len(launcher.started) == 2


def test_a_send_whose_execution_cannot_start_gives_the_campaign_back() -> None:
    class Broken(Launcher):
        def start(self, name: str, payload: dict[str, Any]) -> str:
            raise RuntimeError("states unavailable")

    runs = FakeRuns()
    with pytest.raises(RuntimeError):
        start_campaign_send(FakeSequences(), runs, Broken(), "nurture-events", caller=CALLER, now=NOW)

    assert runs.state("nurture-events").active_run is None
    accepted = start_campaign_send(FakeSequences(), runs, Launcher(), "nurture-events", caller=CALLER, now=NOW)
    assert accepted.run_id


def test_a_send_now_starts_an_execution_for_a_new_run() -> None:
    launcher = Launcher()

    accepted = start_campaign_send(FakeSequences(), FakeRuns(), launcher, "nurture-events", caller=CALLER, now=NOW)

    [(name, payload)] = launcher.started
    assert name == f"nurture-events-{accepted.run_id}" and accepted.execution == f"arn:execution:{name}"
    assert payload == {
        "campaign_id": "nurture-events",
        "trigger": "manual",
        "run_id": accepted.run_id,
        "requested_by": "recruiter:rec-1",
    }


def test_a_send_now_is_refused_while_a_run_holds_the_campaign_or_when_it_is_inactive() -> None:
    runs = FakeRuns()
    runs.states["nurture-events"] = CampaignState(
        campaign_id="nurture-events", active_run="R", active_until=(NOW + timedelta(days=1)).isoformat()
    )

    with pytest.raises(CampaignBusy):
        start_campaign_send(FakeSequences(), runs, Launcher(), "nurture-events", caller=CALLER, now=NOW)
    inactive = FakeSequences(events_campaign(active=False))
    with pytest.raises(Conflict):
        start_campaign_send(inactive, FakeRuns(), Launcher(), "nurture-events", caller=CALLER, now=NOW)
