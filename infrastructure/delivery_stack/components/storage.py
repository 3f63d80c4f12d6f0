"""Storage: the region's customer-managed KMS key and its buckets (artifacts, audit, logs).

Every bucket setting is a resource of its own (encryption, versioning, public access block, ownership controls,
lifecycle, policy): the inline bucket arguments (`acl`, `lifecycle_rules`, `server_side_encryption_configuration`,
`versioning`, ...) are deprecated and fight with the separate resources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from delivery_stack.components.iam import ANYONE, Statement, objects_arn, policy_document
from delivery_stack.context import RegionContext

# Services that encrypt and decrypt with the key on behalf of this account's principals (`kms:ViaService`).
KEY_USER_SERVICES = ("sns", "sqs", "s3", "lambda", "secretsmanager")
# Services that publish to the encrypted alert topic as themselves: they need the key, scoped to this account.
DEFAULT_ALERT_PUBLISHERS = ("cloudwatch.amazonaws.com",)

KEY_ADMIN_ACTIONS = (
    "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:GetKeyRotationStatus", "kms:EnableKeyRotation",
    "kms:DisableKeyRotation", "kms:RotateKeyOnDemand", "kms:ListKeyRotations", "kms:ListResourceTags",
    "kms:TagResource", "kms:UntagResource", "kms:UpdateKeyDescription", "kms:CreateAlias", "kms:UpdateAlias",
    "kms:DeleteAlias", "kms:ListAliases", "kms:ListGrants", "kms:RevokeGrant", "kms:EnableKey", "kms:DisableKey",
    "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
)  # fmt: skip
KEY_USE_ACTIONS = (
    "kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey",
)  # fmt: skip


def key_policy_statements(
    context: RegionContext,
    via_services: Sequence[str] = KEY_USER_SERVICES,
    alert_publishers: Sequence[str] = DEFAULT_ALERT_PUBLISHERS,
) -> list[Statement]:
    """The key policy: the account administers the key; principals use it only through the listed services;
    CloudWatch Logs only for this account's log groups; alert publishers only for this account."""
    root = context.arn("iam", "root", regional=False)
    endpoints = [context.service_endpoint(service) for service in via_services]
    statements = [
        # Administration without cryptographic use: nobody decrypts with this key directly, only through services.
        Statement(sid="AccountAdministersKey", actions=KEY_ADMIN_ACTIONS, resources=("*",), principals={"AWS": root}),
        Statement(
            sid="AccountUsesKeyThroughServices",
            actions=KEY_USE_ACTIONS,
            resources=("*",),
            principals={"AWS": root},
            conditions={"StringEquals": {"kms:CallerAccount": context.account_id, "kms:ViaService": endpoints}},
        ),
        # Lambda (environment variables) and Secrets Manager keep grants for the resources they encrypt.
        Statement(
            sid="ServicesHoldGrantsForResources",
            actions=("kms:CreateGrant",),
            resources=("*",),
            principals={"AWS": root},
            conditions={
                "StringEquals": {"kms:CallerAccount": context.account_id, "kms:ViaService": endpoints},
                "Bool": {"kms:GrantIsForAWSResource": "true"},
            },
        ),
        Statement(
            sid="CloudWatchLogsEncryptsAccountLogGroups",
            actions=KEY_USE_ACTIONS,
            resources=("*",),
            principals={"Service": context.service_endpoint("logs")},
            conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": context.arn("logs", "log-group:*")}},
        ),
    ]
    if alert_publishers:
        statements.append(
            Statement(
                sid="AlertPublishersUseEncryptedTopic",
                actions=("kms:Decrypt", "kms:GenerateDataKey"),
                resources=("*",),
                principals={"Service": list(alert_publishers)},
                conditions={"StringEquals": {"aws:SourceAccount": context.account_id}},
            )
        )
    return statements


@dataclass(frozen=True)
class Lifecycle:
    """When objects move to cheaper storage and when they (and their old versions) are deleted."""

    transition_days: int
    transition_storage_class: str
    expiration_days: int
    noncurrent_expiration_days: int
    abort_incomplete_upload_days: int = 7


ARTIFACTS_LIFECYCLE = Lifecycle(30, "STANDARD_IA", 90, 30)
AUDIT_LIFECYCLE = Lifecycle(90, "GLACIER_IR", 400, 90)
LOGS_LIFECYCLE = Lifecycle(30, "STANDARD_IA", 90, 7)


@dataclass(frozen=True)
class SecureBucketArgs:
    context: RegionContext
    bucket_name: str
    key: aws.kms.Key
    lifecycle: Lifecycle
    # Further statements for the bucket policy (a bucket has exactly one policy resource).
    extra_policy_statements: Sequence[Statement] = ()


