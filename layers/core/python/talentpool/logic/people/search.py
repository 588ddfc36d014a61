"""Candidate search: plan one driving index per query, read it in key order, filter the rest on the summary.

The planner never scans. It picks the most selective index the filter names (a person by address or name,
then skill, tag, country and city, stage, channel, consent) or, with none, the consent index across its three
statuses.
Every read is newest-first on the driver's sort key; filters the driver cannot apply are checked on the
summary each index entry carries, so a result is one entry read, never a second read of the profile.
docs/data-model.md ("Index design for segments") explains the choices and their read amplification.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from talentpool import cursor
from talentpool.clock import isoformat, parse_iso, utcnow
from talentpool.errors import FieldError, ValidationFailed
from talentpool.ids import ulid
from talentpool.logic.people.engagement import engagement_now
from talentpool.models.candidate import ConsentStatus
from talentpool.models.search import (
    CandidateFilter,
    CandidatePage,
    CandidateQuery,
    CandidateSummary,
    Driver,
    IndexEntry,
    IndexPage,
    ReadStats,
    SkillsMode,
    Stream,
)
from talentpool.models.text import folded

# One request reads at most this many entries before it returns what it has with a cursor, so a filter
# that matches almost nothing answers within API Gateway's timeout instead of reading the whole pool.
MAX_READ_PER_PAGE = 5000
MAX_QUERY_LIMIT = 1000  # per Query call; DynamoDB's 1 MB page is the other cap
PROBE_SIZE = 50  # entries read from each skill of an `all` query to find the sparsest, when draining
# A ULID's time is when the id was minted, which can be a moment before `captured_at` is stamped: allow for it.
ID_CLOCK_SLACK = timedelta(minutes=1)
CURSOR_KEYS = frozenset({"d", "p", "h"})


class IndexReader(Protocol):
    """What search needs from the store (talentpool.adapters.aws.search.SearchIndex), so logic tests use a fake."""

    def read(self, stream: Stream, *, after: str | None, limit: int | None) -> IndexPage: ...

    def accepts(self, stream: Stream, position: str) -> bool: ...


@dataclass(frozen=True)
class Plan:
    """The streams that drive one query, merged by position with duplicates collapsed, and a label for it."""

    label: str
    streams: tuple[Stream, ...]


@dataclass
class Meter:
    """DynamoDB's own count of what was read (ScannedCount), summed over the Query calls."""

    items_read: int = 0
    queries: int = 0

    def stats(self, index: str, returned: int) -> ReadStats:
        return ReadStats(index=index, items_read=self.items_read, items_returned=returned, queries=self.queries)


def id_floor(moment: datetime) -> str:
    """The smallest id minted at `moment` (less the clock slack): ids sort by capture time."""
    millis = int((moment - ID_CLOCK_SLACK).timestamp() * 1000)
    return ulid(max(millis, 0), 0)


def person_plan(text: str) -> Plan:
    """Finding one person: by address (already normalised by the model) or by the start of a name.

    Labels carry no value: they are logged with the read figures, and a name or an address must not be.
    """
    if "@" in text:
        return Plan("email", (Stream(Driver.EMAIL, text),))
    return Plan("name", (Stream(Driver.NAME, folded(text)),))


def plans(query: CandidateFilter) -> tuple[Plan, ...]:
    """The ways to drive this query. More than one only for several `all` skills: the sparsest is chosen."""
    if isinstance(query, CandidateQuery) and query.q:
        return (person_plan(query.q),)
    since = id_floor(query.captured_after) if query.captured_after else None
    if query.skills:
        # A range with its top below its floor matches nobody (`matches` says so), but DynamoDB refuses a BETWEEN
        # whose bounds are the wrong way round: the index is read from the floor's figure alone.
        low, high = query.min_experience, query.max_experience
        top = high if low is None or high is None else max(low, high)
        streams = tuple(Stream(Driver.SKILL, skill, min_years=low, max_years=top) for skill in query.skills)
        if query.skills_mode is SkillsMode.ANY and len(streams) > 1:
            return (Plan("skills:any", streams),)
        return tuple(Plan(f"skill:{s.value}", (s,)) for s in streams)
    if query.tag:
        return (Plan(f"tag:{query.tag}", (Stream(Driver.TAG, query.tag, since_id=since),)),)
    if query.country:
        city = query.city.lower() if query.city else None
        stream = Stream(Driver.COUNTRY, query.country, city=city, since_id=since)
        return (Plan(f"country:{query.country}", (stream,)),)
    for driver, value in (
        (Driver.STAGE, query.stage),
        (Driver.CHANNEL, query.source_channel),
        (Driver.CONSENT, query.consent),
    ):
        if value is not None:
            return (Plan(f"{driver.value}:{value}", (Stream(driver, value, since_id=since),)),)
    # Nothing indexed: every candidate is in exactly one consent partition, three runs merged by id.
    return (Plan("consent:*", tuple(Stream(Driver.CONSENT, s.value, since_id=since) for s in ConsentStatus)),)


