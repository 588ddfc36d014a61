"""Report aggregates: the counters the stream keeps and the report reads, so a report never reads candidates.

Three partitions, all in the single table:

- ``AGG#DAY#<yyyy-mm-dd>``: what happened that day (UTC). Sort keys are metric paths, e.g.
  ``captured#channel#careers_site``, ``email#opened#welcome#1``. Attribute ``n`` is the count.
- ``AGG#TOTAL``: running totals (gauges and all-time funnel counts), e.g. ``pool#total``,
  ``stage#applied``, ``reached#confirmed#careers_site``, ``segment#<id>``, ``capture_to_applied#0012``.
- ``AGG#EXPIRY``: active consents by the day they expire, sort key ``<yyyy-mm-dd>``.

A report reads AGG#TOTAL, thirty AGG#DAY partitions and a 30-day slice of AGG#EXPIRY: its cost depends on
the number of metrics and days, never on the size of the pool. The stream consumer adds to these counters
once per stream record (idempotent on the record's eventID), so they always equal what a recount would say.

What the counts mean, where a name alone leaves room:

- ``reached#<step>#<channel>`` counts candidates, once each, ever. A step implies the steps before it (a
  lead may apply straight away, and has then been engaged and, in the funnel, confirmed), so no step counts
  more than the one before; ``confirmed`` is also reached by confirming consent.
  Leaving and re-entering the funnel (rejected, then nurtured again) does not count twice.
  ``capture_to_applied`` counts each candidate once, when they first reach applied or a later stage.
  Erasure leaves both alone: they record what happened.
- ``email#<event>#...`` counts emails, not reports of them: each email counts at most once per event (its
  first open, its first click), so opened / delivered is a rate, and all of an email's events count on the
  day it was sent. An event counts the events it implies too (an open was delivered and sent), so each
  email event's count is at most the one before it (logic.reports.aggregates.IMPLIED_EVENTS). A click on our own
  unsubscribe or preferences link is not a click. Emails outside any sequence (confirmation, Art. 14 notice,
  stage emails) count under sequence ``NONE``, step ``NONE``; the confirmation email has no ``sent`` entry,
  and its delivery counts it as sent. ``unsubscribed`` counts under the sequence and step its timeline entry
  names, which today is none (``NONE``/``NONE``): the link does not say which email had it.
- ``segment#<id>`` is seeded from the search index when the consumer sees the segment created (attribute
  SINCE records when), and follows every change after that.

Besides the counters the consumer keeps three kinds of bookkeeping item, all matched by is_aggregate_key:
``STREAMSEEN#<eventID>`` (a stream record already counted; expires), ``AGG#FUNNEL#<candidate_id>`` (the
funnel steps a candidate has reached; deleted with the profile) and ``AGG#EMAIL#<message_id>`` (the events
of one email already counted, one item each, with the day they count on; expires).

The consumer also writes a pseudonymous JSON-lines event log to the reports bucket, one object per day per
stream batch, under ``events/dt=<yyyy-mm-dd>/``; EVENT_LOG_COLUMNS are its fields (the Glue table's columns).
"""

from __future__ import annotations

from datetime import date

DAY_PREFIX = "AGG#DAY#"
TOTAL_PK = "AGG#TOTAL"
EXPIRY_PK = "AGG#EXPIRY"
COUNT = "n"
SEP = "#"
NONE = "-"  # a dimension with no value (no utm_source, an email outside any sequence)

# Daily metrics (AGG#DAY#<date>): metric -> its dimensions, in sort-key order.
DAILY: dict[str, tuple[str, ...]] = {
    "captured": ("by", "value"),  # by ∈ {channel, utm_source, country}
    "confirmed": ("channel",),
    "stage_entered": ("stage", "channel"),
    "stage_exited": ("stage", "channel"),
    "email": ("event", "sequence_id", "step"),  # event ∈ EMAIL_EVENTS
    "erased": (),
}
CAPTURE_DIMENSIONS = ("channel", "utm_source", "country")
EMAIL_EVENTS = ("sent", "delivered", "opened", "clicked", "bounced", "complained", "unsubscribed")

# Running totals (AGG#TOTAL): metric -> dimensions.
TOTAL: dict[str, tuple[str, ...]] = {
    "pool": ("total",),
    "consent": ("status",),
    "stage": ("stage",),
    # Funnel: candidates who ever reached a step, by the channel that brought them.
    "reached": ("step", "channel"),  # step ∈ FUNNEL_STEPS
    "segment": ("segment_id",),
    # Days from capture to applied, one counter per day count (a histogram for median and p90).
    "capture_to_applied": ("days",),
}
FUNNEL_STEPS = ("captured", "confirmed", "engaged", "applied", "hired")
SINCE = "since"  # on segment#<id>: when (epoch seconds) the counter was seeded from the index

# Bookkeeping items of the consumer (see the module docstring).
SEEN_PREFIX = "STREAMSEEN#"
FUNNEL_PREFIX = "AGG#FUNNEL#"
EMAIL_PREFIX = "AGG#EMAIL#"

# The event log: objects under EVENT_LOG_PREFIX + "dt=<yyyy-mm-dd>/", one JSON object per line, every field
# present (null when it does not apply). Name -> Glue/Athena type. `at` is ISO 8601 UTC with a Z
# (from_iso8601_timestamp reads it); `event_id` is the stream record's, so a line seen twice is one event.
EVENT_LOG_PREFIX = "events/"
EVENT_LOG_COLUMNS: dict[str, str] = {
    "event_id": "string",
    "at": "string",
    "kind": "string",  # captured, confirmed, stage_changed, email_<event>, unsubscribed, erased
    "candidate_id": "string",
    "channel": "string",
    "stage_from": "string",
    "stage_to": "string",
    "sequence_id": "string",
    "step": "int",
    "country": "string",
}


# Which event-log objects hold a candidate's lines (pk LOG_REF_PREFIX + id, sk the object key), so that erasing
# them rewrites those objects and no others. Kept as long as the objects are (the reports bucket's expiry).
LOG_REF_PREFIX = "AGG#LOG#"


def event_log_key(day: str, name: str) -> str:
    """The event-log object of one stream batch (`name`) for one day (yyyy-mm-dd)."""
    return f"{EVENT_LOG_PREFIX}dt={day}/{name}.jsonl"


def day_pk(day: date) -> str:
    return f"{DAY_PREFIX}{day.isoformat()}"


def metric_key(metric: str, *dimensions: str | int | None) -> str:
    """A sort key for a metric and its dimension values; None and empty become NONE."""
    values = [NONE if value in (None, "") else str(value).replace(SEP, "_") for value in dimensions]
    return SEP.join([metric, *values])


def days_key(days: int) -> str:
    return f"{max(days, 0):04d}"


def parse_key(sort_key: str) -> tuple[str, list[str]]:
    metric, *values = sort_key.split(SEP)
    return metric, values


def is_aggregate_key(pk: str) -> bool:
    """Items the stream consumer itself writes: it must ignore their stream records, or it would recurse."""
    return pk.startswith("AGG#") or pk.startswith(SEEN_PREFIX)
