"""Key builders for every item type in the single table (see docs/data-model.md)."""

from __future__ import annotations

import hashlib

from talentpool.adapters.aws.schema import PK, SK
from talentpool.models.email_address import email_identity
from talentpool.models.text import folded
from talentpool.ports.item_kinds import TIMELINE_PREFIX as TIMELINE_PREFIX

PROFILE = "PROFILE"
NO_EXPERIENCE = "--"  # sorts before "00", so experience ranges never include candidates without a figure


def candidate_pk(candidate_id: str) -> str:
    return f"CAND#{candidate_id}"


def candidate_key(candidate_id: str) -> dict[str, str]:
    return {PK: candidate_pk(candidate_id), SK: PROFILE}


def held_change_key(candidate_id: str) -> dict[str, str]:
    """New details held for a proven address: in the candidate's partition, so erasure takes them too."""
    return {PK: candidate_pk(candidate_id), SK: "CHANGE"}


def timeline_key(candidate_id: str, at: str, entry_id: str) -> dict[str, str]:
    return {PK: candidate_pk(candidate_id), SK: f"{TIMELINE_PREFIX}{at}#{entry_id}"}


def email_guard_key(email: str) -> dict[str, str]:
    """The uniqueness guard of an address: keyed on its identity, so `Ana@x.com` and `ana@x.com` are one person."""
    return {PK: f"EMAIL#{email_identity(email)}", SK: "GUARD"}


def email_digest(email: str) -> str:
    """A one-way digest of an address's identity: lets a tombstone match without keeping the address."""
    return hashlib.sha256(email_identity(email).encode()).hexdigest()


def tombstone_key(email: str) -> dict[str, str]:
    return {PK: f"ERASED#{email_digest(email)}", SK: "TOMBSTONE"}


def email_limit_key(mailbox: str) -> dict[str, str]:
    """The per-mailbox email limit: keyed on a digest, so the limit item holds no address."""
    return {PK: f"LIMIT#{hashlib.sha256(mailbox.encode()).hexdigest()}", SK: "EMAILS"}


def submission_key(submission_id: str) -> dict[str, str]:
    return {PK: f"SUBMISSION#{submission_id}", SK: "SUBMISSION"}


def experience_key(years: int | None) -> str:
    return NO_EXPERIENCE if years is None else f"{years:02d}"


def skill_index_key(skill: str, years: int | None, candidate_id: str) -> dict[str, str]:
    return {PK: f"SKILL#{skill}", SK: f"{experience_key(years)}#{candidate_id}"}


def tag_index_key(tag: str, candidate_id: str) -> dict[str, str]:
    return {PK: f"TAG#{tag}", SK: candidate_id}


def key_of(item: dict[str, object]) -> tuple[str, str]:
    return str(item[PK]), str(item[SK])


def name_key(first_name: str | None, last_name: str | None) -> str:
    """A name as the by_name index sorts it: given name first, accents and case folded ('' when there is none)."""
    return folded(" ".join(part for part in (first_name, last_name) if part))


def name_partition(key: str) -> str:
    """The by_name partition of a folded name or prefix: its first character, so a prefix is one partition."""
    return f"NAME#{key[:1]}"
