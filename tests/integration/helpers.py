"""Small helpers shared by the integration tests: calling handlers and reading what they stored."""

from __future__ import annotations

from typing import Any

from tests import factories


def call(function: str, event: dict[str, Any]) -> dict[str, Any]:
    return factories.load_handler(function).lambda_handler(event, factories.LambdaContext())


def capture(body: Any = None, *, settle: bool = True, **kwargs: Any) -> dict[str, Any]:
    """POST /candidates; then, unless `settle` is off, what the intake function does after the answer."""
    if body is None and "form" not in kwargs and "raw_body" not in kwargs:
        body = factories.capture_body()
    response = call("capture", factories.api_event("POST", "/candidates", body=body, **kwargs))
    if settle:
        settle_submissions()
    return response


def waiting_submissions() -> list[str]:
    """Ids of the submissions answered and not yet settled (tests only: the application never scans)."""
    import boto3

    page = boto3.client("dynamodb").scan(
        TableName=factories.TABLE,
        FilterExpression="entity = :submission",
        ExpressionAttributeValues={":submission": {"S": "submission"}},
    )
    return sorted(item["submission_id"]["S"] for item in page["Items"])


def settle_submissions() -> list[dict[str, Any]]:
    """Deliver SubmissionReceived to the intake function for every waiting submission, as the rule would."""
    return [
        call("intake", factories.eventbridge_event("SubmissionReceived", submission_received(submission_id)))
        for submission_id in waiting_submissions()
    ]


def submission_received(submission_id: str) -> dict[str, Any]:
    return {"id": f"evt-{submission_id}", "submission_id": submission_id, "occurred_at": "2026-11-26T09:00:00.000Z"}


def candidate_id_of(email: str = "ana.silva@example.com") -> str | None:
    """Who holds an address now, through its guard: what a recruiter's `GET /candidates?q=` reads too."""
    import boto3

    from talentpool.adapters.aws import codec, keys
    from talentpool.models.email_address import normalise_email

    key = codec.to_item(keys.email_guard_key(normalise_email(email)))
    item = boto3.client("dynamodb").get_item(TableName=factories.TABLE, Key=key)
    return item["Item"]["candidate_id"]["S"] if "Item" in item else None


def captured_id(body: Any = None, **kwargs: Any) -> str:
    """Capture (and settle) a submission; the id of the candidate its address now belongs to."""
    body = body if body is not None else factories.capture_body()
    capture(body, **kwargs)
    candidate_id = candidate_id_of(body["email"])
    assert candidate_id, "the submission made no candidate"
    return candidate_id


def header(response: dict[str, Any], name: str) -> str | None:
    for key, value in (response.get("headers") or {}).items():
        if key.lower() == name.lower():
            return str(value)
    for key, values in (response.get("multiValueHeaders") or {}).items():
        if key.lower() == name.lower():
            return str(values[0])
    return None


def candidates(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [i for i in items if i.get("entity") == "candidate"]


def timeline(items: list[dict[str, Any]], candidate_id: str) -> list[dict[str, Any]]:
    return sorted(
        (i for i in items if i.get("entity") == "timeline" and i["candidate_id"] == candidate_id),
        key=lambda i: i["sk"],
    )


def domain_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Everything except Powertools' idempotency records."""
    return [i for i in items if not str(i["pk"]).startswith("IDEMPOTENCY#")]
