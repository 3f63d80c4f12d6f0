"""A Lambda-proxy API in the style of pulumi/examples (the default provider, no tags, 30-day logs): the generic
profile accepts it. The function is invoked only by API Gateway and a Step Functions state machine, so it needs no
dead-letter queue; its permission covers the ANY /{proxy+} route of one stage."""

import json

import pulumi
import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
assume_lambda = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
role = aws.iam.Role("handler-role", assume_role_policy=assume_lambda)
aws.iam.RolePolicyAttachment(
    "handler-basic-execution",
    role=role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
)
log_group = aws.cloudwatch.LogGroup(
    "handler-logs", name="/aws/lambda/proxy-handler", retention_in_days=30, kms_key_id=key.arn
)
handler = aws.lambda_.Function(
    "handler",
    name="proxy-handler",
    runtime="python3.12",
    handler="index.handler",
    role=role.arn,
    code=pulumi.AssetArchive({"index.py": pulumi.StringAsset("def handler(event, context):\n    return {}\n")}),
    tracing_config={"mode": "Active"},
    opts=pulumi.ResourceOptions(depends_on=[log_group]),
)
api = aws.apigateway.RestApi("api")
proxy = aws.apigateway.Resource("proxy", rest_api=api.id, parent_id=api.root_resource_id, path_part="{proxy+}")
method = aws.apigateway.Method(
    "proxy-any", rest_api=api.id, resource_id=proxy.id, http_method="ANY", authorization="AWS_IAM"
)
integration = aws.apigateway.Integration(
    "proxy-integration",
    rest_api=api.id,
    resource_id=proxy.id,
    http_method=method.http_method,
    integration_http_method="POST",
    type="AWS_PROXY",
    uri=handler.invoke_arn,
)
deployment = aws.apigateway.Deployment(
    "deployment",
    rest_api=api.id,
    triggers={"redeployment": pulumi.Output.json_dumps([method.id, integration.id, integration.uri])},
    opts=pulumi.ResourceOptions(depends_on=[method, integration]),
)
stage = aws.apigateway.Stage(
    "prod", rest_api=api.id, deployment=deployment.id, stage_name="prod", xray_tracing_enabled=True
)
web_acl = aws.wafv2.WebAcl(
    "api-waf",
    scope="REGIONAL",
    default_action={"allow": {}},
    visibility_config={"cloudwatch_metrics_enabled": True, "metric_name": "api-waf", "sampled_requests_enabled": True},
)
aws.wafv2.WebAclAssociation("api-waf", resource_arn=stage.arn, web_acl_arn=web_acl.arn)
aws.lambda_.Permission(
    "api-invoke",
    action="lambda:InvokeFunction",
    function=handler.name,
    principal="apigateway.amazonaws.com",
    source_arn=api.execution_arn.apply(lambda arn: f"{arn}/prod/*/{{proxy+}}"),
)
workflow_role = aws.iam.Role(
    "workflow-role",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
)
aws.iam.RolePolicy(
    "workflow-invoke",
    role=workflow_role.id,
    policy=handler.arn.apply(
        lambda arn: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Resource": [arn]}],
            }
        )
    ),
)
aws.sfn.StateMachine(
    "workflow",
    role_arn=workflow_role.arn,
    definition=handler.arn.apply(
        lambda arn: json.dumps({"StartAt": "Run", "States": {"Run": {"Type": "Task", "Resource": arn, "End": True}}})
    ),
    tracing_configuration={"enabled": True},
)
pulumi.export("url", api.execution_arn)
