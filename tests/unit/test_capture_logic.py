"""What a resubmission does to a profile, tested with plain models and no AWS: merge, or hold for the owner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from talentpool.logic.capture.submissions import (
    CHANGE_HOLD,
    CaptureContext,
    _new_candidate,
    hash_ip,
    hold_change,
    is_proven,
    merge_resubmission,
    resubmission,
)
from talentpool.models.candidate import Candidate, CaptureRequest, ConsentStatus
from talentpool.models.email_address import mailbox_key
from tests import factories

NOW = datetime(2026, 11, 26, 9, tzinfo=UTC)


def context(at: datetime = NOW) -> CaptureContext:
    return CaptureContext(at, hash_ip("192.0.2.1", "salt"), "ua")


def confirmed(candidate: Candidate) -> Candidate:
    consent = candidate.consent.model_copy(update={"status": ConsentStatus.ACTIVE, "confirmed_at": "2026-11-26T10:00Z"})
    return candidate.model_copy(update={"consent": consent, "consent_history": [consent], "confirmation_nonce": None})


def request(**overrides) -> CaptureRequest:
    return CaptureRequest.model_validate(factories.capture_body(**overrides))


def test_merge_unions_lists_and_keeps_non_empty_fields():
    existing = _new_candidate(request(), context())
    merged, _ = merge_resubmission(
        existing,
        request(skills=["go", "Python"], first_name=None, location={"city": "Porto"}, years_experience=8),
        context(NOW + timedelta(days=1)),
    )
    assert merged.skills == ["python", "aws", "go"]
    assert merged.first_name == "Ana"
    assert merged.location and (merged.location.city, merged.location.country) == ("Porto", "PT")
    assert merged.years_experience == 8
    assert merged.source == existing.source  # first touch is kept; the new source goes on the timeline
    assert len(merged.consent_history) == 2


def test_pending_candidate_gets_a_fresh_link_only_after_the_resend_window():
    existing = _new_candidate(request(), context())
    _, soon = merge_resubmission(existing, request(), context(NOW + timedelta(minutes=2)))
    later, again = merge_resubmission(existing, request(), context(NOW + timedelta(minutes=11)))
    assert (soon, again) == (False, True)
    assert later.confirmation_nonce != existing.confirmation_nonce


def test_a_confirmed_profile_is_left_alone_and_the_submission_is_held_beside_it():
    existing = confirmed(_new_candidate(request(), context()))
    later = context(NOW + timedelta(hours=1))

    change, entry, event = hold_change(existing, request(first_name="Mallory", skills=["go"]), later)

    assert change.candidate_id == existing.candidate_id
    assert change.profile.first_name == "Mallory"
    assert change.lapses_at == "2026-12-03T10:00:00.000Z" and timedelta(days=7) == CHANGE_HOLD
    assert entry.kind == "change_requested" and entry.data["fields"] == ["first_name", "skills"]
    assert "Mallory" not in str(entry.data)
    assert (event.change_requested, event.confirmation_requested, event.merged) == (True, False, True)


def test_each_held_submission_has_a_link_of_its_own():
    existing = confirmed(_new_candidate(request(), context()))
    first, _, _ = hold_change(existing, request(first_name="Mallory"), context(NOW + timedelta(hours=1)))
    second, _, _ = hold_change(existing, request(first_name="Ana Maria"), context(NOW + timedelta(hours=2)))
    assert second.nonce != first.nonce
    assert second.profile.first_name == "Ana Maria"


def test_an_unconfirmed_profile_takes_the_submission():
    existing = _new_candidate(request(), context())
    merged, entry, event = resubmission(existing, request(first_name="Ana Maria"), context(NOW + timedelta(hours=1)))
    assert merged.first_name == "Ana Maria"
    assert entry.kind == "resubmitted" and event.confirmation_requested and not event.change_requested


def test_proven_means_confirmed_once_even_if_withdrawn_since():
    pending = _new_candidate(request(), context())
    proven = confirmed(pending)
    withdrawn = proven.model_copy(
        update={"consent": proven.consent.model_copy(update={"status": ConsentStatus.WITHDRAWN})}
    )
    assert (is_proven(pending), is_proven(proven), is_proven(withdrawn)) == (False, True, True)


@pytest.mark.parametrize(
    ("address", "mailbox"),
    [
        ("Ana.Silva+jobs@example.com", "ana.silva@example.com"),
        ("a.n.a+x+y@gmail.com", "ana@gmail.com"),
        ("A.NA@googlemail.com", "ana@gmail.com"),
        ("ana@gmail.co.uk", "ana@gmail.co.uk"),
    ],
)
def test_variants_of_one_mailbox_share_one_key(address, mailbox):
    assert mailbox_key(address) == mailbox


def test_ip_hash_is_salted_and_never_the_address():
    assert hash_ip("192.0.2.1", "a") != hash_ip("192.0.2.1", "b")
    assert "192.0.2.1" not in (hash_ip("192.0.2.1", "a") or "")
    assert hash_ip("", "a") is None
