"""The CLI's options against the server's models: a filter or a stage added on the server must reach the CLI.

The client is its own package and does not import the server's code, so it declares the enumerations and
fields it offers; these tests fail when the two drift apart.
"""

from __future__ import annotations

from enum import StrEnum

import pytest

from talentpool.models import candidate, recruiter, search
from talentpool_client import options


@pytest.mark.parametrize(
    ("client", "server"),
    [
        (options.Stage, candidate.Stage),
        (options.Consent, candidate.ConsentStatus),
        (options.Channel, candidate.Channel),
        (options.Topic, candidate.Topic),
        (options.SkillsMode, search.SkillsMode),
    ],
)
def test_the_cli_offers_exactly_the_apis_choices(client: type[StrEnum], server: type[StrEnum]) -> None:
    assert [m.value for m in client] == [m.value for m in server]


def test_every_search_filter_has_an_option() -> None:
    api_filters = set(search.CandidateFilter.model_fields)

    assert {spec.field for spec in options.FILTERS} == api_filters
    # search's own flags, and q: `candidates find TEXT` takes it as its argument
    assert set(search.SearchParams.model_fields) - api_filters == {"limit", "cursor", "q"}


def test_every_profile_option_is_writable_and_every_writable_field_has_an_option() -> None:
    writable = set(recruiter.ProfilePatch.model_fields) - {"skill_names"}  # filled from --skills as written
    offered = {spec.field for spec in options.PROFILE}
    location = set(options.LOCATION_FIELDS)

    assert (offered - location) | {"location"} == writable
    assert location == set(candidate.Location.model_fields)


def test_split_values_accepts_commas_and_repeats_and_drops_duplicates() -> None:
    assert options.split_values(["python, go", "rust", "go", " ", ""]) == ["python", "go", "rust"]


def test_given_keeps_only_what_was_set_in_the_apis_shapes() -> None:
    raw = {"skills": ["a,b"], "stage": options.Stage.APPLIED, "country": " pt", "city": None, "not_skills": []}

    assert options.given(raw) == {"skills": ["a", "b"], "stage": "applied", "country": "PT"}