class SecureBucket(pulumi.ComponentResource):
    """A private, versioned bucket encrypted with the region key (bucket key on), TLS-only, with a lifecycle."""

    bucket: aws.s3.Bucket
    encryption: aws.s3.BucketServerSideEncryptionConfiguration
    versioning: aws.s3.BucketVersioning
    public_access_block: aws.s3.BucketPublicAccessBlock
    ownership_controls: aws.s3.BucketOwnershipControls
    lifecycle: aws.s3.BucketLifecycleConfiguration
    policy: aws.s3.BucketPolicy

    def __init__(self, name: str, args: SecureBucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("delivery:storage:SecureBucket", name, None, args.context.component_options(opts))
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(f"{name}-bucket", bucket=args.bucket_name, opts=child)
        self.encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=(
                        aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                            sse_algorithm="aws:kms", kms_master_key_id=args.key.arn
                        )
                    ),
                    # One data key per bucket instead of one KMS call per object.
                    bucket_key_enabled=True,
                )
            ],
            opts=child,
        )
        self.versioning = aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=self.bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child,
        )
        self.public_access_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        self.ownership_controls = aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=self.bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        lifecycle = args.lifecycle
        self.lifecycle = aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="tier-then-expire",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    transitions=[
                        aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                            days=lifecycle.transition_days, storage_class=lifecycle.transition_storage_class
                        )
                    ],
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=lifecycle.expiration_days),
                    noncurrent_version_expiration=(
                        aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                            noncurrent_days=lifecycle.noncurrent_expiration_days
                        )
                    ),
                    abort_incomplete_multipart_upload=(
                        aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                            days_after_initiation=lifecycle.abort_incomplete_upload_days
                        )
                    ),
                )
            ],
            # Noncurrent-version rules act on versions, so versioning must be on first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.versioning]),
        )
        deny_insecure_transport = Statement(
            sid="DenyInsecureTransport",
            effect="Deny",
            principals=ANYONE,
            actions=("s3:*",),
            resources=(self.bucket.arn, objects_arn(self.bucket.arn)),
            conditions={"Bool": {"aws:SecureTransport": "false"}},
        )
        self.policy = aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=self.bucket.id,
            policy=policy_document([deny_insecure_transport, *args.extra_policy_statements], "resource"),
            # S3 rejects policy writes that race the public access block being applied.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.public_access_block]),
        )
        self.register_outputs({"bucket_name": self.bucket.bucket, "bucket_arn": self.bucket.arn})


@dataclass(frozen=True)
class StorageArgs:
    context: RegionContext
    # Extra `kms:ViaService` users of the key beyond KEY_USER_SERVICES (e.g. "firehose" for an encrypted stream).
    extra_key_services: Sequence[str] = ()
    alert_publishers: Sequence[str] = DEFAULT_ALERT_PUBLISHERS
    bucket_policy_statements: Mapping[str, Sequence[Statement]] = field(default_factory=dict)


class Storage(pulumi.ComponentResource):
    """The region's KMS key (rotating, aliased) and its artifacts, audit and logs buckets, all encrypted with it."""

    key: aws.kms.Key
    key_alias: aws.kms.Alias
    artifacts: SecureBucket
    audit: SecureBucket
    logs: SecureBucket

    def __init__(self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("delivery:storage:Storage", name, None, args.context.component_options(opts))
        ctx = args.context
        child = pulumi.ResourceOptions(parent=self)
        services = (*KEY_USER_SERVICES, *args.extra_key_services)
        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"{ctx.name('key')}: encrypts the stack's data at rest in {ctx.region}",
            key_usage="ENCRYPT_DECRYPT",
            customer_master_key_spec="SYMMETRIC_DEFAULT",
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=30,
            policy=policy_document(key_policy_statements(ctx, services, args.alert_publishers), "resource"),
            opts=child,
        )
        self.key_alias = aws.kms.Alias(
            f"{name}-key-alias", name=f"alias/{ctx.name('key', 'kms_alias')}", target_key_id=self.key.key_id, opts=child
        )

        def bucket(purpose: str, lifecycle: Lifecycle) -> SecureBucket:
            return SecureBucket(
                f"{name}-{purpose}",
                SecureBucketArgs(
                    context=ctx,
                    bucket_name=ctx.name(purpose, "s3"),
                    key=self.key,
                    lifecycle=lifecycle,
                    extra_policy_statements=tuple(args.bucket_policy_statements.get(purpose, ())),
                ),
                opts=child,
            )

        self.artifacts = bucket("artifacts", ARTIFACTS_LIFECYCLE)
        self.audit = bucket("audit", AUDIT_LIFECYCLE)
        self.logs = bucket("logs", LOGS_LIFECYCLE)
        self.register_outputs(
            {
                "kms_key_arn": self.key.arn,
                "artifacts_bucket_name": self.artifacts.bucket.bucket,
                "audit_bucket_name": self.audit.bucket.bucket,
                "logs_bucket_name": self.logs.bucket.bucket,
            }
        )

    @property
    def artifacts_bucket(self) -> aws.s3.Bucket:
        return self.artifacts.bucket

    @property
    def audit_bucket(self) -> aws.s3.Bucket:
        return self.audit.bucket

    @property
    def logs_bucket(self) -> aws.s3.Bucket:
        return self.logs.bucket
