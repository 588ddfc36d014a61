"""The recruiter API on one candidate: auth, profile edits, notes, tags, owner, stages, timeline, GDPR."""

from __future__ import annotations

import json

import pytest

from tests import factories
from tests.integration.helpers import call, candidate_id_of, candidates, capture, captured_id, header, timeline

RECRUITER, ADMIN = factories.RECRUITER, factories.ADMIN


def api(method: str, path: str, claims=RECRUITER, **kwargs) -> dict:
    return call("recruiter_api", factories.api_event(method, path, claims=claims, **kwargs))


def body(response: dict) -> dict:
    return factories.response_json(response)


@pytest.fixture
def candidate_id(aws) -> str:
    return captured_id()


ROUTES = [
    ("GET", "/candidates/{id}", None),
    ("PATCH", "/candidates/{id}", {"years_experience": 3}),
    ("POST", "/candidates/{id}/notes", {"text": "Met at PyCon"}),
    ("PUT", "/candidates/{id}/tags", {"tags": ["pycon"]}),
    ("PUT", "/candidates/{id}/owner", {"id": "rec-1", "name": "Rita Recruiter", "email": "rita@example.com"}),
    ("POST", "/candidates/{id}/stage", {"stage": "engaged", "reason": "Replied"}),
    ("GET", "/candidates/{id}/timeline", None),
    ("GET", "/candidates/{id}/export", None),
    ("DELETE", "/candidates/{id}", None),
]


@pytest.mark.parametrize(("method", "path", "payload"), ROUTES)
def test_every_route_refuses_a_caller_without_verified_claims(candidate_id, method, path, payload):
    # A header that imitates the authorizer's claims is just a header: it is never read.
    spoofed = {"X-Amzn-Claims": json.dumps(ADMIN), "cognito:groups": "admins", "Authorization": "Bearer x"}
    response = api(method, path.format(id=candidate_id), claims=None, body=payload, headers=spoofed)
    assert response["statusCode"] == 401
    assert body(response)["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize(("method", "path", "payload"), ROUTES)
def test_every_route_refuses_a_caller_outside_the_recruiter_groups(candidate_id, method, path, payload):
    outsider = {"sub": "x-1", "email": "x@example.com", "cognito:groups": "candidates"}
    response = api(method, path.format(id=candidate_id), claims=outsider, body=payload)
    assert response["statusCode"] == 403


@pytest.mark.parametrize(("method", "path", "payload"), ROUTES)
def test_every_route_says_404_for_an_unknown_candidate(aws, method, path, payload):
    response = api(method, path.format(id="01M8B9VGHAH080YCQ49MGPAEJE"), claims=ADMIN, body=payload)
    assert response["statusCode"] == 404
    assert body(response)["error"]["code"] == "candidate_not_found"


def test_get_shows_the_profile_with_an_etag(candidate_id):
    response = api("GET", f"/candidates/{candidate_id}")
    assert response["statusCode"] == 200
    view = body(response)
    assert view["candidate"]["email"] == "ana.silva@example.com"
    assert view["etag"] == header(response, "ETag") == '"v1"'
    assert "confirmation_nonce" not in view["candidate"]


def test_patch_changes_only_what_was_sent_and_records_it(aws, candidate_id):
    response = api(
        "PATCH",
        f"/candidates/{candidate_id}",
        body={"years_experience": 9, "phone": None, "skills": ["Go"]},
        headers={"If-Match": '"v1"'},
    )
    assert response["statusCode"] == 200
    updated = body(response)["candidate"]
    assert updated["years_experience"] == 9
    assert updated["skills"] == ["go"]
    assert updated["last_name"] == "Silva"
    assert header(response, "ETag") == '"v2"'
    entries = timeline(aws.items(), candidate_id)
    assert entries[-1]["kind"] == "profile_updated"
    assert entries[-1]["data"] == {"fields": ["skills", "years_experience"]}
    assert aws.events("CandidateUpdated")[0]["detail"]["fields"] == ["skills", "years_experience"]
    index = sorted(i["pk"] + "|" + i["sk"] for i in aws.items() if i.get("entity") == "skill_index")
    assert index == [f"SKILL#go|09#{candidate_id}"]


def test_patch_with_null_for_a_list_empties_it(aws, candidate_id):
    # Given a profile with skills and desired roles
    # When a recruiter sends null for them (JSON merge patch: null removes), which the document allows
    response = api("PATCH", f"/candidates/{candidate_id}", body={"skills": None, "desired_roles": None})
    # Then they are emptied, not a 502
    assert response["statusCode"] == 200, response["body"]
    updated = body(response)["candidate"]
    assert (updated["skills"], updated["skill_names"], updated["desired_roles"]) == ([], {}, [])
    assert candidates(aws.items())[0]["skills"] == []


def test_patch_with_a_stale_etag_is_a_409_and_changes_nothing(aws, candidate_id):
    api("PATCH", f"/candidates/{candidate_id}", body={"years_experience": 9}, headers={"If-Match": '"v1"'})
    response = api("PATCH", f"/candidates/{candidate_id}", body={"years_experience": 2}, headers={"If-Match": '"v1"'})
    assert response["statusCode"] == 409
    assert body(response)["error"]["code"] == "stale_version"
    assert candidates(aws.items())[0]["years_experience"] == 9


def test_patching_part_of_the_location_keeps_the_rest(aws, candidate_id):
    response = api("PATCH", f"/candidates/{candidate_id}", body={"location": {"city": "Porto"}})
    assert body(response)["candidate"]["location"] == {"city": "Porto", "country": "PT", "timezone": "Europe/Lisbon"}
    cleared = api("PATCH", f"/candidates/{candidate_id}", body={"location": {"timezone": None}})
    assert body(cleared)["candidate"]["location"] == {"city": "Porto", "country": "PT"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"consent": {"given": True, "text_version": "x"}}, "consent"),
        ({"source": {"channel": "social"}}, "source"),
        ({"email": "new@example.com"}, "email"),
        ({"years_experience": -1}, "years_experience"),
        ({"skills": "python"}, "skills"),
    ],
)
def test_patch_refuses_unwritable_and_invalid_fields(candidate_id, payload, field):
    response = api("PATCH", f"/candidates/{candidate_id}", body=payload)
    assert response["statusCode"] == 422
    assert [f["loc"][0] for f in body(response)["error"]["fields"]] == [field]


