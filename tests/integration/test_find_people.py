"""GET /candidates?q=: recruiters find a person by full email address or by the start of a name, through indexes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from talentpool import cursor
from talentpool.adapters.aws import clients
from talentpool.adapters.aws.candidates import CandidateStore, profile_item
from talentpool.adapters.aws.table import Table
from talentpool.ids import new_id
from talentpool.models.candidate import Candidate, Channel, ConsentRecord, ConsentStatus, Location, Source
from tests import factories
from tests.integration.helpers import call

START = datetime(2026, 1, 1, tzinfo=UTC)
# key: first name, last name, email, country. Captured an hour apart, in order.
PEOPLE = {
    "zoe": ("Zoë", "Ñandú", "Zoe.Nandu@example.com", "PT"),
    "zora": ("Zora", "Kim", "zora@example.com", "DE"),
    "ana": ("Ana", "Silva", "ana.silva@example.com", "PT"),
    "anabel": ("Anabel", "Ortiz", "anabel@example.org", "ES"),
    "li": ("李", "Wei", "li.wei@example.cn", "CN"),
    "nameless": (None, None, "someone@example.com", "PT"),
}


def person(n: int, key: str) -> Candidate:
    first, last, email, country = PEOPLE[key]
    stamp = (START + timedelta(hours=n)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return Candidate(
        candidate_id=new_id(int((START + timedelta(hours=n)).timestamp() * 1000)),
        email=email,
        first_name=first,
        last_name=last,
        location=Location(country=country),
        source=Source(channel=Channel.CAREERS_SITE),
        consent=ConsentRecord(status=ConsentStatus.ACTIVE),
        captured_at=stamp,
        updated_at=stamp,
    )


@pytest.fixture
def people(aws) -> dict[str, str]:
    store = CandidateStore(Table(factories.TABLE))
    ids = {}
    for n, key in enumerate(PEOPLE):
        candidate = person(n, key)
        store.create(candidate, [], clear_tombstone=False)
        ids[key] = candidate.candidate_id
    return ids


def api(method: str, path: str, claims=factories.RECRUITER, **kwargs) -> dict:
    return call("recruiter_api", factories.api_event(method, path, claims=claims, **kwargs))


def find(people: dict[str, str], q: str, **filters) -> list[str]:
    """Every page of a search for `q`, as keys of PEOPLE in the order returned."""
    by_id = {v: k for k, v in people.items()}
    keys, token = [], None
    while True:
        query = {"q": q, **{k: str(v) for k, v in filters.items()}} | ({"cursor": token} if token else {})
        response = api("GET", "/candidates", query=query)
        assert response["statusCode"] == 200, response["body"]
        page = factories.response_json(response)
        keys += [by_id[item["candidate_id"]] for item in page["items"]]
        token = page["next_cursor"]
        if not token:
            return keys


@pytest.mark.parametrize("typed", ["Zoe.Nandu@example.com", "zoe.nandu@EXAMPLE.com", "  ZOE.NANDU@example.com "])
def test_a_full_address_finds_its_person_after_normalising(people, typed):
    page = factories.response_json(api("GET", "/candidates", query={"q": typed}))

    [item] = page["items"]
    assert item["candidate_id"] == people["zoe"]
    assert item["email"] == "Zoe.Nandu@example.com"
    assert page["read"]["index"] == "email"  # the label is logged: it never holds the address


def test_an_address_nobody_has_finds_nobody(people):
    assert find(people, "nobody@example.com") == []
    assert find(people, "zoe.nandu+x@example.com") == []  # a plus variant is another address


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("zo", ["zoe", "zora"]),
        ("ZOË", ["zoe"]),
        ("zoe nan", ["zoe"]),
        ("Zoë  Ñandú", ["zoe"]),
        ("ana", ["ana", "anabel"]),
        ("anab", ["anabel"]),
        ("李", ["li"]),
        ("silva", []),  # given name first: a family name alone is not a prefix of the name
    ],
)
def test_the_start_of_a_name_finds_people_ignoring_case_and_accents_in_name_order(people, typed, expected):
    assert find(people, typed) == expected


def test_results_carry_the_id_and_the_address(people):
    items = factories.response_json(api("GET", "/candidates", query={"q": "an"}))["items"]
    assert [(i["candidate_id"], i["email"]) for i in items] == [
        (people["ana"], "ana.silva@example.com"),
        (people["anabel"], "anabel@example.org"),
    ]


def test_a_search_without_q_still_carries_no_contact_details(people):
    items = factories.response_json(api("GET", "/candidates", query={"country": "PT"}))["items"]
    assert items and all("email" not in item for item in items)


def test_q_combines_with_the_other_filters(people):
    assert find(people, "zo", country="PT") == ["zoe"]
    assert find(people, "zo", country="DE") == ["zora"]
    assert find(people, "ana.silva@example.com", country="DE") == []
    assert find(people, "an", consent="pending") == []


def test_name_results_page_with_a_cursor(people):
    assert find(people, "a", limit=1) == ["ana", "anabel"]


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("ana@", "is not a full email address"),
        ("@example.com", "is not a full email address"),
        ("ana\r\nx", "must not contain"),
        ("   ", "at least 1 character"),
        ("---", "must contain a letter"),
    ],
)
def test_a_bad_q_is_422_naming_it(people, q, message):
    response = api("GET", "/candidates", query={"q": q})
    assert response["statusCode"] == 422
    [field] = factories.response_json(response)["error"]["fields"]
    assert field["loc"] == ["query", "q"]
    assert message in field["msg"]


def test_a_forged_cursor_for_an_address_is_422_not_a_crash(people):
    token = cursor.encode({"d": "email", "p": people["zoe"], "h": "x"})
    response = api("GET", "/candidates", query={"q": "zoe.nandu@example.com", "cursor": token})
    assert response["statusCode"] == 422


def test_finding_follows_name_edits_and_erasure(people):
    zoe = people["zoe"]
    patched = api(
        "PATCH",
        f"/candidates/{zoe}",
        body={"first_name": "Zelda"},
        resource="/candidates/{candidate_id}",
        path_parameters={"candidate_id": zoe},
    )
    assert patched["statusCode"] == 200
    assert find(people, "zoe") == []
    assert find(people, "zelda") == ["zoe"]

    erased = api(
        "DELETE",
        f"/candidates/{zoe}",
        claims=factories.ADMIN,
        resource="/candidates/{candidate_id}",
        path_parameters={"candidate_id": zoe},
    )
    assert erased["statusCode"] == 204
    assert find(people, "zelda") == []
    assert find(people, "Zoe.Nandu@example.com") == []


def test_a_segment_cannot_name_a_person(people):
    response = api("POST", "/segments", body={"name": "One person", "filter": {"q": "ana"}})
    assert response["statusCode"] == 422
    assert factories.response_json(response)["error"]["fields"][0]["loc"] == ["filter", "q"]


def test_finding_never_scans_the_table(people, monkeypatch):
    def refuse(**_kwargs):
        raise AssertionError("a search path scanned the table")

    monkeypatch.setattr(clients.client("dynamodb"), "scan", refuse)
    for q in ("zo", "ana.silva@example.com", "李", "nobody@example.com"):
        find(people, q, limit=1)


def test_at_size_a_name_search_reads_about_what_it_returns(aws):
    # Given 3,000 people, 30 of them called Zoë
    table = Table(factories.TABLE)
    people = []
    for n in range(3000):
        first = "Zoë" if n % 100 == 0 else f"Person{n:04d}"
        stamp = (START + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        people.append(
            Candidate(
                candidate_id=new_id(int((START + timedelta(seconds=n)).timestamp() * 1000)),
                email=f"p{n}@example.com",
                first_name=first,
                last_name=f"Family{n:04d}",
                source=Source(channel=Channel.CAREERS_SITE),
                consent=ConsentRecord(status=ConsentStatus.PENDING),
                captured_at=stamp,
                updated_at=stamp,
            )
        )
    table.batch_put([profile_item(c) for c in people])

    # When a recruiter types the start of the name
    page = factories.response_json(api("GET", "/candidates", query={"q": "zoe", "limit": "100"}))

    # Then all 30 come back, alphabetically, from one index query that read no one else
    assert len(page["items"]) == 30
    assert [i["email"] for i in page["items"]] == [f"p{n}@example.com" for n in range(0, 3000, 100)]
    assert page["read"] == {"index": "name", "items_read": 30, "items_returned": 30, "queries": 1}
