"""Deliberately bad (seed failure): API Gateway may invoke the function from any stage and method (`/*/*`)."""

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
    "function",
    runtime="python3.12",
    handler="handler.handler",
    role=role.arn,
    code=pulumi.AssetArchive({"handler.py": pulumi.StringAsset("def handler(event, context):\n    return {}\n")}),
    tracing_config={"mode": "Active"},
    opts=opts,
)
api = aws.apigateway.RestApi("api", opts=opts)
aws.lambda_.Permission(
    "api-lambda-permission",
    action="lambda:InvokeFunction",
    function=function.name,
    principal="apigateway.amazonaws.com",
    source_arn=pulumi.Output.concat(api.execution_arn, "/*/*"),
    opts=opts,
)