def test_notes_tags_and_owner_land_on_profile_and_timeline(aws, candidate_id):
    assert api("POST", f"/candidates/{candidate_id}/notes", body={"text": "Great talk at PyCon"})["statusCode"] == 201
    tagged = body(api("PUT", f"/candidates/{candidate_id}/tags", body={"tags": ["PyCon", "speaker", "pycon"]}))
    assert tagged["candidate"]["tags"] == ["pycon", "speaker"]
    owner = {"id": "rec-1", "name": "Rita Recruiter", "email": "Rita@Example.com"}
    owned = body(api("PUT", f"/candidates/{candidate_id}/owner", body=owner))
    assert owned["candidate"]["owner"] == {"id": "rec-1", "name": "Rita Recruiter", "email": "Rita@example.com"}
    kinds = [e["kind"] for e in timeline(aws.items(), candidate_id)]
    assert kinds == ["captured", "note", "tags_changed", "owner_changed"]
    assert timeline(aws.items(), candidate_id)[1]["actor"] == "recruiter:rec-1"
    tag_index = sorted(i["pk"] for i in aws.items() if i.get("entity") == "tag_index")
    assert tag_index == ["TAG#pycon", "TAG#speaker"]


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("notes", {"text": ""}),
        ("notes", {"text": "x" * 5001}),
        ("tags", {"tags": [f"t{i}" for i in range(16)]}),
        ("owner", {"id": "r", "name": "R"}),
        ("stage", {"stage": "promoted", "reason": "x"}),
        ("stage", {"stage": "engaged"}),
    ],
)
def test_bad_bodies_are_422(candidate_id, path, payload):
    method = "POST" if path in ("notes", "stage") else "PUT"
    assert api(method, f"/candidates/{candidate_id}/{path}", body=payload)["statusCode"] == 422


