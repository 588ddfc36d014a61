"""Generate docs/openapi.json from the Powertools resolvers of every API function (`make openapi`).

The paths and their documentation come from the resolvers themselves; which routes need a recruiter's
token comes from infra/spec.py, the same source API Gateway's authorizers are built from.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "openapi.json"
SECURITY_SCHEME = "recruiterToken"
REF = "#/components/schemas/{model}"
JSON_ONLY = ("application/json",)
ERROR_CONTENT = {
    "application/json": {"schema": {"$ref": REF.format(model="ErrorResponse")}},
    "text/html": {"schema": {"type": "string", "description": "A page saying what went wrong"}},
}
# Statuses only ever answered before a route's handler runs (the gateway, or talentpool.http.resolve): always JSON.
ANSWERED_BEFORE_ROUTING = frozenset({"401", "413", "415", "429"})

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
    from infra import spec
    from local.lambdas import load_handler_module
    from talentpool.http import Resolver

    found = []
    for name in dict.fromkeys(route.function for route in spec.ROUTES):
        module = load_handler_module(spec.function(name))
        found += [value for value in vars(module).values() if isinstance(value, Resolver)]
        # A resolver a handler builds on first use (the recruiters' variant of capture) is a function `*_app()`.
        found += [value() for key, value in vars(module).items() if key.endswith("_app") and _builds_resolver(value)]
    return found


def _builds_resolver(value: Any) -> bool:
    from talentpool.http import Resolver

    if isinstance(value, Resolver) or not callable(value):
        return False
    return "Resolver" in str(getattr(value, "__annotations__", {}).get("return"))


def _routes(resolvers: list[Any]) -> Iterator[tuple[Any, Any]]:
    """Each resolver's routes (Powertools keeps them in these two lists, and documents them from there too)."""
    for resolver in resolvers:
        for route in [*resolver._static_routes, *resolver._dynamic_routes]:
            if route.include_in_schema:
                yield resolver, route


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            yield path, method, operation


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
    resolvers = _resolvers()
    for resolver in resolvers:
        merge.add_schema(resolver.get_openapi_schema())
    schema: dict[str, Any] = json.loads(merge.get_openapi_json_schema())
    recruiter = {(r.method.lower(), r.path) for r in spec.ROUTES if r.auth is spec.Auth.RECRUITER}
    for path, method, operation in _operations(schema):
        if (method, _spec_path(path)) in recruiter:
            operation["security"] = [{SECURITY_SCHEME: []}]
    _document_token_on_capture(schema)
    _name_the_failure_queues(schema)
    _query_models_in_full(schema, resolvers)
    _document_errors(schema, _error_media(resolvers))
    _prune_unused(schema)
    return schema


def _query_models_in_full(schema: dict[str, Any], resolvers: list[Any]) -> None:
    """Powertools documents each field of a query-parameter model as a bare string; a client needs the field's
    own schema (type, enum, bounds), or requests valid by the document would be refused."""
    from pydantic import BaseModel

    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for _, route in _routes(resolvers):
        kinds = [field.type_ for field in route.dependant.query_params]
        models = [kind for kind in kinds if isinstance(kind, type) and issubclass(kind, BaseModel)]
        operation = schema["paths"][route.openapi_path][route.method.lower()]
        for model in models:
            model_schema = model.model_json_schema(ref_template=REF)
            components.update(model_schema.pop("$defs", {}))
            for parameter in operation.get("parameters", []):
                field = model_schema["properties"].get(parameter["name"])
                if parameter["in"] == "query" and field is not None:
                    parameter["schema"] = _query_value(field)
                    parameter["required"] = parameter["name"] in model_schema.get("required", [])


def _query_value(field: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is either absent or has a value: it is never null."""
    value = {key: item for key, item in field.items() if key != "default" or item is not None}
    options = [option for option in value.pop("anyOf", []) if option != {"type": "null"}]
    if len(options) == 1:
        value.update(options[0])
    elif options:
        value["anyOf"] = options
    return value


def _error_media(resolvers: list[Any]) -> dict[tuple[str, str], tuple[str, ...]]:
    """Each operation's error media types: JSON, and pages too where its resolver renders errors for browsers.
    The first resolver of a path wins, as in the merge (POST /candidates: the careers form's)."""
    media: dict[tuple[str, str], tuple[str, ...]] = {}
    for resolver, route in _routes(resolvers):
        media.setdefault((route.method.lower(), route.openapi_path), resolver.error_media_types)
    return media


def _possible_errors(operation: dict[str, Any]) -> dict[str, str]:
    """The 4xx an operation can give besides those its route declares, from what it takes: every request may be
    too large or throttled; a body may be malformed, of another type or invalid; a parameter invalid; a path
    name nothing; a token be missing or lack the group."""
    from talentpool.limits import LIMITS

    found = {
        "413": f"The request body is over {LIMITS.body_bytes // 1024} KB",
        "429": "Too many requests: wait (Retry-After says how long, when it is sent) and try again",
    }
    parameters = operation.get("parameters", [])
    if "requestBody" in operation:
        found["400"] = (
            f"The body is not JSON within the limits: UTF-8, nested at most {LIMITS.depth} deep, integers of at "
            f"most {LIMITS.integer_digits} digits, strings of at most {LIMITS.string_chars} characters, arrays "
            f"of at most {LIMITS.array_items} items, no NaN or Infinity, no key twice in one object"
        )
        found["415"] = "The body is not of a content type this operation reads"
    if parameters or "requestBody" in operation:
        found["422"] = "Validation failed; `fields` says which"
    if any(parameter["in"] == "path" for parameter in parameters):
        found["404"] = "Not found"
    if any(SECURITY_SCHEME in requirement for requirement in operation.get("security", [])):
        found["401"] = "No valid token"
        found["403"] = "Not in a group allowed to do this"
    return found


def _document_errors(schema: dict[str, Any], error_media: dict[tuple[str, str], tuple[str, ...]]) -> None:
    """Every 4xx an operation can give, in the error contract; Powertools' own validation-error schemas are never
    what we send. Errors answered before routing (or at the edge) are JSON even where a browser gets pages."""
    from talentpool.models.api_errors import ErrorResponse

    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorResponse.model_json_schema(ref_template=REF)
    components.update(error_schema.pop("$defs", {}))
    components["ErrorResponse"] = error_schema
    for path, method, operation in _operations(schema):
        responses = operation.setdefault("responses", {})
        for status, description in _possible_errors(operation).items():
            responses.setdefault(status, {"description": description})
        for status, response in responses.items():
            if status.startswith("4"):
                media = JSON_ONLY if status in ANSWERED_BEFORE_ROUTING else error_media.get((method, path), JSON_ONLY)
                response["content"] = {media_type: ERROR_CONTENT[media_type] for media_type in media}
            elif status == "204" or status.startswith("3"):
                response.pop("content", None)  # no body, whatever the route's return type says


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


def _name_the_failure_queues(schema: dict[str, Any]) -> None:
    """The queues POST /ops/redrive can name are the deployment's consumers, which the model cannot know: infra/spec.py
    does, and any other name is refused."""
    from infra import spec

    queue = schema.get("components", {}).get("schemas", {}).get("RedriveRequest", {}).get("properties", {}).get("queue")
    for option in (queue or {}).get("anyOf", []):
        if option.get("type") == "string":
            option["enum"] = list(spec.failure_consumers())


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if OUTPUT.exists() and OUTPUT.read_text() == text else 1)
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
