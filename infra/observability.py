"""Alarms an operator needs: function errors, API 5xx, unpublished domain events and parked events, to SNS."""

from __future__ import annotations

from collections.abc import Mapping

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
from constructs import Construct

from talentpool.observability import NAMESPACE, SERVICE

PERIOD = Duration.minutes(5)
# Emitted by talentpool.logic.capture when the bus refuses a domain event after its retry.
EVENT_PUBLISH_FAILED = "EventPublishFailed"


class Alarms(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        stage: apigw.Stage,
        dead_letter_queues: Mapping[str, sqs.IQueue],
        alarm_email: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = self._topic(alarm_email)
        for name, function in functions.items():
            self._alarm(f"{name}-errors", function.metric_errors(period=PERIOD), f"The {name} function failed")
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

    def _alarm(self, construct_id: str, metric: cloudwatch.IMetric, description: str) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_description=description,
            metric=metric,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            # No traffic is not a failure.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        alarm.add_ok_action(actions.SnsAction(self.topic))
