"""Powertools idempotency records, kept in the single table under their own partition per scope."""

from __future__ import annotations

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from talentpool.adapters.aws.clients import client
from talentpool.adapters.aws.schema import PK, SK, TTL_ATTRIBUTE
from talentpool.ports.item_kinds import IDEMPOTENCY_PREFIX


def persistence(table_name: str, scope: str) -> DynamoDBPersistenceLayer:
    """Records live at pk=IDEMPOTENCY#<scope>, sk=<hash>; DynamoDB's TTL removes them when they expire."""
    return DynamoDBPersistenceLayer(
        table_name=table_name,
        key_attr=PK,
        sort_key_attr=SK,
        static_pk_value=f"{IDEMPOTENCY_PREFIX}{scope}",
        expiry_attr=TTL_ATTRIBUTE,
        boto3_client=client("dynamodb"),
    )
