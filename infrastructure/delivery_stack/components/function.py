"""A Lambda function deployed from its vendored build output, with everything it owns in its region: its log group,
its KMS-encrypted dead-letter queue, its least-privilege role and its asynchronous-invocation settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from delivery_stack.components.iam import ServiceRole, ServiceRoleArgs, Statement, objects_arn
from delivery_stack.components.loggroup import encrypted_log_group, log_group_write_statement
from delivery_stack.config import FunctionSettings
from delivery_stack.context import RegionContext
from delivery_stack.packaging import HANDLER, LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME, FunctionPackage

# Where the function writes its audit records (functions/pipeline agrees); its role may write below it only.
AUDIT_PREFIX = "events/"
LOG_LEVEL = "INFO"
# Asynchronous invocations: retry twice, give up after an hour, then the event lands in the DLQ.
MAX_RETRY_ATTEMPTS = 2
MAX_EVENT_AGE_SECONDS = 3600
# SQS maximum: a failed event waits two weeks for an operator.
DLQ_RETENTION_SECONDS = 14 * 24 * 3600
# The function's code has one owner after the first deploy: the delivery pipeline (build once, update-function-code
# in every region). Pulumi uploads the local build only when it creates the function, then ignores these inputs, so
# a `pulumi up` from another tree cannot put its own build back over what the pipeline delivered; the pipeline's
# deploy role in turn may change only the code (lambda:UpdateFunctionCode), never the configuration Pulumi owns.
# With provisioned concurrency the API calls this alias; the pipeline publishes each delivered version and moves it.
LIVE_ALIAS = "live"
PIPELINE_OWNED_CODE = ("code", "source_code_hash", "s3_bucket", "s3_key", "s3_object_version", "image_uri")
VPC_ACCESS_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)


# Every function sends traces to X-Ray (PutTraceSegments takes no resource) and, in a VPC, manages its ENIs.
TRACE_WRITE_STATEMENT = Statement(
    sid="WriteTraces", actions=("xray:PutTraceSegments", "xray:PutTelemetryRecords"), resources=("*",)
)
VPC_ENI_STATEMENT = Statement(sid="ManageVpcNetworkInterfaces", actions=VPC_ACCESS_ACTIONS, resources=("*",))


def encrypted_dead_letter_queue(
    name: str, queue_name: str, key: aws.kms.Key, opts: pulumi.ResourceOptions
) -> aws.sqs.Queue:
    """A function's dead-letter queue: encrypted with the region key, a failed event kept two weeks."""
    return aws.sqs.Queue(
        name,
        name=queue_name,
        kms_master_key_id=key.arn,
        kms_data_key_reuse_period_seconds=300,
        message_retention_seconds=DLQ_RETENTION_SECONDS,
        opts=opts,
    )


def vpc_config(
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None,
    security_group_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None,
) -> aws.lambda_.FunctionVpcConfigArgs | None:
    """The function's VPC attachment, or None outside a VPC (the components check both are given or neither)."""
    if subnet_ids is None or security_group_ids is None:
        return None
    return aws.lambda_.FunctionVpcConfigArgs(subnet_ids=subnet_ids, security_group_ids=security_group_ids)


def log_group_name(function_name: str) -> str:
    """The group Lambda writes to; created by the stack so retention and encryption are ours, not Lambda's default."""
    return f"/aws/lambda/{function_name}"


def function_statements(
    *,
    log_group: aws.cloudwatch.LogGroup,
    audit_bucket: aws.s3.Bucket,
    key: aws.kms.Key,
    secret: aws.secretsmanager.Secret,
    dlq: aws.sqs.Queue,
    in_vpc: bool,
) -> list[Statement]:
    """What the function's code and runtime do, each on exactly the resource it does it to."""
    statements = [
        log_group_write_statement("WriteOwnLogGroup", log_group),
        # The handler writes each record once with a conditional put (If-None-Match) and never reads it back.
        Statement(
            sid="WriteAuditRecords",
            actions=("s3:PutObject",),
            resources=(objects_arn(audit_bucket.arn, AUDIT_PREFIX),),
        ),
        # The deep health check's HeadBucket is authorised as s3:ListBucket on the bucket.
        Statement(sid="CheckAuditBucket", actions=("s3:ListBucket",), resources=(audit_bucket.arn,)),
        Statement(sid="UseRegionKey", actions=("kms:Decrypt", "kms:GenerateDataKey"), resources=(key.arn,)),
        Statement(sid="ReadOwnSecret", actions=("secretsmanager:GetSecretValue",), resources=(secret.arn,)),
        Statement(sid="SendToOwnDeadLetterQueue", actions=("sqs:SendMessage",), resources=(dlq.arn,)),
        TRACE_WRITE_STATEMENT,
    ]
    if in_vpc:
        statements.append(VPC_ENI_STATEMENT)
    return statements


@dataclass(frozen=True)
class DeliveryFunctionArgs:
    context: RegionContext
    package: FunctionPackage
    key: aws.kms.Key
    audit_bucket: aws.s3.Bucket
    secret: aws.secretsmanager.Secret
    # Memory, timeout and reserved concurrency of the function.
    settings: FunctionSettings
    # Origins the function's CORS answers admit (ALLOWED_ORIGINS).
    allowed_origins: Sequence[str]
    # The namespace of the function's custom metrics (POWERTOOLS_METRICS_NAMESPACE).
    metrics_namespace: str
    log_retention_days: int
    # Attach the function to a VPC (the network component's private subnets and the function's security group).
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    security_group_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None


