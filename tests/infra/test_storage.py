"""Buckets from spec.BUCKETS: private, SSL-only, expiring, access-logged, and notifying the function they name."""

from __future__ import annotations

from typing import Any

import pytest

from infra import spec
from infra.settings import Settings
from tests.infra.context import TEST_VALUES
from tests.infra.queries import arn, ref
from tests.infra.synth import Synth

SETTINGS = Settings(**TEST_VALUES)


def _bucket(synth: Synth, name: str) -> dict[str, Any]:
    return synth.resources[synth.logical_id(synth.stack.storage.by_name[name])]


def _access_logs(synth: Synth) -> str:
    return synth.logical_id(synth.stack.storage.access_logs)


def _policy_statements(synth: Synth, bucket_id: str) -> list[dict[str, Any]]:
    (policy,) = [
        p for p in synth.of_type("AWS::S3::BucketPolicy").values() if p["Properties"]["Bucket"] == ref(bucket_id)
    ]
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


def _is_private_encrypted_and_ssl_only(synth: Synth, bucket_id: str) -> None:
    props = synth.resources[bucket_id]["Properties"]
    (encryption,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert "AccessControl" not in props
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in _policy_statements(synth, bucket_id)
    )


def _expires_after(synth: Synth, bucket_id: str, days: int) -> None:
    # Other rules may expire a prefix sooner (Athena's query results); this one covers the whole bucket.
    rules = synth.resources[bucket_id]["Properties"]["LifecycleConfiguration"]["Rules"]
    (rule,) = [r for r in rules if r["Id"] == "Expire"]
    assert rule["Status"] == "Enabled"
    assert rule["ExpirationInDays"] == days
    assert "Prefix" not in rule and "Filter" not in rule  # the whole bucket
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}


@pytest.mark.parametrize("bucket", spec.BUCKETS, ids=lambda b: b.name)
def test_each_bucket_is_private_encrypted_ssl_only_and_unversioned(
    default_synth: Synth, bucket: spec.BucketSpec
) -> None:
    bucket_id = default_synth.logical_id(default_synth.stack.storage.by_name[bucket.name])
    _is_private_encrypted_and_ssl_only(default_synth, bucket_id)
    # A noncurrent version would outlive the expiry rule and an erasure.
    assert "VersioningConfiguration" not in default_synth.resources[bucket_id]["Properties"]
    # No browser uploads: the CLI PUTs to a presigned URL.
    assert "CorsConfiguration" not in default_synth.resources[bucket_id]["Properties"]


@pytest.mark.parametrize("bucket", spec.BUCKETS, ids=lambda b: b.name)
def test_each_bucket_expires_its_objects_and_abandoned_uploads(default_synth: Synth, bucket: spec.BucketSpec) -> None:
    _expires_after(
        default_synth, default_synth.logical_id(default_synth.stack.storage.by_name[bucket.name]), bucket.expire_days
    )


@pytest.mark.parametrize("bucket", spec.BUCKETS, ids=lambda b: b.name)
def test_each_bucket_logs_access_to_the_logs_bucket(default_synth: Synth, bucket: spec.BucketSpec) -> None:
    logging = _bucket(default_synth, bucket.name)["Properties"]["LoggingConfiguration"]
    assert logging == {"DestinationBucketName": ref(_access_logs(default_synth)), "LogFilePrefix": f"{bucket.name}/"}
    # Delivered under the logs bucket's policy (no ACLs: ownership is enforced), from this bucket only.
    bucket_arn = arn(default_synth.logical_id(default_synth.stack.storage.by_name[bucket.name]))
    assert any(
        s["Effect"] == "Allow"
        and s["Principal"] == {"Service": "logging.s3.amazonaws.com"}
        and s["Action"] == "s3:PutObject"
        and s["Condition"]["ArnLike"]["aws:SourceArn"] == bucket_arn
        for s in _policy_statements(default_synth, _access_logs(default_synth))
    )


def test_access_logs_are_private_and_expire_with_the_log_retention(default_synth: Synth) -> None:
    _is_private_encrypted_and_ssl_only(default_synth, _access_logs(default_synth))
    _expires_after(default_synth, _access_logs(default_synth), SETTINGS.log_retention_days)


def test_buckets_are_kept_with_retain_data(default_synth: Synth) -> None:
    for bucket in (*default_synth.stack.storage.by_name.values(), default_synth.stack.storage.access_logs):
        assert default_synth.resources[default_synth.logical_id(bucket)]["DeletionPolicy"] == "Retain"


NOTIFYING = [bucket for bucket in spec.BUCKETS if bucket.notify_function]


@pytest.mark.parametrize("bucket", NOTIFYING, ids=lambda b: b.name)
def test_new_objects_under_the_prefix_invoke_the_spec_function(default_synth: Synth, bucket: spec.BucketSpec) -> None:
    assert bucket.notify_function is not None
    bucket_id = default_synth.logical_id(default_synth.stack.storage.by_name[bucket.name])
    function_id = default_synth.logical_id(default_synth.stack.functions.by_name[bucket.notify_function])
    (notifications,) = [
        n["Properties"]
        for n in default_synth.of_type("Custom::S3BucketNotifications").values()
        if n["Properties"]["BucketName"] == ref(bucket_id)
    ]
    (configuration,) = notifications["NotificationConfiguration"]["LambdaFunctionConfigurations"]
    assert configuration["Events"] == ["s3:ObjectCreated:*"]
    assert configuration["LambdaFunctionArn"] == arn(function_id)
    assert configuration["Filter"] == {"Key": {"FilterRules": [{"Name": "prefix", "Value": bucket.notify_prefix}]}}
    # S3 may invoke the function for this bucket, in this account, and nothing else may through this permission.
    assert any(
        p["Properties"]["Principal"] == "s3.amazonaws.com"
        and p["Properties"]["FunctionName"] == arn(function_id)
        and p["Properties"]["SourceArn"] == arn(bucket_id)
        and p["Properties"]["SourceAccount"] == ref("AWS::AccountId")
        for p in default_synth.of_type("AWS::Lambda::Permission").values()
    )
