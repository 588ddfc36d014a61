"""One Lambda function per spec.FUNCTIONS entry: code, layers, log group, role, environment and grants."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import cast

from aws_cdk import Annotations, Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import spec
from infra.layers import ARCHITECTURE, RUNTIME
from infra.logs import retained_log_group
from infra.nag import acknowledge, wildcard_policy
from talentpool.observability import NAMESPACE, SERVICE

HANDLER = "handler.lambda_handler"
# Tracing's permissions, as CDK's tracing=ACTIVE grants them.
TRACING_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
SNAP_START_ALIAS = "live"  # the alias API Gateway invokes for a SnapStart function
# Powertools reads these itself; they match talentpool.observability so local and AWS runs agree.
POWERTOOLS_ENVIRONMENT = {"POWERTOOLS_SERVICE_NAME": SERVICE, "POWERTOOLS_METRICS_NAMESPACE": NAMESPACE}

# A grant is one grant_* call on the resource that owns the permission.
GrantCall = Callable[[iam.IGrantable], object]


class Functions(Construct):
    """Builds every function from the spec; `by_name` is how routes, rules and state machines find them.

    Grants come afterwards (`add_grants`), once the stack has built everything a grant may name, state
    machines included, which themselves need the functions first.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        specs: Sequence[spec.FunctionSpec],
        environment: Mapping[spec.Env, str],
        layers: Sequence[lambda_.ILayerVersion],
        log_retention_days: int,
        late: Sequence[spec.Env] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self._specs = tuple(specs)
        self._late = set(late)
        self.by_name: dict[str, lambda_.Function] = {
            function_spec.name: self._function(function_spec, environment, layers, log_retention_days)
            for function_spec in self._specs
        }
        # What API Gateway invokes: the SnapStart functions' alias (a published version, restored from its
        # snapshot), every other function itself.
        self.entry_points: dict[str, lambda_.IFunction] = {
            function_spec.name: self._entry_point(function_spec) for function_spec in self._specs
        }

    def add_environment(self, values: Mapping[spec.Env, str]) -> None:
        """Set the `late` variables, whose values exist only once the functions do (a state machine's ARN: the
        machine needs the functions it invokes), on every function whose spec lists them."""
        unknown = set(values) - self._late
        if unknown:
            raise ValueError(f"{', '.join(sorted(unknown))} were not declared late")
        for function_spec in self._specs:
            for env in function_spec.env:
                if env in values:
                    self.by_name[function_spec.name].add_environment(env.value, values[env])
        self._late -= set(values)

    def check_environment(self) -> None:
        """Every late variable got its value; a function would otherwise start without one it needs."""
        if self._late:
            raise KeyError(f"no value was set for {', '.join(sorted(self._late))}")

    def add_grants(self, grants: Mapping[spec.Grant, GrantCall]) -> None:
        """Each function gets exactly the permissions its spec lists, each one grant call."""
        for function_spec in self._specs:
            for grant in function_spec.grants:
                grants[grant](self.by_name[function_spec.name])

    def _function(
        self,
        function_spec: spec.FunctionSpec,
        environment: Mapping[spec.Env, str],
        layers: Sequence[lambda_.ILayerVersion],
        log_retention_days: int,
    ) -> lambda_.Function:
        scope = Construct(self, function_spec.name)
        log_group = retained_log_group(scope, "Logs", log_retention_days)
        role = _role(scope, log_group)
        function = lambda_.Function(
            scope,
            "Function",
            description=function_spec.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            code=lambda_.Code.from_asset(str(function_spec.folder), exclude=["__pycache__", "*.pyc"]),
            handler=HANDLER,
            layers=list(layers),
            memory_size=function_spec.memory_mb,
            timeout=Duration.seconds(function_spec.timeout_s),
            log_group=log_group,
            role=role,
            environment=function_environment(function_spec, environment, late=self._late),
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if function_spec.snap_start else None,
        )
        # Active tracing set on the resource, with its permissions in a policy of their own (not CDK's
        # tracing=ACTIVE, which puts a Resource "*" statement in the role's default policy).
        resource = cast(lambda_.CfnFunction, function.node.default_child)
        resource.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")
        wildcard_policy(
            scope,
            "Tracing",
            role,
            list(TRACING_ACTIONS),
            "Active tracing: X-Ray authorises PutTraceSegments and PutTelemetryRecords on no narrower resource.",
        )
        acknowledge(
            function,
            "L1",
            "Pinned to Python 3.12 on purpose: the dependency layer is built from cp312 arm64 wheels "
            "(infra/layers.py), so the runtime and the wheels move together.",
        )
        return function

    def _entry_point(self, function_spec: spec.FunctionSpec) -> lambda_.IFunction:
        function = self.by_name[function_spec.name]
        if not function_spec.snap_start:
            return function
        Annotations.of(function).acknowledge_warning(
            "@aws-cdk/aws-lambda:snapStartRequirePublish", "Published: its current version, behind the alias below"
        )
        # A new version is published whenever the function's configuration or code changes (current_version
        # hashes them); the alias follows it, so API Gateway always invokes the latest snapshot.
        return lambda_.Alias(
            self,
            f"{function_spec.name}-{SNAP_START_ALIAS}",
            alias_name=SNAP_START_ALIAS,
            version=function.current_version,
        )


def function_environment(
    function_spec: spec.FunctionSpec, values: Mapping[spec.Env, str], *, late: Collection[spec.Env] = ()
) -> dict[str, str]:
    """Exactly the variables the spec lists for this function (plus Powertools'), nothing another one needs;
    `late` ones are added afterwards (Functions.add_environment)."""
    missing = [env for env in function_spec.env if env not in values and env not in late]
    if missing:
        raise KeyError(f"no value for {', '.join(missing)} (needed by {function_spec.name})")
    return {env.value: values[env] for env in function_spec.env if env in values} | POWERTOOLS_ENVIRONMENT


def _role(scope: Construct, log_group: logs.ILogGroup) -> iam.Role:
    """A role that may write its own log group and nothing else until the spec's grants are added.

    CDK's default role carries AWSLambdaBasicExecutionRole, which may write to every log group in the account.
    """
    role = iam.Role(scope, "Role", assumed_by=cast(iam.IPrincipal, iam.ServicePrincipal("lambda.amazonaws.com")))
    log_group.grant_write(role)
    return role
