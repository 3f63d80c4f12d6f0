"""Log delivery: a function's log group -> subscription filter -> KMS-encrypted Firehose stream -> the logs bucket.

The function never writes its logs to S3 itself (that would put an S3 call on every request's path): it logs JSON
to stdout, CloudWatch Logs stores it, and this pipeline copies it to the logs bucket in the background. Firehose
decompresses what CloudWatch Logs sends (gzip) and extracts the log messages before writing gzip objects.
"""

from __future__ import annotations

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
from delivery_stack.context import RegionContext

BUFFER_SIZE_MB = 5
BUFFER_INTERVAL_SECONDS = 300


def delivery_prefix(source: str) -> str:
    """Where a source's logs land in the logs bucket (partitioned by delivery date)."""
    return f"function-logs/{source}/"


@dataclass(frozen=True)
class LogDeliveryArgs:
    context: RegionContext
    key: aws.kms.Key
    log_group: aws.cloudwatch.LogGroup
    logs_bucket: aws.s3.Bucket
    # Names the stream and the bucket prefix (the function's short name, e.g. "pipeline").
    source: str


class LogDelivery(pulumi.ComponentResource):
    """Copies one log group to the logs bucket through an encrypted Firehose stream, with one role per hop."""

    delivery_role: ServiceRole
    stream: aws.kinesis.FirehoseDeliveryStream
    subscription_role: aws.iam.Role
    subscription_policy: aws.iam.RolePolicy
    subscription_filter: aws.cloudwatch.LogSubscriptionFilter

    def __init__(self, name: str, args: LogDeliveryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("delivery:logdelivery:LogDelivery", name, None, args.context.component_options(opts))
        ctx = args.context
        child = pulumi.ResourceOptions(parent=self)
        prefix = delivery_prefix(args.source)
        bucket_arn = args.logs_bucket.arn
        prefix_objects = objects_arn(bucket_arn, prefix)
        stream_name = ctx.name(f"{args.source}-logs", "firehose")

        # Firehose -> S3: write below the prefix, with the region key, through S3 only.
        self.delivery_role = ServiceRole(
            f"{name}-delivery",
            ServiceRoleArgs(
                context=ctx,
                role_name=ctx.name(f"{args.source}-logs-delivery", "iam_role"),
                trusted_service="firehose.amazonaws.com",
                statements=[
                    Statement(
                        sid="LocateLogsBucket",
                        actions=("s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"),
                        resources=(bucket_arn,),
                    ),
                    Statement(
                        sid="WriteBelowPrefix",
                        actions=("s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"),
                        resources=(prefix_objects,),
                    ),
                    key_use_through_s3(
                        "EncryptWithRegionKeyThroughS3",
                        ("kms:GenerateDataKey", "kms:Decrypt"),
                        key_arn=args.key.arn,
                        context=ctx,
                        bucket_arn=bucket_arn,
                        objects=prefix_objects,
                    ),
                ],
                description=f"Firehose writes {args.source} logs to the logs bucket",
            ),
            opts=child,
        )
        self.stream = aws.kinesis.FirehoseDeliveryStream(
            f"{name}-stream",
            name=stream_name,
            destination="extended_s3",
            server_side_encryption=aws.kinesis.FirehoseDeliveryStreamServerSideEncryptionArgs(
                enabled=True, key_type="CUSTOMER_MANAGED_CMK", key_arn=args.key.arn
            ),
            extended_s3_configuration=aws.kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationArgs(
                role_arn=self.delivery_role.role.arn,
                bucket_arn=bucket_arn,
                prefix=f"{prefix}!{{timestamp:yyyy/MM/dd}}/",
                error_output_prefix=f"{prefix}errors/!{{firehose:error-output-type}}/!{{timestamp:yyyy/MM/dd}}/",
                buffering_size=BUFFER_SIZE_MB,
                buffering_interval=BUFFER_INTERVAL_SECONDS,
                compression_format="GZIP",
                kms_key_arn=args.key.arn,
                processing_configuration=aws.kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationArgs(
                    enabled=True,
                    processors=[
                        _processor("Decompression", "CompressionFormat", "GZIP"),
                        _processor("CloudWatchLogProcessing", "DataMessageExtraction", "true"),
                    ],
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.delivery_role.policy]),
        )

        # CloudWatch Logs -> Firehose: only this region's Logs service, acting for this account, may assume it.
        trust = Statement(
            sid="LogsAssumesRole",
            actions=("sts:AssumeRole",),
            principals={"Service": ctx.service_endpoint("logs")},
            conditions={
                "StringEquals": {"aws:SourceAccount": ctx.account_id},
                "StringLike": {"aws:SourceArn": ctx.arn("logs", "*")},
            },
        )
        subscription_role_name = ctx.name(f"{args.source}-logs-subscription", "iam_role")
        self.subscription_role = aws.iam.Role(
            f"{name}-subscription-role",
            name=subscription_role_name,
            description=f"CloudWatch Logs sends {args.source} logs to {stream_name}",
            assume_role_policy=policy_document([trust], "trust"),
            opts=child,
        )
        self.subscription_policy = aws.iam.RolePolicy(
            f"{name}-subscription-policy",
            name=f"{subscription_role_name}-least-privilege",
            role=self.subscription_role.id,
            policy=policy_document(
                [
                    Statement(
                        sid="PutIntoOwnStream",
                        actions=("firehose:PutRecord", "firehose:PutRecordBatch"),
                        resources=(self.stream.arn,),
                    )
                ]
            ),
            opts=child,
        )
        self.subscription_filter = aws.cloudwatch.LogSubscriptionFilter(
            f"{name}-subscription",
            name=ctx.name(f"{args.source}-logs-to-s3"),
            log_group=args.log_group.name,
            # Every event: the bucket is the complete archive, CloudWatch Logs the short-lived searchable copy.
            filter_pattern="",
            destination_arn=self.stream.arn,
            role_arn=self.subscription_role.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.subscription_policy]),
        )
        self.register_outputs({"delivery_stream_name": self.stream.name, "delivery_prefix": prefix})


def _processor(
    processor_type: str, parameter: str, value: str
) -> aws.kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationProcessorArgs:
    return aws.kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationProcessorArgs(
        type=processor_type,
        parameters=[
            aws.kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationProcessorParameterArgs(
                parameter_name=parameter, parameter_value=value
            )
        ],
    )
