"""Self-service logic and form models, with an in-memory store: tokens, idempotency, races and validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from talentpool.errors import Conflict, InvalidToken, ValidationFailed, VersionConflict
from talentpool.ids import new_id
from talentpool.logic.privacy import self_service
from talentpool.logic.sending import links
from talentpool.models.candidate import Candidate, Channel, ConsentRecord, ConsentStatus, Source, Topic
from talentpool.models.preferences import (
    DeleteEverything,
    NoLongerHeld,
    Notice,
    PauseEmails,
    PreferencesInvalid,
    SaveChoices,
    email_hint,
    form_to_request,
    parse_request,
)

NOW = datetime(2026, 11, 26, 9, tzinfo=UTC)
SECRET = b"unit-secret"


def person(**overrides) -> Candidate:
    values = {
        "candidate_id": new_id(),
        "email": "ana.silva@example.com",
        "first_name": "Ana",
        "interests": [Topic.JOB_ALERTS],
        "source": Source(channel=Channel.CAREERS_SITE),
        "consent": ConsentRecord(status=ConsentStatus.ACTIVE, text_version="2026-11", confirmed_at="2026-11-01"),
        "captured_at": "2026-11-01T10:00:00.000Z",
        "updated_at": "2026-11-01T10:00:00.000Z",
    }
    return Candidate(**{**values, **overrides})


class FakeStore:
    """The store surface self-service uses; `race` makes the next save lose to a concurrent writer."""

    def __init__(self, *candidates: Candidate) -> None:
        self.profiles = {c.candidate_id: c for c in candidates}
        self.entries: list = []
        self.race = 0

    def get(self, candidate_id):
        return self.profiles.get(candidate_id)

    def save(self, before, after, entries=(), *, extra=()):
        if self.race:
            self.race -= 1
            current = self.profiles[before.candidate_id]
            # Someone else paused emails meanwhile: their change must survive ours.
            self.profiles[before.candidate_id] = current.model_copy(
                update={
                    "version": current.version + 1,
                    "preferences": current.preferences.model_copy(update={"paused_until": "2027-01-01T00:00:00.000Z"}),
                }
            )
            raise VersionConflict(before.candidate_id)
        if self.profiles[before.candidate_id].version != before.version:
            raise VersionConflict(before.candidate_id)
        saved = after.model_copy(update={"version": before.version + 1})
        self.profiles[saved.candidate_id] = saved
        self.entries.extend(entries)
        return saved


class FakeBus:
    def __init__(self) -> None:
        self.events: list = []

    def publish(self, *events) -> None:
        self.events.extend(events)


def token(purpose: str, candidate_id: str, *, at: datetime = NOW) -> str:
    sign = links.preferences_url if purpose == links.PREFERENCES else links.unsubscribe_url
    return sign("https://x.example", SECRET, candidate_id, at).rsplit("/", 1)[1]


def change(store: FakeStore, bus: FakeBus, candidate: Candidate, body: dict, *, at: datetime = NOW):
    return self_service.change_preferences(
        token(links.PREFERENCES, candidate.candidate_id),
        body,
        secret=SECRET,
        now=at,
        repo=store,
        bus=bus,
        workflows=None,
    )


# --- Form models -----------------------------------------------------------------------------------------


def test_a_browser_form_becomes_one_request_per_button():
    body = form_to_request({"action": ["save"], "interests": ["events", "job_alerts"], "max_per_week": ["default"]})
    assert parse_request(body) == SaveChoices(interests=[Topic.EVENTS, Topic.JOB_ALERTS], max_per_week=None)
    assert parse_request({"action": "pause", "weeks": "8"}) == PauseEmails(weeks=8)
    assert parse_request({"action": "pause", "weeks": 52}) == PauseEmails(weeks=52)
    assert parse_request({"action": "pause", "weeks": 3.0}) == PauseEmails(weeks=3)
    assert parse_request({"action": "save", "interests": "events"}).interests == [Topic.EVENTS]
    assert parse_request({"action": "delete", "confirm": "yes"}) == DeleteEverything(confirm=True)


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["action"]),
        ({"action": "pause", "weeks": "0"}, ["weeks"]),
        ({"action": "pause", "weeks": True}, ["weeks"]),
        ({"action": "pause", "weeks": 1.5}, ["weeks"]),
        ({"action": "pause", "weeks": "2.5"}, ["weeks"]),
        ({"action": "pause", "weeks": 53}, ["weeks"]),
        ({"action": "pause", "weeks": "-1"}, ["weeks"]),
        ({"action": "save", "max_per_week": 1.5}, ["max_per_week"]),
        ({"action": "save", "max_per_week": "8"}, ["max_per_week"]),
        ({"action": "save", "max_per_week": "often"}, ["max_per_week"]),
        ({"action": "save", "interests": ["events", 3]}, ["interests"]),
        ({"action": "delete"}, ["confirm"]),
        ({"action": "delete", "confirm": "no"}, ["confirm"]),
    ],
)
def test_bad_choices_are_field_errors_in_words_a_person_can_act_on(body, loc):
    with pytest.raises(ValidationFailed) as raised:
        parse_request(body)
    [field] = raised.value.fields
    assert field.loc == loc
    assert "Input should" not in field.msg and "Value error" not in field.msg


def test_an_address_is_only_hinted_at():
    assert email_hint("ana.silva@example.com") == "a•••@example.com"
    assert email_hint("nonsense") == "•••"


# --- Links -----------------------------------------------------------------------------------------------


def test_each_link_opens_only_its_own_door():
    ana = person()
    store = FakeStore(ana)
    with pytest.raises(InvalidToken):
        self_service.preferences_view(token(links.UNSUBSCRIBE, ana.candidate_id), secret=SECRET, now=NOW, repo=store)
    with pytest.raises(InvalidToken):
        self_service.unsubscribe(
            token(links.PREFERENCES, ana.candidate_id), secret=SECRET, now=NOW, repo=store, bus=FakeBus()
        )
    assert store.entries == []


def test_a_link_is_checked_before_the_fields_so_a_forger_learns_nothing():
    ana = person()
    with pytest.raises(InvalidToken):
        self_service.change_preferences(
            "forged.token",
            {"action": "pause", "weeks": "3"},
            secret=SECRET,
            now=NOW,
            repo=FakeStore(ana),
            bus=FakeBus(),
            workflows=None,
        )


def test_a_genuine_link_for_an_erased_person_is_no_longer_held():
    gone = new_id()
    with pytest.raises(NoLongerHeld):
        self_service.preferences_view(token(links.PREFERENCES, gone), secret=SECRET, now=NOW, repo=FakeStore())
    outcome = self_service.unsubscribe(
        token(links.UNSUBSCRIBE, gone), secret=SECRET, now=NOW, repo=FakeStore(), bus=FakeBus()
    )
    assert outcome.held is False


# --- Changes ---------------------------------------------------------------------------------------------


def test_unsubscribe_twice_changes_once():
    ana = person()
    store, bus = FakeStore(ana), FakeBus()
    link = token(links.UNSUBSCRIBE, ana.candidate_id)

    first = self_service.unsubscribe(link, secret=SECRET, now=NOW, repo=store, bus=bus)
    second = self_service.unsubscribe(link, secret=SECRET, now=NOW + timedelta(hours=1), repo=store, bus=bus)

    assert (first.changed, second.changed, second.already) == (True, False, True)
    assert [e.kind for e in store.entries] == ["unsubscribed"]
    assert [e.detail_type for e in bus.events] == ["CandidateUnsubscribed"]
    assert store.profiles[ana.candidate_id].unsubscribed_at == "2026-11-26T09:00:00.000Z"


def test_a_concurrent_change_is_kept_and_ours_applied_on_top():
    ana = person()
    store, bus = FakeStore(ana), FakeBus()
    store.race = 1

    change(store, bus, ana, {"action": "save", "interests": ["events"], "max_per_week": "1"})

    saved = store.profiles[ana.candidate_id]
    assert saved.interests == [Topic.EVENTS] and saved.preferences.max_per_week == 1
    assert saved.preferences.paused_until == "2027-01-01T00:00:00.000Z"
    assert len(bus.events) == 1


def test_a_persistent_race_is_a_conflict_not_a_lost_update():
    ana = person()
    store = FakeStore(ana)
    store.race = 5
    with pytest.raises(VersionConflict):
        change(store, FakeBus(), ana, {"action": "pause", "weeks": "1"})


def test_a_pause_that_has_ended_is_not_shown_as_paused():
    ana = person()
    store = FakeStore(ana)
    change(store, FakeBus(), ana, {"action": "pause", "weeks": "1"})
    link = token(links.PREFERENCES, ana.candidate_id)

    during = self_service.preferences_view(link, secret=SECRET, now=NOW + timedelta(days=6), repo=store)
    after = self_service.preferences_view(link, secret=SECRET, now=NOW + timedelta(days=8), repo=store)

    assert during.paused_until == NOW + timedelta(weeks=1)
    assert after.paused_until is None


def test_invalid_fields_come_back_with_the_page_as_it_is():
    ana = person()
    with pytest.raises(PreferencesInvalid) as raised:
        change(FakeStore(ana), FakeBus(), ana, {"action": "pause", "weeks": "53"})
    assert raised.value.view.candidate.candidate_id == ana.candidate_id
    assert raised.value.action == "pause"


def test_unsubscribed_people_cannot_tune_email_they_no_longer_get():
    ana = person(unsubscribed_at="2026-11-20T00:00:00.000Z")
    with pytest.raises(Conflict):
        change(FakeStore(ana), FakeBus(), ana, {"action": "save", "interests": ["events"]})


def test_unsubscribing_from_the_page_reports_the_new_state():
    ana = person()
    outcome = change(FakeStore(ana), FakeBus(), ana, {"action": "unsubscribe"})
    assert outcome.notice is Notice.UNSUBSCRIBED
    assert outcome.view is not None and outcome.view.subscribed is False


@pytest.mark.parametrize(
    ("overrides", "phrase"),
    [
        ({}, "joined our talent community on 1 November 2026 and confirmed"),
        ({"unsubscribed_at": "2026-11-20T08:00:00.000Z"}, "You unsubscribed on 20 November 2026"),
        ({"suppressed_at": "2026-11-21T08:00:00.000Z"}, "We stopped emailing you on 21 November 2026"),
        (
            {"consent": ConsentRecord(status=ConsentStatus.PENDING), "source": Source(channel=Channel.RECRUITER)},
            "One of our recruiters added your professional details",
        ),
        ({"consent": ConsentRecord(status=ConsentStatus.PENDING)}, "have not confirmed your email address yet"),
    ],
)
def test_the_reason_they_get_email_matches_their_situation(overrides, phrase):
    assert phrase in self_service.reason_for(person(**overrides))
