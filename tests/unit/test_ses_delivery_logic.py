"""record_ses_event with an in-memory store: what each event does, once, under concurrent saves and crashes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from talentpool.errors import VersionConflict
from talentpool.logic.sending.delivery_events import Outcome, record_ses_event
from talentpool.models import engagement
from talentpool.models.candidate import Candidate, ConsentRecord, ConsentStatus, Source, TimelineEntry
from talentpool.models.engagement import Engagement
from talentpool.models.events import DomainEvent
from talentpool.models.ses import SesEvent, SesEventRecord
from tests import ses_samples

CANDIDATE = "01JDQ3V4J1X7M2A8Z6K9P5T3RB"
NOW = datetime(2026, 11, 28, 8, tzinfo=UTC)


class FakeRepo:
    """The DeliveryEventRepository contract: entries keyed by (at, id), put once; saves checked by version."""

    def __init__(self, candidate: Candidate | None) -> None:
        self.candidates = {candidate.candidate_id: candidate} if candidate else {}
        self.entries: dict[tuple[str, str], TimelineEntry] = {}
        self.conflicts_to_raise = 0

    def get(self, candidate_id: str) -> Candidate | None:
        return self.candidates.get(candidate_id)

    def timeline_entry(self, candidate_id: str, at: str, entry_id: str) -> TimelineEntry | None:
        return self.entries.get((at, entry_id))

    def record(self, entry: TimelineEntry) -> bool:
        if (entry.at, entry.entry_id) in self.entries:
            return False
        self.entries[(entry.at, entry.entry_id)] = entry
        return True

    def record_with_profile(
        self,
        before: Candidate,
        after: Candidate,
        entry: TimelineEntry,
        *,
        also: Sequence[TimelineEntry] = (),
    ) -> bool:
        if self.conflicts_to_raise:
            self.conflicts_to_raise -= 1
            raise VersionConflict(before.candidate_id)
        if (entry.at, entry.entry_id) in self.entries:
            return False
        self.entries[(entry.at, entry.entry_id)] = entry
        for extra in also:
            self.entries[(extra.at, extra.entry_id)] = extra
        self.candidates[after.candidate_id] = after.model_copy(update={"version": before.version + 1})
        return True

    def mark_published(self, entry: TimelineEntry) -> None:
        stored = self.entries[(entry.at, entry.entry_id)]
        self.entries[(entry.at, entry.entry_id)] = stored.model_copy(
            update={"data": {**stored.data, "published": True}}
        )

    def kinds(self) -> list[str]:
        return [e.kind for _, e in sorted(self.entries.items())]


class FakeBus:
    def __init__(self, fail: bool = False) -> None:
        self.published: list[DomainEvent] = []
        self.fail = fail

    def publish(self, *events: DomainEvent) -> None:
        if self.fail:
            raise RuntimeError("EventBridge is unavailable")
        self.published.extend(events)


def candidate(**changes: Any) -> Candidate:
    return Candidate(
        candidate_id=CANDIDATE,
        email="ana.silva@example.com",
        source=Source(channel="careers_site"),
        consent=ConsentRecord(status=ConsentStatus.ACTIVE),
        captured_at="2026-11-02T10:00:00.000Z",
        updated_at="2026-11-02T10:00:00.000Z",
    ).model_copy(update=changes)


def event(event_type: str, body: dict[str, Any] | None = None, **mail: Any) -> SesEvent:
    mail.setdefault("candidate_id", CANDIDATE)
    mail.setdefault("kind", "marketing")
    record = SesEventRecord.model_validate(ses_samples.sqs_record(ses_samples.ses_event(event_type, body, **mail)))
    assert record.body.detail is not None
    return record.body.detail


def run(ses_event: SesEvent, repo: FakeRepo, bus: FakeBus | None = None) -> Outcome:
    return record_ses_event(ses_event, repo=repo, bus=bus or FakeBus(), now=NOW)


def test_an_open_is_recorded_and_credits_the_score_on_the_profile():
    repo = FakeRepo(candidate())

    outcome = run(event("Open", ses_samples.opened("2026-11-26T12:00:00.000Z")), repo)

    assert outcome is Outcome.RECORDED
    assert repo.kinds() == ["email_opened"]
    assert repo.candidates[CANDIDATE].engagement == 1.0
    assert engagement.of(repo.candidates[CANDIDATE]) == Engagement(score=1.0, at=datetime(2026, 11, 26, 12, tzinfo=UTC))


def test_a_click_on_our_unsubscribe_link_is_recorded_but_is_not_engagement():
    repo = FakeRepo(candidate())
    link = "https://talent.example.com/unsubscribe/eyJwIjoidW5zdWJzY3JpYmUifQ.c2lnbmF0dXJl"

    run(event("Click", ses_samples.clicked("2026-11-26T12:00:00.000Z", link)), repo)

    [entry] = repo.entries.values()
    assert entry.data["link"] == "https://talent.example.com/unsubscribe"
    assert repo.candidates[CANDIDATE].engagement == 0.0
    assert repo.candidates[CANDIDATE].version == 1


def test_the_same_event_twice_is_recorded_and_counted_once():
    repo = FakeRepo(candidate())
    click = event("Click", ses_samples.clicked("2026-11-26T12:00:00.000Z"))

    outcomes = [run(click, repo), run(click, repo)]

    assert outcomes == [Outcome.RECORDED, Outcome.DUPLICATE]
    assert repo.kinds() == ["email_clicked"]
    assert repo.candidates[CANDIDATE].engagement == 3.0


def test_a_profile_saved_by_someone_else_meanwhile_is_re_read_and_the_event_still_counts():
    repo = FakeRepo(candidate())
    repo.conflicts_to_raise = 2

    outcome = run(event("Open", ses_samples.opened("2026-11-26T12:00:00.000Z")), repo)

    assert outcome is Outcome.RECORDED
    assert repo.candidates[CANDIDATE].engagement == 1.0


def test_a_profile_that_keeps_changing_fails_the_record_so_it_is_retried_later():
    repo = FakeRepo(candidate())
    repo.conflicts_to_raise = 99

    with pytest.raises(VersionConflict):
        run(event("Open", ses_samples.opened("2026-11-26T12:00:00.000Z")), repo)
    assert repo.entries == {}


def test_a_hard_bounce_suppresses_and_announces_it_once_across_later_bounces_and_complaints():
    repo, bus = FakeRepo(candidate()), FakeBus()

    run(event("Bounce"), repo, bus)
    run(event("Bounce", ses_samples.bounce(feedback_id="second", at="2026-11-27T09:00:00.000Z")), repo, bus)
    run(event("Complaint"), repo, bus)

    stored = repo.candidates[CANDIDATE]
    assert (stored.suppressed_at, stored.suppression_reason) == ("2026-11-26T09:00:02.000Z", "bounce")
    assert repo.kinds() == ["email_bounced", "suppressed", "email_bounced", "email_complained"]
    [announced] = bus.published
    assert announced.model_dump(include={"candidate_id", "reason", "occurred_at"}) == {
        "candidate_id": CANDIDATE,
        "reason": "bounce",
        "occurred_at": "2026-11-26T09:00:02.000Z",
    }


def test_a_suppression_whose_announcement_was_lost_is_announced_when_the_event_comes_again():
    repo = FakeRepo(candidate())
    bounce = event("Bounce")
    with pytest.raises(RuntimeError):
        run(bounce, repo, FakeBus(fail=True))  # saved, then the bus refused: the record will be redelivered
    bus = FakeBus()

    outcome = run(bounce, repo, bus)
    run(bounce, repo, bus)

    assert outcome is Outcome.DUPLICATE
    assert [e.detail_type for e in bus.published] == ["CandidateSuppressed"]
    [suppressed] = [e for e in repo.entries.values() if e.kind == "suppressed"]
    assert bus.published[0].id == suppressed.data["event_id"]
    assert suppressed.data["published"] is True


@pytest.mark.parametrize(
    "ses_event",
    [
        event("Bounce", ses_samples.bounce("Transient", "MailboxFull")),
        event("Complaint", ses_samples.complaint(feedback_type="not-spam")),
        event("Reject"),
        event("DeliveryDelay"),
    ],
    ids=["soft-bounce", "not-spam", "reject", "delay"],
)
def test_soft_bounces_rejects_and_delays_are_recorded_without_suppressing(ses_event):
    repo, bus = FakeRepo(candidate()), FakeBus()

    assert run(ses_event, repo, bus) is Outcome.RECORDED

    assert repo.candidates[CANDIDATE].suppressed_at is None
    assert bus.published == []
    assert len(repo.entries) == 1


def test_send_events_are_left_to_the_sender_which_already_wrote_email_sent():
    repo = FakeRepo(candidate())

    assert run(event("Send"), repo) is Outcome.SKIPPED
    assert repo.entries == {}


@pytest.mark.parametrize(("tag", "expected"), [(None, Outcome.NOT_OURS), ("not-an-id", Outcome.NOT_OURS)])
def test_mail_without_our_candidate_tag_is_acknowledged_and_ignored(tag, expected):
    repo = FakeRepo(candidate())

    assert run(event("Delivery", candidate_id=tag), repo) is expected
    assert repo.entries == {}


def test_an_event_for_an_erased_candidate_is_acknowledged_and_ignored():
    repo = FakeRepo(None)

    assert run(event("Bounce"), repo) is Outcome.UNKNOWN_CANDIDATE
    assert repo.entries == {}


def test_a_reject_warns_the_operator_by_message_id(caplog):
    run(event("Reject"), FakeRepo(candidate()))

    [warning] = [r for r in caplog.records if r.getMessage() == "SES rejected an email we sent"]
    assert warning.message_id == "0100019a-message-1"
    assert warning.candidate_id == CANDIDATE
