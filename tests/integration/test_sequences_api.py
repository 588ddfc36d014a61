"""Recruiter routes for sequences: auth, validation, versions, built-ins, enrolments and their events."""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories
from tests.conftest import Account
from tests.integration.helpers import call, timeline

WELCOME_STEPS = ["Welcome to the {{company_name}} talent community, {{first_name|there}}"]


def api(method: str, path: str, body: Any = None, claims: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    event = factories.api_event(method, path, body=body, claims=claims, **kwargs)
    return call("recruiter_api", event)


def body_of(response: dict[str, Any]) -> Any:
    return factories.response_json(response)


def definition(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Backend engineers",
        "kind": "engage",
        "steps": [
            {"delay": "P0D", "subject": "Hello {{first_name|there}}", "body": "Your {{top_skill|skills}} matter."},
            {"delay": "P2D", "subject": "A role for you", "body": "From {{recruiter_name|us}}.", "html": "<p>Hi</p>"},
        ],
    }
    body.update(changes)
    return body


def add_candidate(**changes: Any) -> str:
    from talentpool.adapters.aws.candidates import CandidateStore
    from talentpool.adapters.aws.table import Table
    from talentpool.ids import new_id
    from talentpool.models.candidate import Candidate

    candidate_id = new_id()
    fields: dict[str, Any] = {
        "candidate_id": candidate_id,
        "email": f"c.{candidate_id.lower()}@example.com",
        "first_name": "Ana",
        "source": {"channel": "careers_site"},
        "consent": {"status": "active"},
        "tags": ["backend"],
        "captured_at": "2026-11-02T10:00:00.000Z",
        "updated_at": "2026-11-02T10:00:00.000Z",
    }
    fields.update(changes)
    CandidateStore(Table(factories.TABLE)).create(Candidate.model_validate(fields), [], clear_tombstone=False)
    return candidate_id


# --- Auth --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/sequences"),
        ("GET", "/sequences/welcome"),
        ("POST", "/sequences"),
        ("PUT", "/sequences/welcome"),
        ("POST", "/sequences/welcome/enrollments"),
        ("DELETE", "/sequences/welcome/enrollments/01M8B9VGHAH080YCQ49MGPAEJE"),
        ("GET", "/candidates/01M8B9VGHAH080YCQ49MGPAEJE/enrollments"),
    ],
)
def test_every_route_needs_a_signed_in_recruiter(aws: Account, method: str, path: str) -> None:
    response = api(method, path, body={} if method in ("POST", "PUT") else None)

    assert response["statusCode"] == 401


@pytest.mark.parametrize(("method", "path"), [("POST", "/sequences"), ("PUT", "/sequences/welcome")])
def test_only_admins_write_definitions(aws: Account, method: str, path: str) -> None:
    response = api(method, path, definition(), claims=factories.RECRUITER)

    assert response["statusCode"] == 403
    assert body_of(response)["error"]["code"] == "forbidden"


# --- Definitions -------------------------------------------------------------------------------------------


def test_the_built_in_sequences_are_there_with_no_seeding(aws: Account) -> None:
    response = api("GET", "/sequences", claims=factories.RECRUITER)

    assert response["statusCode"] == 200
    items = {i["sequence_id"]: i for i in body_of(response)["items"]}
    assert items["welcome"]["kind"] == "engage" and items["welcome"]["builtin"] is True
    assert {i for i in items if i.startswith("nurture-")} == {
        "nurture-career_advice",
        "nurture-sector_news",
        "nurture-events",
        "nurture-job_alerts",
    }
    assert all(items[i]["schedule"] == "cron(0 9 1 * ? *)" for i in items if i.startswith("nurture-"))
    welcome = body_of(api("GET", "/sequences/welcome", claims=factories.RECRUITER))
    assert [s["delay"] for s in welcome["steps"]] == ["PT0S", "P3D", "P7D"]  # day 0, day 3, day 10


