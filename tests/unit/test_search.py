"""The search planner, filters and paging, against an in-memory index that behaves like DynamoDB's Query."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from talentpool import clock
from talentpool.adapters.aws.candidates import index_items, profile_item
from talentpool.adapters.aws.schema import GLOBAL_INDEXES, PK, SK
from talentpool.adapters.aws.search import GSI_PARTITIONS, is_position, key_range
from talentpool.errors import ValidationFailed
from talentpool.ids import new_id
from talentpool.logic.people import search
from talentpool.models.candidate import Candidate, Channel, ConsentRecord, ConsentStatus, Location, Source, Stage
from talentpool.models.search import CandidateFilter, CandidateSummary, Driver, IndexEntry, IndexPage, SearchParams

START = datetime(2026, 1, 1, tzinfo=UTC)


def candidate(n: int, **fields) -> Candidate:
    at = START + timedelta(hours=n)
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return Candidate(
        candidate_id=new_id(int(at.timestamp() * 1000)),
        email=f"c{n}@example.com",
        source=Source(channel=fields.pop("channel", Channel.CAREERS_SITE)),
        consent=ConsentRecord(status=fields.pop("consent", ConsentStatus.PENDING)),
        captured_at=stamp,
        updated_at=stamp,
        **fields,
    )


class FakeIndex:
    """Index partitions built by the real profile_item()/index_items(), read the way DynamoDB's Query reads:
    descending, from an exclusive start position, at most `limit` entries, ScannedCount of what it read."""

    def __init__(self, candidates: list[Candidate]) -> None:
        self.partitions: dict[tuple[str | None, str], dict[str, dict]] = {}
        for c in candidates:
            for item in index_items(c).values():
                self.partitions.setdefault((None, item[PK]), {})[item[SK]] = item
            profile = profile_item(c)
            for index in GLOBAL_INDEXES:
                if index.pk in profile:
                    self.partitions.setdefault((index.name, profile[index.pk]), {})[profile[index.sk]] = profile
        self.calls: list[int | None] = []

    accepts = staticmethod(is_position)

    def read(self, stream, *, after, limit):
        self.calls.append(limit)
        where = key_range(stream)
        part = self.partitions.get((where.index.name if where.index else None, where.partition), {})
        positions = sorted((p for p in part if where.contains(p) and (after is None or p < after)), reverse=True)
        taken = positions[:limit] if limit else positions
        last = taken[-1] if limit and len(taken) == limit else None
        entries = [IndexEntry(p, {k: v for k, v in part[p].items() if k not in (PK, SK)}) for p in taken]
        return IndexPage(entries, len(taken), last)


def pool(size: int = 120, seed: int = 7) -> list[Candidate]:
    rng = random.Random(seed)
    out = []
    for n in range(size):
        out.append(
            candidate(
                n,
                skills=rng.sample(["python", "go", "rust", "sql", "aws"], rng.randint(0, 3)),
                years_experience=rng.choice([None, 0, 1, 3, 5, 8, 12]),
                location=Location(country=rng.choice(["PT", "DE", "GB"]), city=rng.choice(["Lisbon", "Porto", None])),
                stage=rng.choice(list(Stage)),
                tags=rng.sample(["pycon", "remote", "senior"], rng.randint(0, 2)),
                channel=rng.choice(list(Channel)),
                consent=rng.choice(list(ConsentStatus)),
                engagement=rng.choice([0.0, 1.5, 4.0]),
            )
        )
    return out


def expected(candidates: list[Candidate], query: CandidateFilter) -> set[str]:
    summaries = [CandidateSummary.model_validate(profile_item(c)) for c in candidates]
    return {s.candidate_id for s in summaries if search.matches(query, s)}


def drain(index, query: CandidateFilter, limit: int) -> list[str]:
    seen, token = [], None
    for _ in range(1000):  # a cursor that stops advancing must fail the test, not hang it
        page = search.search_page(index, query, limit=limit, page_cursor=token)
        assert len(page.items) <= limit
        seen += [s.candidate_id for s in page.items]
        token = page.next_cursor
        if not token:
            return seen
    raise AssertionError("the cursor never reached the end")


def f(**fields) -> CandidateFilter:
    return CandidateFilter.model_validate(fields)


# --- the planner -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "labels"),
    [
        ({"skills": ["python"], "tag": "pycon", "country": "PT", "stage": "lead"}, ["skill:python"]),
        ({"skills": ["python", "go"]}, ["skill:python", "skill:go"]),
        ({"skills": ["python", "go"], "skills_mode": "any"}, ["skills:any"]),
        ({"skills": ["python"], "skills_mode": "any"}, ["skill:python"]),
        ({"tag": "pycon", "country": "PT", "stage": "lead"}, ["tag:pycon"]),
        ({"country": "PT", "city": "Lisbon", "stage": "lead"}, ["country:PT"]),
        ({"stage": "lead", "source_channel": "event", "consent": "active"}, ["stage:lead"]),
        ({"source_channel": "event", "consent": "active"}, ["channel:event"]),
        ({"consent": "active", "min_engagement": 2}, ["consent:active"]),
        ({"city": "Lisbon", "not_skills": ["go"], "min_experience": 3}, ["consent:*"]),
        ({}, ["consent:*"]),
    ],
)
def test_the_planner_picks_one_driver_in_the_documented_order(fields, labels):
    assert [p.label for p in search.plans(f(**fields))] == labels


def test_ranges_and_floors_become_key_conditions():
    [skill] = search.plans(f(skills=["python"], min_experience=3, max_experience=7))
    assert key_range(skill.streams[0]).between == ("03#", "07#~")
    [open_top] = search.plans(f(skills=["python"], min_experience=3))
    assert key_range(open_top.streams[0]).between == ("03#", "~")
    [open_bottom] = search.plans(f(skills=["python"], max_experience=4))
    assert key_range(open_bottom.streams[0]).between == ("00#", "04#~")  # "--" (no figure) stays out
    [city] = search.plans(f(country="PT", city="  LISBON "))
    assert key_range(city.streams[0]).prefix == "lisbon#"
    [stage] = search.plans(f(stage="lead", captured_after="2026-03-01"))
    low, high = key_range(stage.streams[0]).between
    assert low < new_id(int(datetime(2026, 3, 1, tzinfo=UTC).timestamp() * 1000)) and high == "~"


def test_every_driver_reads_the_partitions_profile_item_writes():
    c = candidate(1, skills=["python"], tags=["pycon"], location=Location(country="PT", city="Lisbon"))
    item = profile_item(c)
    for driver, (index, prefix) in GSI_PARTITIONS.items():
        value = {Driver.STAGE: "lead", Driver.CHANNEL: "careers_site", Driver.CONSENT: "pending"}.get(driver, "PT")
        assert item[index.pk] == prefix + value
    assert ("SKILL#python", f"--#{c.candidate_id}") in index_items(c)
    assert ("TAG#pycon", c.candidate_id) in index_items(c)


# --- filters on the summary --------------------------------------------------------------------------


def summary(**fields) -> CandidateSummary:
    base = {"candidate_id": "X", "stage": "lead", "captured_at": "2026-05-01T00:00:00.000Z"}
    return CandidateSummary.model_validate({**base, **fields})


@pytest.mark.parametrize(
    ("fields", "query", "hit"),
    [
        ({"skills": ["python", "go"]}, {"skills": ["python", "go"]}, True),
        ({"skills": ["python"]}, {"skills": ["python", "go"]}, False),
        ({"skills": ["python"]}, {"skills": ["python", "go"], "skills_mode": "any"}, True),
        ({"skills": ["python", "go"]}, {"not_skills": ["go"]}, False),
        ({"years_experience": 0}, {"max_experience": 0}, True),
        ({"years_experience": 1}, {"max_experience": 0}, False),
        ({"years_experience": 5}, {"min_experience": 5, "max_experience": 5}, True),
        ({}, {"min_experience": 0}, False),
        ({}, {"skills": []}, True),
        ({"city": "Lisbon"}, {"city": "lisbon"}, True),
        ({"captured_at": "2026-05-01T00:00:00.000Z"}, {"captured_after": "2026-05-01"}, True),
        ({"captured_at": "2026-04-30T23:59:59.999Z"}, {"captured_after": "2026-05-01T00:00:00Z"}, False),
        ({"engagement": 2.0}, {"min_engagement": 2}, True),
        ({"engagement": 1.9}, {"min_engagement": 2}, False),
        ({"tags": ["a", "b"]}, {"tag": "b"}, True),
        ({"consent_status": "active"}, {"consent": "withdrawn"}, False),
    ],
)
def test_filters_on_the_summary(fields, query, hit):
    assert search.matches(f(**query), summary(**fields)) is hit


# --- parameters --------------------------------------------------------------------------------------


def test_lists_come_comma_separated_or_repeated_and_are_normalised():
    params = SearchParams.model_validate({"skills": ["Python,go", " AWS ", "python"], "not_skills": ["rust,,"]})
    assert params.skills == ["python", "go", "aws"]
    assert params.not_skills == ["rust"]
    assert params.as_query().skills == ["python", "go", "aws"]


def test_a_bare_string_is_not_a_list_of_skills():
    # Query values always arrive as a list; a bare string comes from a JSON body, whose skills are an array.
    with pytest.raises(ValidationError):
        CandidateFilter.model_validate({"skills": "AAA"})


def test_a_time_without_an_offset_is_utc_and_a_date_is_midnight():
    assert f(captured_after="2026-05-01").captured_after == datetime(2026, 5, 1, tzinfo=UTC)
    assert f(captured_after="2026-05-01T10:00:00+02:00").captured_after == datetime(2026, 5, 1, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    "fields",
    [
        {"skills": [f"s{i}" for i in range(11)]},
        {"country": "XX"},
        {"stage": "promoted"},
        {"skills_mode": "some"},
        {"skill": "python"},
        {"min_engagement": "nan"},
    ],
)
def test_a_bad_filter_is_refused(fields):
    with pytest.raises(ValidationError):
        CandidateFilter.model_validate(fields)


# --- paging ------------------------------------------------------------------------------------------


QUERIES = [
    {},
    {"skills": ["python"]},
    {"skills": ["python"], "min_experience": 1, "max_experience": 8},
    {"skills": ["python", "go"]},
    {"skills": ["python", "go", "rust"], "skills_mode": "any", "not_skills": ["aws"]},
    {"tag": "pycon", "stage": "lead"},
    {"country": "PT", "city": "lisbon"},
    {"country": "DE", "captured_after": "2026-01-03"},
    {"stage": "lead", "captured_after": "2026-01-04T06:00:00Z"},
    {"consent": "active", "min_engagement": 1},
    {"min_experience": 3, "city": "Porto"},
]


@pytest.mark.parametrize("fields", QUERIES)
@pytest.mark.parametrize("limit", [1, 3, 25])
def test_pages_cover_every_match_once_in_a_stable_order(fields, limit):
    # Given a pool and a query whose filters drop some of what the driver reads
    candidates = pool()
    index = FakeIndex(candidates)
    query = f(**fields)
    # When it is read page by page
    seen = drain(index, query, limit)
    # Then every match comes exactly once, in the same order as one big page
    assert len(seen) == len(set(seen))
    assert set(seen) == expected(candidates, query)
    assert seen == drain(index, query, 100)


def test_skill_order_is_most_experienced_first_then_newest_and_no_figure_last():
    cs = [candidate(1, skills=["go"], years_experience=3), candidate(2, skills=["go"]), candidate(3, skills=["go"])]
    cs += [candidate(4, skills=["go"], years_experience=10), candidate(5, skills=["go"], years_experience=3)]
    page = search.search_page(FakeIndex(cs), f(skills=["go"]), limit=10, page_cursor=None)
    assert [s.candidate_id for s in page.items] == [cs[i].candidate_id for i in (3, 4, 0, 2, 1)]


def test_a_single_index_query_reads_one_entry_per_result_plus_one_to_see_the_end():
    candidates = [candidate(n, skills=["go"], years_experience=n % 10) for n in range(80)]
    index = FakeIndex(candidates)
    page = search.search_page(index, f(skills=["go"], min_experience=2, max_experience=7), limit=25, page_cursor=None)
    assert (page.read.items_returned, page.read.items_read, page.read.queries) == (25, 26, 1)
    assert page.next_cursor


def test_the_last_page_has_no_cursor():
    index = FakeIndex([candidate(n, skills=["go"]) for n in range(5)])
    page = search.search_page(index, f(skills=["go"]), limit=5, page_cursor=None)
    assert len(page.items) == 5 and page.next_cursor is None


def test_an_all_query_is_driven_by_its_sparsest_skill():
    common = [candidate(n, skills=["python"]) for n in range(200)]
    rare = [candidate(200 + n, skills=["python", "cobol"]) for n in range(3)]
    page = search.search_page(FakeIndex(common + rare), f(skills=["python", "cobol"]), limit=25, page_cursor=None)
    assert page.read.index == "skill:cobol"
    assert {s.candidate_id for s in page.items} == {c.candidate_id for c in rare}
    assert page.read.items_read <= 26 + 3


def test_an_any_query_returns_a_candidate_with_several_of_the_skills_once():
    both = candidate(1, skills=["python", "go"], years_experience=4)
    index = FakeIndex([both, candidate(2, skills=["go"]), candidate(3, skills=["python"])])
    page = search.search_page(index, f(skills=["python", "go"], skills_mode="any"), limit=10, page_cursor=None)
    assert [s.candidate_id for s in page.items].count(both.candidate_id) == 1
    assert len(page.items) == 3


def test_a_filter_that_matches_almost_nothing_returns_within_the_read_budget(monkeypatch):
    monkeypatch.setattr(search, "MAX_READ_PER_PAGE", 40)
    candidates = [candidate(n, skills=["go"], engagement=5.0 if n == 3 else 0.0) for n in range(150)]
    index = FakeIndex(candidates)
    first = search.search_page(index, f(skills=["go"], min_engagement=5), limit=10, page_cursor=None)
    assert first.items == [] and first.next_cursor and 40 <= first.read.items_read < 80
    assert drain(index, f(skills=["go"], min_engagement=5), 10) == [candidates[3].candidate_id]


def test_a_cursor_only_resumes_the_query_that_issued_it():
    index = FakeIndex(pool())
    token = search.search_page(index, f(skills=["python"]), limit=2, page_cursor=None).next_cursor
    for other in (f(skills=["go"]), f(skills=["python"], stage="lead"), f(stage="lead")):
        with pytest.raises(ValidationFailed) as caught:
            search.search_page(index, other, limit=2, page_cursor=token)
        assert caught.value.fields[0].loc == ["cursor"]


@pytest.mark.parametrize(
    "position",
    ["99#01M8BAD2CXARX4PPBH20GJ6N0E", "05#not-an-id", "05#01M8BAD2CXARX4PPBH20GJ6N0E#x", "05"],
)
def test_a_forged_position_is_refused_before_it_reaches_dynamodb(position):
    from talentpool import cursor

    query = f(skills=["python"], max_experience=20)
    token = cursor.encode({"d": "skill:python", "p": position, "h": search.digest(query)})
    index = FakeIndex(pool())
    with pytest.raises(ValidationFailed):
        search.search_page(index, query, limit=2, page_cursor=token)
    assert index.calls == []


def test_count_and_iteration_read_full_pages_and_agree_with_the_pages():
    candidates = pool()
    index = FakeIndex(candidates)
    query = f(skills=["python", "go"], skills_mode="any", consent="active")
    count, read = search.count_matching(index, query)
    assert count == len(expected(candidates, query)) == len(list(search.iter_matching(index, query)))
    assert read.items_returned == count and None in index.calls


def test_a_range_with_its_top_below_its_floor_is_accepted_and_matches_nobody():
    query = CandidateFilter.model_validate({"skills": ["python"], "min_experience": 5, "max_experience": 4})

    assert not search.matches(query, summary(years_experience=5, skills=["python"]))
    assert all(s.max_years is not None and s.max_years >= 5 for p in search.plans(query) for s in p.streams)


def test_the_engagement_filter_compares_the_score_decayed_to_now_as_the_docs_say():
    # Given two people who scored 4 (an engaged click and open), one today and one three half-lives ago
    now = START + timedelta(days=200)
    fresh = candidate(1, engagement=4.0, engagement_at=now.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
    stale_at = now - timedelta(days=90)
    stale = candidate(2, engagement=4.0, engagement_at=stale_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
    # When a recruiter asks for engagement of at least 1 (the stale score is 0.5 by now)
    with clock.override(lambda: now):
        page = search.search_page(FakeIndex([fresh, stale]), f(min_engagement=1), limit=10, page_cursor=None)
    # Then only the one whose score still reaches 1 is found
    assert [s.candidate_id for s in page.items] == [fresh.candidate_id]
