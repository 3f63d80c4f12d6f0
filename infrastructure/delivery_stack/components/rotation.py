"""Automatic rotation of a function's signing secret: the rotation function and Secrets Manager's schedule.

The rotation code ships in the API function's own package (functions/<name>/rotation_handler.py, the four steps in
pipeline_api/key_rotation.py), so one build serves both and the pipeline deploys both. The rotation function gets
a role of its own that can rotate exactly this secret, and nothing the API function can do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from delivery_stack.components.function import (
    PIPELINE_OWNED_CODE,
    TRACE_WRITE_STATEMENT,
    VPC_ENI_STATEMENT,
    encrypted_dead_letter_queue,
    log_group_name,
    vpc_config,
)
from delivery_stack.components.iam import ServiceRole, ServiceRoleArgs, Statement
from delivery_stack.components.loggroup import encrypted_log_group, log_group_write_statement
from delivery_stack.context import RegionContext
from delivery_stack.packaging import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME, FunctionPackage

ROTATION_HANDLER = "rotation_handler.handler"
# Each step is a few Secrets Manager calls; Secrets Manager gives a rotation function up to 15 minutes.
ROTATION_TIMEOUT_SECONDS = 60
ROTATION_MEMORY_MB = 128
SECRETS_MANAGER_SERVICE = "secretsmanager.amazonaws.com"
ROTATION_ACTIONS = (
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
)


def rotation_function_key(package_name: str) -> str:
    """The rotation function's key among the region's functions (deploy actions, outputs)."""
    return f"{package_name}-rotation"


@dataclass(frozen=True)
class SecretRotationArgs:
    context: RegionContext
    # The package holding rotation_handler.py: the API function's own.
    package: FunctionPackage
    secret: aws.secretsmanager.Secret
    # The secret's first value; rotation starts only once it exists.
    initial_version: aws.secretsmanager.SecretVersion
    key: aws.kms.Key
    rotation_days: int
    log_retention_days: int
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    security_group_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None


class SecretRotation(pulumi.ComponentResource):
    """The rotation function (log group, DLQ, role), Secrets Manager's permission to invoke it, and the schedule."""

    function_name: str
    dlq: aws.sqs.Queue
    log_group: aws.cloudwatch.LogGroup
    role: ServiceRole
    function: aws.lambda_.Function
    permission: aws.lambda_.Permission
    rotation: aws.secretsmanager.SecretRotation

    def __init__(self, name: str, args: SecretRotationArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if (args.subnet_ids is None) != (args.security_group_ids is None):
            raise ValueError(f"{name}: subnet_ids and security_group_ids attach a function to a VPC together")
        super().__init__("delivery:rotation:SecretRotation", name, None, args.context.component_options(opts))
        ctx = args.context
        child = pulumi.ResourceOptions(parent=self)
        key_name = rotation_function_key(args.package.name)
        self.function_name = ctx.name(key_name, "lambda")
        # Secrets Manager invokes the function synchronously and retries a failed rotation itself; the queue keeps
        # what an asynchronous invocation (a manual test) could not deliver.
        self.dlq = encrypted_dead_letter_queue(f"{name}-dlq", ctx.name(f"{key_name}-dlq", "sqs"), args.key, child)
        self.log_group = encrypted_log_group(
            f"{name}-logs", log_group_name(self.function_name), args.key, args.log_retention_days, child
        )
        in_vpc = args.subnet_ids is not None
        statements = [
            log_group_write_statement("WriteOwnLogGroup", self.log_group),
            Statement(sid="RotateOwnSecret", actions=ROTATION_ACTIONS, resources=(args.secret.arn,)),
            # The secret is encrypted with the region key: reading and writing versions goes through it.
            Statement(sid="UseRegionKey", actions=("kms:Decrypt", "kms:GenerateDataKey"), resources=(args.key.arn,)),
            Statement(sid="SendToOwnDeadLetterQueue", actions=("sqs:SendMessage",), resources=(self.dlq.arn,)),
            TRACE_WRITE_STATEMENT,
        ]
        if in_vpc:
            statements.append(VPC_ENI_STATEMENT)
        self.role = ServiceRole(
            f"{name}-exec",
            ServiceRoleArgs(
                context=ctx,
                role_name=ctx.name(f"{key_name}-exec", "iam_role"),
                trusted_service="lambda.amazonaws.com",
                statements=statements,
                description=f"Execution role of {self.function_name}: rotates one signing secret",
            ),
            opts=child,
        )
        self.function = aws.lambda_.Function(
            f"{name}-function",
            name=self.function_name,
            description=f"Rotates the signing secret of {args.package.name} ({ctx.region})",
            role=self.role.role.arn,
            runtime=LAMBDA_RUNTIME,
            architectures=[LAMBDA_ARCHITECTURE],
            handler=ROTATION_HANDLER,
            code=pulumi.FileArchive(str(args.package.build_dir)),
            memory_size=ROTATION_MEMORY_MB,
            timeout=ROTATION_TIMEOUT_SECONDS,
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
            kms_key_arn=args.key.arn,
            dead_letter_config=aws.lambda_.FunctionDeadLetterConfigArgs(target_arn=self.dlq.arn),
            environment=aws.lambda_.FunctionEnvironmentArgs(
                variables={"POWERTOOLS_SERVICE_NAME": key_name, "LOG_LEVEL": "INFO"}
            ),
            vpc_config=vpc_config(args.subnet_ids, args.security_group_ids),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[self.log_group, self.role.policy],
                # The pipeline delivers the code after the first deploy, as for the API function.
                ignore_changes=list(PIPELINE_OWNED_CODE),
            ),
        )
        self.permission = aws.lambda_.Permission(
            f"{name}-invoke",
            action="lambda:InvokeFunction",
            function=self.function.name,
            principal=SECRETS_MANAGER_SERVICE,
            source_arn=args.secret.arn,
            opts=child,
        )
        self.rotation = aws.secretsmanager.SecretRotation(
            f"{name}-schedule",
            secret_id=args.secret.id,
            rotation_lambda_arn=self.function.arn,
            rotation_rules=aws.secretsmanager.SecretRotationRotationRulesArgs(
                automatically_after_days=args.rotation_days
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.permission, args.initial_version]),
        )
        self.register_outputs({"function_name": self.function.name, "rotation_days": args.rotation_days})