def test_create_read_and_version_a_sequence(aws: Account) -> None:
    created = api("POST", "/sequences", definition(), claims=factories.ADMIN)
    assert created["statusCode"] == 201
    sequence = body_of(created)
    sequence_id = sequence["sequence_id"]
    assert sequence["version"] == 1 and sequence["updated_by"] == "recruiter:adm-1"
    assert sequence["exit_rules"]["stages"] == ["applied", "interviewing", "offered", "hired", "rejected"]

    changed = definition(name="Backend engineers, v2", steps=[{"delay": "PT12H", "subject": "New", "body": "New."}])
    updated = api("PUT", f"/sequences/{sequence_id}", changed, claims=factories.ADMIN)

    assert updated["statusCode"] == 200
    assert body_of(updated)["version"] == 2
    current = body_of(api("GET", f"/sequences/{sequence_id}", claims=factories.RECRUITER))
    first = body_of(api("GET", f"/sequences/{sequence_id}", claims=factories.RECRUITER, query={"version": "1"}))
    assert (current["version"], current["steps"][0]["delay"]) == (2, "PT12H")
    assert (first["version"], first["name"]) == (1, "Backend engineers")
    listed = {i["sequence_id"]: i for i in body_of(api("GET", "/sequences", claims=factories.RECRUITER))["items"]}
    assert listed[sequence_id]["current_version"] == 2


def test_editing_a_built_in_stores_version_two(aws: Account) -> None:
    response = api("PUT", "/sequences/welcome", definition(name="Our welcome"), claims=factories.ADMIN)

    assert response["statusCode"] == 200
    assert body_of(response)["version"] == 2
    assert body_of(api("GET", "/sequences/welcome", claims=factories.RECRUITER))["name"] == "Our welcome"
    original = body_of(api("GET", "/sequences/welcome", claims=factories.RECRUITER, query={"version": "1"}))
    assert original["name"] == "Welcome series"  # running enrolments keep the built-in text


@pytest.mark.parametrize(
    ("field", "value", "loc"),
    [
        ("subject", "Hi {{first_nmae}}", ["steps", 1, "subject"]),
        ("body", "Your {{salary}}", ["steps", 1, "body"]),
        ("html", "<p>{{{password}}}</p>", ["steps", 1, "html"]),
    ],
)
def test_an_unknown_placeholder_is_refused_naming_the_field(
    aws: Account, field: str, value: str, loc: list[Any]
) -> None:
    body = definition()
    body["steps"][1][field] = value

    response = api("POST", "/sequences", body, claims=factories.ADMIN)

    assert response["statusCode"] == 422
    [error] = body_of(response)["error"]["fields"]
    assert error["loc"] == loc
    assert "unknown placeholders" in error["msg"] and "first_name" in error["msg"]


def test_a_template_syntax_error_is_refused_at_save_time_naming_the_field(aws: Account) -> None:
    body = definition()
    body["steps"][1]["body"] = "Hi {{first_name}},\n{% for %}"

    response = api("POST", "/sequences", body, claims=factories.ADMIN)

    assert response["statusCode"] == 422
    [error] = body_of(response)["error"]["fields"]
    assert error["loc"] == ["steps", 1, "body"]
    assert "template error on line 2" in error["msg"]


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"steps": [{"delay": "P400D", "subject": "x", "body": "y"}]}, ["steps", 0, "delay"]),
        ({"steps": [{"delay": "soon", "subject": "x", "body": "y"}]}, ["steps", 0, "delay"]),
        ({"exit_rules": {"unsubscribed": False}}, ["exit_rules", "unsubscribed"]),
        ({"send_window": {"start_hour": 18, "end_hour": 9}}, ["send_window"]),
        ({"kind": "nurture"}, []),  # a campaign needs a topic
    ],
)
def test_other_invalid_definitions_are_422(aws: Account, change: dict[str, Any], loc: list[Any]) -> None:
    response = api("POST", "/sequences", definition(**change), claims=factories.ADMIN)

    assert response["statusCode"] == 422
    assert loc in [f["loc"][: len(loc)] for f in body_of(response)["error"]["fields"]]


