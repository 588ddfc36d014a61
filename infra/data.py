"""The single DynamoDB table, built from the key schema and indexes the store and the local runtime share."""

from __future__ import annotations

from typing import cast

from aws_cdk import CfnResource, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra import spec
from infra.nag import acknowledge, arn_finding, default_policy
from talentpool.adapters.aws import schema

INDEX_QUERY = "dynamodb:Query"  # the one granted action that reads an index


class CandidateTable(Construct):
    """On-demand, point-in-time recoverable, encrypted, streamed, with TTL for retention and idempotency."""

    def __init__(self, scope: Construct, construct_id: str, *, retain: bool) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=_string(schema.PK),
            sort_key=_string(schema.SK),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
            time_to_live_attribute=schema.TTL_ATTRIBUTE,
            # Candidate data outlives a mistaken `cdk destroy` unless the operator opts out.
            removal_policy=RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY,
            deletion_protection=retain,
        )
        for index in schema.GLOBAL_INDEXES:
            self.table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_string(index.pk),
                sort_key=_string(index.sk),
                # INCLUDE the summary only: contact data stays off the indexes (see schema.SUMMARY_ATTRIBUTES).
                projection_type=dynamodb.ProjectionType.INCLUDE,
                non_key_attributes=list(index.projection),
            )

    def grant(self, table_grant: spec.Grant, grantee: iam.IGrantable) -> iam.Grant:
        """Exactly the spec grant's actions on the table; Query on its indexes too, nothing else reaches them."""
        actions = spec.GRANT_ACTIONS[table_grant]
        table_arn = self.table.table_arn
        grant = iam.Grant.add_to_principal(grantee=grantee, actions=list(actions), resource_arns=[table_arn])
        if INDEX_QUERY in actions:
            iam.Grant.add_to_principal(grantee=grantee, actions=[INDEX_QUERY], resource_arns=[f"{table_arn}/index/*"])
            acknowledge(
                default_policy(grantee),
                arn_finding(cast(CfnResource, self.table.node.default_child), "/index/*"),
                "Queries on the table's own GSIs (table-ARN/index/*); every index serves a listed access pattern "
                "(docs/data-model.md), and the set grows with schema.GLOBAL_INDEXES.",
            )
        return grant


def _string(name: str) -> dynamodb.Attribute:
    # Every key in the schema is a string (table_definition declares them all "S").
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)
