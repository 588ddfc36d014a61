"""Score any ranking function on the evaluation set: nDCG@10 and MAP against the hand-made graded labels.

A ranker is `Callable[[job, profiles], ranked candidate ids]`: it sees one job (issue 12's field names) and the
whole pool (the candidate model's fields plus `candidate_id`), and returns ids best first. The BM25 baseline
(`bm25_ranker`) is one such function; the matching feature's scorer plugs in the same way.

- nDCG@10 uses graded gains 2^grade - 1 and a log2(rank + 1) discount; the ideal ordering is taken over every
  label of the job (not only what the ranker returned), so a ranker that misses a grade-3 candidate pays for it.
- MAP counts grade >= 2 as relevant ("a recruiter would call this person"); relevant candidates the ranker never
  returns add zero precision, so AP is divided by every relevant candidate of the job.
- Unjudged candidates count as grade 0 (see README.md for the pooling that makes that safe).

`python -m bench.match_eval.evaluate` prints the BM25 baseline's figures, overall and per job.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
JOBS_FILE = HERE / "data" / "jobs.json"
PROFILES_FILE = HERE / "data" / "profiles.jsonl"
QRELS_FILE = HERE / "qrels.tsv"

Job = Mapping[str, Any]
Profile = Mapping[str, Any]
Ranker = Callable[[Job, Sequence[Profile]], Sequence[str]]
Qrels = Mapping[str, Mapping[str, int]]  # job_id -> candidate_id -> grade (0-3)

CUTOFF = 10
RELEVANT_GRADE = 2


def load_jobs(path: Path = JOBS_FILE) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return jobs


def load_profiles(path: Path = PROFILES_FILE) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_qrels(path: Path = QRELS_FILE) -> dict[str, dict[str, int]]:
    """The labels, from a tab-separated file with a header: job_id, candidate_id, grade."""
    qrels: dict[str, dict[str, int]] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        job_id, candidate_id, grade = line.split("\t")
        qrels.setdefault(job_id, {})[candidate_id] = int(grade)
    return qrels


def ndcg_at(ranking: Sequence[str], grades: Mapping[str, int], k: int = CUTOFF) -> float:
    ideal = _dcg(sorted(grades.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return _dcg(grades.get(candidate_id, 0) for candidate_id in ranking[:k]) / ideal


def _dcg(grades: Iterable[int]) -> float:
    return sum((2.0**grade - 1) / math.log2(rank + 2) for rank, grade in enumerate(grades))


def average_precision(ranking: Sequence[str], grades: Mapping[str, int], threshold: int = RELEVANT_GRADE) -> float:
    relevant = {candidate_id for candidate_id, grade in grades.items() if grade >= threshold}
    if not relevant:
        return 0.0
    hits, total = 0, 0.0
    for rank, candidate_id in enumerate(ranking, start=1):
        if candidate_id in relevant:
            hits += 1
            total += hits / rank
    return total / len(relevant)


@dataclass(frozen=True)
class JobScore:
    job_id: str
    ndcg_at_10: float
    average_precision: float


@dataclass(frozen=True)
class Evaluation:
    per_job: list[JobScore]

    @property
    def ndcg_at_10(self) -> float:
        return sum(s.ndcg_at_10 for s in self.per_job) / len(self.per_job)

    @property
    def map(self) -> float:
        return sum(s.average_precision for s in self.per_job) / len(self.per_job)

    def figures(self) -> dict[str, Any]:
        """JSON-ready, for bench/results.json once the matching benchmark records it."""
        return {
            "jobs": len(self.per_job),
            "ndcg_at_10": round(self.ndcg_at_10, 4),
            "map": round(self.map, 4),
            "map_relevant_grade": RELEVANT_GRADE,
            "per_job": {
                s.job_id: {"ndcg_at_10": round(s.ndcg_at_10, 4), "ap": round(s.average_precision, 4)}
                for s in self.per_job
            },
        }


def evaluate(ranker: Ranker, jobs: Sequence[Job], profiles: Sequence[Profile], qrels: Qrels) -> Evaluation:
    """Run the ranker once per job over the whole pool and score what it returns against the labels."""
    scores = []
    for job in jobs:
        ranking = list(ranker(job, profiles))
        grades = qrels.get(job["job_id"], {})
        scores.append(JobScore(job["job_id"], ndcg_at(ranking, grades), average_precision(ranking, grades)))
    return Evaluation(scores)


def profile_text(profile: Profile) -> str:
    """The words BM25 sees for a profile: skills, desired roles, location and experience."""
    location = profile.get("location") or {}
    years = profile.get("years_experience")
    parts = [
        *profile.get("skills", []),
        *profile.get("desired_roles", []),
        location.get("city", ""),
        _country_name(location.get("country")),
        "" if years is None else f"{years} years experience",
    ]
    return " ".join(p for p in parts if p)


def job_text(job: Job) -> str:
    """The BM25 query for a job: its title, required and preferred skills, and the description."""
    return " ".join([job["title"], *job["required_skills"], *job["preferred_skills"], job["description"]])


def _country_name(code: str | None) -> str:
    if not code:
        return ""
    from talentpool.models.geography import countries

    return countries().get(code, code)


@cache
def _stopwords() -> tuple[str, ...]:
    """English, Dutch and German: the pool and the jobs are written in all three."""
    from bm25s import stopwords  # type: ignore[import-untyped]  # bm25s ships no type information

    return tuple(dict.fromkeys([*stopwords.STOPWORDS_EN, *stopwords.STOPWORDS_DUTCH, *stopwords.STOPWORDS_GERMAN]))


def bm25_ranker(job: Job, profiles: Sequence[Profile]) -> list[str]:
    """The lexical baseline: bm25s (Lucene BM25, k1=1.5, b=0.75) over profile_text, queried with job_text.

    No stemming and no vocabulary: it is the baseline the structured scorer has to beat. Ties keep pool order.
    """
    import bm25s

    ids = tuple(p["candidate_id"] for p in profiles)
    index, vocabulary = _bm25_index(ids, tuple(profile_text(p) for p in profiles))
    query = bm25s.tokenize(job_text(job), stopwords=list(_stopwords()), show_progress=False, return_ids=False)
    known = [t for t in query[0] if t in vocabulary]
    scores = index.get_scores(known) if known else [0.0] * len(ids)
    order = sorted(range(len(ids)), key=lambda i: (-float(scores[i]), i))
    return [ids[i] for i in order]


@lru_cache(maxsize=2)
def _bm25_index(ids: tuple[str, ...], texts: tuple[str, ...]) -> tuple[Any, frozenset[str]]:
    """One index per pool: evaluating 32 jobs against the same profiles indexes them once."""
    import bm25s

    tokens = bm25s.tokenize(list(texts), stopwords=list(_stopwords()), show_progress=False)
    index = bm25s.BM25()
    index.index(tokens, show_progress=False)
    return index, frozenset(tokens.vocab)


def main() -> None:
    jobs, profiles, qrels = load_jobs(), load_profiles(), load_qrels()
    result = evaluate(bm25_ranker, jobs, profiles, qrels)
    print(f"BM25 baseline on {len(jobs)} jobs, {len(profiles)} profiles")
    print(f"nDCG@10 {result.ndcg_at_10:.4f}   MAP (grade >= {RELEVANT_GRADE}) {result.map:.4f}")
    for score in result.per_job:
        print(f"  {score.job_id}  nDCG@10 {score.ndcg_at_10:.3f}  AP {score.average_precision:.3f}")


if __name__ == "__main__":
    main()
