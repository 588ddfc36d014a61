"""Finding things in a synthesised template that CloudFormation spreads over several resources."""

from __future__ import annotations

from typing import Any

from infra import spec
from tests.infra.synth import Synth


def _resource_paths(synth: Synth) -> dict[str, str]:
    """Logical ID of each API resource (and the root) → its full path, rebuilt from PathPart and ParentId."""
    api_id = synth.logical_id(synth.stack.api.rest_api)
    resources = synth.of_type("AWS::ApiGateway::Resource")
    paths: dict[str, str] = {}

    def path_of(logical_id: str) -> str:
        if logical_id not in paths:
            props = resources[logical_id]["Properties"]
            parent = props["ParentId"]
            parent_path = "" if parent == {"Fn::GetAtt": [api_id, "RootResourceId"]} else path_of(parent["Ref"])
            paths[logical_id] = f"{parent_path}/{props['PathPart']}"
        return paths[logical_id]

    for logical_id in resources:
        path_of(logical_id)
    return paths


def method_for(synth: Synth, route: spec.RouteSpec) -> dict[str, Any]:
    """The deployed method of a spec route, found by HTTP method and rebuilt resource path."""
    api_id = synth.logical_id(synth.stack.api.rest_api)
    paths = _resource_paths(synth)
    found = []
    for method in synth.of_type("AWS::ApiGateway::Method").values():
        props = method["Properties"]
        resource = props["ResourceId"]
        path = "/" if resource == {"Fn::GetAtt": [api_id, "RootResourceId"]} else paths[resource["Ref"]]
        if props["HttpMethod"] == route.method and path == route.path:
            found.append(props)
    assert len(found) == 1, f"{route.method} {route.path} is not deployed exactly once"
    return found[0]
