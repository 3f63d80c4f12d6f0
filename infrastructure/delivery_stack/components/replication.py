"""Replication: each region's audit bucket copies every new record to the next region's audit bucket.

With regions r0..rn-1 the copies run r0 -> r1 -> ... -> rn-1 -> r0, so every region's audit trail has a copy outside
its own region (two regions replicate both ways; S3 never replicates a replica again). A one-region stack replicates
to an audit copy bucket in its configured backup region (`auditBackupRegion`), which holds nothing else. Objects
are encrypted with the source region's key and re-encrypted with the destination region's key. Delete markers are
not replicated: a delete in one region must not erase the copy that exists to survive it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from delivery_stack.components.iam import (
    ServiceRole,
    ServiceRoleArgs,
    Statement,
    key_use_through_s3,
    objects_arn,
    policy_document,
)
from delivery_stack.components.storage import AUDIT_LIFECYCLE, SecureBucket, SecureBucketArgs, key_policy_statements
from delivery_stack.context import RegionContext


def replication_pairs(regions: Sequence[str]) -> list[tuple[str, str]]:
    """(source, destination) per region: each replicates to the next, the last to the first; none with one region."""
    if len(regions) < 2:
        return []
    return [(region, regions[(index + 1) % len(regions)]) for index, region in enumerate(regions)]


@dataclass(frozen=True)
class ReplicaEnd:
    """One side of a replication: the bucket, the key that encrypts it, and its versioning (required on both)."""

    context: RegionContext
    bucket: aws.s3.Bucket
    key: aws.kms.Key
    versioning: aws.s3.BucketVersioning


@dataclass(frozen=True)
class AuditReplicationArgs:
    # Built with the source region's provider (the replication configuration belongs to the source bucket).
    context: RegionContext
    source: ReplicaEnd
    destination: ReplicaEnd


class AuditReplication(pulumi.ComponentResource):
    """A least-privilege replication role and the source bucket's replication configuration."""

    role: ServiceRole
    configuration: aws.s3.BucketReplicationConfig

    def __init__(self, name: str, args: AuditReplicationArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("delivery:replication:AuditReplication", name, None, args.context.component_options(opts))
        source, destination = args.source, args.destination
        ctx = args.context
        src_arn, dst_arn = source.bucket.arn, destination.bucket.arn
        src_objects, dst_objects = objects_arn(src_arn), objects_arn(dst_arn)

        self.role = ServiceRole(
            f"{name}-replication",
            ServiceRoleArgs(
                context=ctx,
                role_name=ctx.name(f"audit-replication-to-{destination.context.short}", "iam_role"),
                trusted_service="s3.amazonaws.com",
                statements=[
                    Statement(
                        sid="ReadReplicationConfiguration",
                        actions=("s3:GetReplicationConfiguration", "s3:ListBucket"),
                        resources=(src_arn,),
                    ),
                    Statement(
                        sid="ReadSourceVersions",
                        actions=(
                            "s3:GetObjectVersionForReplication",
                            "s3:GetObjectVersionAcl",
                            "s3:GetObjectVersionTagging",
                        ),
                        resources=(src_objects,),
                    ),
                    Statement(
                        sid="WriteReplicas",
                        actions=("s3:ReplicateObject", "s3:ReplicateTags"),
                        resources=(dst_objects,),
                    ),
                    key_use_through_s3(
                        "DecryptWithSourceKey",
                        ("kms:Decrypt",),
                        key_arn=source.key.arn,
                        context=source.context,
                        bucket_arn=src_arn,
                        objects=src_objects,
                    ),
                    key_use_through_s3(
                        "EncryptWithDestinationKey",
                        ("kms:Encrypt", "kms:GenerateDataKey"),
                        key_arn=destination.key.arn,
                        context=destination.context,
                        bucket_arn=dst_arn,
                        objects=dst_objects,
                    ),
                ],
                description=f"S3 replicates {ctx.region} audit records to {destination.context.region}",
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.configuration = aws.s3.BucketReplicationConfig(
            f"{name}-configuration",
            bucket=source.bucket.id,
            role=self.role.role.arn,
            rules=[
                aws.s3.BucketReplicationConfigRuleArgs(
                    id=f"audit-to-{destination.context.region}",
                    status="Enabled",
                    priority=1,
                    filter=aws.s3.BucketReplicationConfigRuleFilterArgs(prefix=""),
                    delete_marker_replication=aws.s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(
                        status="Disabled"
                    ),
                    # Every audit record is SSE-KMS: without this S3 skips KMS-encrypted objects entirely.
                    source_selection_criteria=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs(
                        sse_kms_encrypted_objects=(
                            aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(
                                status="Enabled"
                            )
                        )
                    ),
                    destination=aws.s3.BucketReplicationConfigRuleDestinationArgs(
                        bucket=dst_arn,
                        encryption_configuration=(
                            aws.s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                                replica_kms_key_id=destination.key.arn
                            )
                        ),
                    ),
                )
            ],
            # S3 refuses a replication configuration until both buckets are versioned and the role can act.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[source.versioning, destination.versioning, self.role.policy]
            ),
        )
        self.register_outputs({"source_bucket": source.bucket.bucket, "destination_bucket": destination.bucket.bucket})


class AuditCopy(pulumi.ComponentResource):
    """The backup region's end of a one-region stack's replication: a rotating key and a secure audit bucket."""

    key: aws.kms.Key
    key_alias: aws.kms.Alias
    bucket: SecureBucket

    def __init__(self, name: str, context: RegionContext, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("delivery:replication:AuditCopy", name, None, context.component_options(opts))
        child = pulumi.ResourceOptions(parent=self)
        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"{context.name('auditcopy-key')}: encrypts the copy of the audit records in {context.region}",
            key_usage="ENCRYPT_DECRYPT",
            customer_master_key_spec="SYMMETRIC_DEFAULT",
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=30,
            # Only S3 uses this key, on behalf of this account (the replication role); nothing publishes with it.
            policy=policy_document(key_policy_statements(context, ("s3",), ()), "resource"),
            opts=child,
        )
        self.key_alias = aws.kms.Alias(
            f"{name}-key-alias",
            name=f"alias/{context.name('key-auditcopy', 'kms_alias')}",
            target_key_id=self.key.key_id,
            opts=child,
        )
        self.bucket = SecureBucket(
            f"{name}-bucket",
            SecureBucketArgs(
                context=context, bucket_name=context.name("auditcopy", "s3"), key=self.key, lifecycle=AUDIT_LIFECYCLE
            ),
            opts=child,
        )
        self.register_outputs({"bucket_name": self.bucket.bucket.bucket})

    def end(self, context: RegionContext) -> ReplicaEnd:
        return ReplicaEnd(context, self.bucket.bucket, self.key, self.bucket.versioning)
