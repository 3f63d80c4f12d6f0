"""Deliberately bad (seed failure): the bucket's default encryption is AES256, not a customer-managed KMS key."""

import pulumi
import pulumi_aws as aws

TAGS = dict.fromkeys(("Project", "Environment", "Owner", "CostCenter", "ManagedBy", "Stack"), "x")
provider = aws.Provider("use1", region="us-east-1", default_tags={"tags": TAGS})
opts = pulumi.ResourceOptions(provider=provider)

logs_bucket = aws.s3.Bucket("logs-bucket", opts=opts)
aws.s3.BucketServerSideEncryptionConfiguration(
    "logs-bucket-sse",
    bucket=logs_bucket.id,
    rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
    opts=opts,
)
