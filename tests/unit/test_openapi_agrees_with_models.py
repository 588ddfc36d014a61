"""docs/openapi.json and the models agree: what the document calls valid, the API accepts, and what the API refuses,
the document calls invalid. Each case below is one Schemathesis found the two disagreeing on (issue 10 §2).
"""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel, ValidationError

from infra import spec
from talentpool.models.failures import RedriveRequest
from talentpool.models.recruiter import NoteRequest, Owner, ProfilePatch, StageRequest, TagsRequest
from talentpool.models.search import SegmentRequest
from talentpool.models.sequences import EnrollmentRequest, SendWindow, SequenceDefinition
from tools import openapi

DOCUMENT = json.loads(openapi.OUTPUT.read_text())
FILTER = {"skills": [], "not_skills": []}
ENGAGE = {"name": "Hello", "kind": "engage", "steps": [{"delay": "P0D", "subject": "Hi", "body": "Hello."}]}

# (model, body): each is refused by the model, and was valid by the document.
REFUSED: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (ProfilePatch, {"location": {"country": "00"}}),
    (ProfilePatch, {"linkedin_url": ""}),
    (ProfilePatch, {"linkedin_url": "https://example.com/in/ana"}),
    (ProfilePatch, {"first_name": "   "}),
    (ProfilePatch, {"skills": [" "]}),
    (Owner, {"id": "u-1", "name": "Ana", "email": "0" * 300}),
    (Owner, {"id": " ", "name": "Ana", "email": "ana@example.com"}),
    (TagsRequest, {"tags": ["", ""]}),
    (SegmentRequest, {"name": "Lisbon", "filter": {**FILTER, "tag": ""}}),
    (SegmentRequest, {"name": "Lisbon", "filter": {**FILTER, "country": "00"}}),
    (SegmentRequest, {"name": " ", "filter": FILTER}),
    (SendWindow, {"weekdays": []}),
    (SendWindow, {"start_hour": 9, "end_hour": 9}),
    (SendWindow, {"start_hour": 20}),
    (SendWindow, {"end_hour": 8}),
    (SendWindow, {"weekdays": [False]}),
    (SendWindow, {"start_hour": False, "end_hour": True}),
    (SequenceDefinition, {**ENGAGE, "sender": {"use_owner": 0}}),
    (SequenceDefinition, {**ENGAGE, "active": "yes"}),
    (EnrollmentRequest, {"candidate_ids": ["0"], "segment_id": "0"}),
    (EnrollmentRequest, {}),
    (EnrollmentRequest, {"candidate_ids": None, "segment_id": None}),
    (ProfilePatch, {"years_experience": False}),
    (ProfilePatch, {"location": {"timezone": "Mars/Olympus_Mons"}}),
    (SegmentRequest, {"name": "Lisbon", "filter": {"skills": "AAA"}}),
    (SegmentRequest, {"name": "Lisbon", "filter": {"captured_after": 0.5}}),
    (SegmentRequest, {"name": "Lisbon", "filter": {"min_engagement": 2.8663510358894942e231}}),
    (SequenceDefinition, {**ENGAGE, "topic": "events"}),
    (SequenceDefinition, {**ENGAGE, "kind": "nurture"}),
    (SequenceDefinition, {**ENGAGE, "steps": [{**ENGAGE["steps"][0], "delay": False}]}),
    (SequenceDefinition, {**ENGAGE, "steps": [{**ENGAGE["steps"][0], "delay": "P240Y205M"}]}),
    (SequenceDefinition, {**ENGAGE, "steps": [{**ENGAGE["steps"][0], "delay": "P366D"}]}),
    (SegmentRequest, {"name": "Lisbon", "filter": {"min_engagement": False}}),
    # Blank once trimmed: U+0085 (next line) is white space to the trimming, not to ECMA-262's \s
    (SequenceDefinition, {**ENGAGE, "steps": [{**ENGAGE["steps"][0], "subject": "\u0085"}]}),
    (NoteRequest, {"text": "  \u2028 "}),
    # C1 controls in free text over several lines
    (NoteRequest, {"text": "Met at the fair\u008c"}),
    (StageRequest, {"stage": "applied", "reason": "Strong", "feedback": "Well done\u0083"}),
    (SegmentRequest, {"name": "Lisbon", "description": "\u0091", "filter": FILTER}),
]
ACCEPTED: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (
        ProfilePatch,
        {"location": {"country": "PT"}, "linkedin_url": "https://www.linkedin.com/in/ana", "skills": ["go"]},
    ),
    (Owner, {"id": "u-1", "name": "Ana", "email": "ana@example.com"}),
    (SendWindow, {"weekdays": [0]}),
    (SendWindow, {"start_hour": 20, "end_hour": 24}),
    (SendWindow, {"start_hour": 0}),
    (SendWindow, {"end_hour": 10}),
    (SendWindow, {}),
    (SequenceDefinition, {**ENGAGE, "sender": {"use_owner": False}, "active": True}),
    (ProfilePatch, {"location": {"timezone": "Europe/Lisbon"}, "years_experience": 0}),
    (SegmentRequest, {"name": "Lisbon", "filter": {"skills": ["go"], "captured_after": "2026-11-25T09:00:00Z"}}),
    (SequenceDefinition, ENGAGE),
    (SequenceDefinition, {**ENGAGE, "steps": [{**ENGAGE["steps"][0], "delay": "P364DT23H59M59S"}]}),
    (SequenceDefinition, {**ENGAGE, "steps": [{**ENGAGE["steps"][0], "delay": "P365D"}]}),
    (SequenceDefinition, {**ENGAGE, "kind": "nurture", "topic": "events", "schedule": "cron(0 9 ? * MON *)"}),
    (EnrollmentRequest, {"candidate_ids": ["0"]}),
    (EnrollmentRequest, {"segment_id": "0", "candidate_ids": None}),
    (NoteRequest, {"text": "Met at the fair.\n\tWants remote work."}),
    (ProfilePatch, {"linkedin_url": " https://www.linkedin.com/in/ana\u0085"}),
    (StageRequest, {"stage": "applied", "reason": "Strong", "feedback": " Well done \r\n"}),
    (SequenceDefinition, {**ENGAGE, "steps": [{**ENGAGE["steps"][0], "subject": "\ufeffHi"}]}),
]


