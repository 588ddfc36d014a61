"""The local outbox: every email SES accepts, as an RFC 5322 file under .local/outbox and as JSON."""

from __future__ import annotations

import email
import email.policy
import shutil
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from email.utils import format_datetime, getaddresses, make_msgid
from pathlib import Path
from typing import Any

from local.moto_patches import SendRequest, SentMessage


@dataclass(frozen=True)
class OutboxEntry:
    """One sent email as a person reads it."""

    path: Path
    to: list[str]
    sender: str
    subject: str
    text: str | None
    html: str | None
    headers: dict[str, str]
    sent_at: str
    message_id: str

    def as_json(self) -> dict[str, Any]:
        return {
            "to": self.to,
            "from": self.sender,
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "headers": self.headers,
            "sent_at": self.sent_at,
            "message_id": self.message_id,
            "file": self.path.name,
        }


@dataclass(frozen=True)
class _Filed:
    """What the outbox keeps in memory of a message: where its file is, and what a listing filters on.

    The parsed text and HTML are read back from the file when listed, so a pool of thousands does not keep
    every email it was sent in memory.
    """

    name: str
    to: tuple[str, ...]
    sent_at: str
    message_id: str


class Outbox:
    """Writes each message to <folder>/<timestamp>-<n>.eml and lists them parsed, oldest first."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._filed: list[_Filed] = []
        self._lock = threading.Lock()

    def clear(self) -> None:
        """State lives in memory and is gone on restart, so last run's mail would only mislead."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)

    def record(self, sent: SentMessage) -> OutboxEntry:
        now = datetime.now(UTC)
        # RFC 5322 lines end in CRLF, as SES sends them; Python's email package writes bare LF.
        raw = (sent.raw or _compose(sent, now)).replace("\r\n", "\n").replace("\n", "\r\n").encode()
        with self._lock:
            number = len(self._filed) + 1
            filed = _Filed(
                name=f"{now.strftime('%Y%m%dT%H%M%S.%f')}-{number:04d}.eml",
                to=tuple(_recipients(sent.destinations)),
                sent_at=now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                message_id=sent.message_id,
            )
            (self.folder / filed.name).write_bytes(raw)
            self._filed.append(filed)
        return self._entry(filed, raw, sent.source)

    def entries(self, to: str | None = None) -> list[OutboxEntry]:
        """Every message, oldest first; with `to`, only those to that address (compared without case)."""
        wanted = to.strip().lower() if to else None
        with self._lock:
            filed = [f for f in self._filed if wanted is None or wanted in (a.lower() for a in f.to)]
        return [self._entry(f, (self.folder / f.name).read_bytes()) for f in filed]

    def _entry(self, filed: _Filed, raw: bytes, source: str = "") -> OutboxEntry:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        return OutboxEntry(
            path=self.folder / filed.name,
            to=list(filed.to),
            sender=str(message.get("From") or source),
            subject=str(message.get("Subject") or ""),
            text=_part(message, "text/plain"),
            html=_part(message, "text/html"),
            headers={name: str(value) for name, value in message.items()},
            sent_at=filed.sent_at,
            message_id=filed.message_id,
        )


def _recipients(destinations: list[str]) -> list[str]:
    """Envelope recipients, each once: moto lists a raw message's To both from the call and its headers."""
    seen: dict[str, None] = {}
    for _name, address in getaddresses(destinations):
        if address:
            seen.setdefault(address, None)
    return list(seen)


def _part(message: Message, content_type: str) -> str | None:
    for piece in message.walk():
        if piece.get_content_type() == content_type and not piece.is_multipart():
            payload = piece.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(piece.get_content_charset() or "utf-8", "replace")
    return None


def _compose(sent: SentMessage, now: datetime) -> str:
    """The MIME message SES builds from Simple content: headers, then the text and HTML parts."""
    request: SendRequest = sent.request
    message = EmailMessage()
    message["From"] = sent.source
    message["To"] = ", ".join(_recipients(sent.destinations))
    message["Subject"] = request.subject or ""
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain="amazonses.com")
    if request.text is not None:
        message.set_content(request.text)
        if request.html is not None:
            message.add_alternative(request.html, subtype="html")
    else:
        message.set_content(request.html or "", subtype="html")
    return message.as_string()
