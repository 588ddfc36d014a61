"""Creating Talentpool's AWS resources in moto from infra/spec.py, the same spec CDK deploys from."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from infra import spec
from local import environment
from local.environment import LocalSettings
from talentpool.adapters.aws import schema

ROLE_NAME = environment.ROLE_NAME
DISPATCH_TARGET_ID = "local-dispatch"
PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
_LAMBDA_RUNTIME = "python3.12"
_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]},
            "Action": "sts:AssumeRole",
        }
    ],
}


@dataclass
class Deployment:
    """Names and ARNs of what was created: what /_local/info reports and the dispatcher routes to."""

    region: str
    account: str
    table_name: str
    bus_name: str
    token_secret_arn: str = ""
    role_arn: str = ""
    schedule_group: str = ""
    functions: dict[str, str] = field(default_factory=dict)
    state_machines: dict[str, str] = field(default_factory=dict)
    rule_queues: dict[str, str] = field(default_factory=dict)
    streams: dict[str, str] = field(default_factory=dict)  # consumer function -> stream ARN
    failure_queues: dict[str, str] = field(default_factory=dict)  # consumer -> its failure queue's URL


class AwsClients:
    """The boto3 clients the runtime itself uses, all pointed at moto through AWS_ENDPOINT_URL."""

    def __init__(self, region: str) -> None:
        import boto3

        session = boto3.session.Session(region_name=region)
        self.dynamodb = session.client("dynamodb")
        self.events = session.client("events")
        self.iam = session.client("iam")
        self.lambda_ = session.client("lambda")
        self.s3 = session.client("s3")
        self.scheduler = session.client("scheduler")
        self.secretsmanager = session.client("secretsmanager")
        self.ses = session.client("ses")
        self.sesv2 = session.client("sesv2")
        self.sqs = session.client("sqs")
        self.stepfunctions = session.client("stepfunctions")


# --- ASL ---------------------------------------------------------------------------------------------


def placeholders(definition: str) -> set[str]:
    return set(PLACEHOLDER.findall(definition))


def fill_placeholders(definition: str, substitutions: Mapping[str, str], function_arn: Callable[[str], str]) -> str:
    """Replace each ${Placeholder} with the local ARN of the function the spec maps it to.

    Like CDK's definition_substitutions, a placeholder without a value is an error; so is a value the
    file no longer uses, since it means the spec and the ASL have drifted apart.
    """
    found = placeholders(definition)
    unknown = sorted(found - set(substitutions))
    unused = sorted(set(substitutions) - found)
    if unknown or unused:
        raise ValueError(f"ASL placeholders and spec substitutions differ: unknown {unknown}, unused {unused}")
    filled = PLACEHOLDER.sub(lambda m: function_arn(substitutions[m.group(1)]), definition)
    json.loads(filled)  # a definition that is not JSON fails here, naming the file, not deep in moto
    return filled


def state_machine_definition(machine: spec.StateMachineSpec, function_arn: Callable[[str], str]) -> str:
    path = spec.STATE_MACHINES_DIR / machine.asl_file
    try:
        return fill_placeholders(path.read_text(encoding="utf-8"), machine.substitutions, function_arn)
    except ValueError as exc:
        raise ValueError(f"{path.name}: {exc}") from exc


# --- Creation ----------------------------------------------------------------------------------------


def _dummy_code() -> bytes:
    # Invocation is patched to run functions/<name>/handler.py in-process; moto only needs a valid zip.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def lambda_handler(event, context):\n    raise RuntimeError('unpatched')\n")
    return buffer.getvalue()


def create_foundation(clients: AwsClients, settings: LocalSettings, deployment: Deployment) -> None:
    """Table, buses, buckets, token secret, SES identity and configuration set, and the functions' role."""
    clients.dynamodb.create_table(**schema.table_definition(deployment.table_name))
    for bucket in environment.buckets():
        clients.s3.create_bucket(Bucket=environment.bucket_name(bucket))
    for bus in sorted(({spec.BUS_NAME} | {rule.bus for rule in spec.RULES}) - {"default"}):
        clients.events.create_event_bus(Name=bus)
    deployment.token_secret_arn = clients.secretsmanager.create_secret(
        Name=environment.SECRET_NAME, SecretString=settings.token_secret_value
    )["ARN"]
    clients.ses.verify_email_identity(EmailAddress=environment.DEMO_SENDER_EMAIL)
    clients.sesv2.create_configuration_set(ConfigurationSetName=environment.CONFIGURATION_SET)
    deployment.role_arn = clients.iam.create_role(
        RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(_TRUST_POLICY)
    )["Role"]["Arn"]
    # Campaign schedules are created at run time (seed, the recruiter API) in this group; moto answers a
    # CreateSchedule in a group that does not exist with a 500, where AWS says ResourceNotFound.
    clients.scheduler.create_schedule_group(Name=environment.SCHEDULE_GROUP)
    deployment.schedule_group = environment.SCHEDULE_GROUP
    # Where work that failed for good is parked, as in AWS: one queue per consumer, kept 14 days.
    for consumer in spec.failure_consumers():
        deployment.failure_queues[consumer] = clients.sqs.create_queue(
            QueueName=environment.FAILURE_QUEUE_PREFIX + consumer,
            Attributes={"MessageRetentionPeriod": str(14 * 24 * 3600)},
        )["QueueUrl"]


