"""Storage: the region key and the three buckets, as the engine would receive them."""

from __future__ import annotations

import pytest

from delivery_stack.components.storage import KEY_USER_SERVICES
from preflight import UNKNOWN, Capture, Registration
from unit_tests.infrastructure.support import (
    CaptureFactory,
    children_of,
    parent_component,
    policy_json,
    resources_of,
    stack_regions,
)

BUCKET_SETTINGS = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketPolicy:BucketPolicy",
)
LEGACY_INLINE_BUCKET_ARGS = (
    "acl",
    "grants",
    "lifecycleRules",
    "serverSideEncryptionConfiguration",
    "versioning",
    "logging",
    "replicationConfiguration",
    "policy",
    "website",
    "corsRules",
)


def _bucket_setting(capture: Capture, bucket: Registration, type_token: str) -> Registration:
    component = parent_component(capture, bucket, "delivery:storage:SecureBucket")
    (setting,) = children_of(capture, component, type_token)
    return setting


def _key_statements(capture: Capture, key: Registration) -> dict[str, dict]:
    return {s["Sid"]: s for s in policy_json(key.inputs["policy"])["Statement"]}


def test_a_rotating_symmetric_key_with_an_alias_per_region(capture: Capture) -> None:
    keys = resources_of(capture, "aws:kms/key:Key")
    aliases = capture.of_type("aws:kms/alias:Alias")
    # One per region, and one for a one-region stack's audit copy in its backup region.
    assert len(keys) == len(aliases) == len(capture.providers())
    for key in keys:
        assert key.inputs["enableKeyRotation"] is True
        assert key.inputs["customerMasterKeySpec"] == "SYMMETRIC_DEFAULT"
        assert key.inputs["deletionWindowInDays"] == 30
    for alias in aliases:
        assert alias.inputs["name"].startswith("alias/serverless-delivery-key-")
        assert capture.region_of(alias) is not None


