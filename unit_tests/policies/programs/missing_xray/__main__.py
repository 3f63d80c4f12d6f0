"""Deliberately bad (seed failure): neither the function nor the REST API stage traces with X-Ray."""

import json

import pulumi
import pulumi_aws as aws

TAGS = dict.fromkeys(("Project", "Environment", "Owner", "CostCenter", "ManagedBy", "Stack"), "x")
provider = aws.Provider("use1", region="us-east-1", default_tags={"tags": TAGS})
opts = pulumi.ResourceOptions(provider=provider)

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
function = aws.lambda_.Function(
    "untraced-function",
    runtime="python3.12",
    handler="handler.handler",
    role=role.arn,
    code=pulumi.AssetArchive({"handler.py": pulumi.StringAsset("def handler(event, context):\n    return {}\n")}),
    opts=opts,
)
api = aws.apigateway.RestApi("api", opts=opts)
deployment = aws.apigateway.Deployment("deployment", rest_api=api.id, opts=opts)
aws.apigateway.Stage("untraced-stage", rest_api=api.id, deployment=deployment.id, stage_name="dev", opts=opts)
