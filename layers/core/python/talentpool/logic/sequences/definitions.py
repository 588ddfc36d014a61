"""Sequence definitions and enrolments, as recruiters manage them: versions, built-ins, enrol and stop.

A definition is saved as a new version each time; an enrolment pins the version it started with, so an
edit applies to new enrolments only. Built-ins (logic.sequences.builtin) are version 1 of their id until
an admin saves a version 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Sequence as Seq
from datetime import datetime, timedelta
from itertools import islice
from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit

from talentpool.auth import Principal
from talentpool.clock import isoformat
from talentpool.errors import Conflict, FieldError, NotFound, ValidationFailed
from talentpool.ids import is_id, new_id
from talentpool.logic import workflow_limits
from talentpool.logic.sending.planning import longest_closed
from talentpool.logic.sequences.builtin import builtin, builtin_sequences
from talentpool.models.candidate import Candidate, TimelineEntry, TimelineKind
from talentpool.models.events import EnrollmentRequested
from talentpool.models.sequences import (
    EnrollmentRequest,
    EnrollmentResult,
    Enrolment,
    EnrolmentList,
    EnrolmentView,
    Sequence,
    SequenceDefinition,
    SequenceKind,
    SequenceList,
    SequenceSummary,
    SkippedCandidate,
    summary_of,
)
from talentpool.observability import logger, metrics
from talentpool.ports.repositories import EventPublisher, WorkflowControl

MAX_SEGMENT_ENROLMENT = 2_000
"""Engage runs one execution per person; a bigger audience is what a nurture campaign is for."""


class SequenceNotFound(NotFound):
    code = "sequence_not_found"


class NotEnrolled(NotFound):
    code = "not_enrolled"


# --- Ports -------------------------------------------------------------------------------------------------


class SequenceSource(Protocol):
    def latest(self, sequence_id: str) -> Sequence | None: ...

    def version(self, sequence_id: str, version: int) -> Sequence | None: ...


class SequenceRepository(SequenceSource, Protocol):
    def directory(self) -> list[SequenceSummary]: ...

    def save(self, sequence: Sequence, *, previous_version: int | None) -> None: ...


class EnrolmentReader(Protocol):
    def get(self, candidate_id: str, sequence_id: str) -> Enrolment | None: ...

    def of_candidate(self, candidate_id: str) -> list[Enrolment]: ...

    def many(self, candidate_ids: Seq[str], sequence_id: str) -> dict[str, Enrolment]: ...

    def replace(self, enrolment: Enrolment, entries: list[TimelineEntry]) -> bool: ...


class CandidateLookup(Protocol):
    def get(self, candidate_id: str) -> Candidate | None: ...

    def many(self, candidate_ids: Seq[str]) -> dict[str, Candidate]: ...


class SegmentMembers(Protocol):
    """The ids a saved segment matches now, lazily (logic.people.segments.evaluate_segment behind it)."""

    def __call__(self, segment_id: str) -> Iterator[str]: ...


# --- Reading definitions -----------------------------------------------------------------------------------


def current_sequence(source: SequenceSource, sequence_id: str) -> Sequence | None:
    """The version new enrolments get: the newest stored one, else the built-in."""
    return source.latest(sequence_id) or builtin(sequence_id)


def pinned_sequence(source: SequenceSource, sequence_id: str, version: int) -> Sequence | None:
    """The exact version an enrolment started with; built-ins are version 1 of their id."""
    stored = source.version(sequence_id, version)
    if stored is not None:
        return stored
    code = builtin(sequence_id)
    return code if code is not None and code.version == version else None


def get_sequence(source: SequenceSource, sequence_id: str, version: int | None = None) -> Sequence:
    found = current_sequence(source, sequence_id) if version is None else pinned_sequence(source, sequence_id, version)
    if found is None:
        raise SequenceNotFound(f"No sequence {sequence_id}" + (f" version {version}" if version else ""))
    return found


def list_sequences(repo: SequenceRepository) -> SequenceList:
    """Stored sequences and the built-ins nobody has edited yet, built-ins first, then by name."""
    stored = {summary.sequence_id: summary for summary in repo.directory()}
    code = {i: summary_of(s) for i, s in builtin_sequences().items() if i not in stored}
    items = sorted([*code.values(), *stored.values()], key=lambda s: (not s.builtin, s.name.lower(), s.sequence_id))
    return SequenceList(items=items)


# --- Saving definitions ------------------------------------------------------------------------------------


def check_duration(definition: SequenceDefinition) -> None:
    """Refuse an engage sequence whose waits could outlast the one execution that runs it: each step's delay,
    plus the longest the send window can hold that step back, added up, must fit in the execution's life
    (Step Functions Standard runs an execution at most a year; logic.workflow_limits keeps a margin).

    What a candidate adds (a pause they choose, their cap, SES throttling) is not the definition's doing: an
    execution that would outlast its year for those hands over to a new one (logic.sequences.engage)."""
    if definition.kind is not SequenceKind.ENGAGE:
        return  # a campaign's runs start on its schedule; its steps' delays do not apply
    held_back = longest_closed(definition.send_window)
    if held_back is None:
        raise ValidationFailed(
            "The send window is never open", [FieldError(["send_window", "quiet_hours"], "leave no hour open")]
        )
    limit, total = workflow_limits.DURATION_BUDGET, timedelta(0)
    for index, step in enumerate(definition.steps):
        total += step.delay + held_back
        if total > limit:
            raise ValidationFailed(
                f"The sequence could take longer than {limit.days} days to finish",
                [
                    FieldError(
                        ["steps", index, "delay"],
                        f"brings the waits to {_days(total)} days, with up to {_days(held_back)} days after each "
                        f"step while the send window is closed; a sequence must finish within {limit.days} days",
                    )
                ],
            )


def _days(span: timedelta) -> str:
    return f"{span / timedelta(days=1):.1f}".removesuffix(".0")


def create_sequence(
    repo: SequenceRepository, definition: SequenceDefinition, *, caller: Principal, now: datetime
) -> Sequence:
    check_duration(definition)
    sequence = _version_of(definition, new_id(), 1, caller=caller, now=now, created_at=isoformat(now))
    repo.save(sequence, previous_version=None)
    metrics.add_metric(name="SequencesCreated", unit=MetricUnit.Count, value=1)
    return sequence


def update_sequence(
    repo: SequenceRepository, sequence_id: str, definition: SequenceDefinition, *, caller: Principal, now: datetime
) -> Sequence:
    """Save `definition` as the next version. Running enrolments keep the version they pinned."""
    from talentpool.errors import SequenceVersionTaken

    check_duration(definition)
    current = get_sequence(repo, sequence_id)
    if definition.kind is not current.kind:
        # Valid on its own; it conflicts with the sequence as it is (the document cannot say "the kind it has").
        raise Conflict(
            "A sequence cannot change kind; create a new one instead",
            [FieldError(["kind"], f"must stay {current.kind.value}")],
        )
    sequence = _version_of(
        definition, sequence_id, current.version + 1, caller=caller, now=now, created_at=current.created_at
    )
    try:
        repo.save(sequence, previous_version=None if current.builtin else current.version)
    except SequenceVersionTaken as exc:
        raise Conflict("Someone saved this sequence at the same time; reload it and try again") from exc
    return sequence


def _version_of(
    definition: SequenceDefinition, sequence_id: str, version: int, *, caller: Principal, now: datetime, created_at: str
) -> Sequence:
    return Sequence(
        **definition.model_dump(),
        sequence_id=sequence_id,
        version=version,
        created_at=created_at,
        updated_at=isoformat(now),
        updated_by=caller.actor,
    )


# --- Enrolments --------------------------------------------------------------------------------------------


def enrol(
    sequences: SequenceSource,
    candidates: CandidateLookup,
    enrolments: EnrolmentReader,
    bus: EventPublisher,
    segment_members: SegmentMembers,
    sequence_id: str,
    request: EnrollmentRequest,
    *,
    caller: Principal,
    now: datetime,
) -> EnrollmentResult:
    """Ask for an engage execution per eligible candidate (one EnrollmentRequested event each).

    Who is left out, and why, comes back at once: unknown ids, no active consent, unsubscribed, suppressed,
    in a stage the sequence exits on, or already enrolled. The execution checks again when it starts, so a
    race with an unsubscribe is still safe.
    """
    sequence = get_sequence(sequences, sequence_id)
    if sequence.kind is not SequenceKind.ENGAGE:
        # A well-formed request the sequence cannot take in its kind: a conflict with it, not a malformed field.
        raise Conflict(
            "Nurture campaigns go to their audience on their schedule; enrol people in engage sequences",
            [FieldError(["sequence_id"], "is a nurture campaign")],
        )
    if not sequence.active:
        raise Conflict(f"Sequence {sequence_id} is inactive; activate it with PUT /sequences/{sequence_id} first")
    ids = request.candidate_ids or _segment_ids(segment_members, request.segment_id or "")
    known = {i for i in ids if is_id(i)}
    profiles = candidates.many(sorted(known)) if known else {}
    running = enrolments.many(sorted(profiles), sequence_id) if profiles else {}
    skipped: list[SkippedCandidate] = []
    chosen: list[str] = []
    for candidate_id in ids:
        reason = _skip_reason(profiles.get(candidate_id), running.get(candidate_id), sequence)
        if reason:
            skipped.append(SkippedCandidate(candidate_id=candidate_id, reason=reason))
        else:
            chosen.append(candidate_id)
    stamp = isoformat(now)
    bus.publish(
        *(
            EnrollmentRequested(candidate_id=c, occurred_at=stamp, sequence_id=sequence_id, requested_by=caller.actor)
            for c in chosen
        )
    )
    metrics.add_metric(name="EnrolmentsRequested", unit=MetricUnit.Count, value=len(chosen))
    logger.info("enrolments requested", extra={"sequence_id": sequence_id, "requested": len(chosen)})
    return EnrollmentResult(requested=len(chosen), skipped=skipped)


def _skip_reason(candidate: Candidate | None, enrolment: Enrolment | None, sequence: Sequence) -> str | None:
    from talentpool.logic.sending.eligibility import exit_reason

    if candidate is None:
        return "not_found"
    if enrolment is not None and enrolment.status == "running":
        return "already_enrolled"
    return exit_reason(candidate, sequence.exit_rules)


def _segment_ids(segment_members: SegmentMembers, segment_id: str) -> list[str]:
    ids = list(islice(segment_members(segment_id), MAX_SEGMENT_ENROLMENT + 1))
    if len(ids) > MAX_SEGMENT_ENROLMENT:
        raise ValidationFailed(
            f"The segment has more than {MAX_SEGMENT_ENROLMENT} members; engage sequences run one execution per "
            "person, so send a nurture campaign to an audience this large",
            [FieldError(["segment_id"], f"matches more than {MAX_SEGMENT_ENROLMENT} candidates")],
        )
    return ids


def stop_enrolment(
    candidates: CandidateLookup,
    enrolments: EnrolmentReader,
    workflows: WorkflowControl,
    sequence_id: str,
    candidate_id: str,
    *,
    caller: Principal,
    now: datetime,
) -> EnrolmentView:
    """Stop a running enrolment: the execution first (no later email), then the record and the timeline."""
    if not is_id(candidate_id) or candidates.get(candidate_id) is None:
        raise NotFound(f"No candidate {candidate_id}")
    for _ in range(3):
        enrolment = enrolments.get(candidate_id, sequence_id)
        if enrolment is None or enrolment.status != "running":
            raise NotEnrolled(f"Candidate {candidate_id} is not running in sequence {sequence_id}")
        workflows.stop(enrolment.execution_arn, cause="stopped by a recruiter")
        stopped = enrolment.model_copy(
            update={"status": "stopped", "next_send_at": None, "exit_reason": "stopped", "updated_at": isoformat(now)}
        )
        entry = TimelineEntry(
            entry_id=new_id(),
            candidate_id=candidate_id,
            kind=TimelineKind.SEQUENCE_STOPPED,
            at=isoformat(now),
            actor=caller.actor,
            data={"sequence_id": sequence_id, "version": enrolment.version, "step": enrolment.step},
        )
        if enrolments.replace(stopped, [entry]):
            return EnrolmentView.of(stopped)
    raise Conflict("The enrolment is changing right now; try again")


def enrolments_of(candidates: CandidateLookup, enrolments: EnrolmentReader, candidate_id: str) -> EnrolmentList:
    if not is_id(candidate_id) or candidates.get(candidate_id) is None:
        raise NotFound(f"No candidate {candidate_id}")
    found = sorted(enrolments.of_candidate(candidate_id), key=lambda e: e.enrolled_at, reverse=True)
    return EnrolmentList(items=[EnrolmentView.of(e) for e in found])
