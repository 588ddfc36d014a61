"""The report aggregates after a scripted journey of 40 candidates equal the counts recomputed from the script.

Every step goes through the real handlers under moto: captures (capture), confirmations (confirm), sequence
emails (the timeline entries the sequence step writes) and their SES events (ses_events), stage moves and
erasures (recruiter_api), an unsubscribe (self_service), saved segments (recruiter_api). After each step
the table's stream is read with the dynamodbstreams API and handed to the aggregates function in batches,
as Lambda's event source mapping would, so the function also sees, and must ignore, its own writes.

Why the stream API and not moto's event source mapping: moto runs a mapping synchronously inside the write
that caused it and re-delivers the record being handled from inside the function's own write, so it tests
something else (test_aggregates_stream covers it); reading the stream gives AWS's batch shape and order.

The expected counts come from the script's own bookkeeping, never from the code under test; segment sizes
come from the segments API's count, which reads the search index.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from talentpool.adapters.aws.aggregates import AggregateStore, nonzero
from talentpool.adapters.aws.candidates import CandidateStore
from talentpool.adapters.aws.table import Table
from talentpool.clock import isoformat
from talentpool.ids import new_id
from talentpool.logic.capture.confirm import confirmation_token
from talentpool.logic.sending import links
from talentpool.models import aggregates as agg
from talentpool.models.candidate import TimelineEntry
from tests import factories, ses_samples
from tests import stream_records as sr
from tests.integration.helpers import call, candidate_id_of, settle_submissions

SEED = 20261102
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
SECRET = b"s3cr3t-for-tests"
BUCKET = factories.ENVIRONMENT["REPORTS_BUCKET"]
CHANNELS = ("careers_site", "social", "job_board", "event", "referral")
UTM_SOURCES = ("linkedin", "google", None)
COUNTRIES = ("PT", "GB", "DE", None)
SKILLS = ("python", "aws", "go", "sql")
SEQUENCE = "01JWELCOMESEQUENCE00000000"
# The funnel step a stage stands for, and how far along the ordered stage steps it is.
STAGE_STEPS = ("engaged", "applied", "hired")
STAGE_DEPTH = {"engaged": 1, "nurtured": 1, "applied": 2, "interviewing": 2, "offered": 2, "hired": 3}
HANDLERS = ("capture", "intake", "confirm", "ses_events", "self_service", "recruiter_api", "aggregates")


@dataclass
class Person:
    index: int
    candidate_id: str
    channel: str
    utm_source: str | None
    country: str | None
    skills: list[str]
    captured_at: datetime
    consent: str = "pending"
    confirmed_at: datetime | None = None
    stage: str = "lead"
    reached: set[str] = field(default_factory=lambda: {"captured"})
    applied_after_days: int | None = None
    erased: bool = False

    @property
    def email(self) -> str:
        return f"person{self.index:02d}@example.com"

    @property
    def contact_data(self) -> list[str]:
        return [self.email, f"Given{self.index:02d}", f"Family{self.index:02d}", f"+44 20 7946 0{self.index:03d}"]


class Journey:
    """Drives the real handlers on a scripted clock and keeps its own count of what should be aggregated."""

    def __init__(self, tap: sr.StreamTap) -> None:
        self.now = START
        self.tap = tap
        self.rng = random.Random(SEED)
        self.people: list[Person] = []
        self.daily: Counter[tuple[str, str]] = Counter()
        self.batches: list[dict[str, Any]] = []
        self.counted_emails: set[tuple[str, str]] = set()
        self.sent_at: dict[str, datetime] = {}  # message id -> when it was sent
        self.segments: list[str] = []
        self.candidates = CandidateStore(Table(factories.TABLE))

    # --- plumbing -----------------------------------------------------------------------------------------

    def clock(self) -> datetime:
        return self.now

    def tick(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    def deliver(self) -> None:
        """Hand everything written since the last delivery to the aggregates function, 100 records a batch."""
        for batch in self.tap.batches():
            self.batches.append(batch)
            assert call("aggregates", batch) == {"batchItemFailures": []}

    def count(self, metric: str, *dimensions: str | int | None, at: datetime | None = None) -> None:
        """One more of `metric` on the day it happened: now, or an SES event's own time."""
        day = (at or self.now).date()
        self.daily[(agg.day_pk(day), agg.metric_key(metric, *dimensions))] += 1

    def api(self, method: str, path: str, claims: dict[str, Any] = factories.RECRUITER, **kwargs: Any) -> Any:
        response = call("recruiter_api", factories.api_event(method, path, claims=claims, **kwargs))
        assert response["statusCode"] < 300, response["body"]
        return factories.response_json(response) if response.get("body") else None

    # --- the steps ------------------------------------------------------------------------------------------

    def save_segment(self, name: str, candidate_filter: dict[str, Any]) -> None:
        segment = self.api("POST", "/segments", body={"name": name, "filter": candidate_filter})
        self.segments.append(segment["segment_id"])
        self.deliver()
        self.tick(1)

    def capture(self, index: int) -> None:
        rng = self.rng
        channel, utm, country = rng.choice(CHANNELS), rng.choice(UTM_SOURCES), rng.choice(COUNTRIES)
        skills = sorted(rng.sample(SKILLS, rng.randint(1, 3)))
        body: dict[str, Any] = factories.capture_body(
            email=f"person{index:02d}@example.com",
            first_name=f"Given{index:02d}",
            last_name=f"Family{index:02d}",
            phone=f"+44 20 7946 0{index:03d}",
            skills=skills,
            source={"channel": channel, **({"utm_source": utm} if utm else {})},
        )
        body["location"] = {"country": country} if country else None
        response = call("capture", factories.api_event("POST", "/candidates", body=body))
        assert response["statusCode"] == 202, response["body"]
        settle_submissions()
        candidate_id = candidate_id_of(body["email"])
        assert candidate_id
        self.people.append(Person(index, candidate_id, channel, utm, country, skills, self.now))
        self.count("captured", "channel", channel)
        self.count("captured", "utm_source", utm)
        self.count("captured", "country", country)
        self.deliver()
        self.tick(65)

    def confirm(self, person: Person) -> None:
        stored = self.candidates.get(person.candidate_id)
        assert stored is not None and stored.confirmation_nonce
        token = confirmation_token(SECRET, person.candidate_id, stored.confirmation_nonce, self.now)
        response = call("confirm", factories.api_event("POST", "/confirm", form={"token": token}))
        assert response["statusCode"] == 200
        person.consent, person.confirmed_at = "active", self.now
        person.reached.add("confirmed")
        self.count("confirmed", person.channel)
        self.deliver()
        self.tick(9)

    def move(self, person: Person, stage: str) -> None:
        path = f"/candidates/{person.candidate_id}/stage"
        self.api("POST", path, body={"stage": stage, "reason": "journey"})
        self.count("stage_exited", person.stage, person.channel)
        self.count("stage_entered", stage, person.channel)
        person.stage = stage
        if "applied" not in person.reached and STAGE_DEPTH.get(stage, 0) >= STAGE_DEPTH["applied"]:
            person.applied_after_days = (self.now - person.captured_at).days
        person.reached.update(STAGE_STEPS[: STAGE_DEPTH.get(stage, 0)])
        if STAGE_DEPTH.get(stage, 0):
            person.reached.add("confirmed")  # each funnel step implies the ones before it
        self.deliver()
        self.tick(11)

    def send(self, person: Person, step: int) -> str:
        """The entry the sequence step writes when SES accepts a welcome email (logic/sequences/engage.py)."""
        message_id = f"0100019a-{person.index:02d}-{step}"
        data = {"sequence_id": SEQUENCE, "version": 1, "step": step, "message_id": message_id}
        entry = TimelineEntry(
            entry_id=new_id(),
            candidate_id=person.candidate_id,
            kind="email_sent",
            at=isoformat(self.now),
            actor="sequence",
            data=data,
        )
        self.candidates.append_timeline([entry])
        self.sent_at[message_id] = self.now
        self.count_email(message_id, "sent", step)
        self.deliver()
        self.tick(2)
        return message_id

    def ses(self, person: Person, event_type: str, message_id: str, step: int | None, body: Any = None) -> None:
        """One SES event for an email, through the ses_events function, as SES publishes it."""
        tags = {"kind": "marketing", "sequence_id": SEQUENCE, "step": str(step)} if step else {"kind": "confirmation"}
        sent_at = isoformat(self.sent_at.setdefault(message_id, self.now))
        event = ses_samples.ses_event(
            event_type, body, candidate_id=person.candidate_id, message_id=message_id, sent_at=sent_at, **tags
        )
        response = call("ses_events", ses_samples.sqs_batch(ses_samples.sqs_record(event)))
        assert response == {"batchItemFailures": []}
        name = {"Delivery": "delivered", "Open": "opened", "Click": "clicked"}.get(event_type, "")
        name = name or {"Bounce": "bounced", "Complaint": "complained"}[event_type]
        own_link = event_type == "Click" and "/unsubscribe/" in body["link"]
        if not own_link:
            self.count_email(message_id, name, step)
        self.deliver()
        self.tick(3)

    def count_email(self, message_id: str, event: str, step: int | None) -> None:
        """An email event and the ones it implies (an open was delivered and sent), once per email, all on
        the day the email was sent."""
        implied = {"delivered": ["sent"], "opened": ["delivered", "sent"], "clicked": ["opened", "delivered", "sent"]}
        implied |= {"bounced": ["sent"], "complained": ["delivered", "sent"]}
        for name in (event, *implied.get(event, [])):
            if (message_id, name) not in self.counted_emails:
                self.counted_emails.add((message_id, name))
                self.count("email", name, SEQUENCE if step else None, step, at=self.sent_at[message_id])

    def at(self, minutes: int = 0) -> str:
        return isoformat(self.now + timedelta(minutes=minutes))

    def unsubscribe(self, person: Person) -> None:
        token = links.unsubscribe_url(factories.BASE_URL, SECRET, person.candidate_id, self.now).rsplit("/", 1)[1]
        headers = {"User-Agent": "Mozilla/5.0 (compatible; Google-Mail)", "Content-Type": "text/plain"}
        event = factories.api_event(
            "POST", f"/unsubscribe/{token}", headers=headers, raw_body="List-Unsubscribe=One-Click"
        )
        assert call("self_service", event)["statusCode"] == 200
        person.consent = "withdrawn"
        self.count("email", "unsubscribed", None, None)
        self.deliver()
        self.tick(5)

    def erase(self, person: Person) -> None:
        self.api("DELETE", f"/candidates/{person.candidate_id}", claims=factories.ADMIN)
        person.erased = True
        self.count("erased")
        self.deliver()
        self.tick(5)

    # --- what the aggregates must say -------------------------------------------------------------------------

    def expected_totals(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        live = [p for p in self.people if not p.erased]
        totals["pool#total"] = len(live)
        for person in live:
            totals[f"consent#{person.consent}"] += 1
            totals[f"stage#{person.stage}"] += 1
        for person in self.people:  # the funnel records history: the erased stay in it
            for step in person.reached:
                totals[f"reached#{step}#{person.channel}"] += 1
            if person.applied_after_days is not None:
                totals[f"capture_to_applied#{person.applied_after_days:04d}"] += 1
        for segment_id in self.segments:
            totals[f"segment#{segment_id}"] = self.api("GET", f"/segments/{segment_id}/count")["count"]
        return nonzero(totals)

    def expected_expiry(self) -> dict[date, int]:
        days = Counter(
            p.confirmed_at.date().replace(year=p.confirmed_at.year + 2)
            for p in self.people
            if not p.erased and p.consent == "active" and p.confirmed_at is not None
        )
        return dict(days)

    def expected_days(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for (pk, sk), n in self.daily.items():
            out.setdefault(pk, {})[sk] = n
        return out


def run(journey: Journey) -> None:
    """The script: segments, 40 captures over two days, confirmations, emails, stage moves, exits."""
    rng = journey.rng
    journey.save_segment("Pythonistas", {"skills": ["python"]})
    journey.save_segment("Confirmed in Portugal", {"country": "PT", "consent": "active"})
    for index in range(40):
        if index == 20:  # a segment saved over a pool that already has members
            journey.save_segment("Social", {"source_channel": "social"})
        journey.capture(index)

    journey.now = START + timedelta(days=3, hours=1)
    confirmed = sorted(rng.sample(journey.people, 28), key=lambda p: p.index)
    for person in confirmed:
        journey.confirm(person)

    journey.now = START + timedelta(days=4, hours=2)
    for person in confirmed:
        message = journey.send(person, 1)
        journey.ses(person, "Delivery", message, 1, ses_samples.delivery(journey.at(1)))
        roll = rng.random()
        if roll < 0.6:
            journey.ses(person, "Open", message, 1, ses_samples.opened(journey.at(30)))
            if roll < 0.2:  # opened again later: still one opened email
                journey.ses(person, "Open", message, 1, ses_samples.opened(journey.at(300)))
        if roll < 0.25:
            journey.ses(person, "Click", message, 1, ses_samples.clicked(journey.at(31)))
    unsubscriber, bouncer, complainer, *rest = confirmed
    own_link = f"{factories.BASE_URL}/unsubscribe/token-in-the-path"
    first_message = f"0100019a-{unsubscriber.index:02d}-1"
    journey.ses(unsubscriber, "Click", first_message, 1, ses_samples.clicked(journey.at(40), own_link))
    journey.ses(bouncer, "Bounce", journey.send(bouncer, 2), 2, ses_samples.bounce(at=journey.at(1)))
    journey.ses(complainer, "Complaint", journey.send(complainer, 2), 2, ses_samples.complaint(at=journey.at(600)))
    for person in rest[:6]:
        message = journey.send(person, 2)
        journey.ses(person, "Delivery", message, 2, ses_samples.delivery(journey.at(1)))
    pending = [p for p in journey.people if p.consent == "pending"]
    for person in pending[:3]:  # confirmation emails: outside any sequence
        journey.ses(
            person, "Delivery", f"0100019a-confirm-{person.index:02d}", None, ses_samples.delivery(journey.at(1))
        )

    journey.now = START + timedelta(days=5, hours=3)
    movers = rng.sample(journey.people, 16)
    for person in movers[:8]:
        journey.move(person, "engaged")
    for person in movers[:4]:
        journey.move(person, "applied")
    for person in movers[:2]:
        journey.move(person, "hired")
    returner = movers[2]  # rejected, kept warm, applies again: reaches nothing twice
    for stage in ("rejected", "nurtured", "applied"):
        journey.move(returner, stage)
    for person in movers[8:10]:
        journey.move(person, "applied")  # a lead may apply straight away
    for person in movers[10:12]:
        journey.move(person, "interviewing")

    journey.now = START + timedelta(days=6, hours=4)
    journey.unsubscribe(unsubscriber)
    journey.erase(next(p for p in movers[3:6] if p is not unsubscriber))
    journey.erase(next(p for p in pending if p not in movers))
    journey.deliver()  # the function's own last writes come back, and are ignored


@pytest.fixture(scope="module")
def journey() -> Iterator[Journey]:
    """The journey, run once for the module's tests. Forty candidates, not more: moto copies the whole table
    for every transaction (to roll it back), so the journey's cost grows with the square of its size."""
    import sys

    import boto3
    from moto import mock_aws

    from talentpool.adapters.aws import clients, secrets
    from tests.conftest import Account

    clients.reset()
    secrets.token_secret.cache_clear()
    with mock_aws(), pytest.MonkeyPatch.context() as monkeypatch:
        Account()
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        journey = Journey(sr.StreamTap())
        for name in HANDLERS:
            factories.load_handler(name)
        # Every clock the journey's writes read: the handlers', the API's, and the stream's own timestamps.
        # intake reads the submission's time; capture's and self_service's routes live in talentpool.api
        clocked = (n for n in HANDLERS if n not in ("recruiter_api", "intake", "capture", "self_service"))
        apis = ("talentpool.api.candidates", "talentpool.api.capture", "talentpool.api.self_service")
        for module in (*(f"talentpool_fn_{n}" for n in clocked), *apis):
            monkeypatch.setattr(sys.modules[module], "utcnow", journey.clock)
        monkeypatch.setattr("talentpool.api.segments.utcnow", journey.clock)
        monkeypatch.setattr("moto.dynamodb.models.table.utcnow", lambda: journey.now.replace(tzinfo=None))
        run(journey)
        yield journey
    clients.reset()


def log_objects() -> dict[str, str]:
    import boto3

    s3 = boto3.client("s3")
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
    return {key: s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode() for key in keys}


def test_every_aggregate_equals_the_count_recomputed_from_the_script(journey):
    store = AggregateStore(Table(factories.TABLE))

    assert nonzero(store.read_totals()) == journey.expected_totals()
    days = journey.expected_days()
    for offset in range(8):
        day = (START + timedelta(days=offset)).date()
        assert nonzero(store.read_day(day)) == days.get(agg.day_pk(day), {}), day
    expiry = {d: n for d, n in store.read_expiry(date(2028, 1, 1), date(2029, 12, 31)).items() if n}
    assert expiry == journey.expected_expiry()
    # The script did what it set out to: every kind of thing happened.
    totals = store.read_totals()
    assert totals["pool#total"] == 38 and totals["consent#withdrawn"] == 1
    assert sum(n for k, n in totals.items() if k.startswith("capture_to_applied#")) == 8
    assert all(totals[f"segment#{s}"] > 0 for s in journey.segments)


def test_redelivering_every_batch_changes_no_counter_and_no_log_object(journey):
    store = AggregateStore(Table(factories.TABLE))
    totals = store.read_totals()
    days = [store.read_day((START + timedelta(days=n)).date()) for n in range(8)]
    objects = log_objects()

    for batch in journey.batches:
        assert call("aggregates", batch) == {"batchItemFailures": []}

    assert store.read_totals() == totals
    assert [store.read_day((START + timedelta(days=n)).date()) for n in range(8)] == days
    assert log_objects() == objects


def test_the_event_log_is_partitioned_by_day_and_holds_no_contact_data(journey):
    objects = log_objects()
    lines = [json.loads(text) for body in objects.values() for text in body.splitlines()]

    for key, body in objects.items():
        match = re.fullmatch(r"events/dt=(\d{4}-\d{2}-\d{2})/[0-9a-f]{32}\.jsonl", key)
        assert match, key
        # Every line is of the object's day; an erasure may have left an object with no lines at all.
        assert {json.loads(text)["at"][:10] for text in body.splitlines()} <= {match.group(1)}
    everything = "\n".join(objects.values())
    for person in journey.people:
        for value in person.contact_data:
            assert value not in everything
    assert "@" not in everything and "linkedin" not in everything
    assert all(list(line) == list(agg.EVENT_LOG_COLUMNS) for line in lines)
    kinds = Counter(line["kind"] for line in {line["event_id"]: line for line in lines}.values())
    # The two erased people's lines are gone, and the lines recording their erasure name nobody.
    erased_ids = {p.candidate_id for p in journey.people if p.erased}
    assert len(erased_ids) == 2 and not [line for line in lines if line["candidate_id"] in erased_ids]
    assert kinds["erased"] == 2 and all(line["candidate_id"] is None for line in lines if line["kind"] == "erased")
    assert kinds["captured"] == 38 and kinds["confirmed"] <= 28
    assert kinds["stage_changed"] <= 21 and kinds["unsubscribed"] <= 1
    # At most one line per email_sent entry; the sent counters also count what confirmation deliveries imply.
    assert (
        0
        < kinds["email_sent"]
        <= sum(n for (_, sk), n in journey.daily.items() if sk.startswith(f"email#sent#{SEQUENCE}#"))
    )
