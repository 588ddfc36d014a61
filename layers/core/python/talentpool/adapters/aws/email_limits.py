"""The per-mailbox limit on confirmation and change emails: a sliding window kept in one item with a TTL."""

from __future__ import annotations

import itertools
import math
from datetime import datetime, timedelta

from talentpool.adapters.aws import keys
from talentpool.adapters.aws.schema import TTL_ATTRIBUTE
from talentpool.adapters.aws.table import Table, is_conditional_failure
from talentpool.errors import RateLimited

LIMIT = 3
WINDOW = timedelta(hours=1)


class MailboxLimit:
    """At most `limit` emails to one mailbox in any `window`.

    The item keeps the times of the last `limit` emails in slots s0 (oldest) to s<n-1>. Taking one is a
    single conditional update, atomic under any concurrency: allowed when the oldest slot is empty or has
    left the window, and then every slot shifts down one and the newest takes the last. No read first, and
    DynamoDB's TTL removes the item once the newest time has left the window.
    """

    def __init__(self, table: Table, *, limit: int = LIMIT, window: timedelta = WINDOW) -> None:
        self.table = table
        self.limit = limit
        self.window = window

    def take(self, mailbox: str, now: datetime) -> None:
        """Count one email to `mailbox`, or raise RateLimited saying when the next one may go."""
        slots = [f"s{i}" for i in range(self.limit)]
        shifts = [f"{older} = if_not_exists({newer}, :never)" for older, newer in itertools.pairwise(slots)]
        stamp = now.timestamp()
        try:
            self.table.update(
                keys.email_limit_key(mailbox),
                f"SET {', '.join([*shifts, f'{slots[-1]} = :now', f'{TTL_ATTRIBUTE} = :expires'])}",
                condition=f"attribute_not_exists({slots[0]}) OR {slots[0]} <= :cutoff",
                values={
                    ":never": 0,
                    ":now": stamp,
                    ":cutoff": (now - self.window).timestamp(),
                    ":expires": math.ceil(stamp + self.window.total_seconds()),
                },
            )
        except Exception as exc:
            if not is_conditional_failure(exc):
                raise
            raise RateLimited(
                "Too many emails to this address in the last hour; try again later", self._wait(mailbox, now)
            ) from exc

    def _wait(self, mailbox: str, now: datetime) -> int:
        """Seconds until the oldest counted email leaves the window (read only when refusing)."""
        item = self.table.get(keys.email_limit_key(mailbox)) or {}
        oldest = float(item.get("s0", now.timestamp()))
        return math.ceil(oldest + self.window.total_seconds() - now.timestamp())
