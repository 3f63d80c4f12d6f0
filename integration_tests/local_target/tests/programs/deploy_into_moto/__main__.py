"""Every type the local target creates in moto, each wired to the others' outputs, in one region with default tags;
plus a metric alarm and a component, which it only records."""

import json
from pathlib import Path

import pulumi
import pulumi_aws as aws

HERE = Path(__file__).parent
provider = aws.Provider(
    "aws-usw2", region="us-west-2", default_tags=aws.ProviderDefaultTagsArgs(tags={"Project": "deploy-test"})
)
opts = pulumi.ResourceOptions(provider=provider)


def document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class Storage(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions) -> None:
        super().__init__("test:index:Storage", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.key = aws.kms.Key(f"{name}-key", description="deploy test key", enable_key_rotation=True, opts=child)
        aws.kms.Alias(f"{name}-alias", name="alias/deploy-test", target_key_id=self.key.key_id, opts=child)
        self.bucket = aws.s3.Bucket(f"{name}-audit", bucket="deploy-test-audit", tags={"Kind": "audit"}, opts=child)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-audit-sse",
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="aws:kms", kms_master_key_id=self.key.arn
                    ),
                    bucket_key_enabled=True,
                )
            ],
            opts=child,
        )
        aws.s3.BucketVersioning(
            f"{name}-audit-versioning",
            bucket=self.bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child,
        )
        aws.s3.BucketPublicAccessBlock(
            f"{name}-audit-pab",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-audit-ownership",
            bucket=self.bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{name}-audit-policy",
            bucket=self.bucket.id,
            policy=self.bucket.arn.apply(
                lambda arn: document(
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [arn, f"{arn}/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                    {
                        "Sid": "DenyUnlessTls",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:DeleteBucket",
                        "Resource": arn,
                        "Condition": {"Bool": {"aws:SecureTransport": ["true"]}},
                    },
                    {
                        "Sid": "DenyOtherAccounts",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:PutObject",
                        "Resource": f"{arn}/*",
                        "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "123456789012"}},
                    },
                    {
                        "Sid": "DenyBucketPolicyChanges",
                        "Effect": "Deny",
                        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                        "Action": "s3:PutBucketAcl",
                        "Resource": arn,
                    },
                )
            ),
            opts=child,
        )
        # The legacy inline arguments s3.Bucket still accepts.
        self.legacy = aws.s3.Bucket(
            f"{name}-legacy",
            bucket="deploy-test-legacy",
            server_side_encryption_configuration=aws.s3.BucketServerSideEncryptionConfigurationArgs(
                rule=aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    )
                )
            ),
            versioning=aws.s3.BucketVersioningArgs(enabled=True),
            opts=child,
        )
        self.register_outputs({})


storage = Storage("storage", opts)
key, bucket = storage.key, storage.bucket

dlq = aws.sqs.Queue(
    "dlq", name="deploy-test-dlq", kms_master_key_id=key.arn, message_retention_seconds=1209600, opts=opts
)
aws.sqs.QueuePolicy(
    "dlq-policy",
    queue_url=dlq.url,
    policy=dlq.arn.apply(
        lambda arn: document(
            {
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": arn,
            }
        )
    ),
    opts=opts,
)
topic = aws.sns.Topic("alerts", kms_master_key_id=key.arn, display_name="Deploy test alerts", opts=opts)
aws.sns.TopicPolicy(
    "alerts-policy",
    arn=topic.arn,
    policy=topic.arn.apply(
        lambda arn: document(
            {
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": arn,
            }
        )
    ),
    opts=opts,
)
aws.sns.TopicSubscription(
    "alerts-to-dlq", topic=topic.arn, protocol="sqs", endpoint=dlq.arn, raw_message_delivery=True, opts=opts
)

