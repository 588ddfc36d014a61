"""docs/permissions.md, written from the synthesised template: what each function may do, and on what.

Every (action, resource) a function's role allows must be in tests/infra/permissions_allowed.json. Widening a
grant therefore fails here until the allow-list says so too, which puts the widening in the diff for review.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from infra import spec
from tests.infra.queries import actions, function_props, resources, statements
from tests.infra.synth import Synth

DOC = spec.ROOT / "docs" / "permissions.md"
ALLOWED = Path(__file__).with_name("permissions_allowed.json")
HEADER = """# Permissions

What each function's role allows, read from the synthesised template by `tests/infra/test_permissions.py`, which
rewrites this page when it changes (commit it). Every row must also be in `tests/infra/permissions_allowed.json`,
so widening a grant is a visible change. `<Path.Arn>` is the resource the stack builds at that construct path;
`*` is used only for actions AWS authorises on no narrower resource, each in a policy of its own.
Grants come from `infra/spec.py` (`FunctionSpec.grants`, `GRANT_ACTIONS`); the tests and the local runtime refuse
any AWS call a handler makes outside them.
"""


def _paths(synth: Synth) -> dict[str, str]:
    """Logical ID → construct path (without the stack and the trailing /Resource): stable, readable names."""
    found: dict[str, str] = {}
    for construct in synth.stack.node.find_all():
        if hasattr(construct, "logical_id") and hasattr(construct, "cfn_resource_type"):
            path = construct.node.path.split("/", 1)[1].removesuffix("/Resource").removesuffix("/Default")
            found[synth.stack.resolve(construct.logical_id)] = path
    return found


def _render(value: Any, paths: dict[str, str]) -> str:
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_render(part, paths) for part in parts)
    if "Ref" in value:
        return f"<{paths.get(value['Ref'], value['Ref'])}>"
    if "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        return f"<{paths.get(logical_id, logical_id)}.{attribute}>"
    return json.dumps(value)


def permissions(synth: Synth) -> dict[str, list[str]]:
    """Function → sorted "action on resource" rows (conditions shown after the resource)."""
    paths = _paths(synth)
    table: dict[str, list[str]] = {}
    for function in spec.FUNCTIONS:
        function_props(synth, function.name)  # the function exists
        rows = set()
        for statement in statements(synth, function.name):
            condition = f" if {json.dumps(statement['Condition'], sort_keys=True)}" if "Condition" in statement else ""
            for action in actions(statement):
                for resource in resources(statement):
                    rows.add(f"{action} on {_render(resource, paths)}{condition}")
        table[function.name] = sorted(rows)
    return table


def markdown(table: dict[str, list[str]]) -> str:
    lines = [HEADER]
    for function, rows in table.items():
        lines += [f"## {function}", "", "| action | resource |", "|---|---|"]
        lines += [f"| `{row.split(' on ', 1)[0]}` | `{row.split(' on ', 1)[1]}` |" for row in rows]
        lines.append("")
    return "\n".join(lines)


def _unlisted(table: dict[str, list[str]], allowed: dict[str, Iterable[str]]) -> dict[str, list[str]]:
    return {
        function: extra
        for function, rows in table.items()
        if (extra := sorted(set(rows) - set(allowed.get(function, ()))))
    }


def test_every_permission_is_on_the_allow_list(default_synth: Synth) -> None:
    allowed = json.loads(ALLOWED.read_text())
    assert _unlisted(permissions(default_synth), allowed) == {}


def test_the_allow_list_holds_nothing_the_stack_no_longer_grants(default_synth: Synth) -> None:
    table = permissions(default_synth)
    allowed = json.loads(ALLOWED.read_text())
    stale = {f: sorted(set(rows) - set(table.get(f, ()))) for f, rows in allowed.items()}
    assert {f: rows for f, rows in stale.items() if rows} == {}


def test_a_widened_grant_is_caught() -> None:
    table = {"capture": ["dynamodb:GetItem on <Data/Table.Arn>", "dynamodb:Scan on <Data/Table.Arn>"]}
    allowed = {"capture": ["dynamodb:GetItem on <Data/Table.Arn>"]}
    assert _unlisted(table, allowed) == {"capture": ["dynamodb:Scan on <Data/Table.Arn>"]}


def test_docs_permissions_md_is_current(default_synth: Synth) -> None:
    text = markdown(permissions(default_synth))
    if not DOC.exists() or DOC.read_text() != text:
        DOC.write_text(text)
        raise AssertionError(f"{DOC.relative_to(spec.ROOT)} was out of date and has been rewritten: commit it")
