"""Generate docs/openapi.json from the Powertools resolvers of every API function (`make openapi`).

The paths and their documentation come from the resolvers themselves; which routes need a recruiter's
token comes from infra/spec.py, the same source API Gateway's authorizers are built from.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "openapi.json"
SECURITY_SCHEME = "recruiterToken"

DESCRIPTION = """Talentpool's HTTP API. Public routes serve careers sites and candidates (through signed links in
emails); every other route needs a recruiter's Cognito ID token as `Authorization: Bearer <token>`.

Errors always have the shape `{"error": {"code", "message", "fields": [{"loc", "msg"}]}}`."""


def _dummy_environment() -> None:
    """Handlers read their environment when imported; generating the schema needs values, not real ones."""
    from infra import spec

    for name in spec.Env:
        os.environ.setdefault(name.value, "openapi")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")


def _resolvers() -> list[Any]:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

    from infra import spec
    from local.lambdas import load_handler_module

    found = []
    for name in dict.fromkeys(route.function for route in spec.ROUTES):
        module = load_handler_module(spec.function(name))
        found += [value for value in vars(module).values() if isinstance(value, APIGatewayRestResolver)]
    return found


def _spec_path(template: str) -> str:
    return re.sub(r"<([a-z_]+)>", r"{\1}", template)


def build() -> dict[str, Any]:
    _dummy_environment()
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    from infra import spec

    merge = OpenAPIMerge(
        title="Talentpool API",
        version="1.0.0",
        description=DESCRIPTION,
        security_schemes={SECURITY_SCHEME: HTTPBearer(bearerFormat="JWT")},
        on_conflict="first",
    )
    for resolver in _resolvers():
        merge.add_schema(resolver.get_openapi_schema())
    schema: dict[str, Any] = json.loads(merge.get_openapi_json_schema())
    recruiter = {(r.method.lower(), r.path) for r in spec.ROUTES if r.auth is spec.Auth.RECRUITER}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if (method, _spec_path(path)) in recruiter:
                operation["security"] = [{SECURITY_SCHEME: []}]
    _document_token_on_capture(schema)
    _errors_use_the_contract(schema)
    return schema


def _errors_use_the_contract(schema: dict[str, Any]) -> None:
    """Every 4xx is the error contract; Powertools' own validation-error schemas are never what we send."""
    from talentpool.models.api_errors import ErrorResponse

    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs", {}))
    components["ErrorResponse"] = error_schema
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if status.startswith("4"):
                    response["content"] = {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}
                    }
                elif status == "204" or status.startswith("3"):
                    response.pop("content", None)  # no body, whatever the route's return type says
    _prune_unused(schema)


def _prune_unused(schema: dict[str, Any]) -> None:
    """Drop component schemas nothing refers to any more (e.g. Powertools' own validation-error shapes)."""
    components = schema.get("components", {}).get("schemas", {})
    reachable: set[str] = set()
    pending = set(re.findall(r"#/components/schemas/([\w.-]+)", json.dumps(schema.get("paths"))))
    while pending:
        name = pending.pop()
        if name in reachable or name not in components:
            continue
        reachable.add(name)
        pending |= set(re.findall(r"#/components/schemas/([\w.-]+)", json.dumps(components[name])))
    for name in set(components) - reachable:
        del components[name]


def _document_token_on_capture(schema: dict[str, Any]) -> None:
    """POST /candidates serves both careers sites and, with a token, recruiters: say so in one operation."""
    operation = schema.get("paths", {}).get("/candidates", {}).get("post")
    if not operation:
        return
    operation["security"] = [{}, {SECURITY_SCHEME: []}]
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    public = content.get("schema")
    if public:
        content["schema"] = {
            "oneOf": [public, {"$ref": "#/components/schemas/RecruiterCandidateRequest"}],
            "description": "A careers-site submission; or, with a recruiter's token, a sourced candidate",
        }
    operation.setdefault("responses", {}).update(
        {
            "201": {
                "description": "With a recruiter's token: the sourced candidate was added",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreatedCandidate"}}},
            },
            "401": {"description": "A token was sent but is not valid"},
            "403": {"description": "The token's user is not a recruiter"},
            "409": {"description": "With a token: already in the pool, or erased at their request"},
        }
    )


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if OUTPUT.exists() and OUTPUT.read_text() == text else 1)
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