class DeliveryFunction(pulumi.ComponentResource):
    """One function from functions/<name>/: code, log group, DLQ, role and event-invoke settings."""

    function_name: str
    dlq: aws.sqs.Queue
    log_group: aws.cloudwatch.LogGroup
    role: ServiceRole
    function: aws.lambda_.Function
    event_invoke_config: aws.lambda_.FunctionEventInvokeConfig
    # Only with provisioned concurrency: the alias the API invokes, and its warm execution environments.
    live_alias: aws.lambda_.Alias | None = None
    provisioned_concurrency: aws.lambda_.ProvisionedConcurrencyConfig | None = None

    def __init__(self, name: str, args: DeliveryFunctionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if (args.subnet_ids is None) != (args.security_group_ids is None):
            raise ValueError(f"{name}: subnet_ids and security_group_ids attach a function to a VPC together")
        super().__init__("delivery:function:DeliveryFunction", name, None, args.context.component_options(opts))
        ctx = args.context
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        self.function_name = ctx.name(args.package.name, "lambda")
        self.dlq = encrypted_dead_letter_queue(
            f"{name}-dlq", ctx.name(f"{args.package.name}-dlq", "sqs"), args.key, child
        )
        self.log_group = encrypted_log_group(
            f"{name}-logs", log_group_name(self.function_name), args.key, args.log_retention_days, child
        )
        in_vpc = args.subnet_ids is not None
        self.role = ServiceRole(
            f"{name}-exec",
            ServiceRoleArgs(
                context=ctx,
                role_name=ctx.name(f"{args.package.name}-exec", "iam_role"),
                trusted_service="lambda.amazonaws.com",
                statements=function_statements(
                    log_group=self.log_group,
                    audit_bucket=args.audit_bucket,
                    key=args.key,
                    secret=args.secret,
                    dlq=self.dlq,
                    in_vpc=in_vpc,
                ),
                description=f"Execution role of {self.function_name}",
            ),
            opts=child,
        )
        # Resolved values only: the variables are built once every name, URL and ARN is known.
        variables = pulumi.Output.all(args.audit_bucket.bucket, self.dlq.url, args.secret.arn).apply(
            lambda resolved: {
                "AUDIT_BUCKET": resolved[0],
                "DLQ_URL": resolved[1],
                "SECRET_ARN": resolved[2],
                "ALLOWED_ORIGINS": ",".join(args.allowed_origins),
                "POWERTOOLS_SERVICE_NAME": args.package.name,
                "POWERTOOLS_METRICS_NAMESPACE": args.metrics_namespace,
                "LOG_LEVEL": LOG_LEVEL,
            }
        )
        self.function = aws.lambda_.Function(
            f"{name}-function",
            name=self.function_name,
            description=f"{args.package.name} ({ctx.region}), deployed from functions/{args.package.name}",
            role=self.role.role.arn,
            runtime=LAMBDA_RUNTIME,
            architectures=[LAMBDA_ARCHITECTURE],
            handler=HANDLER,
            code=pulumi.FileArchive(str(args.package.build_dir)),
            memory_size=settings.memory_mb,
            timeout=settings.timeout_seconds,
            reserved_concurrent_executions=settings.reserved_concurrency,
            # Provisioned concurrency needs a published version behind an alias; the first one is published here.
            publish=settings.provisioned_concurrency is not None,
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
            kms_key_arn=args.key.arn,
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=variables),
            vpc_config=vpc_config(args.subnet_ids, args.security_group_ids),
            # The log group must exist first (or Lambda creates an unencrypted one that never expires), and the
            # role's policy must be in place before the first invocation.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[self.log_group, self.role.policy], ignore_changes=list(PIPELINE_OWNED_CODE)
            ),
        )
        if settings.provisioned_concurrency is not None:
            self.live_alias = aws.lambda_.Alias(
                f"{name}-live",
                name=LIVE_ALIAS,
                function_name=self.function.name,
                function_version=self.function.version,
                description="What the API invokes; the pipeline moves it to each version it delivers",
                # Pulumi points it at the first version only: the pipeline owns the code, and so which version runs.
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["function_version"]),
            )
            self.provisioned_concurrency = aws.lambda_.ProvisionedConcurrencyConfig(
                f"{name}-provisioned-concurrency",
                function_name=self.function.name,
                qualifier=self.live_alias.name,
                provisioned_concurrent_executions=settings.provisioned_concurrency,
                opts=child,
            )
        self.event_invoke_config = aws.lambda_.FunctionEventInvokeConfig(
            f"{name}-event-invoke",
            function_name=self.function.name,
            maximum_retry_attempts=MAX_RETRY_ATTEMPTS,
            maximum_event_age_in_seconds=MAX_EVENT_AGE_SECONDS,
            destination_config=aws.lambda_.FunctionEventInvokeConfigDestinationConfigArgs(
                on_failure=aws.lambda_.FunctionEventInvokeConfigDestinationConfigOnFailureArgs(destination=self.dlq.arn)
            ),
            opts=child,
        )
        self.register_outputs(
            {
                "function_name": self.function.name,
                "function_arn": self.function.arn,
                "dlq_url": self.dlq.url,
                "log_group_name": self.log_group.name,
            }
        )

    @property
    def invoke_arn(self) -> pulumi.Output[str]:
        """What the API integration invokes: the live alias with provisioned concurrency, else the function."""
        return self.live_alias.invoke_arn if self.live_alias is not None else self.function.invoke_arn

    @property
    def qualifier(self) -> pulumi.Output[str] | None:
        """The alias an invoke permission must name, or None for the unqualified function."""
        return self.live_alias.name if self.live_alias is not None else None
