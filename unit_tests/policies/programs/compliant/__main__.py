"""A small program the policy pack accepts: the gate's exit-0 case, with every kind of resource the pack checks."""

import json

import pulumi
import pulumi_aws as aws

TAGS = {
    "Project": "compliant",
    "Environment": "dev",
    "Owner": "platform-team",
    "CostCenter": "cc-0000",
    "ManagedBy": "pulumi",
    "Stack": "dev",
}
REGION = "us-east-1"
ACCOUNT = "123456789012"

provider = aws.Provider("use1", region=REGION, default_tags={"tags": TAGS})
opts = pulumi.ResourceOptions(provider=provider)

key = aws.kms.Key("key", enable_key_rotation=True, deletion_window_in_days=7, opts=opts)
bucket = aws.s3.Bucket("audit", opts=opts)
aws.s3.BucketServerSideEncryptionConfiguration(
    "audit-sse",
    bucket=bucket.id,
    rules=[
        {
            "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn},
            "bucket_key_enabled": True,
        }
    ],
    opts=opts,
)
aws.s3.BucketPublicAccessBlock(
    "audit-public-access",
    bucket=bucket.id,
    block_public_acls=True,
    block_public_policy=True,
    ignore_public_acls=True,
    restrict_public_buckets=True,
    opts=opts,
)
dlq = aws.sqs.Queue("dlq", kms_master_key_id=key.arn, opts=opts)
log_group = aws.cloudwatch.LogGroup(
    "function-logs", name="/aws/lambda/compliant-fn", retention_in_days=7, kms_key_id=key.arn, opts=opts
)
role = aws.iam.Role(
    "function-role",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
    opts=opts,
)
aws.iam.RolePolicy(
    "function-policy",
    role=role.id,
    policy=pulumi.Output.all(dlq.arn, log_group.arn, bucket.arn).apply(
        lambda arns: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [arns[0]]},
                    {
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": [arns[1], f"{arns[1]}:*"],
                    },
                    {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"{arns[2]}/*"]},
                    {
                        "Effect": "Allow",
                        "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                        "Resource": "*",
                    },
                ],
            }
        )
    ),
    opts=opts,
)
function = aws.lambda_.Function(
    "function",
    name="compliant-fn",
    runtime="python3.12",
    handler="handler.handler",
    role=role.arn,
    code=pulumi.AssetArchive({"handler.py": pulumi.StringAsset("def handler(event, context):\n    return {}\n")}),
    tracing_config={"mode": "Active"},
    dead_letter_config={"target_arn": dlq.arn},
    opts=pulumi.ResourceOptions(provider=provider, depends_on=[log_group]),
)
api = aws.apigateway.RestApi("api", opts=opts)
aws.lambda_.Permission(
    "invoke-permission",
    action="lambda:InvokeFunction",
    function=function.name,
    principal="apigateway.amazonaws.com",
    source_arn=api.id.apply(lambda api_id: f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/dev/POST/pipeline"),
    opts=opts,
)
alerts = aws.sns.Topic("alerts", kms_master_key_id=key.arn, opts=opts)
aws.cloudwatch.MetricAlarm(
    "error-rate",
    comparison_operator="GreaterThanThreshold",
    evaluation_periods=1,
    threshold=1,
    treat_missing_data="notBreaching",
    metric_queries=[
        {
            "id": "errors",
            "metric": {"metric_name": "Errors", "namespace": "AWS/Lambda", "period": 60, "stat": "Sum"},
        },
        {
            "id": "invocations",
            "metric": {"metric_name": "Invocations", "namespace": "AWS/Lambda", "period": 60, "stat": "Sum"},
        },
        {"id": "rate", "expression": "errors / invocations * 100", "return_data": True},
    ],
    alarm_actions=[alerts.arn],
    opts=opts,
)
pulumi.export("bucket", bucket.id)