def test_stage_moves_forward_and_is_announced(aws, candidate_id):
    response = api(
        "POST",
        f"/candidates/{candidate_id}/stage",
        body={"stage": "applied", "reason": "Applied for backend role", "job_ref": "JOB-42"},
    )
    assert response["statusCode"] == 200
    assert body(response)["candidate"]["stage"] == "applied"
    entry = timeline(aws.items(), candidate_id)[-1]
    assert entry["kind"] == "stage_changed"
    assert entry["data"]["from"] == "lead" and entry["data"]["to"] == "applied"
    [event] = aws.events("StageChanged")
    assert event["detail"]["to_stage"] == "applied" and event["detail"]["job_ref"] == "JOB-42"
    assert [i["by_stage_pk"] for i in candidates(aws.items())] == ["STAGE#applied"]


def test_an_illegal_stage_move_is_409_with_the_allowed_list(aws, candidate_id):
    api("POST", f"/candidates/{candidate_id}/stage", body={"stage": "interviewing", "reason": "x"})
    response = api("POST", f"/candidates/{candidate_id}/stage", body={"stage": "engaged", "reason": "oops"})
    assert response["statusCode"] == 409
    error = body(response)["error"]
    assert error["code"] == "illegal_stage_change"
    assert "offered, hired, rejected, archived" in error["message"]
    assert len(aws.events("StageChanged")) == 1


def test_timeline_is_newest_first_and_pages_with_an_opaque_cursor(candidate_id):
    for i in range(5):
        api("POST", f"/candidates/{candidate_id}/notes", body={"text": f"note {i}"})
    seen, cursor = [], None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = body(api("GET", f"/candidates/{candidate_id}/timeline", query=query))
        seen += [e["data"].get("text", e["kind"]) for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["note 4", "note 3", "note 2", "note 1", "note 0", "captured"]


@pytest.mark.parametrize("cursor", ["garbage!", "eyJwayI6IkNBTkQjeCJ9", "W10"])
def test_a_forged_cursor_is_422_not_a_crash(candidate_id, cursor):
    response = api("GET", f"/candidates/{candidate_id}/timeline", query={"cursor": cursor})
    assert response["statusCode"] == 422


def test_export_holds_everything_and_is_itself_recorded(aws, candidate_id):
    api("POST", f"/candidates/{candidate_id}/notes", body={"text": "Prefers remote"})
    api("PUT", f"/candidates/{candidate_id}/tags", body={"tags": ["remote"]})
    export = body(api("GET", f"/candidates/{candidate_id}/export"))
    assert export["profile"]["email"] == "ana.silva@example.com"
    assert export["consent"]["current"]["status"] == "pending"
    assert export["consent"]["history"][0]["text_version"] == "2026-11"
    assert export["tags"] == ["remote"]
    assert [n["data"]["text"] for n in export["notes"]] == ["Prefers remote"]
    assert [e["kind"] for e in export["timeline"]] == ["captured", "note", "tags_changed"]
    assert timeline(aws.items(), candidate_id)[-1]["kind"] == "exported"


def test_erasure_is_for_admins_and_leaves_nothing_with_their_id_or_email(aws, candidate_id):
    api("POST", f"/candidates/{candidate_id}/notes", body={"text": "note"})
    api("PUT", f"/candidates/{candidate_id}/tags", body={"tags": ["pycon"]})
    assert api("DELETE", f"/candidates/{candidate_id}")["statusCode"] == 403

    assert api("DELETE", f"/candidates/{candidate_id}", claims=ADMIN)["statusCode"] == 204

    leftovers = [i for i in aws.items() if candidate_id in json.dumps(i) or "ana.silva" in json.dumps(i)]
    assert leftovers == []
    [tombstone] = [i for i in aws.items() if i.get("entity") == "tombstone"]
    assert set(tombstone) == {"pk", "sk", "entity", "erased_at"}
    [event] = aws.events("CandidateErased")
    assert event["detail"] == {**event["detail"], "candidate_id": candidate_id, "requested_by": "recruiter:adm-1"}
    assert api("GET", f"/candidates/{candidate_id}")["statusCode"] == 404


def test_after_erasure_they_can_sign_up_again_themselves(aws, candidate_id):
    api("DELETE", f"/candidates/{candidate_id}", claims=ADMIN)
    again = capture(headers={"Idempotency-Key": "new-signup"})
    assert again["statusCode"] == 202
    assert candidate_id_of() not in (None, candidate_id)
    assert [i for i in aws.items() if i.get("entity") == "tombstone"] == []