def test_key_policy_lets_exactly_the_services_that_use_it(up_three: Capture) -> None:
    """The key policy names each user and scopes it: account principals only through the listed services, Logs only
    for this account's log groups (encryption context), alarm publishing only for this account (source account)."""
    for key in resources_of(up_three, "aws:kms/key:Key"):
        region = up_three.region_of(key)
        statements = _key_statements(up_three, key)
        assert set(statements) == {
            "AccountAdministersKey",
            "AccountUsesKeyThroughServices",
            "ServicesHoldGrantsForResources",
            "CloudWatchLogsEncryptsAccountLogGroups",
            "AlertPublishersUseEncryptedTopic",
        }
        endpoints = {f"{service}.{region}.amazonaws.com" for service in (*KEY_USER_SERVICES, "firehose")}
        root = {"AWS": "arn:aws:iam::123456789012:root"}
        admin = statements["AccountAdministersKey"]
        assert admin["Principal"] == root
        assert not any(a in admin["Action"] for a in ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"))

        use = statements["AccountUsesKeyThroughServices"]
        assert use["Principal"] == root
        assert use["Condition"]["StringEquals"]["kms:CallerAccount"] == "123456789012"
        # The storage component's users plus the stack's extra one (Firehose encrypts the log delivery stream).
        assert set(use["Condition"]["StringEquals"]["kms:ViaService"]) == endpoints
        assert set(KEY_USER_SERVICES) == {"sns", "sqs", "s3", "lambda", "secretsmanager"}
        grants = statements["ServicesHoldGrantsForResources"]
        assert set(grants["Condition"]["StringEquals"]["kms:ViaService"]) == endpoints
        assert grants["Action"] == ["kms:CreateGrant"]
        assert grants["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}

        logs = statements["CloudWatchLogsEncryptsAccountLogGroups"]
        assert logs["Principal"] == {"Service": f"logs.{region}.amazonaws.com"}
        assert logs["Condition"] == {
            "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:123456789012:log-group:*"}
        }
        publishers = statements["AlertPublishersUseEncryptedTopic"]
        assert "cloudwatch.amazonaws.com" in publishers["Principal"]["Service"]
        assert publishers["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
        for statement in statements.values():
            assert statement["Effect"] == "Allow"
            assert all("*" not in action for action in statement["Action"]), statement["Sid"]


def test_policies_resolve_whole_or_stay_unknown_in_preview(preview_three: Capture) -> None:
    """Seed failure: "Policy JSON / Pulumi Output misuse (invalid serialization)": a document is serialised only
    from resolved values. In preview the key policy (account and partition come from invokes) is complete JSON and
    a bucket policy (the bucket ARN is not known yet) is unknown as a whole, never half-serialised."""
    for key in resources_of(preview_three, "aws:kms/key:Key"):
        assert "arn:aws:iam::123456789012:root" in policy_json(key.inputs["policy"])["Statement"][0]["Principal"]["AWS"]
    for policy in resources_of(preview_three, "aws:s3/bucketPolicy:BucketPolicy"):
        assert policy.inputs["policy"] == UNKNOWN


@pytest.mark.parametrize("purpose", ["artifacts", "audit", "logs"])
def test_three_buckets_per_region_with_every_setting_as_its_own_resource(capture: Capture, purpose: str) -> None:
    """Seed failures: "S3 bucket ACL uses deprecated parameter" and "S3 lifecycle rules use deprecated format": no
    inline legacy argument on any bucket; each setting is a separate, non-deprecated resource."""
    buckets = [b for b in resources_of(capture, "aws:s3/bucket:Bucket") if b.inputs["bucket"].split("-")[2] == purpose]
    assert len(buckets) == len(stack_regions(capture))
    assert not capture.of_type("aws:s3/bucketV2:BucketV2")
    for bucket in buckets:
        assert not set(bucket.inputs) & set(LEGACY_INLINE_BUCKET_ARGS), bucket.inputs
        for type_token in BUCKET_SETTINGS:
            setting = _bucket_setting(capture, bucket, type_token)
            assert capture.region_of(setting) == capture.region_of(bucket)


def test_buckets_are_encrypted_with_the_region_key_and_bucket_key(up_three: Capture) -> None:
    """Seed failure: "S3 bucket encryption uses AES256 instead of KMS"."""
    keys = {up_three.region_of(k): k.outputs["arn"] for k in resources_of(up_three, "aws:kms/key:Key")}
    for bucket in resources_of(up_three, "aws:s3/bucket:Bucket"):
        sse = _bucket_setting(
            up_three, bucket, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
        )
        (rule,) = sse.inputs["rules"]
        default = rule["applyServerSideEncryptionByDefault"]
        assert default["sseAlgorithm"] == "aws:kms"
        assert default["kmsMasterKeyId"] == keys[up_three.region_of(bucket)]
        assert rule["bucketKeyEnabled"] is True
        assert sse.inputs["bucket"] == bucket.inputs["bucket"]


def test_buckets_are_versioned_private_and_owner_enforced(capture: Capture) -> None:
    for bucket in resources_of(capture, "aws:s3/bucket:Bucket"):
        versioning = _bucket_setting(capture, bucket, "aws:s3/bucketVersioning:BucketVersioning")
        assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}
        block = _bucket_setting(capture, bucket, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
        for setting in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
            assert block.inputs[setting] is True, setting
        ownership = _bucket_setting(capture, bucket, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")
        assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}


def test_bucket_lifecycles_transition_then_expire(capture: Capture) -> None:
    for bucket in resources_of(capture, "aws:s3/bucket:Bucket"):
        lifecycle = _bucket_setting(capture, bucket, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
        (rule,) = lifecycle.inputs["rules"]
        assert rule["status"] == "Enabled"
        (transition,) = rule["transitions"]
        assert transition["storageClass"] in ("STANDARD_IA", "GLACIER_IR")
        assert 0 < transition["days"] < rule["expiration"]["days"]
        assert rule["noncurrentVersionExpiration"]["noncurrentDays"] > 0
        assert rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"] == 7
        versioning = _bucket_setting(capture, bucket, "aws:s3/bucketVersioning:BucketVersioning")
        assert versioning.urn in lifecycle.dependencies


def test_bucket_policies_deny_requests_without_tls(up_three: Capture) -> None:
    for bucket in resources_of(up_three, "aws:s3/bucket:Bucket"):
        policy = _bucket_setting(up_three, bucket, "aws:s3/bucketPolicy:BucketPolicy")
        (statement,) = policy_json(policy.inputs["policy"])["Statement"]
        arn = f"arn:aws:s3:::{bucket.inputs['bucket']}"
        assert statement == {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": ["s3:*"],
            "Resource": [arn, f"{arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }


def test_bucket_names_are_valid_and_carry_region_and_environment(three_regions: Capture) -> None:
    names = [b.inputs["bucket"] for b in resources_of(three_regions, "aws:s3/bucket:Bucket")]
    assert len(names) == len(set(names)) == 9
    for name in names:
        assert len(name) <= 63
        assert name == name.lower()
        assert name.endswith("-dev-main")


def test_storage_alone_admits_the_services_and_statements_its_args_name(build_alone: CaptureFactory) -> None:
    capture = build_alone(
        """
        from delivery_stack.components.iam import Statement
        from delivery_stack.components.storage import Storage, StorageArgs

        Storage(
            "storage-alone",
            StorageArgs(
                context=ctx,
                extra_key_services=("firehose",),
                alert_publishers=("events.amazonaws.com",),
                bucket_policy_statements={
                    "audit": [
                        Statement(
                            sid="AloneReadsAudit",
                            actions=("s3:GetObject",),
                            resources=("arn:aws:s3:::alone/*",),
                            principals={"AWS": "arn:aws:iam::123456789012:root"},
                        )
                    ]
                },
            ),
        )
        """
    )
    (key,) = [k for k in resources_of(capture, "aws:kms/key:Key") if k.name == "storage-alone-key"]
    statements = {s["Sid"]: s for s in policy_json(key.inputs["policy"])["Statement"]}
    via = statements["AccountUsesKeyThroughServices"]["Condition"]["StringEquals"]["kms:ViaService"]
    assert "firehose.us-east-1.amazonaws.com" in via
    assert len(via) == len(KEY_USER_SERVICES) + 1
    assert statements["AlertPublishersUseEncryptedTopic"]["Principal"] == {"Service": ["events.amazonaws.com"]}
    sids_by_bucket = {
        policy.name: [s["Sid"] for s in policy_json(policy.inputs["policy"])["Statement"]]
        for policy in resources_of(capture, "aws:s3/bucketPolicy:BucketPolicy")
    }
    assert [name for name, sids in sids_by_bucket.items() if "AloneReadsAudit" in sids] == [
        "storage-alone-audit-policy"
    ]
