"""Alarms an operator needs: function errors and near-timeouts, failed executions, API 5xx, unpublished and parked
events, to SNS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Aws, Duration, RemovalPolicy
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
# Emitted by talentpool.logic.capture when the bus refuses a domain event after its retry.
EVENT_PUBLISH_FAILED = "EventPublishFailed"
# Longer than any API call may take (API Gateway stops waiting at 29 s): these run where no caller sees a
# timeout, such as an import started by S3, so the operator hears before the work no longer fits.
LONG_RUNNING_SECONDS = 60
NEAR_TIMEOUT = 0.8  # of the function's timeout


class Alarms(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        function_specs: Sequence[spec.FunctionSpec],
        stage: apigw.Stage,
        dead_letter_queues: Mapping[str, sqs.IQueue],
        state_machines: Mapping[str, sfn.IStateMachine],
        alarm_email: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = self._topic(alarm_email)
        for name, function in functions.items():
            self._alarm(f"{name}-errors", function.metric_errors(period=PERIOD), f"The {name} function failed")
        for name, machine in state_machines.items():
            # A function that answers a task token with an error (a sequence that failed for good) is no
            # Lambda error, so only the execution's own metric sees it. Stopped executions are not failures.
            self._alarm(
                f"{name}-executions-failed",
                machine.metric_failed(period=PERIOD, statistic=cloudwatch.Stats.SUM),
                f"A {name} execution failed: the timeline of its candidate names the error",
            )
        for function_spec in function_specs:
            if function_spec.timeout_s >= LONG_RUNNING_SECONDS:
                self._near_timeout_alarm(function_spec, functions[function_spec.name])
        self._alarm("api-5xx", stage.metric_server_error(period=PERIOD), "The API answered with a 5xx")
        self._alarm(
            "event-publish-failed",
            cloudwatch.Metric(
                namespace=NAMESPACE,
                metric_name=EVENT_PUBLISH_FAILED,
                dimensions_map={"service": SERVICE},
                statistic=cloudwatch.Stats.SUM,
                period=PERIOD,
            ),
            "A domain event could not be published to the bus",
        )
        for name, queue in dead_letter_queues.items():
            self._alarm(
                f"{name}-dead-letters",
                queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM),
                f"Events for {name} gave up retrying and wait in its dead-letter queue",
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
