"""An outgoing email, and its RFC 5322 form with a plain-text and an HTML part."""

from __future__ import annotations

import re
import unicodedata
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Annotated

from pydantic import AfterValidator, Field

from talentpool.clock import utcnow
from talentpool.models.base import Model

# Headers fold at RFC 5322's 998 characters: the default 78 would fold a long List-Unsubscribe URL into
# RFC 2047 encoded-words, which no mail client reads as a URL, and one-click unsubscribe would break.
_HEADER_POLICY = policy.default.clone(max_line_length=998)
# Bodies are quoted-printable with RFC 2045's 76-character lines (soft breaks, `=` at the end). Longer lines
# get hard-wrapped by relays on the way, which cuts a tag or a URL in two.
_BODY_POLICY = policy.default.clone(max_line_length=76)

# Phones render an email without a viewport at desktop width and shrink it to unreadable text; long words
# (a URL) must wrap rather than widen the page.
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
MOBILE_STYLE = (
    "<style>body{margin:0;padding:16px;overflow-wrap:anywhere;word-break:break-word}"
    "img,table{max-width:100%;height:auto}</style>"
)
_HAS_VIEWPORT = re.compile(r"<meta\b[^>]*\bname\s*=\s*[\"']?viewport\b", re.IGNORECASE)
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
_HTML = re.compile(r"<html\b[^>]*>", re.IGNORECASE)


def header_text(value: str) -> str:
    """Text fit for one header line: control characters and line or paragraph separators become spaces,
    invisible format characters (bidi overrides, zero-width joiners) go, and whitespace runs collapse.

    A value can then never end its header and start another, whatever a name or a template holds."""
    kept = []
    for char in value:
        category = unicodedata.category(char)
        if category == "Cf":
            continue
        kept.append(" " if category in ("Cc", "Zl", "Zp") else char)
    return " ".join("".join(kept).split())


def mobile_ready(html: str) -> str:
    """The HTML with a viewport and wrapping styles in its head, added only when it has no viewport yet."""
    if _HAS_VIEWPORT.search(html):
        return html
    head = _HEAD.search(html)
    if head:
        return f"{html[: head.end()]}{VIEWPORT}{MOBILE_STYLE}{html[head.end() :]}"
    new_head = f'<head><meta charset="utf-8">{VIEWPORT}{MOBILE_STYLE}</head>'
    root = _HTML.search(html)
    if root:
        return f"{html[: root.end()]}{new_head}{html[root.end() :]}"
    return f"<!doctype html><html>{new_head}<body>{html}</body></html>"


HeaderText = Annotated[str, AfterValidator(header_text)]


class OutgoingEmail(Model):
    to: str
    subject: HeaderText
    text: str
    html: Annotated[str, AfterValidator(mobile_ready)]
    from_address: str
    from_name: HeaderText | None = None
    reply_to: str | None = None
    headers: dict[str, HeaderText] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict, description="SES message tags: ids only, for events")

    def to_mime(self) -> bytes:
        """Every header through the email package's header registry (addresses as Address objects, words
        encoded as RFC 2047 needs), both parts quoted-printable."""
        message = EmailMessage(policy=_BODY_POLICY)
        message["From"] = Address(display_name=self.from_name or "", addr_spec=self.from_address)
        message["To"] = Address(addr_spec=self.to)
        if self.reply_to:
            message["Reply-To"] = Address(addr_spec=self.reply_to)
        message["Subject"] = self.subject
        message["Date"] = format_datetime(utcnow())
        message["Message-ID"] = make_msgid(domain=Address(addr_spec=self.from_address).domain)
        for name, value in self.headers.items():
            message[name] = value
        # Quoted-printable bodies stay 7-bit whatever the words (names, "·", "é"), so every relay and parser
        # reads them the same.
        message.set_content(self.text, cte="quoted-printable")
        message.add_alternative(self.html, subtype="html", cte="quoted-printable")
        return message.as_bytes(policy=_HEADER_POLICY)
