"""What every marketing send needs from configuration: sender, brand, links, default zone, cap and lease."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class SendingSettings:
    sender_email: str
    company_name: str
    public_base_url: str
    default_timezone: str
    frequency_cap: int
    # How long a reservation in the send log holds: an attempt that reserved longer ago than this cannot still
    # be running. Lambda's limit by default; sequence_step passes its own invocation's time.
    send_lease: timedelta = timedelta(minutes=15)
