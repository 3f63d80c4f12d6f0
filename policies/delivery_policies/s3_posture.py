"""S3 posture beyond encryption: public access blocked on every bucket, no deprecated inline bucket configuration."""

from __future__ import annotations

from typing import Final

from pulumi_policy import Severity

from delivery_policies import aws
from delivery_policies.policy_spec import Evaluation, PolicySpec, ResourceView
from delivery_policies.props import MISSING, UNKNOWN, field, flag, plain
from delivery_policies.relations import bucket_attachments

PUBLIC_ACCESS_SETTINGS: Final = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
# Inline bucket arguments pulumi-aws deprecates in favour of separate resources (plural: the v6 BucketV2 spellings).
LEGACY_INLINE_ARGUMENTS: Final = {
    "acl": "aws.s3.BucketOwnershipControls (BucketOwnerEnforced) instead of ACLs",
    "lifecycleRules": "aws.s3.BucketLifecycleConfiguration",
    "serverSideEncryptionConfiguration": "aws.s3.BucketServerSideEncryptionConfiguration",
    "serverSideEncryptionConfigurations": "aws.s3.BucketServerSideEncryptionConfiguration",
    "versioning": "aws.s3.BucketVersioning",
    "versionings": "aws.s3.BucketVersioning",
    "logging": "aws.s3.BucketLogging",
    "loggings": "aws.s3.BucketLogging",
    "replicationConfiguration": "aws.s3.BucketReplicationConfig",
    "replicationConfigurations": "aws.s3.BucketReplicationConfig",
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
    ),
    PolicySpec(
        name="s3-bucket-no-legacy-inline-config",
        description="No S3 bucket sets the deprecated inline acl, lifecycleRules, serverSideEncryptionConfiguration, "
        "versioning, logging or replicationConfiguration.",
        severity=Severity.LOW,
        remediation="Move each inline argument to its own resource (BucketOwnershipControls, "
        "BucketLifecycleConfiguration, BucketServerSideEncryptionConfiguration, BucketVersioning, BucketLogging, "
        "BucketReplicationConfig) targeting the bucket.",
        checkov=(),
        cdk_nag=(),
        topics=("s3", "deprecation"),
        scope="resource",
        check=check_legacy_inline_config,
        resource_types=aws.BUCKET_TYPES,
    ),
)
