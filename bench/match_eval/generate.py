"""Write the evaluation pool: `python -m bench.match_eval.generate` rewrites data/jobs.json and data/profiles.jsonl.

Deterministic (one seeded generator, no set iteration), so the committed files can be checked against a fresh
run. Every profile goes through the candidate model (`ProfileFields`), so it holds exactly what the API would
store: skills and roles lower-cased, duplicates dropped, names and places validated.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from bench.match_eval import building_blocks as bb
from bench.match_eval.jobs import JOBS
from bench.match_eval.vocabulary import Vocabulary, shipped_vocabulary
from talentpool.models.candidate import ProfileFields, Topic

SEED = 20261201
DATA = Path(__file__).resolve().parent / "data"
JOBS_FILE = DATA / "jobs.json"
PROFILES_FILE = DATA / "profiles.jsonl"
T = TypeVar("T")

P_CAREER_MOVE = 0.07
P_SPARSE = 0.07
P_NO_LOCATION = 0.04
P_COUNTRY_ONLY = 0.04
P_YEARS_UNKNOWN = 0.07
P_MISSPELLING = 0.03
P_LISTS_LANGUAGES = 0.45
P_REMOTE_SEEKER = {"tech": 0.12, "healthcare": 0.0, "logistics": 0.0, "other": 0.03}
P_WRITES_DUTCH = {"tech": 0.2, "healthcare": 0.8, "logistics": 0.75, "other": 0.75}
P_WRITES_GERMAN = {"tech": 0.1, "healthcare": 0.75, "logistics": 0.7, "other": 0.6}


@dataclass(frozen=True)
class Person:
    """What the generator decided about one person before writing their profile."""

    archetype: str
    wants: str  # the archetype whose roles they are looking for (a career move when it differs)
    origin: bb.Origin
    writes: str
    years: int | None
    sparse: bool


def generate_profiles(rng: random.Random, vocabulary: Vocabulary) -> list[dict[str, Any]]:
    """The general pool, then the campaign sign-ups from a second stream (so adding sign-ups never reshuffles
    the general pool, whose labels would otherwise go stale)."""
    archetypes = [name for name, count in bb.ARCHETYPE_WEIGHTS.items() for _ in range(count)]
    rng.shuffle(archetypes)
    profiles = [_profile(index + 1, _person(rng, name), rng, vocabulary) for index, name in enumerate(archetypes)]
    signups = random.Random(rng.random())
    for name, origin, count, band in bb.CAMPAIGN_SIGNUPS:
        for _ in range(count):
            person = _person(signups, name, origin, band)
            profiles.append(_profile(len(profiles) + 1, person, signups, vocabulary))
    return profiles


def _person(
    rng: random.Random, name: str, origin_key: str | None = None, band: tuple[int, int] | None = None
) -> Person:
    archetype = bb.ARCHETYPES[name]
    moves = [to for frm, to in bb.CAREER_MOVES if frm == name]
    wants = rng.choice(moves) if moves and rng.random() < P_CAREER_MOVE else name
    origin = bb.ORIGINS[origin_key or _weighted(rng, list(archetype.origins))]
    writes = _writing_language(rng, archetype.sector, origin)
    years = rng.randint(*band) if band else _years(rng, archetype)
    return Person(name, wants, origin, writes, years, _p(rng, P_SPARSE))


def _writing_language(rng: random.Random, sector: str, origin: bb.Origin) -> str:
    if origin.writes == "nl":
        return "nl" if rng.random() < P_WRITES_DUTCH[sector] else "en"
    if origin.writes == "de":
        return "de" if rng.random() < P_WRITES_GERMAN[sector] else "en"
    return "en"


def _years(rng: random.Random, archetype: bb.Archetype) -> int | None:
    if rng.random() < P_YEARS_UNKNOWN:
        return None
    band = _weighted(rng, [((0, 2), 25), ((3, 6), 35), ((7, 14), 28), ((15, 32), 12)])
    low, high = max(band[0], archetype.years[0]), min(band[1], archetype.years[1])
    return rng.randint(low, max(low, high))


def _profile(number: int, person: Person, rng: random.Random, vocabulary: Vocabulary) -> dict[str, Any]:
    location = _location(rng, person.origin)
    skills = _skills(rng, person, location.get("country"))
    raw: dict[str, Any] = {
        "first_name": rng.choice(bb.FIRST_NAMES[person.origin.names]),
        "last_name": rng.choice(bb.LAST_NAMES[person.origin.names]),
        "location": location or None,
        "skills": [_written(rng, skill, person.writes, vocabulary) for skill in skills],
        "years_experience": None if person.sparse and rng.random() < 0.5 else person.years,
        "desired_roles": _roles(rng, person),
        "interests": rng.sample(list(Topic), rng.randint(0, 3)),
    }
    stored = ProfileFields.model_validate(raw).model_dump(mode="json", exclude_none=True)
    return {"candidate_id": f"c{number:04d}", **stored}


def _location(rng: random.Random, origin: bb.Origin) -> dict[str, str]:
    roll = rng.random()
    if roll < P_NO_LOCATION:
        return {}
    city = _weighted(rng, bb.HOME_CITIES[origin.region])
    country, timezone = bb.CITIES[city]
    if roll < P_NO_LOCATION + P_COUNTRY_ONLY:
        return {"country": country}
    return {"city": city, "country": country, "timezone": timezone}


def _skills(rng: random.Random, person: Person, country: str | None) -> list[str]:
    archetype = bb.ARCHETYPES[person.archetype]
    if person.sparse:
        return rng.sample(list(archetype.core), rng.randint(1, 2))
    junior = person.years is not None and person.years <= 2
    senior = person.years is not None and person.years >= 7
    skills = [s for s in archetype.core if _p(rng, 0.62 if junior else 0.82)]
    skills += [s for s in archetype.extra if _p(rng, 0.38 if senior else 0.22)]
    if person.wants != person.archetype:  # people moving on have picked up a little of where they are going
        skills += rng.sample(list(bb.ARCHETYPES[person.wants].core), 1)
    if person.archetype in bb.NURSING_ARCHETYPES and country in bb.NURSE_REGISTRATION and _p(rng, 0.6):
        skills.append(bb.NURSE_REGISTRATION[country])
    skills += [s for s in archetype.soft if _p(rng, 0.2)]
    if _p(rng, P_LISTS_LANGUAGES):
        skills += list(person.origin.languages[: rng.randint(1, len(person.origin.languages))])
    return list(dict.fromkeys(skills))


def _written(rng: random.Random, skill: str, writes: str, vocabulary: Vocabulary) -> str:
    """The skill as this person types it: their language's usual form, sometimes an abbreviation or a typo."""
    if skill in bb.MISSPELLINGS and _p(rng, P_MISSPELLING):
        return bb.MISSPELLINGS[skill]
    forms = bb.WRITTEN_FORMS.get(skill, {})
    options = forms.get(writes) or forms.get("en") or _default_forms(skill, writes, vocabulary)
    return options[0] if len(options) == 1 or _p(rng, 0.6) else rng.choice(options[1:])


