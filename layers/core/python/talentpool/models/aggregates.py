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
    return pk.startswith("AGG#") or pk.startswith("STREAMSEEN#")
