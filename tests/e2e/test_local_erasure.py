"""Erasure in the local runtime: after a recruiter erases someone, every bucket is scanned for them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.e2e import local_process
from tests.e2e.local_process import LocalProcess, wait_for
from tests.e2e.test_browser_preferences import confirmed_candidate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runtime() -> Iterator[LocalProcess]:
    running = local_process.start()
    yield running
    running.kill()


def s3(runtime: LocalProcess) -> Any:
    info = runtime.info()
    return boto3.client(
        "s3",
        endpoint_url=info["moto_endpoint"],
        region_name=info["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def objects_holding(client: Any, needles: list[str]) -> list[str]:
    """bucket/key of every object, in every bucket, whose key or body holds one of `needles`."""
    found = []
    for bucket in client.list_buckets()["Buckets"]:
        for listed in client.list_objects_v2(Bucket=bucket["Name"]).get("Contents", []):
            body = client.get_object(Bucket=bucket["Name"], Key=listed["Key"])["Body"].read().decode("utf-8", "replace")
            if any(n.lower() in f"{listed['Key']}\n{body}".lower() for n in needles):
                found.append(f"{bucket['Name']}/{listed['Key']}")
    return found


def admin_token(runtime: LocalProcess) -> str:
    with runtime.client as client:
        minted = client.post("/_local/token", json={"groups": ["recruiters", "admins"]})
    assert minted.status_code == 200
    return str(minted.json()["token"])


def test_after_an_erasure_no_bucket_holds_the_persons_id_or_address(runtime: LocalProcess) -> None:
    # Given someone who signed up and confirmed, whose events reached the event log
    candidate_id = confirmed_candidate(runtime)
    client = s3(runtime)
    wait_for(lambda: objects_holding(client, [candidate_id]), 60, "their lines in the event log")
    with runtime.client as http:
        # and a recruiter's import that names them (and someone else)
        headers = {"Authorization": f"Bearer {admin_token(runtime)}"}
        other = f"bo.{uuid.uuid4().hex[:8]}@example.com"
        created = http.post("/imports", json={}, headers=headers).json()
        email = _address_of(runtime, candidate_id, headers)
        csv = f"email,first name\r\n{email},Ana\r\n{other},Bo\r\n".encode()
        upload = http.put(created["upload_url"], content=csv, headers=created["upload_headers"])
        assert upload.status_code == 200
        wait_for(
            lambda: http.get(f"/imports/{created['import_id']}", headers=headers).json()["status"] == "completed",
            120,
            "the import",
        )

        # When an admin erases them
        assert http.delete(f"/candidates/{candidate_id}", headers=headers).status_code == 204

    # Then, once the stream consumer has seen it, no object in any bucket holds their id or their address
    wait_for(lambda: not objects_holding(client, [candidate_id, email]), 60, "the event log to forget them")
    assert objects_holding(client, [other.split("@")[0]]) == [], "the imported file is gone too"


def _address_of(runtime: LocalProcess, candidate_id: str, headers: dict[str, str]) -> str:
    with runtime.client as http:
        profile = http.get(f"/candidates/{candidate_id}", headers=headers)
    assert profile.status_code == 200
    return str(profile.json()["candidate"]["email"])
