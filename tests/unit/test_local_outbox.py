"""The outbox: every accepted email as an .eml file and as JSON, and the SES events it stands for."""

from __future__ import annotations

import email
import json
from datetime import UTC, datetime
from pathlib import Path

from local import ses_events
from local.moto_patches import SendRequest, SentMessage
from local.outbox import Outbox

RAW = (
    "From: Talent team <talent@example.com>\r\n"
    "To: ana@example.com\r\n"
    "Subject: Please confirm\r\n"
    "List-Unsubscribe: <https://x/u>\r\n"
    "MIME-Version: 1.0\r\n"
    'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
    "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nOpen https://x/confirm?token=t\r\n"
    "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Open</p>\r\n--b--\r\n"
)


def outbox(tmp_path: Path) -> Outbox:
    box = Outbox(tmp_path / "outbox")
    box.clear()
    return box


def raw_message(to: list[str], request: SendRequest | None = None) -> SentMessage:
    return SentMessage("m-1", "talent@example.com", to, RAW, request or SendRequest())


def test_a_raw_message_is_written_as_is_and_listed_parsed(tmp_path: Path) -> None:
    box = outbox(tmp_path)

    entry = box.record(raw_message(["ana@example.com", "ana@example.com"]))

    assert entry.path.read_bytes() == RAW.encode()
    assert entry.path.suffix == ".eml"
    listed = entry.as_json()
    assert listed["to"] == ["ana@example.com"]  # moto lists the header's To again; it is one recipient
    assert listed["from"] == "Talent team <talent@example.com>"
    assert listed["subject"] == "Please confirm"
    assert "https://x/confirm?token=t" in listed["text"]
    assert listed["html"].strip() == "<p>Open</p>"
    assert listed["headers"]["List-Unsubscribe"] == "<https://x/u>"
    assert listed["sent_at"].endswith("Z")


def test_the_file_has_rfc_5322_line_endings_whatever_the_sender_wrote(tmp_path: Path) -> None:
    sent = SentMessage("m-3", "talent@example.com", ["a@example.com"], RAW.replace("\r\n", "\n"), SendRequest())

    entry = outbox(tmp_path).record(sent)

    assert entry.path.read_bytes() == RAW.encode()


def test_entries_are_listed_oldest_first(tmp_path: Path) -> None:
    box = outbox(tmp_path)

    first = box.record(raw_message(["a@example.com"]))
    second = box.record(raw_message(["b@example.com"]))

    assert box.entries() == [first, second]
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == [first.path.name, second.path.name]


def test_simple_content_is_composed_into_a_message_with_both_parts(tmp_path: Path) -> None:
    request = SendRequest(subject="Hi", text="plain", html="<b>rich</b>")
    sent = SentMessage("m-2", "talent@example.com", ["ana@example.com"], None, request)

    entry = outbox(tmp_path).record(sent)

    parsed = email.message_from_bytes(entry.path.read_bytes())
    assert parsed["Subject"] == "Hi"
    assert parsed["To"] == "ana@example.com"
    assert (entry.text or "").strip() == "plain"
    assert (entry.html or "").strip() == "<b>rich</b>"


def test_clearing_removes_the_last_runs_mail(tmp_path: Path) -> None:
    box = outbox(tmp_path)
    box.record(raw_message(["a@example.com"]))

    Outbox(tmp_path / "outbox").clear()

    assert list((tmp_path / "outbox").iterdir()) == []


def ses_event_details(tmp_path: Path, to: list[str], configuration_set: str | None = "talentpool") -> list[dict]:  # type: ignore[type-arg]
    sent = raw_message(to, SendRequest(configuration_set=configuration_set, tags={"candidate_id": "C1"}))
    entry = outbox(tmp_path).record(sent)
    entries = ses_events.events_for(
        sent, entry, account="123456789012", region="us-east-1", now=datetime(2026, 11, 26, 9, tzinfo=UTC)
    )
    assert all(e["Source"] == "aws.ses" and e["EventBusName"] == "default" for e in entries)
    return [{"detail-type": e["DetailType"], **json.loads(e["Detail"])} for e in entries]


def test_a_delivered_mail_has_send_and_delivery_events_with_its_tags(tmp_path: Path) -> None:
    send, delivery = ses_event_details(tmp_path, ["ana@example.com"])

    assert (send["detail-type"], send["eventType"]) == ("Email Sent", "Send")
    assert (delivery["detail-type"], delivery["eventType"]) == ("Email Delivered", "Delivery")
    assert delivery["delivery"]["recipients"] == ["ana@example.com"]
    assert delivery["mail"]["messageId"] == "m-1"
    assert delivery["mail"]["tags"]["candidate_id"] == ["C1"]
    assert delivery["mail"]["tags"]["ses:configuration-set"] == ["talentpool"]


def test_the_bounce_simulator_bounces(tmp_path: Path) -> None:
    kinds = [d["eventType"] for d in ses_event_details(tmp_path, ["bounce@simulator.amazonses.com"])]

    assert kinds == ["Send", "Bounce"]


def test_the_complaint_simulator_is_delivered_then_complains(tmp_path: Path) -> None:
    details = ses_event_details(tmp_path, ["complaint@simulator.amazonses.com"])

    assert [d["eventType"] for d in details] == ["Send", "Delivery", "Complaint"]
    assert details[-1]["complaint"]["complainedRecipients"] == [{"emailAddress": "complaint@simulator.amazonses.com"}]


def test_mail_sent_without_a_configuration_set_has_no_events(tmp_path: Path) -> None:
    assert ses_event_details(tmp_path, ["ana@example.com"], configuration_set=None) == []
