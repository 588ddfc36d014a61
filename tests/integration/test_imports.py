"""CSV import through the real handlers: POST /imports, the upload, the S3 event, the importer, GET /imports/{id}."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from talentpool.logic.capture.imports import ERASED_REASON
from tests import factories
from tests.integration.helpers import call, candidates, captured_id, timeline

RECRUITER, ADMIN = factories.RECRUITER, factories.ADMIN
BUCKET = factories.ENVIRONMENT["IMPORTS_BUCKET"]


class Imports:
    """The imports bucket, wired like the stack wires it, except that S3 events land in a queue we read."""

    def __init__(self, aws) -> None:
        import boto3

        self.aws = aws
        self.s3 = boto3.client("s3")
        self.sqs = boto3.client("sqs")
        self.s3.create_bucket(Bucket=BUCKET)
        self.queue_url = self.sqs.create_queue(QueueName="imports-events")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self.s3.put_bucket_notification_configuration(
            Bucket=BUCKET,
            NotificationConfiguration={
                "QueueConfigurations": [
                    {
                        "QueueArn": arn,
                        "Events": ["s3:ObjectCreated:*"],
                        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}},
                    }
                ]
            },
        )
        self.delivered: list[dict] = []

    def start(self, claims=RECRUITER, body=None) -> dict:
        return call("recruiter_api", factories.api_event("POST", "/imports", claims=claims, body=body))

    def status(self, import_id: str, claims=RECRUITER) -> dict:
        return call("recruiter_api", factories.api_event("GET", f"/imports/{import_id}", claims=claims))

    def upload(self, created: dict, content: bytes) -> None:
        """PUT the file to the presigned URL, as the CLI or curl would."""
        import requests

        response = requests.put(created["upload_url"], data=content, headers=created["upload_headers"], timeout=5)
        assert response.status_code == 200, response.text

    def deliver(self) -> list[dict]:
        """Run the importer on every S3 event waiting, as Lambda would; returns the events delivered."""
        events = []
        while batch := self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages"):
            for message in batch:
                event = json.loads(message["Body"])
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
                if "Records" in event:  # S3 first sends an s3:TestEvent without records
                    events.append(event)
        for event in events:
            call("importer", event)
        self.delivered.extend(events)
        return events

    def run(self, content: bytes, claims=RECRUITER) -> dict:
        """Start an import, upload `content`, deliver the event; the final status."""
        created = body(self.start(claims))
        self.upload(created, content)
        self.deliver()
        return body(self.status(created["import_id"]))


def body(response: dict) -> dict:
    return factories.response_json(response)


def csv_bytes(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.fixture
def imports(aws) -> Imports:
    return Imports(aws)


HAPPY = csv_bytes(
    "E-mail,Given Name,Surname,Mobile,Town,Country Code,Time Zone,Skills,Years of Experience,Roles,Topics,"
    "LinkedIn URL,Tags,UTM Source,Favourite colour",
    "ana@example.com,Ana,Silva,+351 912 345 678,Lisbon,PT,Europe/Lisbon,Python; AWS | SQL,6,Backend engineer,"
    "Job alerts;Events,https://www.linkedin.com/in/ana,pycon,meetup,blue",
    "bo@example.com,Bo,,,,,,Go,,,,,,,",
    "not-an-email,Xi,,,,,,,,,,,,,",
    "cy@example.com,Cy,,,,ZZ,,,,,,,,,",
    "",
    "dee@example.com,Dee,,,,,,,seventy,,,,,,",
    "ANA@Example.com,,,,,,,Rust,,,,,berlin,,",
)


def test_a_file_with_aliases_and_bad_rows_imports_the_good_rows_and_lists_the_bad(imports):
    # Given a file whose headers are aliases, with three bad rows, a blank line and a duplicate address
    # When it is imported
    status = imports.run(HAPPY)

    # Then the good rows are in the pool and every bad row is listed with its row, column and reason
    assert status["status"] == "completed"
    assert (status["rows_total"], status["rows_processed"]) == (6, 6)
    assert (status["imported"], status["merged"], status["rejected"]) == (2, 1, 3)
    assert status["errors"] == [
        {"row": 4, "column": "E-mail", "reason": "must be an email address like name@example.com"},
        {"row": 5, "column": "Country Code", "reason": "must be an ISO 3166-1 alpha-2 country code, such as GB or DE"},
        {
            "row": 7,
            "column": "Years of Experience",
            "reason": "Input should be a valid integer, unable to parse string as an integer",
        },
    ]
    assert status["ignored_columns"] == ["Favourite colour"]
    assert status["columns"]["Given Name"] == "first_name"
    assert status["started_at"] and status["finished_at"] and status["failure"] is None

    stored = {c["email"]: c for c in candidates(imports.aws.items())}
    assert sorted(stored) == ["ana@example.com", "bo@example.com"]
    ana = stored["ana@example.com"]
    assert (ana["first_name"], ana["last_name"], ana["phone"]) == ("Ana", "Silva", "+351 912 345 678")
    assert ana["location"] == {"city": "Lisbon", "country": "PT", "timezone": "Europe/Lisbon"}
    assert ana["skills"] == ["python", "aws", "sql", "rust"]  # row 8 merged into row 2's candidate
    assert (ana["years_experience"], ana["desired_roles"]) == (6, ["backend engineer"])
    assert ana["interests"] == ["job_alerts", "events"]
    assert ana["tags"] == ["pycon", "berlin"]
    assert ana["source"] == {"channel": "import", "utm_source": "meetup", "referrer_id": "rec-1"}
    assert ana["consent"] == {"status": "pending", "channel": "import"}
    assert ana["stage"] == "lead"

    entries = timeline(imports.aws.items(), ana["candidate_id"])
    assert [(e["kind"], e["data"]) for e in entries] == [
        ("imported", {"import_id": status["import_id"], "row": 2, "merged": False}),
        ("imported", {"import_id": status["import_id"], "row": 8, "merged": True}),
    ]
    assert {e["actor"] for e in entries} == {"recruiter:rec-1"}


def test_new_people_get_the_art14_notice_and_a_merge_sends_nothing(imports):
    status = imports.run(HAPPY)

    captured = [e["detail"] for e in imports.aws.events("CandidateCaptured")]
    assert len(captured) == 3
    assert all(d["channel"] == "import" and d["confirmation_requested"] is False for d in captured)
    assert sorted((d["merged"], d["notice_requested"]) for d in captured) == [
        (False, True),
        (False, True),
        (True, False),
    ]
    assert not any("email" in json.dumps(d) for d in captured)
    assert status["events_unpublished"] == 0


def test_more_than_ten_people_are_announced_in_batches_eventbridge_accepts(imports):
    rows = [f"person{n}@example.com,Person{n}" for n in range(25)]
    status = imports.run(csv_bytes("email,first name", *rows))

    assert (status["imported"], status["events_unpublished"]) == (25, 0)
    assert len(imports.aws.events("CandidateCaptured")) == 25


def test_a_row_for_someone_in_the_pool_merges_and_leaves_their_consent_alone(imports):
    # Given a careers-site candidate who has not yet confirmed
    candidate_id = captured_id()
    before = candidates(imports.aws.items())[0]

    # When a recruiter imports a row for the same address, written differently
    status = imports.run(csv_bytes("Email Address,Skills,Tags,City", " Ana.Silva@EXAMPLE.com ,Kubernetes,vip,Porto"))

    # Then it is merged: profile fields follow capture's rules, consent and source are untouched
    assert (status["imported"], status["merged"], status["rejected"]) == (0, 1, 0)
    [after] = candidates(imports.aws.items())
    assert after["candidate_id"] == candidate_id
    assert after["skills"] == ["python", "aws", "kubernetes"]
    assert after["tags"] == ["vip"]
    assert after["location"] == {"city": "Porto", "country": "PT", "timezone": "Europe/Lisbon"}
    assert after["consent"] == before["consent"]
    assert after["source"] == before["source"]
    assert after["confirmation_nonce"] == before["confirmation_nonce"]
    assert after["version"] == before["version"] + 1
    assert [e["kind"] for e in timeline(imports.aws.items(), candidate_id)] == ["captured", "imported"]
    [merged] = [e["detail"] for e in imports.aws.events("CandidateCaptured") if e["detail"]["channel"] == "import"]
    assert (merged["merged"], merged["notice_requested"], merged["confirmation_requested"]) == (True, False, False)


def test_a_redelivered_event_and_a_second_upload_to_the_same_import_change_nothing(imports):
    created = body(imports.start())
    imports.upload(created, HAPPY)
    [event] = imports.deliver()
    first = body(imports.status(created["import_id"]))
    items_before = imports.aws.items()

    # When S3 delivers the same event again, and someone PUTs another file to the same URL
    call("importer", event)
    imports.upload(created, csv_bytes("email", "zed@example.com"))
    imports.deliver()

    # Then nothing ran again: same status, same items, nobody added
    again = body(imports.status(created["import_id"]))
    assert again == first
    assert len(imports.aws.items()) == len(items_before)
    assert "zed@example.com" not in {c["email"] for c in candidates(imports.aws.items())}


def test_importing_the_same_file_again_merges_everyone_and_duplicates_nobody(imports):
    first = imports.run(HAPPY)
    people = {c["email"]: c["candidate_id"] for c in candidates(imports.aws.items())}

    second = imports.run(HAPPY)

    assert second["import_id"] != first["import_id"]
    assert (second["imported"], second["merged"], second["rejected"]) == (0, 3, 3)
    assert {c["email"]: c["candidate_id"] for c in candidates(imports.aws.items())} == people
    guards = [i for i in imports.aws.items() if i.get("entity") == "email_guard"]
    assert len(guards) == 2


def test_an_erased_person_is_not_brought_back(imports):
    # Given a candidate erased at their request
    candidate_id = captured_id()
    erased = call("recruiter_api", factories.api_event("DELETE", f"/candidates/{candidate_id}", claims=ADMIN))
    assert erased["statusCode"] == 204

    # When a file lists them next to someone new
    status = imports.run(csv_bytes("email,first name", "ana.silva@example.com,Ana", "new@example.com,Nu"))

    # Then their row is refused with the reason; the other row is imported
    assert (status["imported"], status["rejected"]) == (1, 1)
    assert status["errors"] == [{"row": 2, "column": "email", "reason": ERASED_REASON}]
    assert [c["email"] for c in candidates(imports.aws.items())] == ["new@example.com"]


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(0, 120))


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty_file"),
        (b"\r\n \r\n", "empty_file"),
        (csv_bytes("email,first name"), "no_data_rows"),
        (csv_bytes("name,phone", "Ana,+351 912"), "no_email_column"),
        (csv_bytes("favourite colour,shoe size", "blue,42"), "no_email_column"),
        (csv_bytes("email,e-mail", "a@example.com,a@example.com"), "duplicate_columns"),
        (PNG, "not_utf8"),
        (ZIP, "not_csv"),
        ("email,first name\r\nana@example.com,Ana\r\n".encode("utf-16"), "not_utf8"),
    ],
    ids=["empty", "blank-lines", "header-only", "wrong-header", "no-known-column", "ambiguous", "png", "zip", "utf16"],
)
def test_a_file_that_cannot_be_imported_fails_clearly_and_writes_nobody(imports, content, code):
    status = imports.run(content)

    assert status["status"] == "failed"
    assert status["failure"]["code"] == code
    assert status["failure"]["message"]
    assert status["finished_at"]
    assert candidates(imports.aws.items()) == []
    assert imports.aws.events("CandidateCaptured") == []


def test_a_file_over_the_size_limit_fails_before_it_is_read(imports, monkeypatch):
    monkeypatch.setattr("talentpool.logic.capture.imports.MAX_FILE_BYTES", 64)
    status = imports.run(csv_bytes("email", *(f"p{n}@example.com" for n in range(10))))

    assert (status["status"], status["failure"]["code"]) == ("failed", "too_large")
    assert "limit" in status["failure"]["message"]
    assert candidates(imports.aws.items()) == []


def test_a_file_over_the_configured_row_limit_fails_before_any_row_is_written(imports, monkeypatch):
    # Given a deployment whose import_max_rows is 3
    importer = factories.load_handler("importer")
    monkeypatch.setattr(importer, "ENV", importer.ENV.model_copy(update={"import_max_rows": 3}))

    status = imports.run(csv_bytes("email", *(f"p{n}@example.com" for n in range(4))))

    assert (status["status"], status["failure"]["code"]) == ("failed", "too_many_rows")
    assert "more than 3 rows" in status["failure"]["message"]
    assert candidates(imports.aws.items()) == []


def test_200000_unknown_columns_fail_at_once_with_a_small_status(imports):
    # Given an export with 200,000 columns besides email, and a data row
    header = "email," + ",".join(f"column {n}" for n in range(200_000))
    status = imports.run(csv_bytes(header, "ana@example.com" + "," * 200_000))

    # Then the import fails on the header, writes nobody, and its status stays a small item
    assert (status["status"], status["failure"]["code"]) == ("failed", "too_many_columns")
    assert "limit is 200" in status["failure"]["message"]
    assert status["ignored_columns"] == [] and candidates(imports.aws.items()) == []
    assert len(json.dumps(status)) < 4_000


def test_a_row_with_a_huge_cell_is_refused_and_the_rows_around_it_land(imports):
    status = imports.run(
        csv_bytes(
            "email,first name,notes",
            "ana@example.com,Ana,",
            "bo@example.com," + "B" * 150_000 + ",",
            "cy@example.com,Cy," + "n" * 20_000,
            "dee@example.com,Dee,",
        )
    )

    assert status["status"] == "completed"
    assert (status["imported"], status["rejected"]) == (2, 2)
    assert [(e["row"], e["column"]) for e in status["errors"]] == [(3, "first name"), (4, None)]
    assert sorted(c["email"] for c in candidates(imports.aws.items())) == ["ana@example.com", "dee@example.com"]


def test_post_creates_a_waiting_import_with_a_short_lived_upload_url(imports):
    before = datetime.now(UTC)
    response = imports.start(body={"notes": "PyCon 2026 badge scans"})

    assert response["statusCode"] == 201
    created = body(response)
    import_id = created["import_id"]
    assert created["status"] == "waiting_for_upload"
    assert created["upload_method"] == "PUT"
    assert created["upload_headers"] == {"Content-Type": "text/csv"}

    url = urlsplit(created["upload_url"])
    query = parse_qs(url.query)
    assert url.hostname == f"{BUCKET}.s3.amazonaws.com"
    assert url.path == f"/uploads/{import_id}.csv"
    assert query["X-Amz-Expires"] == ["900"]
    assert "content-type" in query["X-Amz-SignedHeaders"][0].split(";")
    expires_at = datetime.fromisoformat(created["expires_at"].replace("Z", "+00:00"))
    assert timedelta(minutes=14) < expires_at - before <= timedelta(minutes=16)

    [item] = [i for i in imports.aws.items() if i["pk"] == f"IMPORT#{import_id}"]
    assert item["sk"] == "STATUS"
    assert (item["status"], item["created_by"], item["notes"]) == (
        "waiting_for_upload",
        "rec-1",
        "PyCon 2026 badge scans",
    )
    assert 89 * 86400 < item["expires_at"] - before.timestamp() < 91 * 86400

    status = body(imports.status(import_id))
    assert (status["status"], status["rows_total"], status["errors"]) == ("waiting_for_upload", 0, [])


def test_post_without_a_body_works_and_an_unknown_field_is_refused(imports):
    assert imports.start()["statusCode"] == 201
    refused = imports.start(body={"notes": "x", "bucket": "elsewhere"})
    assert refused["statusCode"] == 422


@pytest.mark.parametrize("import_id", ["01M8B9VGHAH080YCQ49MGPAEJE", "not-an-id"])
def test_an_unknown_import_is_a_404(imports, import_id):
    response = imports.status(import_id)
    assert response["statusCode"] == 404
    assert body(response)["error"]["code"] == "import_not_found"


@pytest.mark.parametrize(("method", "path"), [("POST", "/imports"), ("GET", "/imports/01M8B9VGHAH080YCQ49MGPAEJE")])
def test_both_routes_need_a_recruiter(imports, method, path):
    spoofed = {"X-Amzn-Claims": json.dumps(ADMIN), "Authorization": "Bearer x"}
    anonymous = call("recruiter_api", factories.api_event(method, path, claims=None, headers=spoofed))
    outsider = {"sub": "x-1", "email": "x@example.com", "cognito:groups": "candidates"}
    stranger = call("recruiter_api", factories.api_event(method, path, claims=outsider))

    assert anonymous["statusCode"] == 401
    assert stranger["statusCode"] == 403
    assert not [i for i in imports.aws.items() if str(i["pk"]).startswith("IMPORT#")]
