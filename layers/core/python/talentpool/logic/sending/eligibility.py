"""Who may be emailed now, and when: consent, suppression, unsubscribe and stage rules; the send window, the
candidate's pause and the frequency cap counted over every sequence's sends."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from talentpool.clock import parse_iso
from talentpool.logic.sending.planning import next_send_time
from talentpool.logic.sending.settings import SendingSettings
from talentpool.models.candidate import Candidate, ConsentStatus
from talentpool.models.sequences import ExitRules, SendLog, Sequence


def exit_reason(candidate: Candidate, rules: ExitRules) -> str | None:
    """Why this candidate must not get (more) email from a sequence with these rules; None if they may.

    Unsubscribe, suppression and consent are checked whatever the rules say: they are the law, not a choice.
    """
    if candidate.unsubscribed_at:
        return "unsubscribed"
    if candidate.suppressed_at:
        return "suppressed"
    if candidate.consent.status is ConsentStatus.WITHDRAWN:
        return "consent_withdrawn"
    if candidate.consent.status is not ConsentStatus.ACTIVE:
        return "no_consent"
    if candidate.stage in rules.stages:
        return f"stage_{candidate.stage.value}"
    return None


def candidate_zone(candidate: Candidate, settings: SendingSettings) -> ZoneInfo:
    zone = candidate.location.timezone if candidate.location and candidate.location.timezone else None
    return ZoneInfo(zone or settings.default_timezone)


def frequency_cap(candidate: Candidate, settings: SendingSettings) -> int:
    """The global cap, or the candidate's own lower one from the preference centre (never a higher one)."""
    chosen = candidate.preferences.max_per_week
    return min(settings.frequency_cap, chosen) if chosen else settings.frequency_cap


def plan_send(
    candidate: Candidate, sequence: Sequence, *, earliest: datetime, log: SendLog, settings: SendingSettings
) -> datetime:
    """The first instant at or after `earliest` in the sequence's window where the candidate is, after any
    pause they chose, keeping them under the cap counted over every sequence's sends in the log."""
    paused = candidate.preferences.paused_until
    return next_send_time(
        earliest=earliest,
        zone=candidate_zone(candidate, settings),
        window=sequence.send_window,
        recent_sends=log.times(),
        cap=frequency_cap(candidate, settings),
        paused_until=parse_iso(paused) if paused else None,
    )
