"""Finding things in a synthesised template that CloudFormation spreads over several resources."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra import spec
from infra.campaigns import MANAGE_ACTIONS, SCHEDULER_SERVICE
from infra.sequences import CALLBACK_ACTIONS, CALLBACK_RESOURCE, START_ACTIONS, STOP_ACTIONS, asl_path
from infra.stack import ENGAGE, NURTURE, REPORT_WRITES, REPORTS
from tests.infra.synth import Synth

# What an event source mapping needs on the function's role (Lambda polls with it): not a spec grant.
SQS_CONSUME = {"sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage"}
SQS_CONSUME |= {"sqs:GetQueueUrl", "sqs:GetQueueAttributes"}
STREAM_READ = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"}
# The grants on the imports bucket's uploads/ keys, by the one S3 action each allows there.
UPLOAD_GRANTS = {
    "s3:PutObject": spec.Grant.IMPORTS_UPLOAD,
    "s3:GetObject": spec.Grant.IMPORTS_READ,
    "s3:DeleteObject": spec.Grant.IMPORTS_DELETE,
}


def ref(logical_id: str) -> dict[str, str]:
    return {"Ref": logical_id}


def arn(logical_id: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def mentions(value: Any, logical_id: str) -> bool:
    """Whether a resolved CloudFormation value refers to the resource (Ref, GetAtt, inside a Join)."""
    return logical_id in json.dumps(value)


def joined(*parts: Any) -> dict[str, Any]:
    """`Fn::Join` with no separator, the way CDK renders a string with tokens in it."""
    return {"Fn::Join": ["", list(parts)]}


def rendered(value: Any) -> str:
    """A resolved CloudFormation string as text: `Ref` becomes `<Name>`, `Fn::GetAtt` `<Name.Attribute>`."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(rendered(part) for part in parts)
    if "Ref" in value:
        return f"<{value['Ref']}>"
    if "Fn::GetAtt" in value:
        return f"<{'.'.join(value['Fn::GetAtt'])}>"
    raise ValueError(f"not a string: {value!r}")


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


def resource_paths(synth: Synth) -> list[str]:
    """The path of every deployed API resource, once per resource (duplicates would mean a broken tree)."""
    return list(_resource_paths(synth).values())


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


def function_props(synth: Synth, name: str) -> dict[str, Any]:
    return synth.resources[synth.logical_id(synth.stack.functions.by_name[name])]["Properties"]


def statements(synth: Synth, name: str) -> list[dict[str, Any]]:
    """Every statement the function's role carries, from any policy attached to it; no managed policies."""
    role_id = function_props(synth, name)["Role"]["Fn::GetAtt"][0]
    role = synth.resources[role_id]["Properties"]
    assert not role.get("ManagedPolicyArns"), "function roles carry no AWS managed policy"
    found = [s for p in role.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]
    for policy in synth.of_type("AWS::IAM::Policy").values():
        if ref(role_id) in policy["Properties"].get("Roles", []):
            found.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return found


def actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


def resources(statement: dict[str, Any]) -> list[Any]:
    resource = statement["Resource"]
    return resource if isinstance(resource, list) else [resource]


def all_actions(synth: Synth, name: str) -> set[str]:
    return {action for statement in statements(synth, name) for action in actions(statement)}


def uploads_arn(synth: Synth, bucket: str) -> dict[str, Any]:
    """`<bucket ARN>/uploads/*`: the objects a bucket's uploads land in (its notify_prefix)."""
    prefix = spec.bucket(bucket).notify_prefix or ""
    return joined(arn(synth.logical_id(synth.stack.storage.by_name[bucket])), f"/{prefix}*")


def engage_executions(synth: Synth) -> list[Any]:
    """`arn:…:states:…:execution:<engage's name>:*`: the per-candidate executions erasure may stop."""
    stack = synth.stack
    return [stack.resolve(stack.sequences.execution_arn(ENGAGE))]


def bucket_arn(synth: Synth, bucket: str) -> dict[str, Any]:
    return arn(synth.logical_id(synth.stack.storage.by_name[bucket]))


def objects_arn(synth: Synth, bucket: str, pattern: str) -> dict[str, Any]:
    return joined(bucket_arn(synth, bucket), f"/{pattern}")


def report_writes(synth: Synth) -> list[Any]:
    """Where the report job and the stream consumer may put objects: report files, Athena copies, the event log."""
    return sorted((objects_arn(synth, REPORTS, p) for p in REPORT_WRITES), key=json.dumps)


