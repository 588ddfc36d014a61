"""Key builders for every item type in the single table (see docs/data-model.md)."""

from __future__ import annotations

import hashlib

from talentpool.store.schema import PK, SK

PROFILE = "PROFILE"
TIMELINE_PREFIX = "TL#"
IDEMPOTENCY_PREFIX = "IDEMPOTENCY#"  # Powertools records: pk=IDEMPOTENCY#<scope>, sk=<hash>
NO_EXPERIENCE = "--"  # sorts before "00", so experience ranges never include candidates without a figure


def candidate_pk(candidate_id: str) -> str:
    return f"CAND#{candidate_id}"


def candidate_key(candidate_id: str) -> dict[str, str]:
    return {PK: candidate_pk(candidate_id), SK: PROFILE}


def timeline_key(candidate_id: str, at: str, entry_id: str) -> dict[str, str]:
    return {PK: candidate_pk(candidate_id), SK: f"{TIMELINE_PREFIX}{at}#{entry_id}"}


def email_guard_key(email: str) -> dict[str, str]:
    return {PK: f"EMAIL#{email}", SK: "GUARD"}


def email_digest(email: str) -> str:
    """A one-way digest of a normalised address: lets a tombstone match without keeping the address."""
    return hashlib.sha256(email.encode()).hexdigest()


def tombstone_key(email: str) -> dict[str, str]:
    return {PK: f"ERASED#{email_digest(email)}", SK: "TOMBSTONE"}


def experience_key(years: int | None) -> str:
    return NO_EXPERIENCE if years is None else f"{years:02d}"


def skill_index_key(skill: str, years: int | None, candidate_id: str) -> dict[str, str]:
    return {PK: f"SKILL#{skill}", SK: f"{experience_key(years)}#{candidate_id}"}


def tag_index_key(tag: str, candidate_id: str) -> dict[str, str]:
    return {PK: f"TAG#{tag}", SK: candidate_id}


def key_of(item: dict[str, object]) -> tuple[str, str]:
    return str(item[PK]), str(item[SK])