def steps(*delays: str) -> list[dict[str, Any]]:
    return [{"delay": delay, "subject": f"Step {n}", "body": "Hello."} for n, delay in enumerate(delays)]


def test_a_sequence_that_could_outlast_an_execution_is_refused_naming_the_step_that_tips_it(aws: Account) -> None:
    # 20 steps of 18 days: with up to 2 days and 16 hours of a closed weekday window after each (the weekend and
    # a clock change), the waits pass the 358 days an execution may last at the 18th step.
    too_long = api("POST", "/sequences", definition(steps=steps(*["P18D"] * 20)), claims=factories.ADMIN)
    just_fits = api("POST", "/sequences", definition(steps=steps(*["P15D"] * 20)), claims=factories.ADMIN)

    assert too_long["statusCode"] == 422
    [error] = body_of(too_long)["error"]["fields"]
    assert error["loc"] == ["steps", 17, "delay"]
    assert "372 days" in error["msg"] and "within 358 days" in error["msg"]
    assert just_fits["statusCode"] == 201


def test_the_send_window_counts_toward_the_duration_and_an_edit_is_checked_too(aws: Account) -> None:
    weekly_hour = {"start_hour": 9, "end_hour": 10, "weekdays": [2]}  # closed for up to 7 days at a time
    sequence_id = body_of(api("POST", "/sequences", definition(steps=steps(*["P15D"] * 20)), claims=factories.ADMIN))[
        "sequence_id"
    ]

    edited = api(
        "PUT",
        f"/sequences/{sequence_id}",
        definition(steps=steps(*["P15D"] * 20), send_window=weekly_hour),
        claims=factories.ADMIN,
    )
    never_open = api(
        "POST",
        "/sequences",
        definition(send_window={"start_hour": 9, "end_hour": 18, "quiet_hours": [{"start_hour": 0, "end_hour": 24}]}),
        claims=factories.ADMIN,
    )
    campaign = api(
        "POST",
        "/sequences",
        definition(kind="nurture", topic="events", steps=steps(*["P365D"] * 20)),
        claims=factories.ADMIN,
    )

    assert edited["statusCode"] == 422
    assert body_of(edited)["error"]["fields"][0]["loc"] == ["steps", 16, "delay"]  # 17 x 22 days > 358
    assert never_open["statusCode"] == 422
    assert body_of(never_open)["error"]["fields"][0]["loc"] == ["send_window", "quiet_hours"]
    assert campaign["statusCode"] == 201  # a campaign's steps take turns, one per run: their delays do not apply


def test_a_sequence_cannot_change_kind_a_409_naming_it(aws: Account) -> None:
    # Valid on its own; it conflicts with the sequence as it is.
    sequence_id = body_of(api("POST", "/sequences", definition(), claims=factories.ADMIN))["sequence_id"]

    response = api(
        "PUT", f"/sequences/{sequence_id}", definition(kind="nurture", topic="events"), claims=factories.ADMIN
    )

    assert response["statusCode"] == 409
    assert body_of(response)["error"]["fields"] == [{"loc": ["kind"], "msg": "must stay engage"}]


def test_unknown_sequences_are_404(aws: Account) -> None:
    assert api("GET", "/sequences/nope", claims=factories.RECRUITER)["statusCode"] == 404
    assert api("GET", "/sequences/welcome", claims=factories.RECRUITER, query={"version": "7"})["statusCode"] == 404
    assert api("PUT", "/sequences/nope", definition(), claims=factories.ADMIN)["statusCode"] == 404


