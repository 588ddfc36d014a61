"""Merge rules for a resubmission, tested with plain models and no AWS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from talentpool.logic.capture import CaptureContext, _new_candidate, hash_ip, merge_resubmission
from talentpool.models.candidate import CaptureRequest, ConsentStatus
from tests import factories

NOW = datetime(2026, 11, 26, 9, tzinfo=UTC)


def context(at: datetime = NOW) -> CaptureContext:
    return CaptureContext(at, "192.0.2.1", "ua", "salt")


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


def test_confirmed_candidate_stays_confirmed_without_a_new_email():
    existing = _new_candidate(request(), context())
    existing = existing.model_copy(
        update={"consent": existing.consent.model_copy(update={"status": ConsentStatus.ACTIVE})}
    )
    merged, requested = merge_resubmission(existing, request(), context(NOW + timedelta(hours=1)))
    assert merged.consent.status is ConsentStatus.ACTIVE
    assert requested is False


def test_ip_hash_is_salted_and_never_the_address():
    assert hash_ip("192.0.2.1", "a") != hash_ip("192.0.2.1", "b")
    assert "192.0.2.1" not in (hash_ip("192.0.2.1", "a") or "")
    assert hash_ip("", "a") is None
