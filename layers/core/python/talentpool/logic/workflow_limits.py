"""Step Functions Standard's per-execution limits, the history events our states write, and retry backoff.

A Standard execution holds at most 25,000 history events and runs at most one year. Engage and nurture
account, round by round, for the events they have written in the worst case, and continue as a new
execution (a fresh one started from a Task, the old one ending) before either limit is reached. Nothing
here knows Step Functions' API: the counts are of the events its history shows for the states our ASL files
use, as moto's interpreter writes them too (tests/integration/test_workflow_limits.py counts them).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

HISTORY_LIMIT = 25_000
DURATION_LIMIT = timedelta(days=365)

# What an execution may use. The history margin (1,000 events) is for anything this accounting does not
# foresee; the duration margin covers a round's own retries at its deadline and clocks that disagree.
HISTORY_BUDGET = 24_000
DURATION_BUDGET = DURATION_LIMIT - timedelta(days=7)

# --- Events per state, as the history writes them -----------------------------------------------------------

EXECUTION_STARTED = 1
STATE = 2  # <Type>StateEntered and <Type>StateExited, for every state (a Fail state writes no Exited)
WAIT = STATE
ATTEMPT = 4  # one attempt of a Task: TaskScheduled, TaskStarted, TaskSubmitted, TaskSucceeded|Failed|TimedOut
EXECUTION_ENDED = 1  # ExecutionSucceeded or ExecutionFailed, after the Succeed or Fail state's own events

# --- engage.asl.json: Step (callback Task) and WaitForSend, in a loop ---------------------------------------

# 1 + the Step task's Retry MaxAttempts; tests/integration/test_workflow_limits.py holds it equal to the ASL's.
ENGAGE_STEP_ATTEMPTS = 11
# RecordFailure's attempts: 1 + its Retry MaxAttempts (held equal to the ASL's too).
ENGAGE_RECORD_ATTEMPTS = 4
# The longest round a Step can write, without the Wait after it: every retry taken.
ENGAGE_ROUND_MAX = STATE + ATTEMPT * ENGAGE_STEP_ATTEMPTS
# The longest way out after a round's Task: Catch to RecordFailure (every retry taken), then Fail.
ENGAGE_END_MAX = STATE + ATTEMPT * ENGAGE_RECORD_ATTEMPTS + STATE + EXECUTION_ENDED


def engage_round_events(retries: int) -> int:
    """What a Step that reports now has written: its two state events and each attempt, this one included."""
    return STATE + ATTEMPT * (retries + 1)


def engage_must_continue(events_after_wait: int) -> bool:
    """Whether an execution that has written `events_after_wait` once its next Wait ends could not fit one more
    round of the worst kind and the longest way out: then it continues as a new execution now."""
    return events_after_wait + ENGAGE_ROUND_MAX + ENGAGE_END_MAX > HISTORY_BUDGET


# --- nurture.asl.json: Resolve, then passes of SendBatches (Map) and Tally --------------------------------

# 1 + each Task's Retry MaxAttempts, held equal to the ASL's by the same test.
NURTURE_TASK_ATTEMPTS = 4  # Resolve, Tally, RecordFailure
NURTURE_BATCH_ATTEMPTS = 7  # SendBatch, one Map iteration
MAP_ITERATION_EVENTS = 2  # MapIterationStarted and MapIterationSucceeded|Failed
MAP_EVENTS = 2  # MapStateStarted and MapStateSucceeded|Failed, besides the state's own two
NURTURE_TASK_MAX = STATE + ATTEMPT * NURTURE_TASK_ATTEMPTS
NURTURE_ITERATION_MAX = MAP_ITERATION_EVENTS + STATE + ATTEMPT * NURTURE_BATCH_ATTEMPTS
NURTURE_END_MAX = NURTURE_TASK_MAX + STATE + EXECUTION_ENDED  # after a pass: RecordFailure, then Fail
# At most this many batches in one pass of the Map, so one pass of the worst kind stays well inside a budget.
NURTURE_PAGE = 250


def nurture_pass_events(batches: int) -> int:
    """The most a pass can write from the Wait before it to the Choice after it: the Wait, the Map with every
    batch's retries taken, Tally with its retries, and AnyDeferred."""
    return STATE + STATE + MAP_EVENTS + batches * NURTURE_ITERATION_MAX + NURTURE_TASK_MAX + STATE


def nurture_start_events() -> int:
    """The most an execution writes before its first pass: ExecutionStarted and Resolve with its retries."""
    return EXECUTION_STARTED + NURTURE_TASK_MAX


def nurture_must_continue(events: int, batches: int) -> bool:
    """Whether an execution that has written `events` could not fit a pass over `batches`, then a pass with no
    batches, and the longest way out: then it continues as a new execution, which runs that pass. The empty
    pass is kept in hand so that an execution near its budget can still wait for a deferred slot (through a
    pass that sends nothing) and continue once that slot is due."""
    return events + nurture_pass_events(batches) + nurture_pass_events(0) + NURTURE_END_MAX > HISTORY_BUDGET


# --- Retrying later, with backoff and full jitter ------------------------------------------------------------

RETRY_BASE = timedelta(seconds=4)
RETRY_CAP = timedelta(minutes=30)
# Where the jitter comes from: a module attribute, so a test can make it deterministic.
draw: Callable[[], float] = random.random


def retry_after(retries: int) -> timedelta:
    """How long to wait before try number `retries + 1`: full jitter ("AWS Architecture Blog: Exponential
    Backoff And Jitter") over a ceiling that doubles from RETRY_BASE up to RETRY_CAP, and stays there. Retrying
    never gives up: a sequence that SES keeps throttling keeps trying every half hour at most."""
    ceiling: timedelta = min(RETRY_CAP, RETRY_BASE * 2 ** min(retries, 20))
    return ceiling * draw()
