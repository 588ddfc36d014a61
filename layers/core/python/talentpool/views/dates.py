"""How a day reads on the candidate's pages and in our emails."""

from __future__ import annotations

from datetime import datetime


def day_label(moment: datetime) -> str:
    """'3 March 2027'."""
    return f"{moment.day} {moment:%B %Y}"
