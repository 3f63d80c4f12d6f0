"""S3 posture beyond encryption: public access blocked on every bucket, no deprecated inline bucket configuration."""

from __future__ import annotations

from typing import Final

from pulumi_policy import Severity

from delivery_policies import aws
from delivery_policies.policy_spec import Evaluation, PolicySpec, ResourceView
from delivery_policies.props import MISSING, UNKNOWN, field, flag, plain
from delivery_policies.relations import bucket_attachments

PUBLIC_ACCESS_SETTINGS: Final = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
# Every inline argument pulumi-aws 7 deprecates on s3.Bucket in favour of a separate resource (pulumi_aws/s3/bucket.py,
# the `@_utilities.deprecated` properties), plus the plural spellings of v6's BucketV2.
LEGACY_INLINE_ARGUMENTS: Final = {
    "accelerationStatus": "aws.s3.BucketAccelerateConfiguration",
    "acl": "aws.s3.BucketOwnershipControls (BucketOwnerEnforced) or aws.s3.BucketAcl",
    "corsRules": "aws.s3.BucketCorsConfiguration",
    "grants": "aws.s3.BucketAcl",
    "lifecycleRules": "aws.s3.BucketLifecycleConfiguration",
    "logging": "aws.s3.BucketLogging",
    "loggings": "aws.s3.BucketLogging",
    "objectLockConfiguration": "object_lock_enabled and aws.s3.BucketObjectLockConfiguration",
    "policy": "aws.s3.BucketPolicy",
    "replicationConfiguration": "aws.s3.BucketReplicationConfig",
    "replicationConfigurations": "aws.s3.BucketReplicationConfig",
    "requestPayer": "aws.s3.BucketRequestPaymentConfiguration",
    "serverSideEncryptionConfiguration": "aws.s3.BucketServerSideEncryptionConfiguration",
    "serverSideEncryptionConfigurations": "aws.s3.BucketServerSideEncryptionConfiguration",
    "versioning": "aws.s3.BucketVersioning",
    "versionings": "aws.s3.BucketVersioning",
    "website": "aws.s3.BucketWebsiteConfiguration",
    "websites": "aws.s3.BucketWebsiteConfiguration",
}


def check_public_access_blocks(resources: list[ResourceView], evaluation: Evaluation) -> None:
    blocks = [resource for resource in resources if resource.type in aws.BUCKET_PUBLIC_ACCESS_BLOCK_TYPES]
    for block in blocks:
        for setting in PUBLIC_ACCESS_SETTINGS:
            value = flag(field(block.props, setting))
            if value is UNKNOWN:
                evaluation.undecided(setting)
            elif value is not True:
                evaluation.violation(f"setting:{setting}", f"{setting} is not true", block)
    attachments = bucket_attachments(blocks)
    for bucket in (resource for resource in resources if resource.type in aws.BUCKET_TYPES):
        attached = attachments.of(bucket)
        if attached is UNKNOWN:
            evaluation.undecided("bucket")
            continue
        if attached:
            continue
        evaluation.violation("no-public-access-block", "the bucket has no BucketPublicAccessBlock targeting it", bucket)


def _is_set(value: object) -> bool:
    return value not in (MISSING, "", [], {})


def check_legacy_inline_config(subject: ResourceView, evaluation: Evaluation) -> None:
    for argument, replacement in LEGACY_INLINE_ARGUMENTS.items():
        value = plain(field(subject.props, argument))
        if value is UNKNOWN:
            evaluation.undecided(argument)
        elif _is_set(value):
            evaluation.violation(argument, f"the bucket sets the deprecated inline {argument!r}; use {replacement}")


POLICIES: Final = (
    PolicySpec(
        name="s3-bucket-public-access-block",
        description="Every S3 bucket has a public access block with all four settings true.",
        severity=Severity.HIGH,
        remediation="Add an aws.s3.BucketPublicAccessBlock for the bucket with block_public_acls, "
        "block_public_policy, ignore_public_acls and restrict_public_buckets all True.",
        checkov=("CKV2_AWS_6", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"),
        cdk_nag=("AwsSolutions-S2",),
        topics=("s3", "public-access"),
        scope="stack",
        check=check_public_access_blocks,
        category="security",
        example="""aws.s3.BucketPublicAccessBlock(
    "data-public-access",
    bucket=bucket.id,
    block_public_acls=True,
    block_public_policy=True,
    ignore_public_acls=True,
    restrict_public_buckets=True,
)""",
    ),
    PolicySpec(
        name="s3-bucket-no-legacy-inline-config",
        description="No S3 bucket sets an inline argument pulumi-aws 7 deprecates (accelerationStatus, acl, "
        "corsRules, grants, lifecycleRules, logging, objectLockConfiguration, policy, replicationConfiguration, "
        "requestPayer, serverSideEncryptionConfiguration, versioning, website).",
        severity=Severity.LOW,
        remediation="Move each inline argument to its own resource targeting the bucket (the finding names it: "
        "BucketVersioning, BucketWebsiteConfiguration, BucketPolicy, BucketLifecycleConfiguration, ...).",
        checkov=(),
        cdk_nag=(),
        topics=("s3", "deprecation"),
        scope="resource",
        check=check_legacy_inline_config,
        resource_types=aws.BUCKET_TYPES,
        category="hygiene",
        example="""bucket = aws.s3.Bucket("site")
aws.s3.BucketVersioning("site-versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"})
aws.s3.BucketWebsiteConfiguration("site-website", bucket=bucket.id, index_document={"suffix": "index.html"})""",
        peer_notes="Checkov reads inline and separate resources alike.",
    ),
)
