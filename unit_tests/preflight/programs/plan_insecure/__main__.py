"""Deliberately weak resources: each must make its Checkov check fail once exported as a plan."""

import json

import pulumi
import pulumi_aws as aws

provider = aws.Provider("primary", region="us-east-1")
on_primary = pulumi.ResourceOptions(provider=provider)

# No default encryption resource and no public access block: CKV_AWS_145, CKV2_AWS_6.
aws.s3.Bucket("unencrypted-bucket", opts=on_primary)

lambda_role = aws.iam.Role(
    "untraced-function-role",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
    opts=on_primary,
)

# No tracing_config: CKV_AWS_50.
aws.lambda_.Function(
    "untraced-function",
    role=lambda_role.arn,
    runtime="python3.12",
    handler="handler.handle",
    code=pulumi.AssetArchive({"handler.py": pulumi.StringAsset("def handle(event, context):\n    return event\n")}),
    opts=on_primary,
)

# Every action on every resource: CKV_AWS_355 (and CKV_AWS_62/63/290, CKV2_AWS_40).
aws.iam.Policy(
    "wildcard-policy",
    policy=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    opts=on_primary,
)

# SSH open to the world: CKV_AWS_24.
aws.ec2.SecurityGroup(
    "open-ssh",
    description="Deliberately open SSH",
    ingress=[{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}],
    opts=on_primary,
)
