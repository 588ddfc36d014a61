"""Candidate persistence: the profile item, its email guard, its index items and its timeline, kept in step."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from talentpool.adapters.aws import keys
from talentpool.adapters.aws.schema import (
    BY_CHANNEL,
    BY_CONSENT,
    BY_COUNTRY,
    BY_NAME,
    BY_STAGE,
    PK,
    SK,
    SUMMARY_ATTRIBUTES,
    TTL_ATTRIBUTE,
)
from talentpool.adapters.aws.table import Table, TransactionCancelled, Write, is_conditional_failure
from talentpool.clock import isoformat, parse_iso
from talentpool.errors import EmailTaken, VersionConflict
from talentpool.models.candidate import Candidate, EmailedLink, PendingChange, TimelineEntry
from talentpool.ports.item_kinds import TIMELINE_PREFIX


def summary(candidate: Candidate) -> dict[str, Any]:
    """The pseudonymous attributes every index entry carries (see schema.SUMMARY_ATTRIBUTES)."""
    location = candidate.location
    values: dict[str, Any] = {
        "candidate_id": candidate.candidate_id,
        "skills": candidate.skills,
        "years_experience": candidate.years_experience,
        "country": location.country if location else None,
        "city": location.city if location else None,
        "stage": candidate.stage.value,
        "tags": candidate.tags,
        "source_channel": candidate.source.channel.value,
        "consent_status": candidate.consent.status.value,
        "engagement": candidate.engagement,
        "engagement_at": candidate.engagement_at,
        "captured_at": candidate.captured_at,
        "owner_id": candidate.owner.id if candidate.owner else None,
        "interests": [i.value for i in candidate.interests],
    }
    assert set(values) == set(SUMMARY_ATTRIBUTES)
    return values


def profile_item(candidate: Candidate) -> dict[str, Any]:
    """The profile item: the whole candidate, plus the GSI keys that place it in each index."""
    item: dict[str, Any] = {
        **keys.candidate_key(candidate.candidate_id),
        **candidate.model_dump(mode="json", exclude_none=True),
        **summary(candidate),
        "entity": "candidate",
        BY_STAGE.pk: f"STAGE#{candidate.stage.value}",
        BY_STAGE.sk: candidate.candidate_id,
        BY_CHANNEL.pk: f"CHANNEL#{candidate.source.channel.value}",
        BY_CHANNEL.sk: candidate.candidate_id,
        BY_CONSENT.pk: f"CONSENT#{candidate.consent.status.value}",
        BY_CONSENT.sk: candidate.candidate_id,
    }
    if candidate.location and candidate.location.country:
        city = (candidate.location.city or "").lower()
        item[BY_COUNTRY.pk] = f"COUNTRY#{candidate.location.country}"
        item[BY_COUNTRY.sk] = f"{city}#{candidate.candidate_id}"
    if name := keys.name_key(candidate.first_name, candidate.last_name):
        item[BY_NAME.pk] = keys.name_partition(name)
        item[BY_NAME.sk] = f"{name}#{candidate.candidate_id}"
    return {k: v for k, v in item.items() if v is not None}


def index_items(candidate: Candidate) -> dict[tuple[str, str], dict[str, Any]]:
    """Skill and tag index items, keyed by (pk, sk): one per skill and one per tag."""
    base = {k: v for k, v in summary(candidate).items() if v is not None}
    items: dict[tuple[str, str], dict[str, Any]] = {}
    for skill in candidate.skills:
        key = keys.skill_index_key(skill, candidate.years_experience, candidate.candidate_id)
        items[(key[PK], key[SK])] = {**key, **base, "entity": "skill_index"}
    for tag in candidate.tags:
        key = keys.tag_index_key(tag, candidate.candidate_id)
        items[(key[PK], key[SK])] = {**key, **base, "entity": "tag_index"}
    return items


def timeline_item(entry: TimelineEntry) -> dict[str, Any]:
    return {
        **keys.timeline_key(entry.candidate_id, entry.at, entry.entry_id),
        **entry.model_dump(mode="json"),
        "entity": "timeline",
    }


@dataclass(frozen=True)
class _LinkMark:
    """Where a kind of emailed link keeps its current nonce, the nonce last emailed, and when it is wanted."""

    key: Callable[[str], dict[str, str]]
    nonce: str
    sent: str
    sent_at: str
    still_wanted: str
    also_set: str = ""  # the profile's version moves with a claim, so a save made from an older read cannot undo it
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


_MARKS = {
    EmailedLink.CONFIRMATION: _LinkMark(
        keys.candidate_key,
        "confirmation_nonce",
        "confirmation_sent_nonce",
        "confirmation_sent_at",
        still_wanted="consent.#status = :pending AND attribute_not_exists(suppressed_at)",
        also_set=", #version = #version + :one",
        names={"#status": "status", "#version": "version"},
        values={":pending": "pending", ":one": 1},
    ),
    # A held change is wanted until applied, replaced (a new nonce, emailed too) or expired.
    EmailedLink.CHANGE: _LinkMark(
        keys.held_change_key,
        "nonce",
        "sent_nonce",
        "sent_at",
        still_wanted="lapses_at > :now",
    ),
}


def _index_writes(before: Candidate | None, after: Candidate) -> list[Write]:
    old = index_items(before) if before else {}
    new = index_items(after)
    writes = [Write("Delete", {PK: pk, SK: sk}) for (pk, sk) in old.keys() - new.keys()]
    writes += [Write("Put", {PK: k[0], SK: k[1]}, item=item) for k, item in new.items() if old.get(k) != item]
    return writes


class CandidateStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, candidate_id: str) -> Candidate | None:
        item = self.table.get(keys.candidate_key(candidate_id))
        return Candidate.model_validate(item) if item else None

    def id_for_email(self, email: str) -> str | None:
        guard = self.table.get(keys.email_guard_key(email))
        return str(guard["candidate_id"]) if guard else None

    def is_erased(self, email: str) -> bool:
        return self.table.get(keys.tombstone_key(email)) is not None

    def create(
        self,
        candidate: Candidate,
        entries: Sequence[TimelineEntry],
        *,
        clear_tombstone: bool,
        extra: Sequence[Write] = (),
    ) -> None:
        """Write a new candidate atomically; raise EmailTaken if the address is already in the pool.

        `extra` writes go last, in the same transaction: a failed condition there is the caller's to read.
        """
        writes = [
            Write(
                "Put",
                keys.email_guard_key(candidate.email),
                item={"candidate_id": candidate.candidate_id, "entity": "email_guard"},
                condition="attribute_not_exists(pk)",
                return_old_on_failure=True,
            ),
            Write(
                "Put",
                keys.candidate_key(candidate.candidate_id),
                item=profile_item(candidate),
                condition="attribute_not_exists(pk)",
            ),
            *(Write("Put", {PK: i[PK], SK: i[SK]}, item=i) for i in map(timeline_item, entries)),
            *_index_writes(None, candidate),
        ]
        if clear_tombstone:
            writes.append(Write("Delete", keys.tombstone_key(candidate.email)))
        writes.extend(extra)
        try:
            self.table.transact(writes)
        except TransactionCancelled as exc:
            old_guard = exc.old_items[0] if exc.failed_at(0) else None
            if old_guard:
                raise EmailTaken(str(old_guard["candidate_id"])) from exc
            if exc.conflicted:
                raise VersionConflict(candidate.candidate_id) from exc
            raise

    def save(
        self,
        before: Candidate,
        after: Candidate,
        entries: Sequence[TimelineEntry] = (),
        *,
        extra: Sequence[Write] = (),
    ) -> Candidate:
        """Replace the profile if nobody changed it since `before` was read; keep the indexes in step."""
        saved = after.model_copy(update={"version": before.version + 1})
        writes = [
            Write(
                "Put",
                keys.candidate_key(saved.candidate_id),
                item=profile_item(saved),
                condition="#version = :version",
                names={"#version": "version"},
                values={":version": before.version},
            ),
            *(Write("Put", {PK: i[PK], SK: i[SK]}, item=i) for i in map(timeline_item, entries)),
            *_index_writes(before, saved),
            *extra,
        ]
        try:
            self.table.transact(writes)
        except TransactionCancelled as exc:
            if exc.failed_at(0) or exc.conflicted:
                raise VersionConflict(saved.candidate_id) from exc
            raise
        return saved

    def append_timeline(self, entries: Sequence[TimelineEntry]) -> None:
        items = [timeline_item(entry) for entry in entries]
        if len(items) == 1:
            self.table.put(items[0])  # a single put costs half a one-item transaction
            return
        self.table.transact([Write("Put", {PK: i[PK], SK: i[SK]}, item=i) for i in items])

    def claim_confirmation_email(self, candidate_id: str, now: datetime) -> Candidate | None:
        """Mark the current confirmation link as emailed, once; None if it was already, or is not needed."""
        item = self._claim(candidate_id, EmailedLink.CONFIRMATION, now)
        return Candidate.model_validate(item) if item else None

    def claim_change_email(self, candidate_id: str, now: datetime) -> PendingChange | None:
        """Mark the held change's link as emailed, once; None if it was already, or nothing is held."""
        item = self._claim(candidate_id, EmailedLink.CHANGE, now)
        return PendingChange.model_validate(item) if item else None

    def _claim(self, candidate_id: str, link: EmailedLink, now: datetime) -> dict[str, Any] | None:
        """Marking before sending makes a retried delivery of the same event a no-op: at most one email per link."""
        mark = _MARKS[link]
        try:
            return self.table.update(
                mark.key(candidate_id),
                f"SET {mark.sent} = {mark.nonce}, {mark.sent_at} = :now{mark.also_set}",
                condition=(
                    f"attribute_exists({mark.nonce}) AND {mark.still_wanted}"
                    f" AND (attribute_not_exists({mark.sent}) OR {mark.sent} <> {mark.nonce})"
                ),
                names=mark.names,
                values={":now": isoformat(now), **mark.values},
            )
        except Exception as exc:
            if is_conditional_failure(exc):
                return None
            raise

    def held_change(self, candidate_id: str) -> PendingChange | None:
        item = self.table.get(keys.held_change_key(candidate_id))
        return PendingChange.model_validate(item) if item else None

    def hold_change_writes(
        self, holder: Candidate, change: PendingChange, entries: Sequence[TimelineEntry]
    ) -> list[Write]:
        """Keep `change` beside its profile (replacing any held before), if the address is still the holder's.

        The guard is the check: erasure deletes it, and a no-op update conditional on it needs only the
        UpdateItem the writer already has (a ConditionCheck would need an IAM action of its own).
        """
        expires = int(parse_iso(change.lapses_at).timestamp())
        return [
            Write(
                "Update",
                keys.email_guard_key(holder.email),
                update="SET candidate_id = :id",
                condition="candidate_id = :id",
                values={":id": holder.candidate_id},
            ),
            Write(
                "Put",
                keys.held_change_key(change.candidate_id),
                item={
                    **change.model_dump(mode="json", exclude_none=True),
                    "entity": "held_change",
                    TTL_ATTRIBUTE: expires,
                },
            ),
            *(Write("Put", {PK: i[PK], SK: i[SK]}, item=i) for i in map(timeline_item, entries)),
        ]

    def apply_change(
        self, before: Candidate, after: Candidate, change: PendingChange, entries: Sequence[TimelineEntry]
    ) -> Candidate:
        """Save the profile with the change applied and let the held change go, once (its nonce must still match)."""
        used = Write(
            "Delete",
            keys.held_change_key(change.candidate_id),
            condition="nonce = :nonce",
            values={":nonce": change.nonce},
        )
        try:
            return self.save(before, after, entries, extra=[used])
        except TransactionCancelled as exc:
            # Replaced by a newer submission meanwhile: the caller reads again and finds this link used.
            raise VersionConflict(before.candidate_id) from exc

    def release_link_email(self, candidate_id: str, link: EmailedLink, nonce: str) -> None:
        """Undo a claim when SES refused the send outright, so a retry can send it."""
        mark = _MARKS[link]
        try:
            self.table.update(
                mark.key(candidate_id),
                f"REMOVE {mark.sent}, {mark.sent_at}",
                condition=f"{mark.sent} = :nonce",
                values={":nonce": nonce},
            )
        except Exception as exc:
            if not is_conditional_failure(exc):
                raise

    def timeline(self, candidate_id: str, *, limit: int, after: str | None) -> tuple[list[TimelineEntry], str | None]:
        """A page of the timeline, newest first; `after` and the returned position are timeline sort keys."""
        start = {PK: keys.candidate_pk(candidate_id), SK: after} if after else None
        page = self.table.query(
            keys.candidate_pk(candidate_id),
            sk_prefix=TIMELINE_PREFIX,
            forward=False,
            limit=limit,
            start_key=start,
            consistent=True,
        )
        entries = [TimelineEntry.model_validate(item) for item in page.items]
        return entries, (str(page.last_key[SK]) if page.last_key else None)

    def timeline_entry(self, candidate_id: str, at: str, entry_id: str) -> TimelineEntry | None:
        item = self.table.get(keys.timeline_key(candidate_id, at, entry_id))
        return TimelineEntry.model_validate(item) if item else None

    def items_of(self, candidate_id: str) -> list[dict[str, Any]]:
        """Everything stored under the candidate's partition: profile, timeline, enrolments, send log."""
        return list(self.table.query_all(keys.candidate_pk(candidate_id), consistent=True))

    def erase(self, candidate: Candidate, *, erased_at: str) -> None:
        """Delete every item about the candidate and leave a tombstone that holds no personal data.

        The profile, guard and index items go in one transaction, so the candidate vanishes from every
        lookup at once; the rest of the partition (timeline, enrolments) follows in batches. Re-running
        after a failure finishes the job.
        """
        writes = [
            Write("Delete", keys.candidate_key(candidate.candidate_id)),
            Write("Delete", keys.email_guard_key(candidate.email)),
            Write("Put", keys.tombstone_key(candidate.email), item={"entity": "tombstone", "erased_at": erased_at}),
            *(Write("Delete", {PK: pk, SK: sk}) for pk, sk in index_items(candidate)),
        ]
        self.table.transact(writes)
        self.table.batch_delete([{PK: i[PK], SK: i[SK]} for i in self.items_of(candidate.candidate_id)])