def test_two_saves_of_the_same_version_conflict(aws: Account) -> None:
    from talentpool.adapters.aws.sequences import SequenceStore, SequenceVersionTaken
    from talentpool.adapters.aws.table import Table
    from talentpool.models.sequences import Sequence

    store = SequenceStore(Table(factories.TABLE))
    sequence_id = body_of(api("POST", "/sequences", definition(), claims=factories.ADMIN))["sequence_id"]
    v2 = Sequence.model_validate(
        {**definition(), "sequence_id": sequence_id, "version": 2, "created_at": "x", "updated_at": "x"}
    )
    store.save(v2, previous_version=1)

    with pytest.raises(SequenceVersionTaken):
        store.save(v2.model_copy(update={"name": "Someone else's"}), previous_version=1)


# --- Enrolments --------------------------------------------------------------------------------------------


def test_enrolling_publishes_one_event_per_eligible_candidate_and_says_who_was_skipped(aws: Account) -> None:
    eligible = add_candidate()
    pending = add_candidate(consent={"status": "pending"})
    unsubscribed = add_candidate(unsubscribed_at="2026-11-03T10:00:00.000Z")
    suppressed = add_candidate(suppressed_at="2026-11-03T10:00:00.000Z")
    hired = add_candidate(stage="hired")
    unknown = "01M8B9VGHAH080YCQ49MGPAEJE"
    ids = [eligible, pending, unsubscribed, suppressed, hired, unknown, "junk"]

    response = api("POST", "/sequences/welcome/enrollments", {"candidate_ids": ids}, claims=factories.RECRUITER)

    assert response["statusCode"] == 202
    result = body_of(response)
    assert result["requested"] == 1
    assert {s["candidate_id"]: s["reason"] for s in result["skipped"]} == {
        pending: "no_consent",
        unsubscribed: "unsubscribed",
        suppressed: "suppressed",
        hired: "stage_hired",
        unknown: "not_found",
        "junk": "not_found",
    }
    [event] = aws.events("EnrollmentRequested")
    assert event["detail"]["candidate_id"] == eligible
    assert event["detail"]["sequence_id"] == "welcome"
    assert event["detail"]["requested_by"] == "recruiter:rec-1"
    assert "@" not in str(event["detail"])


def test_someone_already_running_is_skipped(aws: Account) -> None:
    from talentpool.adapters.aws.enrolments import EnrolmentStore
    from talentpool.adapters.aws.table import Table
    from talentpool.models.sequences import Enrolment

    candidate_id = add_candidate()
    running = Enrolment(
        candidate_id=candidate_id,
        sequence_id="welcome",
        version=1,
        steps=3,
        execution_arn="arn:aws:states:us-east-1:123456789012:execution:engage:x",
        enrolled_at="2026-11-02T10:00:00.000Z",
        updated_at="2026-11-02T10:00:00.000Z",
    )
    assert EnrolmentStore(Table(factories.TABLE)).claim(running, [])

    response = api(
        "POST", "/sequences/welcome/enrollments", {"candidate_ids": [candidate_id]}, claims=factories.RECRUITER
    )

    assert body_of(response) == {
        "requested": 0,
        "skipped": [{"candidate_id": candidate_id, "reason": "already_enrolled"}],
    }


def test_enrolling_a_segment_uses_the_segments_evaluator(aws: Account) -> None:
    members = [add_candidate(), add_candidate()]
    add_candidate(tags=["frontend"])
    segment = api("POST", "/segments", {"name": "Backend", "filter": {"tag": "backend"}}, claims=factories.RECRUITER)
    assert segment["statusCode"] == 201, segment["body"]

    response = api(
        "POST",
        "/sequences/welcome/enrollments",
        {"segment_id": body_of(segment)["segment_id"]},
        claims=factories.RECRUITER,
    )

    assert response["statusCode"] == 202
    assert body_of(response)["requested"] == 2
    assert sorted(e["detail"]["candidate_id"] for e in aws.events("EnrollmentRequested")) == sorted(members)


