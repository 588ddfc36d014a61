"""An outgoing email, and its RFC 5322 form with a plain-text and an HTML part."""

from __future__ import annotations

from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from pydantic import BaseModel, Field

from talentpool.clock import utcnow

_POLICY = policy.default.clone(max_line_length=998)


class OutgoingEmail(BaseModel):
    to: str
    subject: str
    text: str
    html: str
    from_address: str
    from_name: str | None = None
    reply_to: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict, description="SES message tags: ids only, for events")

    def to_mime(self) -> bytes:
        # Lines up to RFC 5322's 998 characters: the default 78 would fold a long List-Unsubscribe URL into
        # RFC 2047 encoded-words, which no mail client reads as a URL, and one-click unsubscribe would break.
        message = EmailMessage(policy=_POLICY)
        message["From"] = formataddr((self.from_name, self.from_address)) if self.from_name else self.from_address
        message["To"] = self.to
        if self.reply_to:
            message["Reply-To"] = self.reply_to
        message["Subject"] = self.subject
        message["Date"] = format_datetime(utcnow())
        message["Message-ID"] = make_msgid(domain=Address(addr_spec=self.from_address).domain)
        for name, value in self.headers.items():
            message[name] = value
        # Quoted-printable bodies stay 7-bit whatever the words (names, "·", "é"), so every relay and parser
        # reads them the same; 8bit parts are what the longer line policy would otherwise choose.
        message.set_content(self.text, cte="quoted-printable")
        message.add_alternative(self.html, subtype="html", cte="quoted-printable")
        return message.as_bytes()
