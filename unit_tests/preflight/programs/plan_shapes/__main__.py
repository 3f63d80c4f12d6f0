"""Two regions and every property shape the plan export converts; unit_tests/preflight/test_plan.py reads the plan."""

import json

import pulumi
import pulumi_aws as aws

primary = aws.Provider("primary", region="us-east-1", default_tags={"tags": {"Project": "shapes", "Owner": "team"}})
replica = aws.Provider("replica", region="eu-west-1")


class RegionalLogs(pulumi.ComponentResource):
    """A component: not a resource of the plan, its children are."""

    def __init__(self, name: str, provider: aws.Provider) -> None:
        super().__init__("shapes:index:RegionalLogs", name)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        self.key = aws.kms.Key(f"{name}-key", enable_key_rotation=True, deletion_window_in_days=7, opts=child)
        self.bucket = aws.s3.Bucket(f"{name}-bucket", tags={"Purpose": "logs"}, opts=child)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-bucket-encryption",
            bucket=self.bucket.id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": self.key.arn,
                    },
                    "bucket_key_enabled": True,
                }
            ],
            opts=child,
        )
        self.register_outputs({})


primary_logs = RegionalLogs("logs-us-east-1", primary)
replica_logs = RegionalLogs("logs-eu-west-1", replica)
on_primary = pulumi.ResourceOptions(provider=primary)

# Two logical names that sanitize to the same Terraform name.
aws.s3.Bucket("data.bucket", opts=on_primary)
aws.s3.Bucket("data_bucket", opts=on_primary)

role = aws.iam.Role(
    "function-role",
    assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": []}),
    inline_policies=[
        {
            "name": "read-logs",
            "policy": primary_logs.bucket.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{arn}/*"}],
                    }
                )
            ),
        }
    ],
    opts=on_primary,
)
vpc = aws.ec2.Vpc("network", cidr_block="10.0.0.0/16", opts=on_primary)
subnet = aws.ec2.Subnet("private-a", vpc_id=vpc.id, cidr_block="10.0.1.0/24", opts=on_primary)
security_group = aws.ec2.SecurityGroup(
    "function-sg",
    vpc_id=vpc.id,
    description="function egress",
    ingress=[
        {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/16"]},
        {"protocol": "tcp", "from_port": 8443, "to_port": 8443, "cidr_blocks": ["10.0.0.0/16"]},
    ],
    opts=on_primary,
)
dead_letters = aws.sqs.Queue("dead-letters", kms_master_key_id=primary_logs.key.arn, opts=on_primary)
function = aws.lambda_.Function(
    "api-handler",
    name="api-handler",
    role=role.arn,
    runtime="python3.12",
    handler="handler.handle",
    memory_size=256,
    timeout=10,
    code=pulumi.AssetArchive({"handler.py": pulumi.StringAsset("def handle(event, context):\n    return event\n")}),
    tracing_config={"mode": "Active"},
    environment={"variables": {"LOG_LEVEL": "INFO", "TABLE": "orders"}},
    vpc_config={"subnet_ids": [subnet.id], "security_group_ids": [security_group.id]},
    dead_letter_config={"target_arn": dead_letters.arn},
    opts=on_primary,
)
aws.lambda_.Permission(
    "api-invoke",
    action="lambda:InvokeFunction",
    function=function.name,
    principal="apigateway.amazonaws.com",
    opts=on_primary,
)
secret = aws.secretsmanager.Secret("api-token", kms_key_id=primary_logs.key.arn, opts=on_primary)
aws.secretsmanager.SecretVersion(
    "api-token-value", secret_id=secret.id, secret_string=pulumi.Output.secret("example-only"), opts=on_primary
)
aws.cloudwatch.MetricAlarm(
    "error-rate",
    name="api-error-rate",
    comparison_operator="GreaterThanThreshold",
    evaluation_periods=1,
    threshold=5.5,
    metric_queries=[
        {"id": "rate", "expression": "errors / invocations * 100", "return_data": True},
        {
            "id": "errors",
            "metric": {
                "metric_name": "Errors",
                "namespace": "AWS/Lambda",
                "period": 60,
                "stat": "Sum",
                "dimensions": {"FunctionName": "api-handler"},
            },
        },
    ],
    opts=on_primary,
)
api = aws.apigateway.RestApi("api", name="shapes-api", opts=on_primary)
deployment = aws.apigateway.Deployment("api-deployment", rest_api=api.id, opts=on_primary)
aws.apigateway.Stage(
    "api-stage",
    rest_api=api.id,
    deployment=deployment.id,
    stage_name="v1",
    xray_tracing_enabled=True,
    opts=on_primary,
)
# A type with no known Terraform counterpart: reported by name, left out.
aws.ec2.VpcBlockPublicAccessOptions(
    "vpc-block-public-access", internet_gateway_block_mode="block-ingress", opts=on_primary
)