def test_many_enrolments_are_published_in_batches(aws: Account) -> None:
    ids = [add_candidate() for _ in range(23)]

    response = api("POST", "/sequences/welcome/enrollments", {"candidate_ids": ids}, claims=factories.RECRUITER)

    assert body_of(response)["requested"] == 23
    assert len(aws.events("EnrollmentRequested")) == 23


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"candidate_ids": ["a"], "segment_id": "b"},
        {"candidate_ids": []},
        {"candidate_ids": [f"id{i}" for i in range(501)]},
        {"candidate_ids": ["a"], "extra": 1},
    ],
)
def test_an_enrolment_request_names_either_ids_or_a_segment(aws: Account, body: dict[str, Any]) -> None:
    response = api("POST", "/sequences/welcome/enrollments", body, claims=factories.RECRUITER)

    assert response["statusCode"] == 422


def test_nurture_campaigns_and_inactive_sequences_take_no_enrolments(aws: Account) -> None:
    candidate = {"candidate_ids": [add_candidate()]}
    inactive = body_of(api("POST", "/sequences", definition(active=False), claims=factories.ADMIN))["sequence_id"]

    nurture = api("POST", "/sequences/nurture-events/enrollments", candidate, claims=factories.RECRUITER)
    paused = api("POST", f"/sequences/{inactive}/enrollments", candidate, claims=factories.RECRUITER)
    missing = api("POST", "/sequences/nope/enrollments", candidate, claims=factories.RECRUITER)

    assert (nurture["statusCode"], paused["statusCode"], missing["statusCode"]) == (409, 409, 404)
    assert aws.events("EnrollmentRequested") == []


def test_enrolments_of_a_candidate_and_stopping_one(aws: Account) -> None:
    from talentpool.adapters.aws.enrolments import EnrolmentStore
    from talentpool.adapters.aws.table import Table
    from talentpool.models.sequences import Enrolment

    candidate_id = add_candidate()
    assert api("GET", f"/candidates/{candidate_id}/enrollments", claims=factories.RECRUITER)["statusCode"] == 200
    EnrolmentStore(Table(factories.TABLE)).claim(
        Enrolment(
            candidate_id=candidate_id,
            sequence_id="welcome",
            version=1,
            step=1,
            steps=3,
            next_send_at="2026-11-05T10:00:00.000Z",
            execution_arn="arn:aws:states:us-east-1:123456789012:execution:engage:gone",
            enrolled_at="2026-11-02T10:00:00.000Z",
            updated_at="2026-11-02T10:00:00.000Z",
        ),
        [],
    )

    listed = body_of(api("GET", f"/candidates/{candidate_id}/enrollments", claims=factories.RECRUITER))
    stopped = api("DELETE", f"/sequences/welcome/enrollments/{candidate_id}", claims=factories.RECRUITER)
    again = api("DELETE", f"/sequences/welcome/enrollments/{candidate_id}", claims=factories.RECRUITER)

    assert listed["items"] == [
        {
            "sequence_id": "welcome",
            "version": 1,
            "status": "running",
            "step": 1,
            "steps": 3,
            "next_send_at": "2026-11-05T10:00:00.000Z",
            "last_sent_at": None,
            "enrolled_at": "2026-11-02T10:00:00.000Z",
            "updated_at": "2026-11-02T10:00:00.000Z",
            "exit_reason": None,
        }
    ]
    assert stopped["statusCode"] == 200 and body_of(stopped)["status"] == "stopped"
    assert again["statusCode"] == 404 and body_of(again)["error"]["code"] == "not_enrolled"
    kinds = [e["kind"] for e in timeline(aws.items(), candidate_id)]
    assert kinds == ["sequence_stopped"]


def test_enrolments_of_an_unknown_candidate_are_404(aws: Account) -> None:
    path = "/candidates/01M8B9VGHAH080YCQ49MGPAEJE/enrollments"

    assert api("GET", path, claims=factories.RECRUITER)["statusCode"] == 404
    delete = "/sequences/welcome/enrollments/01M8B9VGHAH080YCQ49MGPAEJE"
    assert api("DELETE", delete, claims=factories.RECRUITER)["statusCode"] == 404