def _default_forms(skill: str, writes: str, vocabulary: Vocabulary) -> tuple[str, ...]:
    if skill not in vocabulary.display:
        return (skill,)  # free text the vocabulary does not know
    dutch = vocabulary.dutch.get(skill)
    return (dutch,) if writes == "nl" and dutch else (vocabulary.display[skill],)


def _roles(rng: random.Random, person: Person) -> list[str]:
    archetype = bb.ARCHETYPES[person.wants]
    if person.sparse and _p(rng, 0.5):
        return []
    pool = {"nl": archetype.roles_nl, "de": archetype.roles_de}.get(person.writes) or archetype.roles_en
    if person.writes == "nl" and _p(rng, 0.2):
        pool = archetype.roles_en
    roles = rng.sample(list(pool), rng.randint(1, min(3, len(pool))))
    prefix = _seniority(rng, archetype.sector, person.years)
    roles = [f"{prefix}{roles[0]}", *roles[1:]] if prefix else roles
    if _p(rng, P_REMOTE_SEEKER[archetype.sector] * (3 if person.origin.region == "abroad" else 1)):
        roles = [f"remote {roles[0]}", *roles[1:]]
    return roles


def _seniority(rng: random.Random, sector: str, years: int | None) -> str:
    if years is None or sector not in ("tech", "logistics") or not _p(rng, 0.45):
        return ""
    if years <= 2:
        return "junior "
    if years >= 7:
        return "senior " if sector == "tech" else "ervaren "
    return "medior " if sector == "tech" else ""


def _weighted(rng: random.Random, options: list[tuple[T, int]]) -> T:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _p(rng: random.Random, probability: float) -> bool:
    return rng.random() < probability


def render() -> tuple[str, str]:
    """The two files' exact contents, from a fresh generator."""
    profiles = generate_profiles(random.Random(SEED), shipped_vocabulary())
    jobs_text = json.dumps(JOBS, ensure_ascii=False, indent=1) + "\n"
    profiles_text = "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in profiles)
    return jobs_text, profiles_text


def main() -> None:
    jobs_text, profiles_text = render()
    DATA.mkdir(exist_ok=True)
    JOBS_FILE.write_text(jobs_text, encoding="utf-8")
    PROFILES_FILE.write_text(profiles_text, encoding="utf-8")
    print(f"wrote {len(JOBS)} jobs and {profiles_text.count(chr(10))} profiles to {DATA}")


if __name__ == "__main__":
    main()
