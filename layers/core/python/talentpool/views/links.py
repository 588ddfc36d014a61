"""The pages of an emailed confirmation link: the one-button page a GET shows, the page after it, and problems.

Keyed by the link's kind as the token names it: "confirm" (double opt-in) or "apply_change" (held new details).
"""

from __future__ import annotations

from typing import Any

from talentpool.views import pages

HEADINGS = {
    "expired": "This link has expired",
    "used": "This link has already been used",
}
MESSAGES = {
    "expired": "Links work for 7 days. Fill in the form again and we will send you a new one.",
    "used": "This link has already been used, or a newer one replaced it, so nothing has changed.",
}
CHANGE = "apply_change"
# Per kind of link: the page a GET shows (title, heading, button) and the page after the POST (file, title).
ASK = {
    "confirm": ("Confirm your email address", "Confirm your email address", "Confirm my email address"),
    CHANGE: ("Apply your new details", "Apply your new details?", "Apply my new details"),
}
DONE = {
    "confirm": ("confirmed", "You are confirmed"),
    CHANGE: ("change-applied", "Your details are updated"),
}


def problem_page(reason: str) -> str:
    """An invalid, expired or used link: what happened, and what to do."""
    heading = HEADINGS.get(reason, "This link is not valid")
    message = MESSAGES.get(reason, "Please use the most recent link we emailed you, or fill in the form again.")
    return pages.page("link-problem", title=heading, heading=heading, message=message)


def ask_page(kind: str, token: str, fields: Any) -> str:
    """The page a GET shows: one button that posts the token; for held details, the fields it would change."""
    title, heading, button = ASK[kind]
    return pages.page(
        "confirm", title=title, heading=heading, button=button, token=token, change=kind == CHANGE, fields=fields
    )


def done_page(kind: str) -> str:
    name, title = DONE[kind]
    return pages.page(name, title=title)
