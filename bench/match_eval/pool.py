"""The labelling pool: which profiles were read for each job, and the one-line view they were read in.

For each job the pool is the union of
  (a) the BM25 baseline's top 30,
  (b) the top 30 by naive required-skill overlap (skills normalised through the vocabulary; ties in a seeded
      random order, so no candidate id order leaks in),
  (c) the top 30 by the same overlap among profiles living in the job's country (or a country a remote job
      accepts): what a skill-index query with a location filter returns, the shape the matching feature takes,
  (d) 5 profiles drawn at random (seeded per job), a check on what all three miss,
  (e) every profile in those countries missing at most one required skill: the sweep that closes the holes
      (a) to (c) leave where many people share the same overlap.

`python -m bench.match_eval.pool` rewrites data/pool.tsv; `... pool --show J01` prints a job and its pooled
profiles, one line each, in candidate-id order (never in either system's order, so the reader is not primed).
"""

from __future__ import annotations

import random
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from bench.match_eval.evaluate import HERE, Job, Profile, bm25_ranker, load_jobs, load_profiles
from bench.match_eval.vocabulary import Vocabulary, shipped_vocabulary

DEPTH = 30
RANDOM_PER_JOB = 5
SEED = 20261202
POOL_FILE = HERE / "data" / "pool.tsv"


def _missing(job: Job, profile: Profile, vocabulary: Vocabulary) -> set[str]:
    skills = {vocabulary.normalise(s) for s in profile["skills"]}
    return {vocabulary.normalise(s) for s in job["required_skills"]} - skills


def overlap_ranker(job: Job, profiles: Sequence[Profile], vocabulary: Vocabulary, rng: random.Random) -> list[str]:
    order = list(range(len(profiles)))
    rng.shuffle(order)
    order.sort(key=lambda i: len(_missing(job, profiles[i], vocabulary)))  # stable: ties keep the shuffled order
    return [profiles[i]["candidate_id"] for i in order]


def in_job_country(job: Job, profile: Profile) -> bool:
    country = (profile.get("location") or {}).get("country")
    return country is not None and country in {job["location"]["country"], *job["remote_countries"]}


def build_pool(jobs: Sequence[Job], profiles: Sequence[Profile]) -> dict[str, dict[str, list[str]]]:
    """job_id -> candidate_id -> the pools it came from, e.g. ["bm25", "local"]."""
    vocabulary = shipped_vocabulary()
    ids = [p["candidate_id"] for p in profiles]
    pool: dict[str, dict[str, list[str]]] = {}
    for job in jobs:
        rng = random.Random(f"{SEED}:{job['job_id']}")
        local = [p for p in profiles if in_job_country(job, p)]
        sources = {
            "bm25": bm25_ranker(job, profiles)[:DEPTH],
            "overlap": overlap_ranker(job, profiles, vocabulary, rng)[:DEPTH],
            "local": overlap_ranker(job, local, vocabulary, rng)[:DEPTH],
            "random": rng.sample(ids, RANDOM_PER_JOB),
            "near": [p["candidate_id"] for p in local if len(_missing(job, p, vocabulary)) <= 1],
        }
        found: dict[str, list[str]] = {}
        for source, candidates in sources.items():
            for candidate_id in candidates:
                found.setdefault(candidate_id, []).append(source)
        pool[job["job_id"]] = dict(sorted(found.items()))
    return pool


def render_pool(pool: Mapping[str, Mapping[str, list[str]]]) -> str:
    lines = ["job_id\tcandidate_id\tsources"]
    lines += [f"{j}\t{c}\t{','.join(s)}" for j, found in pool.items() for c, s in found.items()]
    return "\n".join(lines) + "\n"


def load_pool() -> dict[str, dict[str, list[str]]]:
    pool: dict[str, dict[str, list[str]]] = {}
    for line in POOL_FILE.read_text(encoding="utf-8").splitlines()[1:]:
        job_id, candidate_id, sources = line.split("\t")
        pool.setdefault(job_id, {})[candidate_id] = sources.split(",")
    return pool


def describe_job(job: Job) -> str:
    exp = job["experience"]
    remote = f" remote:{'/'.join(job['remote_countries'])}" if job["remote_countries"] else ""
    return (
        f"{job['job_id']} {job['title']} | {job['location']['city']} {job['location']['country']} "
        f"{job['workplace']}{remote} | req: {', '.join(job['required_skills'])} | pref: "
        f"{', '.join(job['preferred_skills'])} | years {exp['min_years']}-{exp['max_years'] or ''} | "
        f"lang: {','.join(job['languages']) or '-'}"
    )


def describe_profile(profile: Mapping[str, Any], vocabulary: Vocabulary) -> str:
    """One line: where, how long, what they want, and their skills as written with the canonical form beside it."""
    location = profile.get("location") or {}
    where = " ".join(x for x in (location.get("city"), location.get("country")) if x) or "?"
    years = profile.get("years_experience")
    skills = []
    for skill in profile["skills"]:
        canonical = vocabulary.normalise(skill)
        skills.append(skill if canonical == skill else f"{skill}={canonical}")
    roles = "; ".join(profile.get("desired_roles", [])) or "-"
    return f"{profile['candidate_id']} [{where}] {'?' if years is None else years}y | {roles} | {', '.join(skills)}"


def main(argv: list[str]) -> None:
    jobs, profiles = load_jobs(), load_profiles()
    if argv[:1] == ["--show"]:
        vocabulary = shipped_vocabulary()
        by_id = {p["candidate_id"]: p for p in profiles}
        pool = load_pool()
        for job in (j for j in jobs if j["job_id"] in argv[1:]):
            print(describe_job(job))
            for candidate_id in pool[job["job_id"]]:
                print("  " + describe_profile(by_id[candidate_id], vocabulary))
        return
    pool = build_pool(jobs, profiles)
    POOL_FILE.write_text(render_pool(pool), encoding="utf-8")
    sizes = [len(found) for found in pool.values()]
    print(f"pooled {sum(sizes)} judgements over {len(pool)} jobs ({min(sizes)}-{max(sizes)} per job)")


if __name__ == "__main__":
    main(sys.argv[1:])
