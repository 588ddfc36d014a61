"""What the operator hears about and looks at: alarms to an SNS topic `alarm_email` subscribes to, and one
dashboard. docs/operations.md says what each alarm means and what to do first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import spec
from talentpool.observability import NAMESPACE, SERVICE

PERIOD = Duration.minutes(5)
# Emitted by talentpool.logic.capture.submissions when the bus refuses a domain event after its retry.
EVENT_PUBLISH_FAILED = "EventPublishFailed"
# Emitted by talentpool.adapters.aws.workflows each time Talentpool itself stops an execution (un-enrolment, erasure).
WORKFLOWS_STOPPED = "WorkflowsStopped"
# Longer than any API call may take (API Gateway stops waiting at 29 s): these run where no caller sees a
# timeout, such as an import started by S3, so the operator hears before the work no longer fits.
LONG_RUNNING_SECONDS = 60
NEAR_TIMEOUT = 0.8  # of the function's timeout
# SES reviews an account at these rates (and pauses sending at 0.10 and 0.005): hear of it at review level.
SES_BOUNCE_RATE = 0.05
SES_COMPLAINT_RATE = 0.001
REPUTATION_PERIOD = Duration.hours(1)
# An execution stopped by Talentpool is counted by both metrics; only the rest is news. The period is long
# enough that the two land in the same one.
ABORT_PERIOD = Duration.minutes(15)
STATE_MACHINE_METRICS = ("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionThrottled")
HOUR = Duration.hours(1)  # the dashboard's per-hour counts


@dataclass(frozen=True)
class Watched:
    """What the alarms and the dashboard watch."""

    functions: Mapping[str, lambda_.IFunction]
    function_specs: Sequence[spec.FunctionSpec]
    stage: apigw.Stage
    failure_queues: Mapping[str, sqs.IQueue]
    state_machines: Mapping[str, sfn.IStateMachine]


class Alarms(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        function_specs: Sequence[spec.FunctionSpec],
        stage: apigw.Stage,
        failure_queues: Mapping[str, sqs.IQueue],
        state_machines: Mapping[str, sfn.IStateMachine],
        alarm_email: str,
    ) -> None:
        super().__init__(scope, construct_id)
        watched = Watched(functions, function_specs, stage, failure_queues, state_machines)
        self.topic = self._topic(alarm_email)
        self._function_alarms(watched)
        self._state_machine_alarms(state_machines)
        self._alarm("api-5xx", stage.metric_server_error(period=PERIOD), "The API answered with a 5xx")
        self._alarm(
            "event-publish-failed",
            talentpool_metric(EVENT_PUBLISH_FAILED),
            "A domain event could not be published to the bus",
        )
        for name, queue in failure_queues.items():
            self._alarm(
                f"{name}-failures",
                queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM),
                f"Work for {name} failed for good and waits in its failure queue: talentpool ops failures",
            )
        self._ses_alarms()
        self.dashboard = Dashboard(self, "Dashboard", watched=watched)

    def _function_alarms(self, watched: Watched) -> None:
        for name, function in watched.functions.items():
            self._alarm(f"{name}-errors", function.metric_errors(period=PERIOD), f"The {name} function failed")
            self._alarm(
                f"{name}-throttles",
                function.metric_throttles(period=PERIOD),
                f"Lambda throttled {name}: the account's concurrency is used up",
            )
        for function_spec in watched.function_specs:
            if function_spec.timeout_s >= LONG_RUNNING_SECONDS:
                self._near_timeout_alarm(function_spec, watched.functions[function_spec.name])

    def _state_machine_alarms(self, state_machines: Mapping[str, sfn.IStateMachine]) -> None:
        for name, machine in state_machines.items():
            for metric_name in STATE_MACHINE_METRICS:
                self._alarm(
                    f"{name}-{metric_name}",
                    machine.metric(metric_name, period=PERIOD, statistic=cloudwatch.Stats.SUM),
                    f"{metric_name} on the {name} state machine (docs/operations.md)",
                )
            # Talentpool stops engage runs itself (un-enrolment, erasure): an abort is news only when nobody
            # here asked for it.
            aborted = machine.metric_aborted(period=ABORT_PERIOD, statistic=cloudwatch.Stats.SUM)
            unexplained = cloudwatch.MathExpression(
                expression="FILL(aborted, 0) - FILL(stopped, 0)",
                using_metrics={"aborted": aborted, "stopped": talentpool_metric(WORKFLOWS_STOPPED, ABORT_PERIOD)},
                period=ABORT_PERIOD,
                label=f"{name} executions aborted outside Talentpool",
            )
            self._alarm(
                f"{name}-ExecutionsAborted",
                unexplained,
                f"A {name} execution was stopped by something other than Talentpool (console, CLI, a deploy)",
            )

    def _ses_alarms(self) -> None:
        for metric_name, threshold in (
            ("Reputation.BounceRate", SES_BOUNCE_RATE),
            ("Reputation.ComplaintRate", SES_COMPLAINT_RATE),
        ):
            self._alarm(
                f"ses-{metric_name}",
                cloudwatch.Metric(
                    namespace="AWS/SES",
                    metric_name=metric_name,
                    statistic=cloudwatch.Stats.MAXIMUM,
                    period=REPUTATION_PERIOD,
                ),
                f"SES {metric_name} reached {threshold}, the level at which SES reviews the account",
                threshold=threshold,
            )

    def _near_timeout_alarm(self, function_spec: spec.FunctionSpec, function: lambda_.IFunction) -> None:
        """The slowest run reached most of the timeout: the next bigger input (a larger CSV) may not finish.

        A run that does time out reports its whole timeout as its duration, so this fires for those too.
        """
        self._alarm(
            f"{function_spec.name}-near-timeout",
            function.metric_duration(period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM),
            f"A {function_spec.name} run took over {NEAR_TIMEOUT:.0%} of its {function_spec.timeout_s} s timeout",
            threshold=NEAR_TIMEOUT * function_spec.timeout_s * 1000,  # Lambda reports duration in milliseconds
        )

    def _topic(self, alarm_email: str) -> sns.Topic:
        # CloudWatch cannot publish to a topic under the AWS-managed SNS key, so the topic has its own key.
        key = kms.Key(
            self,
            "TopicKey",
            description="Encrypts the Talentpool alarm topic",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
            pending_window=Duration.days(7),
        )
        cloudwatch_service = iam.ServicePrincipal("cloudwatch.amazonaws.com")
        key.grant(cloudwatch_service, "kms:Decrypt", "kms:GenerateDataKey*")
        topic = sns.Topic(self, "Topic", display_name="Talentpool alarms", master_key=key, enforce_ssl=True)
        # The SSL-only topic policy replaces SNS's default one, so CloudWatch needs its own allow,
        # limited to this account's alarms.
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[cloudwatch_service],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            )
        )
        if alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        return topic

    def _alarm(self, construct_id: str, metric: cloudwatch.IMetric, description: str, threshold: float = 1) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            # No traffic is not a failure.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        alarm.add_ok_action(actions.SnsAction(self.topic))


def talentpool_metric(name: str, period: Duration = PERIOD, statistic: str = cloudwatch.Stats.SUM) -> cloudwatch.Metric:
    """One of our own Powertools metrics (namespace Talentpool, dimension service)."""
    return cloudwatch.Metric(
        namespace=NAMESPACE, metric_name=name, dimensions_map={"service": SERVICE}, statistic=statistic, period=period
    )


class Dashboard(Construct):
    """One page: captures, email, executions, queues, the API."""

    def __init__(self, scope: Construct, construct_id: str, *, watched: Watched) -> None:
        super().__init__(scope, construct_id)
        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=f"{Stack.of(self).stack_name}-operations"
        )
        ses: list[cloudwatch.IMetric] = [
            cloudwatch.Metric(namespace="AWS/SES", metric_name=metric, statistic=cloudwatch.Stats.SUM, period=HOUR)
            for metric in ("Send", "Delivery", "Bounce", "Complaint")
        ]
        machines = watched.state_machines
        self.dashboard.add_widgets(
            _graph("Captures per hour", [talentpool_metric("CandidatesCaptured", HOUR)]),
            _graph("Emails sent and bounced per hour", ses),
            _graph(
                "Executions started, running and failed",
                [m.metric_started(period=PERIOD) for m in machines.values()]
                + [m.metric_failed(period=PERIOD) for m in machines.values()]
                + [
                    cloudwatch.Metric(
                        namespace="AWS/States",
                        metric_name="OpenExecutionCount",
                        statistic=cloudwatch.Stats.MAXIMUM,
                        period=PERIOD,
                        label="Open executions (account)",
                    )
                ],
            ),
        )
        self.dashboard.add_widgets(
            _graph(
                "Failure queue depth",
                [
                    queue.metric_approximate_number_of_messages_visible(
                        period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM, label=name
                    )
                    for name, queue in watched.failure_queues.items()
                ],
            ),
            _graph(
                "API latency p95",
                [watched.stage.metric_latency(period=PERIOD, statistic="p95")],
            ),
            _graph(
                "API errors",
                [watched.stage.metric_client_error(period=PERIOD), watched.stage.metric_server_error(period=PERIOD)],
            ),
        )


def _graph(title: str, metrics: Sequence[cloudwatch.IMetric]) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=list(metrics), width=8, height=6)
