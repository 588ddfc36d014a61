"""The shipped skills vocabulary: load it, find what is wrong with it, and normalise a raw skill through it.

A stand-in until the matching feature brings its own normaliser into the layer; the rules here are the ones
`layers/core/python/talentpool/data/README.md` documents for people who edit the file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

VOCABULARY_PATH = Path(__file__).resolve().parents[2] / "layers/core/python/talentpool/data/skills.json"
MAX_LABEL = 60  # the candidate model's skill label limit: a longer key could never match a stored skill
ENTRY_FIELDS = frozenset({"display", "nl", "category", "aliases"})


def normalise_label(raw: str) -> str:
    """The candidate model's rule for a skill label: trimmed, inner whitespace collapsed, lower-cased."""
    return " ".join(raw.split()).lower()


@dataclass(frozen=True)
class Vocabulary:
    """Canonical skills with their display forms, and every alias pointing at its one canonical name."""

    display: Mapping[str, str]
    dutch: Mapping[str, str]  # the Dutch display form, where it differs from the English one
    category: Mapping[str, str]
    canonical_of: Mapping[str, str]  # canonical -> itself, alias -> canonical

    def normalise(self, raw: str) -> str:
        """The canonical name of a raw skill; an unknown skill stays as written (normalised), never dropped."""
        label = normalise_label(raw)
        return self.canonical_of.get(label, label)

    def known(self, raw: str) -> bool:
        return normalise_label(raw) in self.canonical_of


def parse_vocabulary(text: str) -> Any:
    """The file's JSON; a key written twice (easy to do when editing by hand) is an error, not a silent overwrite."""

    def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        doubled = sorted({key for key in keys if keys.count(key) > 1})
        if doubled:
            raise ValueError(f"the skills vocabulary lists {', '.join(map(repr, doubled))} more than once")
        return dict(pairs)

    return json.loads(text, object_pairs_hook=unique_keys)


def vocabulary_problems(data: Any) -> list[str]:
    """Everything wrong with a parsed skills.json, one sentence each; empty when the file is sound."""
    if not isinstance(data, dict) or not isinstance(data.get("skills"), dict):
        return ["the file must be an object with a 'skills' object"]
    categories = data.get("categories")
    if not isinstance(categories, dict) or not categories:
        return ["the file must list its 'categories'"]
    skills: dict[str, Any] = data["skills"]
    problems: list[str] = []
    owner: dict[str, str] = {}
    for name, entry in skills.items():
        problems += _entry_problems(name, entry, categories)
        if not isinstance(entry, dict):
            continue
        for alias in entry.get("aliases", []):
            if not isinstance(alias, str):
                continue
            if alias in skills:
                problems.append(f"alias {alias!r} of {name!r} is itself a canonical skill")
            elif alias in owner and owner[alias] != name:
                problems.append(f"alias {alias!r} maps to both {owner[alias]!r} and {name!r}")
            owner.setdefault(alias, name)
    return problems


def _entry_problems(name: str, entry: Any, categories: Mapping[str, Any]) -> list[str]:
    problems = _label_problems(f"skill {name!r}", name)
    if not isinstance(entry, dict):
        return [*problems, f"skill {name!r} must be an object"]
    unknown = set(entry) - ENTRY_FIELDS
    if unknown:
        problems.append(f"skill {name!r} has unknown fields {sorted(unknown)}")
    if not isinstance(entry.get("display"), str) or not entry["display"].strip():
        problems.append(f"skill {name!r} needs a display form")
    if entry.get("category") not in categories:
        problems.append(f"skill {name!r} has category {entry.get('category')!r}, not one of the listed categories")
    aliases = entry.get("aliases")
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        return [*problems, f"skill {name!r} needs 'aliases', a list of strings (it may be empty)"]
    if len(set(aliases)) != len(aliases):
        problems.append(f"skill {name!r} lists an alias twice")
    for alias in aliases:
        problems += _label_problems(f"alias {alias!r} of {name!r}", alias)
        if alias == name:
            problems.append(f"skill {name!r} lists itself as an alias")
    return problems


def _label_problems(what: str, label: str) -> list[str]:
    if not label or label != normalise_label(label):
        return [f"{what} is not normalised (lower-case, trimmed, single spaces)"]
    if len(label) > MAX_LABEL:
        return [f"{what} is longer than {MAX_LABEL} characters, the longest skill a profile can hold"]
    return []


def build_vocabulary(data: Mapping[str, Any]) -> Vocabulary:
    """A lookup from a sound vocabulary; raises ValueError naming every problem otherwise."""
    problems = vocabulary_problems(data)
    if problems:
        raise ValueError("the skills vocabulary is invalid: " + "; ".join(problems))
    skills: Mapping[str, Any] = data["skills"]
    canonical_of = {name: name for name in skills}
    canonical_of |= {alias: name for name, entry in skills.items() for alias in entry["aliases"]}
    return Vocabulary(
        display={name: entry["display"] for name, entry in skills.items()},
        dutch={name: entry["nl"] for name, entry in skills.items() if "nl" in entry},
        category={name: entry["category"] for name, entry in skills.items()},
        canonical_of=canonical_of,
    )


@cache
def shipped_vocabulary() -> Vocabulary:
    return build_vocabulary(parse_vocabulary(VOCABULARY_PATH.read_text(encoding="utf-8")))