def schedules_arn(synth: Synth) -> Any:
    return synth.stack.resolve(synth.stack.campaigns.schedules_arn())


def own_queues(synth: Synth, name: str) -> list[Any]:
    """The queues this function's event sources read: its "queue" targets' buffers."""
    buffers = synth.stack.events.buffers
    return [
        arn(synth.logical_id(buffers[f"{rule.name}-{target.name}"]))
        for rule in (*spec.RULES, *spec.SCHEDULES)
        for target in (rule.targets if isinstance(rule, spec.RuleSpec) else (rule.target,))
        if target.kind == "queue" and target.name == name
    ]


def callback_machines(synth: Synth, name: str) -> list[Any]:
    """The state machines whose `.waitForTaskToken` tasks hand the function a task token to answer."""
    return [
        ref(synth.logical_id(synth.stack.sequences.by_name[machine.name]))
        for machine in spec.STATE_MACHINES
        if name in machine.substitutions.values() and CALLBACK_RESOURCE in asl_path(machine).read_text()
    ]


def invoking_machines(synth: Synth, name: str) -> list[Any]:
    """The state machines whose tasks invoke the function: the ones it may continue as new executions."""
    return [
        ref(synth.logical_id(synth.stack.sequences.by_name[machine.name]))
        for machine in spec.STATE_MACHINES
        if name in machine.substitutions.values()
    ]


def granted(synth: Synth, name: str) -> set[spec.Grant]:
    """Classify each statement as one spec grant, or the platform's own (logs, tracing, event sources, the
    failure queue); anything else fails."""
    stack = synth.stack
    table = synth.logical_id(stack.data.table)
    own_logs = function_props(synth, name)["LoggingConfig"]["LogGroup"]["Ref"]
    consumers = set(stack.streams.consumers)
    found: set[spec.Grant] = set()
    table_actions: set[str] = set()
    for statement in statements(synth, name):
        assert statement["Effect"] == "Allow"
        verbs, targets = actions(statement), resources(statement)
        services = {verb.split(":")[0] for verb in verbs}
        if spec.Grant.FAILURES_REDRIVE in spec.function(name).grants and redrives(synth, verbs, targets):
            found.add(spec.Grant.FAILURES_REDRIVE)
        elif services == {"logs"}:
            assert verbs <= {"logs:CreateLogStream", "logs:PutLogEvents"}
            assert targets == [arn(own_logs)]
        elif targets == ["*"]:
            # Actions with no resource-level scoping, each in a policy of its own: tracing, and listing
            # streams for a stream consumer.
            assert verbs <= {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "dynamodb:ListStreams"}, verbs
            if "dynamodb:ListStreams" in verbs:
                assert name in consumers, f"{name} lists streams but is no spec stream consumer"
        elif services == {"sqs"} and verbs <= SQS_CONSUME:
            assert targets and all(t in own_queues(synth, name) for t in targets)
        elif services == {"dynamodb"} and verbs <= STREAM_READ:
            assert name in consumers, f"{name} reads the stream but is no spec stream consumer"
        elif services == {"sqs"} and verbs <= {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}:
            # Its own failure queue: a stream consumer's or an asynchronous function's on-failure destination.
            assert targets == [arn(synth.logical_id(stack.failures.by_consumer[name]))]
        elif services == {"dynamodb"}:
            assert all(mentions(r, table) for r in targets)
            if f'"{table}", "Arn"]}}, "/index/*"' in json.dumps(targets):
                assert verbs == {"dynamodb:Query"}  # only queries read the indexes
            table_actions |= verbs
        elif verbs == {"events:PutEvents"}:
            assert targets == [arn(synth.logical_id(stack.events.bus))]
            found.add(spec.Grant.BUS_PUT)
        elif services == {"ses"}:
            assert verbs == {"ses:SendEmail", "ses:SendRawEmail"}
            assert {json.dumps(r) for r in targets} == {
                json.dumps(stack.resolve(stack.email.identity_arn)),
                json.dumps(
                    stack.resolve(
                        stack.format_arn(
                            service="ses",
                            resource="configuration-set",
                            resource_name=stack.email.configuration_set_name,
                        )
                    )
                ),
            }
            found.add(spec.Grant.SES_SEND)
        elif services == {"secretsmanager"}:
            assert verbs <= {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}
            assert targets == [ref(synth.logical_id(stack.token_key.secret))]
            found.add(spec.Grant.TOKEN_SECRET_READ)
        elif services == {"s3"} and targets == [uploads_arn(synth, "imports")]:
            # CDK merges one role's statements on the same keys: each verb is the grant it belongs to.
            assert verbs <= set(UPLOAD_GRANTS), verbs
            found |= {UPLOAD_GRANTS[verb] for verb in verbs}
        elif verbs == {"s3:PutObject"}:
            assert sorted(targets, key=json.dumps) == report_writes(synth)
            found.add(spec.Grant.REPORTS_WRITE)
        elif verbs == {"s3:GetObject"} and targets == [objects_arn(synth, REPORTS, "events/*")]:
            found.add(spec.Grant.EVENT_LOG_READ)
        elif verbs == {"s3:GetObject"}:
            assert targets == [objects_arn(synth, REPORTS, "reports/*")]
            found.add(spec.Grant.REPORTS_READ)
        elif verbs == {"s3:ListBucket"}:
            assert targets == [bucket_arn(synth, REPORTS)]
            # Listing only under the prefix the grant reads: reports/ for REPORTS_READ, events/ for EVENT_LOG_READ.
            by_prefix = {"reports/*": spec.Grant.REPORTS_READ, "events/*": spec.Grant.EVENT_LOG_READ}
            (grant,) = [g for p, g in by_prefix.items() if statement["Condition"] == {"StringLike": {"s3:prefix": [p]}}]
            found.add(grant)
        elif services == {"scheduler"}:
            assert verbs == set(MANAGE_ACTIONS)
            assert targets == [schedules_arn(synth)]
            found.add(spec.Grant.SCHEDULES_MANAGE)
        elif verbs == {"iam:PassRole"}:
            assert targets == [arn(synth.logical_id(stack.campaigns.role))]
            assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": SCHEDULER_SERVICE}}
            found.add(spec.Grant.SCHEDULES_MANAGE)
        elif services == {"states"} and verbs == set(CALLBACK_ACTIONS):
            assert targets == callback_machines(synth, name)
            found.add(spec.Grant.WORKFLOW_CALLBACK)
        elif services == {"states"} and verbs == set(START_ACTIONS) and targets == invoking_machines(synth, name):
            found.add(spec.Grant.WORKFLOW_CONTINUE)
        elif services == {"states"} and verbs == set(START_ACTIONS):
            assert targets == [ref(synth.logical_id(stack.sequences.by_name[NURTURE]))]
            found.add(spec.Grant.WORKFLOW_START)
        elif services == {"states"}:
            assert verbs == set(STOP_ACTIONS)
            assert targets == engage_executions(synth)
            found.add(spec.Grant.WORKFLOW_STOP)
        else:
            pytest.fail(f"{name} may do more than its spec grants: {sorted(verbs)}")
    return found | table_grants(table_actions)


