"""Saved segments through the real recruiter API handler: store, list, show, evaluate, count."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from talentpool.adapters.aws.search import SearchIndex
from talentpool.adapters.aws.segments import SegmentStore
from talentpool.adapters.aws.table import Table
from talentpool.auth import Principal
from talentpool.errors import SegmentNotFound
from talentpool.logic.people import segments
from talentpool.models.search import SegmentRequest
from tests import factories
from tests.integration.helpers import call, header
from tests.integration.test_search import NAMES, api, body
from tests.integration.test_search import pool as pool

PYTHONISTAS = {"name": "Python, 3+ years", "filter": {"skills": ["python"], "min_experience": 3}}
UNKNOWN = "01M8B9VGHAH080YCQ49MGPAEJE"


def create(definition=PYTHONISTAS) -> dict:
    response = api("POST", "/segments", body=definition)
    assert response["statusCode"] == 201, response["body"]
    return body(response)


def test_a_saved_segment_can_be_listed_shown_evaluated_and_counted(pool):
    # Given a saved segment
    response = api("POST", "/segments", body={**PYTHONISTAS, "description": "  Backend shortlist "})
    assert response["statusCode"] == 201
    segment = body(response)
    assert header(response, "Location") == f"/segments/{segment['segment_id']}"
    assert segment["description"] == "Backend shortlist"
    assert segment["created_by"] == "recruiter:rec-1"
    assert segment["filter"] == {"skills": ["python"], "min_experience": 3}
    seg = f"/segments/{segment['segment_id']}"
    # Then it is listed and shown as saved
    assert [s["segment_id"] for s in body(api("GET", "/segments"))["items"]] == [segment["segment_id"]]
    assert body(api("GET", seg)) == segment
    # And evaluating it gives what the same search gives, in the same order
    members = body(api("GET", f"{seg}/candidates"))
    searched = body(api("GET", "/candidates", query={"skills": "python", "min_experience": "3"}))
    assert [i["candidate_id"] for i in members["items"]] == [i["candidate_id"] for i in searched["items"]]
    assert {i["candidate_id"] for i in members["items"]} == {pool["ana"], pool["bruno"], pool["eva"]}
    count = body(api("GET", f"{seg}/count"))
    assert count["segment_id"] == segment["segment_id"] and count["count"] == 3
    assert count["read"]["items_returned"] == 3 and count["read"]["items_read"] == 3


def test_a_segment_is_evaluated_now_so_it_follows_the_pool(pool):
    seg = f"/segments/{create()['segment_id']}"
    api("PATCH", f"/candidates/{pool['gil']}", body={"years_experience": 4})
    api("DELETE", f"/candidates/{pool['ana']}", claims=factories.ADMIN)
    assert body(api("GET", f"{seg}/count"))["count"] == 3
    ids = {i["candidate_id"] for i in body(api("GET", f"{seg}/candidates"))["items"]}
    assert ids == {pool["bruno"], pool["eva"], pool["gil"]}


def test_segment_members_page_with_a_cursor(pool):
    seg = f"/segments/{create({'name': 'Everyone', 'filter': {}})['segment_id']}"
    seen, token = [], None
    while True:
        page = body(api("GET", f"{seg}/candidates", query={"limit": "3", **({"cursor": token} if token else {})}))
        seen += [i["candidate_id"] for i in page["items"]]
        token = page["next_cursor"]
        if not token:
            break
    assert seen == [pool[name] for name in reversed(NAMES)]


def test_a_cursor_from_a_search_does_not_page_a_segment_with_another_filter(pool):
    seg = f"/segments/{create()['segment_id']}"
    token = body(api("GET", "/candidates", query={"skills": "go", "limit": "1"}))["next_cursor"]
    assert api("GET", f"{seg}/candidates", query={"cursor": token})["statusCode"] == 422


def test_segments_list_newest_first_in_pages(aws):
    made = [create({"name": f"Segment {i}", "filter": {"stage": "lead"}})["segment_id"] for i in range(3)]
    first = body(api("GET", "/segments", query={"limit": "2"}))
    second = body(api("GET", "/segments", query={"limit": "2", "cursor": first["next_cursor"]}))
    listed = [s["segment_id"] for s in first["items"] + second["items"]]
    assert listed == list(reversed(made))
    assert api("GET", "/segments", query={"cursor": "bad!"})["statusCode"] == 422


def test_evaluate_segment_yields_every_member_for_a_campaign(pool):
    table = Table(factories.TABLE)
    segment = segments.create_segment(
        SegmentStore(table),
        SegmentRequest.model_validate({"name": "Lisbon", "filter": {"country": "PT", "city": "Lisbon"}}),
        caller=Principal("rec-1", None, frozenset({"recruiters"})),
        now=datetime(2026, 2, 1, tzinfo=UTC),
    )
    members = segments.evaluate_segment(SegmentStore(table), SearchIndex(table), segment.segment_id)
    assert [m.candidate_id for m in members] == [pool["gil"], pool["ana"]]
    with pytest.raises(SegmentNotFound):
        segments.evaluate_segment(SegmentStore(table), SearchIndex(table), UNKNOWN)


@pytest.mark.parametrize("suffix", ["", "/candidates", "/count"])
@pytest.mark.parametrize("segment_id", [UNKNOWN, "not-an-id"])
def test_an_unknown_segment_is_404(aws, suffix, segment_id):
    response = api("GET", f"/segments/{segment_id}{suffix}")
    assert response["statusCode"] == 404
    assert body(response)["error"]["code"] == "segment_not_found"


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        ({"filter": {}}, "name"),
        ({"name": "   ", "filter": {}}, "name"),
        ({"name": "x" * 101, "filter": {}}, "name"),
        ({"name": "No filter"}, "filter"),
        ({"name": "Typo", "filter": {"skill": ["python"]}}, "skill"),
        ({"name": "Paged", "filter": {"limit": 10}}, "limit"),
        ({"name": "Stage", "filter": {"stage": "promoted"}}, "stage"),
        ({"name": "Extra", "filter": {}, "owner": "me"}, "owner"),
    ],
)
def test_a_bad_segment_is_422_and_nothing_is_stored(aws, definition, field):
    response = api("POST", "/segments", body=definition)
    assert response["statusCode"] == 422
    assert [f["loc"][-1] for f in body(response)["error"]["fields"]] == [field]
    assert [i for i in aws.items() if str(i["pk"]).startswith("SEGMENT")] == []


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/segments", {"limit": "0"}),
        ("/segments/{id}/candidates", {"limit": "101"}),
        ("/segments/{id}/count", {"x": "1"}),
    ],
)
def test_bad_paging_parameters_are_422(pool, path, query):
    seg = create()["segment_id"]
    assert api("GET", path.format(id=seg), query=query)["statusCode"] == 422


ROUTES = [
    ("POST", "/segments", PYTHONISTAS),
    ("GET", "/segments", None),
    ("GET", "/segments/{id}", None),
    ("GET", "/segments/{id}/candidates", None),
    ("GET", "/segments/{id}/count", None),
]


@pytest.mark.parametrize(("method", "path", "payload"), ROUTES)
def test_every_segments_route_needs_a_verified_recruiter(aws, method, path, payload):
    seg = create()["segment_id"]
    event = factories.api_event(method, path.format(id=seg), body=payload, claims=None)
    assert call("recruiter_api", event)["statusCode"] == 401
    outsider = {"sub": "x-1", "email": "x@example.com", "cognito:groups": "candidates"}
    assert api(method, path.format(id=seg), claims=outsider, body=payload)["statusCode"] == 403