def ids(cases: list[tuple[type[BaseModel], dict[str, Any]]]) -> list[str]:
    return [f"{model.__name__} {json.dumps(body)[:60]}" for model, body in cases]


def document_accepts(model: type[BaseModel], body: dict[str, Any]) -> bool:
    schema = {"$ref": f"#/components/schemas/{model.__name__}", "components": DOCUMENT["components"]}
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    return jsonschema.Draft202012Validator(schema, format_checker=checker).is_valid(body)


def model_accepts(model: type[BaseModel], body: dict[str, Any]) -> bool:
    try:
        model.model_validate(body)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(("model", "body"), REFUSED, ids=ids(REFUSED))
def test_what_the_api_refuses_the_document_calls_invalid(model: type[BaseModel], body: dict[str, Any]) -> None:
    assert not model_accepts(model, body)
    assert not document_accepts(model, body)


@pytest.mark.parametrize(("model", "body"), ACCEPTED, ids=ids(ACCEPTED))
def test_what_the_document_calls_valid_the_api_accepts(model: type[BaseModel], body: dict[str, Any]) -> None:
    assert document_accepts(model, body)
    assert model_accepts(model, body)


def test_a_query_bound_is_documented_as_json_schema_minimum_and_maximum() -> None:
    parameters = DOCUMENT["paths"]["/candidates"]["get"]["parameters"]

    experience = next(p for p in parameters if p["name"] == "max_experience")["schema"]
    assert (experience["minimum"], experience["maximum"]) == (0, 60)


def test_a_report_date_is_documented_as_a_date() -> None:
    parameters = DOCUMENT["paths"]["/reports/{date}"]["get"]["parameters"]

    assert next(p for p in parameters if p["name"] == "date")["schema"]["format"] == "date"


def test_the_document_names_the_failure_queues_a_redrive_can_replay() -> None:
    # Any other name is refused by the logic (talentpool/logic/ops/failures.py), which knows the deployment's queues.
    for known in spec.failure_consumers():
        assert document_accepts(RedriveRequest, {"queue": known})
    for unknown in ("", "no-such-consumer"):
        assert not document_accepts(RedriveRequest, {"queue": unknown})


def patterns_in(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return found + [p for value in node.values() for p in patterns_in(value)]
    if isinstance(node, list):
        return [p for value in node for p in patterns_in(value)]
    return []


def test_no_pattern_leans_on_a_dialect_s_meaning_of_white_space() -> None:
    # `\s` differs between ECMA-262 (JSON Schema's dialect, Schemathesis), Python and Rust: U+0085 is white space
    # to the trimming and to Python but not to ECMA-262, so `\S` called " \u0085 " not blank while it was refused.
    patterns = patterns_in(DOCUMENT)

    assert patterns
    assert [p for p in patterns if re.search(r"\\[sS]", p)] == []