def redrives(synth: Synth, verbs: set[str], targets: list[Any]) -> bool:
    """A statement of the redrive grant: the failure queues, and where their work goes back to, nothing else."""
    stack = synth.stack
    if not verbs <= set(spec.GRANT_ACTIONS[spec.Grant.FAILURES_REDRIVE]):
        return False
    allowed = [arn(synth.logical_id(q)) for q in stack.failures.by_consumer.values()]
    allowed += [arn(synth.logical_id(q)) for q in stack.events.buffer_of.values()]
    allowed += [arn(synth.logical_id(f)) for f in stack.functions.by_name.values()]
    allowed += [ref(synth.logical_id(m)) for m in stack.sequences.by_name.values()]
    allowed += [{"Fn::GetAtt": [synth.logical_id(stack.data.table), "StreamArn"]}]
    return all(target in allowed for target in targets)


TABLE_GRANTS = (
    spec.Grant.TABLE_READ,
    spec.Grant.TABLE_BATCH_READ,
    spec.Grant.TABLE_WRITE,
    spec.Grant.TABLE_BATCH_WRITE,
)


def table_grants(table_actions: set[str]) -> set[spec.Grant]:
    """The table grants whose actions are all allowed; an allowed action no such grant explains fails."""
    found = {grant for grant in TABLE_GRANTS if set(spec.GRANT_ACTIONS[grant]) <= table_actions}
    explained = {action for grant in found for action in spec.GRANT_ACTIONS[grant]}
    assert table_actions == explained, f"table actions no grant explains: {sorted(table_actions - explained)}"
    return found


def expected_grants(synth: Synth, function: spec.FunctionSpec) -> set[spec.Grant]:
    """The spec's grants: each one is a statement the function's role carries, and nothing else is."""
    return set(function.grants)
