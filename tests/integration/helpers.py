"""Small helpers shared by the integration tests: calling handlers and reading what they stored."""

from __future__ import annotations

from typing import Any

from tests import factories


def call(function: str, event: dict[str, Any]) -> dict[str, Any]:
    return factories.load_handler(function).lambda_handler(event, factories.LambdaContext())


def capture(body: Any = None, **kwargs: Any) -> dict[str, Any]:
    if body is None and "form" not in kwargs and "raw_body" not in kwargs:
        body = factories.capture_body()
    return call("capture", factories.api_event("POST", "/candidates", body=body, **kwargs))


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