def create_functions(
    clients: AwsClients,
    functions: Iterable[spec.FunctionSpec],
    values: Mapping[spec.Env, str],
    deployment: Deployment,
) -> None:
    code = _dummy_code()
    for function in functions:
        created = clients.lambda_.create_function(
            FunctionName=function.name,
            Description=function.description,
            Runtime=_LAMBDA_RUNTIME,
            Architectures=["arm64"],
            Role=deployment.role_arn,
            Handler="handler.lambda_handler",
            Code={"ZipFile": code},
            Timeout=function.timeout_s,
            MemorySize=function.memory_mb,
            Environment={"Variables": environment.function_environment(function, values)},
        )
        deployment.functions[function.name] = created["FunctionArn"]


def create_state_machines(
    clients: AwsClients, machines: Iterable[spec.StateMachineSpec], deployment: Deployment
) -> None:
    def function_arn(name: str) -> str:
        if name not in deployment.functions:
            raise ValueError(f"substitution names {name!r}, which is not a function in the spec")
        return deployment.functions[name]

    for machine in machines:
        created = clients.stepfunctions.create_state_machine(
            name=machine.name,
            definition=state_machine_definition(machine, function_arn),
            roleArn=deployment.role_arn,
            type="STANDARD",
        )
        deployment.state_machines[machine.name] = created["stateMachineArn"]


def check_arns(values: Mapping[spec.Env, str], deployment: Deployment) -> None:
    """Every state machine or role ARN the environment hands a function names one that was created, so a
    function never starts a machine that is not there (the local ARNs are built by convention)."""
    created = {*deployment.state_machines.values(), deployment.role_arn}
    wrong = [
        f"{env.value}={value}"
        for env, value in values.items()
        if value.startswith(("arn:aws:states:", "arn:aws:iam:")) and value not in created
    ]
    if wrong:
        raise RuntimeError(f"the local environment names resources that were not created: {', '.join(wrong)}")


def connect_buckets(clients: AwsClients, deployment: Deployment) -> None:
    """S3 event notifications to the spec's functions; moto invokes them, and so the in-process handlers."""
    for bucket in environment.buckets():
        if not bucket.notify_function:
            continue
        rules = [{"Name": "prefix", "Value": bucket.notify_prefix}] if bucket.notify_prefix else []
        clients.s3.put_bucket_notification_configuration(
            Bucket=environment.bucket_name(bucket),
            NotificationConfiguration={
                "LambdaFunctionConfigurations": [
                    {
                        "LambdaFunctionArn": deployment.functions[bucket.notify_function],
                        "Events": ["s3:ObjectCreated:*"],
                        **({"Filter": {"Key": {"FilterRules": rules}}} if rules else {}),
                    }
                ]
            },
        )


def create_stream_mappings(clients: AwsClients, streams: Iterable[spec.StreamSpec], deployment: Deployment) -> None:
    """Each spec stream consumer reads the table's stream (delivered by local/streams.py, not by moto)."""
    streams = list(streams)
    if not streams:
        return
    stream_arn = clients.dynamodb.describe_table(TableName=deployment.table_name)["Table"]["LatestStreamArn"]
    for stream in streams:
        clients.lambda_.create_event_source_mapping(
            EventSourceArn=stream_arn,
            FunctionName=stream.function,
            BatchSize=stream.batch_size,
            StartingPosition="TRIM_HORIZON",
            FunctionResponseTypes=["ReportBatchItemFailures"],
        )
        deployment.streams[stream.function] = stream_arn


def rule_queue_name(rule: spec.RuleSpec) -> str:
    return environment.rule_queue_name(rule.name)


def create_rules(clients: AwsClients, rules: Iterable[spec.RuleSpec], deployment: Deployment) -> None:
    """Each rule gets its spec pattern and one SQS target: moto matches, the dispatcher delivers."""
    for rule in rules:
        queue_url = clients.sqs.create_queue(QueueName=rule_queue_name(rule), Attributes={"VisibilityTimeout": "600"})[
            "QueueUrl"
        ]
        queue_arn = clients.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        clients.events.put_rule(
            Name=rule.name,
            EventBusName=rule.bus,
            EventPattern=json.dumps(rule.pattern),
            Description=rule.description,
            State="ENABLED",
        )
        clients.events.put_targets(
            Rule=rule.name, EventBusName=rule.bus, Targets=[{"Id": DISPATCH_TARGET_ID, "Arn": queue_arn}]
        )
        deployment.rule_queues[rule.name] = queue_url


def info(deployment: Deployment, moto_endpoint: str) -> dict[str, Any]:
    """What /_local/info serves, so tests and tools can reach the store and the machines directly."""
    return {
        "moto_endpoint": moto_endpoint,
        "region": deployment.region,
        "account": deployment.account,
        "table_name": deployment.table_name,
        "bus_name": deployment.bus_name,
        "token_secret_arn": deployment.token_secret_arn,
        "functions": dict(deployment.functions),
        "state_machines": dict(deployment.state_machines),
        "buckets": {b.name: environment.bucket_name(b) for b in environment.buckets()},
        "rules": sorted(deployment.rule_queues),
        "streams": dict(deployment.streams),
        "schedule_group": deployment.schedule_group,
    }


def scheduler_schedules(clients: AwsClients) -> list[dict[str, str]]:
    """The EventBridge Scheduler schedules that exist now (campaigns' `campaign-<id>`), as moto lists them."""
    schedules = []
    for page in clients.scheduler.get_paginator("list_schedules").paginate():
        schedules += [
            {
                "group": str(item.get("GroupName", "")),
                "name": str(item.get("Name", "")),
                "state": str(item.get("State", "")),
                "target": str((item.get("Target") or {}).get("Arn", "")),
            }
            for item in page.get("Schedules", [])
        ]
    return sorted(schedules, key=lambda s: (s["group"], s["name"]))
