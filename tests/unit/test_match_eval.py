"""The match-evaluation set (bench/match_eval): well-formed, reproducible, and scored by metrics that can fail."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.match_eval import building_blocks, generate
from bench.match_eval.evaluate import (
    JOBS_FILE,
    PROFILES_FILE,
    average_precision,
    bm25_ranker,
    evaluate,
    load_jobs,
    load_profiles,
    load_qrels,
    ndcg_at,
)
from bench.match_eval.pool import load_pool
from bench.match_eval.vocabulary import shipped_vocabulary
from talentpool.models.candidate import ProfileFields

JOB_FIELDS = {
    "job_id",
    "title",
    "description",
    "department",
    "location",
    "workplace",
    "remote_countries",
    "employment_type",
    "hours_per_week",
    "salary",
    "required_skills",
    "preferred_skills",
    "experience",
    "languages",
    "valid_through",
}


@pytest.fixture(scope="module")
def jobs():
    return load_jobs()


@pytest.fixture(scope="module")
def profiles():
    return load_profiles()


@pytest.fixture(scope="module")
def qrels():
    return load_qrels()


def test_the_set_has_at_least_30_jobs_and_1000_profiles(jobs, profiles):
    assert len(jobs) >= 30
    assert len(profiles) >= 1000
    assert len({p["candidate_id"] for p in profiles}) == len(profiles)
    assert len({j["job_id"] for j in jobs}) == len(jobs)


def test_every_profile_is_what_the_candidate_model_stores(profiles):
    for profile in profiles:
        fields = {k: v for k, v in profile.items() if k != "candidate_id"}
        assert ProfileFields.model_validate(fields).model_dump(mode="json", exclude_none=True) == fields


def test_jobs_use_issue_12_field_names_and_values(jobs):
    for job in jobs:
        assert set(job) == JOB_FIELDS, job["job_id"]
        assert job["workplace"] in {"onsite", "hybrid", "remote"}
        assert bool(job["remote_countries"]) == (job["workplace"] == "remote"), job["job_id"]
        assert job["required_skills"], job["job_id"]
        assert job["experience"]["min_years"] >= 0
        assert job["description"].count("\n## ") == 2, "Markdown: an intro, then two headed lists"


def test_the_pool_has_the_sectors_places_and_writing_the_brief_asks_for(profiles):
    countries = Counter((p.get("location") or {}).get("country") for p in profiles)
    assert {"NL", "BE", "DE", "GB"} <= set(countries)
    assert sum(n for c, n in countries.items() if c not in {"NL", "BE", "DE", "GB", None}) >= 30
    roles = " ".join(r for p in profiles for r in p["desired_roles"])
    for dutch in ("verpleegkundige", "magazijnmedewerker", "vrachtwagenchauffeur", "ontwikkelaar"):
        assert dutch in roles
    assert sum(1 for p in profiles if len(p["skills"]) <= 2) >= 50, "sparse profiles"
    assert sum(1 for p in profiles if any(r.startswith("remote ") for r in p["desired_roles"])) >= 20


def test_every_building_block_skill_is_in_the_vocabulary_or_declared_free_text():
    known = shipped_vocabulary().display
    for name, archetype in building_blocks.ARCHETYPES.items():
        for skill in (*archetype.core, *archetype.extra, *archetype.soft):
            assert skill in known or skill in building_blocks.FREE_TEXT, (name, skill)


def test_the_generator_reproduces_the_committed_files_exactly():
    # Given the seeded generator / When it runs again / Then it writes the very files the labels were made on
    jobs_text, profiles_text = generate.render()
    assert jobs_text == JOBS_FILE.read_text(encoding="utf-8")
    assert profiles_text == PROFILES_FILE.read_text(encoding="utf-8")


def test_every_label_names_a_real_job_and_profile_with_a_grade_from_0_to_3(jobs, profiles, qrels):
    job_ids = {j["job_id"] for j in jobs}
    candidate_ids = {p["candidate_id"] for p in profiles}
    assert set(qrels) == job_ids
    for grades in qrels.values():
        assert set(grades) <= candidate_ids
        assert set(grades.values()) <= {0, 1, 2, 3}


def test_every_pooled_profile_was_judged(qrels):
    for job_id, pooled in load_pool().items():
        assert set(pooled) <= set(qrels[job_id]), job_id


def test_every_job_has_several_full_and_strong_matches(qrels):
    for job_id, grades in qrels.items():
        counts = Counter(grades.values())
        assert counts[3] >= 3, job_id
        assert counts[2] >= 2, job_id


def test_ndcg_and_average_precision_on_a_worked_example():
    grades = {"a": 3, "b": 2, "c": 0, "d": 1}
    # ideal DCG: 7/log2(2) + 3/log2(3) + 1/log2(4) = 7 + 1.8928 + 0.5
    assert ndcg_at(["a", "b", "d", "c"], grades) == pytest.approx(1.0)
    assert ndcg_at(["c", "a"], grades) == pytest.approx((7 / 1.5849625) / (7 + 3 / 1.5849625 + 0.5))
    # relevant (grade >= 2) are a and b: hits at ranks 2 and 4
    assert average_precision(["c", "a", "d", "b"], grades) == pytest.approx((1 / 2 + 2 / 4) / 2)
    assert average_precision([], grades) == 0.0


def test_the_ideal_ranking_scores_one_and_a_backwards_one_scores_near_zero(jobs, profiles, qrels):
    def ideal(job, pool):
        grades = qrels[job["job_id"]]
        return sorted((p["candidate_id"] for p in pool), key=lambda c: -grades.get(c, 0))

    def backwards(job, pool):
        return list(reversed(ideal(job, pool)))

    best = evaluate(ideal, jobs, profiles, qrels)
    worst = evaluate(backwards, jobs, profiles, qrels)
    assert best.ndcg_at_10 == pytest.approx(1.0)
    assert best.map == pytest.approx(1.0)
    assert worst.ndcg_at_10 < 0.05
    assert worst.map < 0.05


def test_the_bm25_baseline_ranks_the_whole_pool_and_beats_id_order(jobs, profiles, qrels):
    # Given the lexical baseline and a ranker that knows nothing (candidate-id order)
    def id_order(job, pool):
        return [p["candidate_id"] for p in pool]

    ranking = bm25_ranker(jobs[0], profiles)
    assert sorted(ranking) == sorted(p["candidate_id"] for p in profiles)
    # When both are evaluated / Then the baseline is clearly better, and short of the ideal
    baseline = evaluate(bm25_ranker, jobs, profiles, qrels)
    blind = evaluate(id_order, jobs, profiles, qrels)
    assert blind.ndcg_at_10 < 0.2 < 0.4 < baseline.ndcg_at_10 < 0.9
    assert baseline.figures()["map_relevant_grade"] == 2