generated = aws.secretsmanager.get_random_password_output(
    password_length=32, exclude_punctuation=True, opts=pulumi.InvokeOutputOptions(provider=provider)
)
secret = aws.secretsmanager.Secret(
    "signing-key",
    name="deploy-test/signing-key",
    kms_key_id=key.arn,
    policy=document(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "secretsmanager:DeleteSecret",
            "Resource": "*",
        }
    ),
    opts=opts,
)
aws.secretsmanager.SecretVersion(
    "signing-key-value", secret_id=secret.id, secret_string=pulumi.Output.secret(generated.random_password), opts=opts
)

trust = document({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})
role = aws.iam.Role(
    "function-role",
    name="deploy-test-function",
    assume_role_policy=trust,
    inline_policies=[
        aws.iam.RoleInlinePolicyArgs(
            name="inline-logs",
            policy=document({"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}),
        )
    ],
    managed_policy_arns=["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
    opts=opts,
)
aws.iam.RolePolicy(
    "function-policy",
    role=role.id,
    policy=pulumi.Output.all(bucket.arn, dlq.arn).apply(
        lambda arns: document(
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{arns[0]}/events/*"},
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": arns[1]},
        )
    ),
    opts=opts,
)
managed = aws.iam.Policy(
    "read-secret",
    path="/deploy-test/",
    policy=secret.arn.apply(
        lambda arn: document({"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": arn})
    ),
    opts=opts,
)
aws.iam.RolePolicyAttachment("read-secret-attachment", role=role.name, policy_arn=managed.arn, opts=opts)

log_group = aws.cloudwatch.LogGroup(
    "function-logs", name="/aws/lambda/deploy-test-function", retention_in_days=14, kms_key_id=key.arn, opts=opts
)
function = aws.lambda_.Function(
    "function",
    name="deploy-test-function",
    role=role.arn,
    runtime="python3.12",
    handler="handler.handler",
    code=pulumi.FileArchive(str(HERE / "function")),
    memory_size=256,
    timeout=10,
    reserved_concurrent_executions=5,
    tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
    kms_key_arn=key.arn,
    environment=aws.lambda_.FunctionEnvironmentArgs(
        variables={"AUDIT_BUCKET": bucket.bucket, "DLQ_URL": dlq.url, "SECRET_ARN": secret.arn}
    ),
    opts=pulumi.ResourceOptions(provider=provider, depends_on=[log_group]),
)
# A second function whose code is an AssetArchive of a string, a file and a relative directory.
assets_function = aws.lambda_.Function(
    "assets-function",
    name="deploy-test-assets",
    role=role.arn,
    runtime="python3.12",
    handler="main.handler",
    code=pulumi.AssetArchive(
        {
            "main.py": pulumi.StringAsset("def handler(event, context):\n    return event\n"),
            "handler_copy.py": pulumi.FileAsset(str(HERE / "function" / "handler.py")),
            "support": pulumi.FileArchive("function/support"),
            "absent": pulumi.FileArchive("no-such-directory"),
        }
    ),
    opts=opts,
)

api = aws.apigateway.RestApi(
    "api",
    name="deploy-test-api",
    endpoint_configuration=aws.apigateway.RestApiEndpointConfigurationArgs(types="REGIONAL"),
    api_key_source="HEADER",
    binary_media_types=["application/octet-stream"],
    opts=opts,
)
resource = aws.apigateway.Resource(
    "pipeline", rest_api=api.id, parent_id=api.root_resource_id, path_part="pipeline", opts=opts
)
post = aws.apigateway.Method(
    "post",
    rest_api=api.id,
    resource_id=resource.id,
    http_method="POST",
    authorization="NONE",
    api_key_required=True,
    opts=opts,
)
post_integration = aws.apigateway.Integration(
    "post",
    rest_api=api.id,
    resource_id=resource.id,
    http_method=post.http_method,
    type="AWS_PROXY",
    integration_http_method="POST",
    uri=function.invoke_arn,
    timeout_milliseconds=29000,
    opts=opts,
)
options = aws.apigateway.Method(
    "options", rest_api=api.id, resource_id=resource.id, http_method="OPTIONS", authorization="NONE", opts=opts
)
options_integration = aws.apigateway.Integration(
    "options",
    rest_api=api.id,
    resource_id=resource.id,
    http_method=options.http_method,
    type="MOCK",
    request_templates={"application/json": '{"statusCode": 204}'},
    opts=opts,
)
options_response = aws.apigateway.MethodResponse(
    "options-204",
    rest_api=api.id,
    resource_id=resource.id,
    http_method=options.http_method,
    status_code="204",
    response_parameters={"method.response.header.Access-Control-Allow-Origin": True},
    opts=opts,
)
options_integration_response = aws.apigateway.IntegrationResponse(
    "options-204",
    rest_api=api.id,
    resource_id=resource.id,
    http_method=options.http_method,
    status_code=options_response.status_code,
    response_parameters={"method.response.header.Access-Control-Allow-Origin": "'https://app.example.com'"},
    opts=pulumi.ResourceOptions(provider=provider, depends_on=[options_integration]),
)
aws.apigateway.Response(
    "default-4xx",
    rest_api_id=api.id,
    response_type="DEFAULT_4XX",
    response_parameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'https://app.example.com'"},
    opts=opts,
)
aws.lambda_.Permission(
    "post-invoke",
    action="lambda:InvokeFunction",
    function=function.name,
    principal="apigateway.amazonaws.com",
    source_arn=api.execution_arn.apply(lambda arn: f"{arn}/v1/POST/pipeline"),
    opts=opts,
)
deployment = aws.apigateway.Deployment(
    "deployment",
    rest_api=api.id,
    description="deploy test",
    opts=pulumi.ResourceOptions(
        provider=provider, depends_on=[post_integration, options_integration, options_integration_response]
    ),
)
access_logs = aws.cloudwatch.LogGroup("access-logs", retention_in_days=14, opts=opts)
stage = aws.apigateway.Stage(
    "stage",
    rest_api=api.id,
    deployment=deployment.id,
    stage_name="v1",
    xray_tracing_enabled=True,
    variables={"mode": "test"},
    access_log_settings=aws.apigateway.StageAccessLogSettingsArgs(
        destination_arn=access_logs.arn, format='{"id":"$context.requestId"}'
    ),
    opts=opts,
)
api_key = aws.apigateway.ApiKey("key", name="deploy-test-key", enabled=True, opts=opts)
plan = aws.apigateway.UsagePlan(
    "plan",
    name="deploy-test-plan",
    api_stages=[
        aws.apigateway.UsagePlanApiStageArgs(
            api_id=api.id,
            stage=stage.stage_name,
            throttles=[
                aws.apigateway.UsagePlanApiStageThrottleArgs(path="/pipeline/POST", burst_limit=5, rate_limit=2)
            ],
        )
    ],
    throttle_settings=aws.apigateway.UsagePlanThrottleSettingsArgs(rate_limit=10, burst_limit=20),
    quota_settings=aws.apigateway.UsagePlanQuotaSettingsArgs(limit=1000, offset=0, period="DAY"),
    opts=opts,
)
aws.apigateway.UsagePlanKey("plan-key", key_id=api_key.id, key_type="API_KEY", usage_plan_id=plan.id, opts=opts)

# Only recorded: the local target does not create alarms.
aws.cloudwatch.MetricAlarm(
    "errors",
    comparison_operator="GreaterThanThreshold",
    evaluation_periods=1,
    metric_name="Errors",
    namespace="AWS/Lambda",
    period=60,
    statistic="Sum",
    threshold=1,
    alarm_actions=[topic.arn],
    opts=opts,
)

pulumi.export("key_arn", key.arn)
pulumi.export("bucket", bucket.bucket)
pulumi.export("dlq_url", dlq.url)
pulumi.export("secret_arn", secret.arn)
pulumi.export("role_arn", role.arn)
pulumi.export("function_arn", function.arn)
pulumi.export("invoke_arn", function.invoke_arn)
pulumi.export("api_id", api.id)
pulumi.export("resource_id", resource.id)
pulumi.export("api_key_id", api_key.id)
pulumi.export("plan_id", plan.id)
pulumi.export("invoke_url", stage.invoke_url)
pulumi.export("access_log_arn", access_logs.arn)
