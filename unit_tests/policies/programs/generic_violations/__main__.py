"""Deliberately bad: in the style of pulumi/examples, one violation of each rule the generic profile enforces since
issue 14, beside the near misses that must stay silent (a public website bucket is not asked for SSE-KMS)."""

import json

import pulumi
import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
role = aws.iam.Role(
    "worker-role",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
)
# An AWS-managed policy granting every action on every resource.
aws.iam.RolePolicyAttachment("worker-admin", role=role.name, policy_arn="arn:aws:iam::aws:policy/AdministratorAccess")
# No DLQ although S3 invokes it asynchronously, and no managed /aws/lambda/<name> log group.
worker = aws.lambda_.Function(
    "worker",
    name="upload-worker",
    runtime="python3.12",
    handler="index.handler",
    role=role.arn,
    code=pulumi.AssetArchive({"index.py": pulumi.StringAsset("def handler(event, context):\n    return {}\n")}),
    tracing_config={"mode": "Active"},
)
uploads = aws.s3.Bucket("uploads")
aws.s3.BucketServerSideEncryptionConfiguration(
    "uploads-sse",
    bucket=uploads.id,
    rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn}}],
)
aws.s3.BucketPublicAccessBlock(
    "uploads-public-access",
    bucket=uploads.id,
    block_public_acls=True,
    block_public_policy=True,
    ignore_public_acls=True,
    restrict_public_buckets=True,
)
# S3 may invoke the function on behalf of any bucket in any account: no source_arn, no source_account.
permission = aws.lambda_.Permission(
    "s3-invoke", action="lambda:InvokeFunction", function=worker.name, principal="s3.amazonaws.com"
)
aws.s3.BucketNotification(
    "uploads-notification",
    bucket=uploads.id,
    lambda_functions=[{"lambda_function_arn": worker.arn, "events": ["s3:ObjectCreated:*"]}],
    opts=pulumi.ResourceOptions(depends_on=[permission]),
)
# A state machine without X-Ray.
aws.sfn.StateMachine(
    "workflow",
    role_arn=role.arn,
    definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
)
# A public static website: not asked for SSE-KMS, but still reported as public.
site = aws.s3.Bucket("site")
aws.s3.BucketWebsiteConfiguration("site-website", bucket=site.id, index_document={"suffix": "index.html"})
aws.s3.BucketPolicy(
    "site-policy",
    bucket=site.id,
    policy=site.arn.apply(
        lambda arn: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{arn}/*"}],
            }
        )
    ),
)