def matches(query: CandidateFilter, summary: CandidateSummary, *, engagement: float | None = None) -> bool:
    """Every filter, checked on the summary. The driver's own condition is checked again: it costs nothing
    and keeps the answer right whichever index drove the read. `q` is the exception: only its driver can
    apply it, as summaries carry no name. `engagement` is the score decayed to now (`current_engagement`),
    which is what `min_engagement` compares with; the stored score when not given."""
    skills = set(summary.skills)
    wanted = set(query.skills)
    if wanted and not (wanted <= skills if query.skills_mode is SkillsMode.ALL else wanted & skills):
        return False
    if skills & set(query.not_skills):
        return False
    return (
        _in_range(summary.years_experience, query.min_experience, query.max_experience)
        and (query.captured_after is None or summary.captured_at >= isoformat(query.captured_after))
        and (
            query.min_engagement is None
            or (summary.engagement if engagement is None else engagement) >= query.min_engagement
        )
        and (query.tag is None or query.tag in summary.tags)
        and (query.city is None or (summary.city or "").lower() == query.city.lower())
        and all(
            want is None or have == want
            for have, want in (
                (summary.country, query.country),
                (summary.stage, query.stage),
                (summary.source_channel, query.source_channel),
                (summary.consent_status, query.consent),
            )
        )
    )


def _in_range(years: int | None, low: int | None, high: int | None) -> bool:
    """A range needs a figure: candidates without one match only queries that name no range."""
    if low is None and high is None:
        return True
    return years is not None and (low is None or years >= low) and (high is None or years <= high)


