"""The shipped skills vocabulary (issue 12, section 2): sound as shipped, and the checks catch a broken edit."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from bench.match_eval.vocabulary import (
    VOCABULARY_PATH,
    build_vocabulary,
    normalise_label,
    parse_vocabulary,
    shipped_vocabulary,
    vocabulary_problems,
)


def shipped() -> Any:
    return parse_vocabulary(VOCABULARY_PATH.read_text(encoding="utf-8"))


def fixture(**skills: Any) -> dict[str, Any]:
    """A small vocabulary in the shipped format, sound unless a test breaks it."""
    base: dict[str, Any] = {
        "kubernetes": {"display": "Kubernetes", "category": "tech", "aliases": ["k8s"]},
        "forklift": {"display": "Forklift", "nl": "Heftruck", "category": "logistics", "aliases": ["heftruck"]},
    }
    return {"version": 1, "categories": {"tech": "IT", "logistics": "Warehouse"}, "skills": base | skills}


def test_the_shipped_file_parses_and_has_no_problems():
    # Given the file as shipped / When it is checked / Then nothing is wrong with it
    assert vocabulary_problems(shipped()) == []


def test_it_holds_a_few_hundred_skills_in_every_category():
    data = shipped()
    assert len(data["skills"]) >= 300
    used = {entry["category"] for entry in data["skills"].values()}
    assert used == set(data["categories"])


def test_keys_and_aliases_are_stored_normalised():
    data = shipped()
    labels = [*data["skills"], *(a for entry in data["skills"].values() for a in entry["aliases"])]
    assert [label for label in labels if label != normalise_label(label)] == []


def test_resolving_is_one_hop_to_a_canonical_name_so_there_are_no_cycles():
    # Given every alias in the shipped file
    vocabulary = shipped_vocabulary()
    for label, canonical in vocabulary.canonical_of.items():
        # When it is resolved, Then it lands on a canonical name that resolves to itself
        assert canonical in vocabulary.display, label
        assert vocabulary.canonical_of[canonical] == canonical, label


def test_no_alias_is_also_a_canonical_name_and_none_maps_to_two():
    skills = shipped()["skills"]
    owners: dict[str, list[str]] = {}
    for name, entry in skills.items():
        for alias in entry["aliases"]:
            owners.setdefault(alias, []).append(name)
    assert [alias for alias in owners if alias in skills] == []
    assert {alias: names for alias, names in owners.items() if len(names) > 1} == {}


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("JS", "javascript"),
        ("K8s", "kubernetes"),
        ("Postgres", "postgresql"),
        ("React.js", "react"),
        ("  Verpleegkunde ", "nursing"),
        ("Heftruck", "forklift"),
        ("magazijnbeheer", "warehouse management"),
        ("Wondzorg", "wound care"),
        ("Rijbewijs  C+E", "driving licence ce"),
        ("Gabelstapler", "forklift"),
        ("underwater basket weaving", "underwater basket weaving"),
    ],
)
def test_raw_skills_normalise_through_the_vocabulary(written, canonical):
    # Given a skill as a person typed it / When it is normalised / Then it becomes the canonical name
    assert shipped_vocabulary().normalise(written) == canonical


def test_the_dutch_display_form_is_kept_beside_the_english_one():
    vocabulary = shipped_vocabulary()
    assert vocabulary.display["forklift"] == "Forklift"
    assert vocabulary.dutch["forklift"] == "Heftruck"


BROKEN: list[tuple[str, dict[str, Any], str]] = [
    (
        "an alias that is also a canonical name",
        fixture(docker={"display": "Docker", "category": "tech", "aliases": ["kubernetes"]}),
        "alias 'kubernetes' of 'docker' is itself a canonical skill",
    ),
    (
        "two skills that alias each other (a cycle)",
        fixture(
            golang={"display": "Go", "category": "tech", "aliases": ["go"]},
            go={"display": "Go", "category": "tech", "aliases": ["golang"]},
        ),
        "alias 'go' of 'golang' is itself a canonical skill",
    ),
    (
        "one alias mapped to two skills",
        fixture(helm={"display": "Helm", "category": "tech", "aliases": ["k8s"]}),
        "alias 'k8s' maps to both 'kubernetes' and 'helm'",
    ),
    (
        "a key that is not normalised",
        fixture(**{"Reach  Truck": {"display": "Reach truck", "category": "logistics", "aliases": []}}),
        "skill 'Reach  Truck' is not normalised",
    ),
    (
        "an alias that is not normalised",
        fixture(vca={"display": "VCA", "category": "logistics", "aliases": ["VCA-vol"]}),
        "alias 'VCA-vol' of 'vca' is not normalised",
    ),
    (
        "an unknown category",
        fixture(cooking={"display": "Cooking", "category": "kitchen", "aliases": []}),
        "skill 'cooking' has category 'kitchen'",
    ),
    (
        "a missing display form",
        fixture(cooking={"category": "logistics", "aliases": []}),
        "skill 'cooking' needs a display form",
    ),
    (
        "aliases that are not a list",
        fixture(cooking={"display": "Cooking", "category": "logistics", "aliases": "koken"}),
        "skill 'cooking' needs 'aliases'",
    ),
    (
        "a label longer than a profile can hold",
        fixture(**{"x" * 61: {"display": "X", "category": "tech", "aliases": []}}),
        "longer than 60 characters",
    ),
]


@pytest.mark.parametrize(("case", "data", "problem"), BROKEN, ids=[case for case, _, _ in BROKEN])
def test_a_broken_edit_is_reported_by_name(case, data, problem):
    # Given a vocabulary with one mistake / When it is checked / Then the mistake is named and loading refuses it
    problems = vocabulary_problems(data)
    assert any(problem in p for p in problems), problems
    with pytest.raises(ValueError, match="invalid"):
        build_vocabulary(data)


def test_the_sound_fixture_has_no_problems_so_the_broken_cases_are_the_only_difference():
    assert vocabulary_problems(fixture()) == []


def test_a_skill_written_twice_in_the_file_is_refused_not_silently_overwritten():
    text = json.dumps(fixture())
    doubled = text.replace(
        '"forklift":', '"kubernetes": {"display": "K", "category": "tech", "aliases": []}, "forklift":'
    )
    with pytest.raises(ValueError, match="'kubernetes' more than once"):
        parse_vocabulary(doubled)


def test_a_file_without_skills_is_reported():
    broken = copy.deepcopy(fixture())
    del broken["skills"]
    assert vocabulary_problems(broken) == ["the file must be an object with a 'skills' object"]
