"""The single table's key schema and indexes: the one definition CDK, the local runtime and the store share."""

from __future__ import annotations

from dataclasses import dataclass

PK = "pk"
SK = "sk"
TTL_ATTRIBUTE = "expires_at"

# Attributes copied onto every index entry (GSI projection and skill/tag index items) so that a
# segment query is answered from the index alone. Contact data (email, names, phone) is deliberately
# absent: search results are pseudonymous and erasure stays a handful of deletes.
SUMMARY_ATTRIBUTES: tuple[str, ...] = (
    "candidate_id",
    "skills",
    "years_experience",
    "country",
    "city",
    "stage",
    "tags",
    "source_channel",
    "consent_status",
    "engagement",
    "engagement_at",
    "captured_at",
    "owner_id",
    "interests",
)


@dataclass(frozen=True)
class GlobalIndex:
    """A GSI over single-valued candidate attributes; its keys are written on the profile item."""

    name: str
    pk: str
    sk: str
    projection: tuple[str, ...]


BY_STAGE = GlobalIndex("by_stage", "by_stage_pk", "by_stage_sk", SUMMARY_ATTRIBUTES)
BY_COUNTRY = GlobalIndex("by_country", "by_country_pk", "by_country_sk", SUMMARY_ATTRIBUTES)
BY_CHANNEL = GlobalIndex("by_channel", "by_channel_pk", "by_channel_sk", SUMMARY_ATTRIBUTES)
BY_CONSENT = GlobalIndex("by_consent", "by_consent_pk", "by_consent_sk", SUMMARY_ATTRIBUTES)
# Finding a person by name: sparse (only profiles with a name), keyed on the folded name, and the one index
# that projects the address, so a recruiter's result says who it is. A GSI rather than index items of our
# own: DynamoDB derives it from the profile and drops it with the profile, so erasure stays a handful of deletes.
BY_NAME = GlobalIndex("by_name", "by_name_pk", "by_name_sk", (*SUMMARY_ATTRIBUTES, "email"))

GLOBAL_INDEXES: tuple[GlobalIndex, ...] = (BY_STAGE, BY_COUNTRY, BY_CHANNEL, BY_CONSENT, BY_NAME)


def table_definition(name: str) -> dict[str, object]:
    """CreateTable parameters for the local runtime and tests; CDK builds the same table from the same data."""
    attributes = {PK, SK} | {a for index in GLOBAL_INDEXES for a in (index.pk, index.sk)}
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": PK, "KeyType": "HASH"}, {"AttributeName": SK, "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in sorted(attributes)],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.pk, "KeyType": "HASH"},
                    {"AttributeName": index.sk, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(index.projection)},
            }
            for index in GLOBAL_INDEXES
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }
