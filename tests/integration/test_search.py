"""GET /candidates through the real recruiter API handler on a known pool in moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from talentpool import cursor
from talentpool.adapters.aws import clients
from talentpool.adapters.aws.candidates import CandidateStore
from talentpool.adapters.aws.table import Table
from talentpool.ids import new_id
from talentpool.models.candidate import Candidate, Channel, ConsentRecord, ConsentStatus, Location, Source, Stage
from tests import factories
from tests.integration.helpers import call

RECRUITER, ADMIN = factories.RECRUITER, factories.ADMIN
START = datetime(2026, 1, 1, tzinfo=UTC)

# name: skills, years, (country, city), stage, tags, channel, consent, engagement. Captured an hour apart, in order.
POOL = {
    "ana": (["python", "aws"], 6, ("PT", "Lisbon"), "lead", ["pycon"], "careers_site", "pending", 0.0),
    "bruno": (["python", "go"], 10, ("PT", "Porto"), "engaged", [], "referral", "active", 3.0),
    "carla": (["go"], None, ("DE", "Berlin"), "lead", ["remote"], "job_board", "active", 1.0),
    "dave": (["python"], 0, ("GB", "London"), "applied", ["pycon", "remote"], "event", "withdrawn", 5.0),
    "eva": (["rust", "python"], 3, ("DE", "Munich"), "nurtured", [], "careers_site", "active", 2.0),
    "femi": (["sql"], 15, None, "lead", ["remote"], "import", "pending", 0.0),
    "gil": (["python"], None, ("PT", "Lisbon"), "lead", [], "social", "active", 4.0),
}
NAMES = list(POOL)


def make(n: int, name: str) -> Candidate:
    skills, years, place, stage, tags, channel, consent, engagement = POOL[name]
    at = START + timedelta(hours=n)
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return Candidate(
        candidate_id=new_id(int(at.timestamp() * 1000)),
        email=f"{name}@example.com",
        first_name=name.title(),
        skills=skills,
        years_experience=years,
        location=Location(country=place[0], city=place[1]) if place else None,
        stage=Stage(stage),
        tags=tags,
        source=Source(channel=Channel(channel)),
        consent=ConsentRecord(status=ConsentStatus(consent)),
        engagement=engagement,
        captured_at=stamp,
        updated_at=stamp,
    )


@pytest.fixture
def pool(aws) -> dict[str, str]:
    """The pool, written through the real store (profile, guard and index items in one transaction each)."""
    store = CandidateStore(Table(factories.TABLE))
    ids = {}
    for n, name in enumerate(NAMES):
        candidate = make(n, name)
        store.create(candidate, [], clear_tombstone=False)
        ids[name] = candidate.candidate_id
    return ids


def api(method: str, path: str, claims=RECRUITER, **kwargs) -> dict:
    return call("recruiter_api", factories.api_event(method, path, claims=claims, **kwargs))


def body(response: dict) -> dict:
    return factories.response_json(response)


def search(pool: dict[str, str], **query) -> list[str]:
    """Every page of a search, followed to the end, as names in the order returned."""
    by_id = {v: k for k, v in pool.items()}
    names, token = [], None
    for _ in range(100):
        params = {k: str(v) for k, v in query.items()} | ({"cursor": token} if token else {})
        response = api("GET", "/candidates", query=params)
        assert response["statusCode"] == 200, response["body"]
        page = body(response)
        names += [by_id.get(item["candidate_id"], item["candidate_id"]) for item in page["items"]]
        token = page["next_cursor"]
        if not token:
            return names
    raise AssertionError("the cursor never reached the end")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"ana", "bruno", "carla", "dave", "eva", "femi", "gil"}),
        ({"skills": "python"}, {"ana", "bruno", "dave", "eva", "gil"}),
        ({"not_skills": "python"}, {"carla", "femi"}),
        ({"min_experience": 6}, {"ana", "bruno", "femi"}),
        ({"max_experience": 3}, {"dave", "eva"}),
        ({"country": "PT"}, {"ana", "bruno", "gil"}),
        ({"city": "lisbon"}, {"ana", "gil"}),
        ({"stage": "lead"}, {"ana", "carla", "femi", "gil"}),
        ({"tag": "remote"}, {"carla", "dave", "femi"}),
        ({"source_channel": "careers_site"}, {"ana", "eva"}),
        ({"consent": "active"}, {"bruno", "carla", "eva", "gil"}),
        ({"consent": "pending"}, {"ana", "femi"}),
        ({"consent": "withdrawn"}, {"dave"}),
        ({"min_engagement": 3}, {"bruno", "dave", "gil"}),
        ({"captured_after": "2026-01-01T04:00:00Z"}, {"eva", "femi", "gil"}),
    ],
)
def test_each_filter_alone(pool, query, expected):
    assert set(search(pool, **query)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"skills": "python,go"}, {"bruno"}),
        ({"skills": "go,python"}, {"bruno"}),
        ({"skills": "python,go", "skills_mode": "any"}, {"ana", "bruno", "carla", "dave", "eva", "gil"}),
        ({"skills": "python", "not_skills": "go,rust"}, {"ana", "dave", "gil"}),
        ({"skills": "python", "min_experience": 3, "max_experience": 6}, {"ana", "eva"}),
        ({"skills": "python", "country": "PT"}, {"ana", "bruno", "gil"}),
        ({"country": "PT", "city": "Lisbon", "stage": "lead"}, {"ana", "gil"}),
        ({"tag": "pycon", "consent": "withdrawn"}, {"dave"}),
        ({"stage": "lead", "consent": "active", "min_engagement": 1}, {"carla", "gil"}),
        ({"source_channel": "careers_site", "skills": "rust"}, {"eva"}),
        ({"skills": "python", "stage": "lead", "captured_after": "2026-01-01T01:00:00Z"}, {"gil"}),
        ({"country": "DE", "tag": "remote", "skills": "go", "skills_mode": "any"}, {"carla"}),
        ({"skills": "python", "consent": "pending", "stage": "applied"}, set()),
    ],
)
def test_filters_combine_with_and(pool, query, expected):
    assert set(search(pool, **query)) == expected


def test_repeated_skills_parameters_mean_the_same_as_a_comma_list(pool):
    event = factories.api_event("GET", "/candidates", query={"skills": "python"}, claims=RECRUITER)
    event["multiValueQueryStringParameters"] = {"skills": ["python", "go"]}
    names = {v: k for k, v in pool.items()}
    page = body(call("recruiter_api", event))
    assert [names[i["candidate_id"]] for i in page["items"]] == ["bruno"]


def test_experience_ranges_leave_out_candidates_without_a_figure_but_skill_alone_keeps_them(pool):
    # Given gil (python, no figure) and dave (python, 0 years)
    # Then a range that starts at zero still needs a figure, and a skill-only search includes gil, last
    assert set(search(pool, skills="python", min_experience=0)) == {"ana", "bruno", "dave", "eva"}
    assert set(search(pool, skills="python", max_experience=0)) == {"dave"}
    assert search(pool, skills="python", min_experience=10, max_experience=10) == ["bruno"]
    assert search(pool, skills="python") == ["bruno", "ana", "eva", "dave", "gil"]


def test_results_are_pseudonymous_summaries(pool):
    [item] = body(api("GET", "/candidates", query={"skills": "rust"}))["items"]
    assert item["candidate_id"] == pool["eva"]
    assert item["skills"] == ["rust", "python"] and item["city"] == "Munich" and item["stage"] == "nurtured"
    assert not {"email", "first_name", "last_name", "phone"} & set(item)


def test_non_skill_searches_are_newest_first(pool):
    assert search(pool, stage="lead") == ["gil", "femi", "carla", "ana"]
    assert search(pool) == list(reversed(NAMES))


@pytest.mark.parametrize(
    "query",
    [
        {"skills": "python"},
        {"skills": "python", "not_skills": "go"},
        {"skills": "python,go,sql", "skills_mode": "any", "min_engagement": 1},
        {"country": "PT", "min_engagement": 1},
        {"stage": "lead", "tag": "remote"},
        {"consent": "active", "not_skills": "python"},
        {"min_experience": 1},
    ],
)
@pytest.mark.parametrize("limit", [1, 2])
def test_small_pages_give_every_match_once_in_the_order_of_one_big_page(pool, query, limit):
    # Given a query whose filters drop some of what its index holds
    whole = search(pool, **query, limit=100)
    # When it is read a page or two at a time
    paged = search(pool, **query, limit=limit)
    # Then nothing is skipped or repeated and the order is the same
    assert paged == whole
    assert len(set(paged)) == len(paged) > 0


def test_a_page_reports_what_it_read(pool):
    page = body(api("GET", "/candidates", query={"skills": "python", "min_experience": "3", "limit": "1"}))
    assert page["read"] == {"index": "skill:python", "items_read": 2, "items_returned": 1, "queries": 1}
    assert page["next_cursor"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"skill": "python"}, "skill"),
        ({"skills": "python", "sort": "name"}, "sort"),
        ({"min_experience": "-1"}, "min_experience"),
        ({"stage": "promoted"}, "stage"),
        ({"country": "ZZ"}, "country"),
        ({"consent": "maybe"}, "consent"),
        ({"skills_mode": "some"}, "skills_mode"),
        ({"source_channel": "fax"}, "source_channel"),
        ({"captured_after": "last tuesday"}, "captured_after"),
        ({"min_engagement": "lots"}, "min_engagement"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"skills": ",".join(f"s{i}" for i in range(11))}, "skills"),
    ],
)
def test_bad_parameters_are_422_naming_the_parameter(pool, query, field):
    response = api("GET", "/candidates", query=query)
    assert response["statusCode"] == 422
    error = body(response)["error"]
    assert error["code"] == "validation_failed"
    assert [f["loc"][-1] for f in error["fields"]] == [field]


@pytest.mark.parametrize(
    "token",
    [
        "garbage!",
        "W10",
        cursor.encode({"d": "skill:python", "p": "05#x", "h": "0"}),
        cursor.encode({"d": "skill:python", "p": "99#01M8BAD2CXARX4PPBH20GJ6N0E", "h": "0"}),
    ],
)
def test_a_forged_cursor_is_422(pool, token):
    response = api("GET", "/candidates", query={"skills": "python", "cursor": token})
    assert response["statusCode"] == 422
    assert body(response)["error"]["fields"][0]["loc"][-1] == "cursor"


@pytest.mark.parametrize(
    "other", [{"skills": "go"}, {"skills": "python", "stage": "lead"}, {"stage": "lead"}, {"skills": "python,go"}]
)
def test_a_cursor_from_another_query_is_422(pool, other):
    token = body(api("GET", "/candidates", query={"skills": "python", "limit": "1"}))["next_cursor"]
    response = api("GET", "/candidates", query={**other, "cursor": token})
    assert response["statusCode"] == 422
    assert "another query" in body(response)["error"]["message"]


def test_search_is_for_recruiters_only(pool):
    assert api("GET", "/candidates", claims=None)["statusCode"] == 401
    outsider = {"sub": "x-1", "email": "x@example.com", "cognito:groups": "candidates"}
    assert api("GET", "/candidates", claims=outsider)["statusCode"] == 403


def test_search_follows_profile_edits(pool):
    # When ana's experience and skills change
    response = api("PATCH", f"/candidates/{pool['ana']}", body={"years_experience": 12, "skills": ["Go", "Kotlin"]})
    assert response["statusCode"] == 200
    # Then the skill indexes and experience ranges follow at once
    assert "ana" not in search(pool, skills="python")
    assert search(pool, skills="kotlin", min_experience=12) == ["ana"]
    assert search(pool, skills="go", min_experience=10) == ["ana", "bruno"]


def test_search_follows_tags_and_stage_changes(pool):
    api("PUT", f"/candidates/{pool['ana']}/tags", body={"tags": ["speaker"]})
    assert "ana" not in search(pool, tag="pycon")
    assert search(pool, tag="speaker") == ["ana"]
    stage = {"stage": "engaged", "reason": "Replied", "notify_candidate": False}
    assert api("POST", f"/candidates/{pool['ana']}/stage", body=stage)["statusCode"] == 200
    assert "ana" not in search(pool, stage="lead")
    assert set(search(pool, stage="engaged")) == {"ana", "bruno"}
    assert set(search(pool, skills="python", stage="engaged", tag="speaker")) == {"ana"}


def test_an_erased_candidate_is_never_found_again(pool):
    assert api("DELETE", f"/candidates/{pool['dave']}", claims=ADMIN)["statusCode"] == 204
    for query in ({}, {"skills": "python"}, {"tag": "pycon"}, {"country": "GB"}, {"stage": "applied"}):
        assert "dave" not in search(pool, **query)
        assert pool["dave"] not in search(pool, **query)


def test_no_search_path_scans_the_table(pool, monkeypatch):
    def refuse(**_kwargs):
        raise AssertionError("a search path scanned the table")

    monkeypatch.setattr(clients.client("dynamodb"), "scan", refuse)
    queries = [{}, {"skills": "python,go"}, {"skills": "go,sql", "skills_mode": "any"}, {"tag": "pycon"}]
    queries += [
        {"country": "PT", "city": "Lisbon"},
        {"stage": "lead"},
        {"source_channel": "event"},
        {"consent": "active"},
    ]
    queries += [{"min_engagement": 1, "city": "berlin"}]
    for query in queries:
        search(pool, **query, limit=1)


@pytest.mark.parametrize(
    "query",
    [{"min_experience": 6, "max_experience": 3}, {"skills": "python", "min_experience": 59, "max_experience": 0}],
)
def test_a_range_whose_top_is_below_its_floor_matches_nobody(pool, query):
    # Valid by the document, which cannot relate two parameters: an empty answer, not a 422 (nor DynamoDB's error).
    assert search(pool, **query) == []
