"""S3 buckets from spec.BUCKETS: private, SSL-only, expiring, access-logged, and notifying the function they name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from aws_cdk import CfnResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from constructs import Construct

from infra import spec
from infra.nag import acknowledge, arn_finding, default_policy

# An upload the CLI abandons halfway leaves parts that are billed but invisible to lifecycle expiration.
ABORT_INCOMPLETE_UPLOADS = Duration.days(1)
# CDK's singleton that applies notification configurations at deploy time (add_event_notification makes it).
NOTIFICATIONS_HANDLER_PREFIX = "BucketNotificationsHandler"
BASIC_EXECUTION_FINDING = "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]"


class Buckets(Construct):
    """Created before the functions (they receive the names); `add_notifications` wires the functions afterwards.

    Versioning stays off: the buckets hold short-lived inputs with personal data (CSV uploads), and a kept
    noncurrent version would outlive both the expiry rule and a GDPR erasure. A re-upload is a new object
    that the importer deduplicates, so there is nothing a previous version would restore.

    No CORS: uploads come from the `talentpool` CLI with a presigned PUT URL, never from a browser.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        specs: Sequence[spec.BucketSpec],
        retain: bool,
        log_retention_days: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self._specs = {bucket_spec.name: bucket_spec for bucket_spec in specs}
        self._retain = retain
        self.access_logs = self._bucket("AccessLogs", expire_days=log_retention_days)
        acknowledge(
            self.access_logs,
            "S1",
            "This bucket is the server access log destination of the other buckets; logging it to itself "
            "would loop, and logging it to yet another bucket would only move the finding there.",
        )
        self.by_name: dict[str, s3.Bucket] = {
            bucket_spec.name: self._bucket(
                bucket_spec.name,
                expire_days=bucket_spec.expire_days,
                access_logs=self.access_logs,
                access_log_prefix=f"{bucket_spec.name}/",
            )
            for bucket_spec in specs
        }

    def environment(self) -> dict[spec.Env, str]:
        """Each bucket's name under the environment variable its spec names."""
        return {bucket_spec.env: self.by_name[name].bucket_name for name, bucket_spec in self._specs.items()}

    def grant_upload(self, name: str, grantee: iam.IGrantable) -> iam.Grant:
        """PutObject where uploads land, and nowhere else: a presigned PUT URL carries the signer's rights."""
        return self.grant_put_under(name, (self.uploads_pattern(name),), grantee)

    def grant_put_under(self, name: str, patterns: Sequence[str], grantee: iam.IGrantable) -> iam.Grant:
        """PutObject under each key pattern, and nothing else: no reads, lists, deletes or ACL changes."""
        return self._grant_objects(name, patterns, grantee, "s3:PutObject")

    def grant_read(self, name: str, grantee: iam.IGrantable) -> iam.Grant:
        """GetObject where uploads land (the only objects the bucket holds); no listing, writes or deletes."""
        return self._grant_objects(name, (self.uploads_pattern(name),), grantee, "s3:GetObject")

    def grant_delete_uploads(self, name: str, grantee: iam.IGrantable) -> iam.Grant:
        """DeleteObject where uploads land, and nowhere else: the importer removes a file it has imported."""
        return self._grant_objects(name, (self.uploads_pattern(name),), grantee, "s3:DeleteObject")

    def grant_read_prefix(self, name: str, prefix: str, grantee: iam.IGrantable) -> iam.Grant:
        """GetObject under `prefix` and ListBucket limited to keys under it: nothing else the bucket holds.

        CDK's grant_read would allow s3:List* on the whole bucket, which would show every other prefix's keys.
        """
        bucket = self.by_name[name]
        pattern = f"{prefix}*"
        grant = self._grant_objects(name, (pattern,), grantee, "s3:GetObject")
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["s3:ListBucket"],
            resource_arns=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [pattern]}},
        )
        return grant

    def _grant_objects(self, name: str, patterns: Sequence[str], grantee: iam.IGrantable, action: str) -> iam.Grant:
        bucket = self.by_name[name]
        grant = iam.Grant.add_to_principal(
            grantee=grantee, actions=[action], resource_arns=[bucket.arn_for_objects(p) for p in patterns]
        )
        bucket_resource = cast(CfnResource, bucket.node.default_child)
        for pattern in patterns:
            acknowledge(
                default_policy(grantee),
                arn_finding(bucket_resource, "/" + pattern),
                f"{action} on keys under one fixed prefix of the {name} bucket; the objects are named per "
                "upload, report or batch at run time, so only the prefix is known.",
            )
        return grant

    def uploads_pattern(self, name: str) -> str:
        """The object-key pattern for uploads: the notification prefix, or the whole bucket when there is none."""
        return f"{self._specs[name].notify_prefix or ''}*"

    def add_notifications(self, functions: Mapping[str, lambda_.IFunction]) -> None:
        """Objects created under a bucket's notify_prefix invoke its notify_function (asynchronously, with retries)."""
        for name, bucket_spec in self._specs.items():
            if bucket_spec.notify_function is None:
                continue
            key_filters = (
                [s3.NotificationKeyFilter(prefix=bucket_spec.notify_prefix)] if bucket_spec.notify_prefix else []
            )
            self.by_name[name].add_event_notification(
                s3.EventType.OBJECT_CREATED,
                s3n.LambdaDestination(functions[bucket_spec.notify_function]),
                *key_filters,
            )
        self._acknowledge_notifications_handler()

    def _bucket(
        self,
        construct_id: str,
        *,
        expire_days: int,
        access_logs: s3.IBucket | None = None,
        access_log_prefix: str | None = None,
    ) -> s3.Bucket:
        return s3.Bucket(
            self,
            construct_id,
            # SSE-S3: a presigned PUT then needs no KMS grant, and S3 access logs may only target SSE-S3 buckets.
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=False,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="Expire",
                    expiration=Duration.days(expire_days),
                    abort_incomplete_multipart_upload_after=ABORT_INCOMPLETE_UPLOADS,
                )
            ],
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix=access_log_prefix,
            # Kept with retain_data (its expiry rule keeps running after the stack is gone); a throwaway
            # stack empties and deletes it, since CloudFormation cannot delete a bucket with objects in it.
            removal_policy=RemovalPolicy.RETAIN if self._retain else RemovalPolicy.DESTROY,
            auto_delete_objects=not self._retain,
        )

    def _acknowledge_notifications_handler(self) -> None:
        """CDK's deploy-time function that writes the notification configuration (made by add_event_notification)."""
        for child in Stack.of(self).node.children:
            if child.node.id.startswith(NOTIFICATIONS_HANDLER_PREFIX):
                acknowledge(
                    child.node.find_child("Role"),
                    BASIC_EXECUTION_FINDING,
                    "CDK's own deploy-time handler that applies the bucket notification configuration "
                    "(add_event_notification). CDK creates its role with this managed policy and exposes no way "
                    "to replace it; its only other permission is s3:PutBucketNotification on these buckets.",
                )
