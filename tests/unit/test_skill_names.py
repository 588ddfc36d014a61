"""Skills keep the name a person wrote beside the lower-case key that search matches: emails show the name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from talentpool.logic.capture.submissions import merge_profile
from talentpool.logic.sending.marketing_email import Branding, personal_values
from talentpool.models.candidate import Candidate, CaptureRequest, ProfileFields
from talentpool.models.recruiter import ProfilePatch
from tests.unit.test_email_message import marketing, stored_candidate

NOW = datetime(2026, 11, 26, 9, tzinfo=UTC)
CONSENT = {"given": True, "text_version": "2026-11"}
BRANDING = Branding(company_name="Acme", sender_email="talent@acme.example")


def captured(*skills: str) -> CaptureRequest:
    return CaptureRequest.model_validate({"email": "ana@example.com", "consent": CONSENT, "skills": list(skills)})


def test_a_skill_is_matched_by_its_key_and_shown_as_written():
    request = captured("Python developer", " AWS ", "python  DEVELOPER", "go")

    assert request.skills == ["python developer", "aws", "go"]
    assert request.skill_names == {"python developer": "Python developer", "aws": "AWS"}
    assert [request.skill_name(key) for key in request.skills] == ["Python developer", "AWS", "go"]


def test_the_subject_line_shows_the_skill_as_the_candidate_wrote_it():
    # Given a candidate who wrote "Python developer"
    candidate = stored_candidate("Ana").model_copy(
        update={"skills": ["python developer", "aws"], "skill_names": {"python developer": "Python developer"}}
    )

    # When an email names their skills
    values = personal_values(candidate, BRANDING, None)

    # Then it says "Python developer", not "python developer"
    assert values["top_skill"] == "Python developer"
    assert values["skills"] == "Python developer, aws"


def test_a_profile_from_before_names_were_kept_still_reads_sensibly():
    legacy = Candidate.model_validate(
        {**stored_candidate("Ana").model_dump(mode="json", exclude={"skill_names"}), "skills": ["python"]}
    )

    assert legacy.skill_names == {}
    assert marketing(legacy).subject == "Welcome, Ana"
    assert personal_values(legacy, BRANDING, None)["top_skill"] == "python"


def test_a_name_that_is_not_a_spelling_of_its_skill_is_never_kept():
    request = CaptureRequest.model_validate(
        {
            "email": "ana@example.com",
            "consent": CONSENT,
            "skills": ["go"],
            "skill_names": {"go": "Golang", "rust": "Rust", "aws": "AWS"},
        }
    )

    assert request.skill_names == {}


def test_a_resubmission_keeps_every_name_and_the_latest_spelling_wins():
    existing = Candidate.model_validate(
        {**stored_candidate("Ana").model_dump(mode="json"), "skills": ["aws", "rust"], "skill_names": {"aws": "Aws"}}
    )
    submitted = ProfileFields.model_validate({"skills": ["AWS", "TypeScript"]})

    merged = merge_profile(existing, submitted, NOW)

    assert merged.skills == ["aws", "rust", "typescript"]
    assert merged.skill_names == {"aws": "AWS", "typescript": "TypeScript"}


def test_a_patch_of_skills_replaces_their_names_and_a_patch_of_anything_else_leaves_them():
    assert ProfilePatch.model_validate({"skills": ["TypeScript"]}).skill_names == {"typescript": "TypeScript"}
    other = ProfilePatch.model_validate({"first_name": "Ana"})
    assert other.model_fields_set == {"first_name"}


@pytest.mark.parametrize("sent", [[None, None], [], None, "Python", 3])
def test_skill_names_that_are_not_an_object_are_a_validation_error_naming_the_field(sent: object) -> None:
    # Given a body whose skill_names is not an object (Schemathesis sent [null, null]; it was a 502)
    # When it is validated, Then it is refused as invalid input on skill_names, not a crash
    with pytest.raises(ValidationError) as refused:
        ProfileFields.model_validate({"skills": ["Python developer"], "skill_names": sent})
    assert {error["loc"][0] for error in refused.value.errors()} == {"skill_names"}
