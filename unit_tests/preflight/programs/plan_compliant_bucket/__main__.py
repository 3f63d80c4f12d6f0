"""A bucket whose encryption and public access block are separate resources, as pulumi-aws 7 recommends."""

import pulumi
import pulumi_aws as aws

provider = aws.Provider("primary", region="eu-west-1")
on_primary = pulumi.ResourceOptions(provider=provider)

bucket_key = aws.kms.Key("bucket-key", enable_key_rotation=True, deletion_window_in_days=30, opts=on_primary)
bucket = aws.s3.Bucket("compliant-bucket", opts=on_primary)
aws.s3.BucketServerSideEncryptionConfiguration(
    "compliant-bucket-encryption",
    bucket=bucket.id,
    rules=[
        {
            "apply_server_side_encryption_by_default": {
                "sse_algorithm": "aws:kms",
                "kms_master_key_id": bucket_key.arn,
            },
            "bucket_key_enabled": True,
        }
    ],
    opts=on_primary,
)
aws.s3.BucketPublicAccessBlock(
    "compliant-bucket-public-access-block",
    bucket=bucket.id,
    block_public_acls=True,
    block_public_policy=True,
    ignore_public_acls=True,
    restrict_public_buckets=True,
    opts=on_primary,
)
aws.s3.BucketVersioning(
    "compliant-bucket-versioning",
    bucket=bucket.id,
    versioning_configuration={"status": "Enabled"},
    opts=on_primary,
)