def digest(query: CandidateFilter) -> str:
    """A short hash of the filter: a cursor carries it, so it cannot be replayed against another query."""
    canonical = json.dumps(query.canonical(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class _Run:
    """One stream being read: a buffer of entries in position order and where the next Query resumes."""

    def __init__(self, reader: IndexReader, stream: Stream, after: str | None, meter: Meter) -> None:
        self.reader, self.stream, self.after, self.meter = reader, stream, after, meter
        self.buffer: deque[IndexEntry] = deque()
        self.more = True

    def fill(self, size: int | None) -> None:
        while not self.buffer and self.more:
            page = self.reader.read(self.stream, after=self.after, limit=size)
            self.meter.items_read += page.scanned
            self.meter.queries += 1
            self.buffer.extend(page.entries)
            self.more = page.last is not None
            # Resume from DynamoDB's own LastEvaluatedKey, which can lie past the last entry it returned.
            self.after = page.last or (page.entries[-1].position if page.entries else self.after)

    @property
    def pending(self) -> bool:
        return bool(self.buffer) or self.more


class _Merge:
    """Several runs in one descending order, an entry present in more than one run yielded once."""

    def __init__(self, runs: Sequence[_Run]) -> None:
        self.runs = list(runs)

    def needs_read(self) -> bool:
        return any(not run.buffer and run.more for run in self.runs)

    def pending(self) -> bool:
        return any(run.pending for run in self.runs)

    def next(self, size: int | None) -> IndexEntry | None:
        live = [run for run in self.runs if run.pending]
        per_run = None if size is None else math.ceil(size / max(len(live), 1))
        for run in live:
            run.fill(per_run)
        heads = [run for run in live if run.buffer]
        if not heads:
            return None
        top = max(run.buffer[0].position for run in heads)
        # The same candidate sits at the same position in each of its skill runs: take it from all of them.
        taken = [run.buffer.popleft() for run in heads if run.buffer[0].position == top]
        return taken[0]


def _sparsest(runs: Sequence[_Run]) -> int:
    """Which run to drive an `all` query by, from one page of each. All skill runs share one key space,
    so the run whose page reaches furthest down it is the sparsest; a run read to its end is smaller still."""

    def density(i: int) -> tuple[int, int, str]:
        run = runs[i]
        if not run.more:
            return (0, len(run.buffer), "")
        return (1, 0, run.buffer[-1].position if run.buffer else "")

    return min(range(len(runs)), key=density)


def current_engagement(score: float, at: object, now: datetime) -> float:
    """A stored score read as of `now` (docs/engagement.md): decayed from `engagement_at`, the instant it is
    valid at, by the same formula the profile's score follows. A score without an instant is taken as stored."""
    if not isinstance(at, str) or not at:
        return score
    return engagement_now(score, parse_iso(at), now)


@dataclass
class Walk:
    """A query in progress: the chosen plan, its merged runs, and what has been read and matched."""

    query: CandidateFilter
    plan: Plan
    merge: _Merge
    meter: Meter
    position: str | None = None  # the last entry taken: returned or filtered out, so resuming after it is exact
    evaluated: int = 0
    matched: int = 0
    _seen: set[str] = field(default_factory=set)
    now: datetime = field(default_factory=utcnow)  # the instant engagement scores are decayed to

    def fetch_size(self, wanted: int | None, budget: int | None) -> int | None:
        """Entries to ask DynamoDB for: enough for `wanted` matches at the pass rate seen so far, plus one
        to tell whether more exist, within what is left of the budget. None (full pages) when draining."""
        if wanted is None:
            return None
        rate = (self.matched + 1) / (self.evaluated + 1)
        size = min(math.ceil(wanted / rate) + 1, MAX_QUERY_LIMIT)
        return size if budget is None else max(min(size, budget - self.meter.items_read), 1)

    def next_match(self, wanted: int | None, budget: int | None = None) -> CandidateSummary | None:
        """The next matching summary; None at the end, or when `budget` entries are read and more must be."""
        while True:
            if budget is not None and self.meter.items_read >= budget and self.merge.needs_read():
                return None
            entry = self.merge.next(self.fetch_size(wanted, budget))
            if entry is None:
                return None
            self.position = entry.position
            self.evaluated += 1
            summary = CandidateSummary.model_validate(entry.summary)
            engagement = current_engagement(summary.engagement, entry.summary.get("engagement_at"), self.now)
            if summary.candidate_id not in self._seen and matches(self.query, summary, engagement=engagement):
                # An entry can move while it is being read (a PATCH changes the years or the city, and with
                # them the position): never show the same candidate twice in one answer.
                self._seen.add(summary.candidate_id)
                self.matched += 1
                return summary


def start(
    reader: IndexReader,
    query: CandidateFilter,
    *,
    page_cursor: str | None,
    wanted: int | None,
    meter: Meter | None = None,
) -> Walk:
    """Begin or resume a query: from the cursor's plan and position, or by choosing a plan now."""
    options = plans(query)
    meter = meter or Meter()
    if page_cursor:
        plan, after = _resume(reader, query, options, page_cursor)
        runs = [_Run(reader, stream, after, meter) for stream in plan.streams]
        return Walk(query, plan, _Merge(runs), meter, position=after)
    if len(options) == 1:
        runs = [_Run(reader, stream, None, meter) for stream in options[0].streams]
        return Walk(query, options[0], _Merge(runs), meter)
    probes = [_Run(reader, option.streams[0], None, meter) for option in options]
    for probe in probes:
        probe.fill(PROBE_SIZE if wanted is None else wanted + 1)
    chosen = _sparsest(probes)
    return Walk(query, options[chosen], _Merge([probes[chosen]]), meter)


def _resume(reader: IndexReader, query: CandidateFilter, options: Sequence[Plan], token: str) -> tuple[Plan, str]:
    position = cursor.decode(token, required_keys=CURSOR_KEYS)
    assert position is not None
    plan = next((p for p in options if p.label == position["d"]), None)
    if plan is None or position["h"] != digest(query):
        raise ValidationFailed(
            "The cursor belongs to another query", [FieldError(["cursor"], "was issued for a different filter")]
        )
    if not all(reader.accepts(stream, position["p"]) for stream in plan.streams):
        raise ValidationFailed("The cursor is not valid", [FieldError(["cursor"], "is not a cursor from this listing")])
    return plan, position["p"]


def search_page(reader: IndexReader, query: CandidateFilter, *, limit: int, page_cursor: str | None) -> CandidatePage:
    """One page of matching summaries in the driver's order. Filtered-out entries do not count towards
    `limit`: reading goes on until the page is full, the index ends, or the per-page read budget is spent."""
    walk = start(reader, query, page_cursor=page_cursor, wanted=limit)
    items: list[CandidateSummary] = []
    while len(items) < limit:
        summary = walk.next_match(limit - len(items), MAX_READ_PER_PAGE)
        if summary is None:
            break
        items.append(summary)
    more = walk.merge.pending() and walk.position is not None
    token = cursor.encode({"d": walk.plan.label, "p": walk.position, "h": digest(query)}) if more else None
    return CandidatePage(items=items, next_cursor=token, read=walk.meter.stats(walk.plan.label, len(items)))


def iter_matching(
    reader: IndexReader, query: CandidateFilter, meter: Meter | None = None
) -> Iterator[CandidateSummary]:
    """Every matching summary, in order, read in full 1 MB pages: for counts and campaign audiences."""
    walk = start(reader, query, page_cursor=None, wanted=None, meter=meter)
    while (summary := walk.next_match(None)) is not None:
        yield summary


def count_matching(reader: IndexReader, query: CandidateFilter) -> tuple[int, ReadStats]:
    """How many candidates match, reading summaries only."""
    walk = start(reader, query, page_cursor=None, wanted=None)
    count = 0
    while walk.next_match(None) is not None:
        count += 1
    return count, walk.meter.stats(walk.plan.label, count)
