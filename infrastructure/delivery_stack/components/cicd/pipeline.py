"""The delivery pipeline: one CodePipeline (V2) in the primary region, Source (S3) -> Build once -> Deploy per
region, with its role, its trigger and its failure notifications."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from delivery_stack.components.cicd.build import build_stage_project
from delivery_stack.components.cicd.codebuild import (
    BUILD_ARTIFACT,
    SOURCE_ARTIFACT,
    SOURCE_OBJECT_KEY,
    deploy_variables,
)
from delivery_stack.components.cicd.deployer import RegionDeployer
from delivery_stack.components.cicd.notifications import (
    build_failure_notifications,
    build_source_trigger,
    pipeline_name,
)
from delivery_stack.components.iam import ServiceRole, ServiceRoleArgs, Statement, objects_arn
from delivery_stack.context import RegionContext


@dataclass(frozen=True)
class DeliveryPipelineArgs:
    # The primary region's context: the pipeline, the build and the notifications live there.
    context: RegionContext
    # Every region's deployer, primary first (the primary's artifacts bucket also holds the source upload).
    targets: Sequence[RegionDeployer]
    # How long the build project's logs are kept.
    log_retention_days: int


class DeliveryPipeline(pulumi.ComponentResource):
    """Source (S3) -> Build once -> Deploy per region; failures go to the alert topic and raise alarms."""

    build_project_name: str
    build_log_group: aws.cloudwatch.LogGroup
    build_role: ServiceRole
    build_project: aws.codebuild.Project
    build_failed_alarm: aws.cloudwatch.MetricAlarm
    pipeline_role: ServiceRole
    pipeline: aws.codepipeline.Pipeline
    source_notifications: aws.s3.BucketNotification
    source_rule: aws.cloudwatch.EventRule
    source_rule_role: ServiceRole
    source_target: aws.cloudwatch.EventTarget
    failure_rules: list[aws.cloudwatch.EventRule]
    failure_targets: list[aws.cloudwatch.EventTarget]

    def __init__(self, name: str, args: DeliveryPipelineArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("delivery:cicd:DeliveryPipeline", name, None, args.context.component_options(opts))
        if not args.targets or args.targets[0].target.context.region != args.context.region:
            raise ValueError(f"{name}: the first deploy target must be the primary region {args.context.region}")
        ctx = args.context
        self._ctx = ctx
        self._base = name
        self._child = pulumi.ResourceOptions(parent=self)
        primary = args.targets[0]
        self._source_bucket = primary.target.artifacts_bucket
        build = build_stage_project(
            name, ctx, primary=primary.target, log_retention_days=args.log_retention_days, opts=self._child
        )
        self.build_project_name = build.project_name
        self.build_log_group = build.log_group
        self.build_role = build.role
        self.build_project = build.project
        self.build_failed_alarm = build.failed_builds_alarm
        self._pipeline(args.targets)
        trigger = build_source_trigger(
            name, ctx, bucket=primary.target.artifacts_bucket, pipeline=self.pipeline, opts=self._child
        )
        self.source_notifications = trigger.source_notifications
        self.source_rule = trigger.source_rule
        self.source_rule_role = trigger.source_rule_role
        self.source_target = trigger.source_target
        self.failure_rules, self.failure_targets = build_failure_notifications(
            name,
            ctx,
            project_names=[self.build_project_name, *[deployer.project_name for deployer in args.targets]],
            alert_topic=primary.target.alert_topic,
            opts=self._child,
        )
        self.register_outputs(
            {
                "pipeline_name": self.pipeline.name,
                "build_project_name": self.build_project.name,
                "source_location": self.source_location,
            }
        )

    @property
    def source_location(self) -> pulumi.Output[str]:
        return self._source_bucket.bucket.apply(lambda bucket: f"s3://{bucket}/{SOURCE_OBJECT_KEY}")

    def _pipeline(self, targets: Sequence[RegionDeployer]) -> None:
        ctx = self._ctx
        primary = targets[0]
        self.pipeline_role = ServiceRole(
            f"{self._base}-pipeline",
            ServiceRoleArgs(
                context=ctx,
                role_name=ctx.name("pipeline", "iam_role"),
                trusted_service="codepipeline.amazonaws.com",
                statements=[
                    Statement(
                        sid="ReadSourceUpload",
                        actions=("s3:GetObject", "s3:GetObjectVersion"),
                        resources=(objects_arn(primary.target.artifacts_bucket.arn, "source/"),),
                    ),
                    Statement(
                        sid="InspectArtifactBuckets",
                        actions=("s3:GetBucketVersioning", "s3:GetBucketLocation"),
                        resources=tuple(deployer.target.artifacts_bucket.arn for deployer in targets),
                    ),
                    Statement(
                        sid="ReadWriteArtifactStores",
                        actions=("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"),
                        resources=tuple(objects_arn(deployer.target.artifacts_bucket.arn) for deployer in targets),
                    ),
                    Statement(
                        sid="UseArtifactStoreKeys",
                        actions=("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"),
                        resources=tuple(deployer.target.key.arn for deployer in targets),
                    ),
                    Statement(
                        sid="RunPipelineBuilds",
                        actions=("codebuild:StartBuild", "codebuild:BatchGetBuilds"),
                        resources=(self.build_project.arn, *[deployer.project.arn for deployer in targets]),
                    ),
                ],
                description="CodePipeline runs the delivery pipeline's stages",
            ),
            opts=self._child,
        )
        cross_region = len(targets) > 1
        artifact_stores = [
            aws.codepipeline.PipelineArtifactStoreArgs(
                location=deployer.target.artifacts_bucket.bucket,
                type="S3",
                encryption_key=aws.codepipeline.PipelineArtifactStoreEncryptionKeyArgs(
                    id=deployer.target.key.arn, type="KMS"
                ),
                # A cross-region pipeline names each store's region; a single-region one must not.
                region=deployer.target.context.region if cross_region else None,
            )
            for deployer in targets
        ]
        stages = [
            aws.codepipeline.PipelineStageArgs(
                name="Source",
                actions=[
                    aws.codepipeline.PipelineStageActionArgs(
                        name="Source",
                        category="Source",
                        owner="AWS",
                        provider="S3",
                        version="1",
                        output_artifacts=[SOURCE_ARTIFACT],
                        configuration={
                            "S3Bucket": primary.target.artifacts_bucket.bucket,
                            "S3ObjectKey": SOURCE_OBJECT_KEY,
                            # Started by the upload's EventBridge event, not by polling.
                            "PollForSourceChanges": "false",
                        },
                    )
                ],
            ),
            aws.codepipeline.PipelineStageArgs(
                name="Build",
                actions=[
                    aws.codepipeline.PipelineStageActionArgs(
                        name="TestAndPackage",
                        category="Build",
                        owner="AWS",
                        provider="CodeBuild",
                        version="1",
                        input_artifacts=[SOURCE_ARTIFACT],
                        output_artifacts=[BUILD_ARTIFACT],
                        configuration={"ProjectName": self.build_project.name},
                    )
                ],
            ),
            *[self._deploy_stage(deployer, cross_region) for deployer in targets],
        ]
        self.pipeline = aws.codepipeline.Pipeline(
            f"{self._base}-pipeline",
            name=pipeline_name(ctx),
            pipeline_type="V2",
            # A running deployment is never superseded half-way through the regions; the next one waits.
            execution_mode="QUEUED",
            role_arn=self.pipeline_role.role.arn,
            artifact_stores=artifact_stores,
            stages=stages,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.pipeline_role.policy]),
        )

    def _deploy_stage(self, deployer: RegionDeployer, cross_region: bool) -> aws.codepipeline.PipelineStageArgs:
        region = deployer.target.context.region
        actions = []
        for function_key, function in deployer.target.functions.items():
            package_key = deployer.target.packages.get(function_key, function_key)
            alias = deployer.target.aliases.get(function_key)
            variables = function.name.apply(functools.partial(deploy_variables, package_key=package_key, alias=alias))
            actions.append(
                aws.codepipeline.PipelineStageActionArgs(
                    name=f"Deploy-{function_key}",
                    category="Build",
                    owner="AWS",
                    provider="CodeBuild",
                    version="1",
                    input_artifacts=[BUILD_ARTIFACT],
                    configuration={"ProjectName": deployer.project.name, "EnvironmentVariables": variables},
                    region=region if cross_region else None,
                )
            )
        return aws.codepipeline.PipelineStageArgs(name=f"Deploy-{region}", actions=actions)
