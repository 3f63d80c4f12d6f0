"""The pipeline's Build stage: one CodeBuild project in the primary region that runs buildspec.yml (the unit tests,
then each function's package, built once for every region)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from delivery_stack.components.cicd.codebuild import (
    BUILD_TIMEOUT_MINUTES,
    BUILDSPEC_PATH,
    codebuild_project,
    codebuild_role,
    failed_builds_alarm,
    project_log_group,
)
from delivery_stack.components.cicd.deployer import RegionDeployerArgs
from delivery_stack.components.iam import ServiceRole, Statement, objects_arn
from delivery_stack.context import RegionContext


@dataclass(frozen=True)
class BuildResources:
    project_name: str
    log_group: aws.cloudwatch.LogGroup
    role: ServiceRole
    project: aws.codebuild.Project
    failed_builds_alarm: aws.cloudwatch.MetricAlarm


def build_stage_project(
    base: str,
    ctx: RegionContext,
    *,
    primary: RegionDeployerArgs,
    log_retention_days: int,
    opts: pulumi.ResourceOptions,
) -> BuildResources:
    """The Build stage's project in the primary region, using the primary's artifacts bucket and key."""
    project_name = ctx.name("build", "codebuild")
    log_group = project_log_group(f"{base}-build-logs", project_name, primary.key, log_retention_days, opts)
    role = codebuild_role(
        f"{base}-build",
        ctx,
        ctx.name("pipeline-build", "iam_role"),
        log_group=log_group,
        statements=[
            # The artifacts bucket holds only this pipeline's source upload and artifacts.
            Statement(
                sid="ReadSourceWriteBuildArtifact",
                actions=("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"),
                resources=(objects_arn(primary.artifacts_bucket.arn),),
            ),
            Statement(
                sid="LocateArtifactsBucket",
                actions=("s3:GetBucketLocation", "s3:GetBucketAcl"),
                resources=(primary.artifacts_bucket.arn,),
            ),
            Statement(
                sid="UseArtifactKey",
                actions=("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"),
                resources=(primary.key.arn,),
            ),
        ],
        description="Runs buildspec.yml: the unit tests and the function packages",
        opts=opts,
    )
    project = codebuild_project(
        f"{base}-build-project",
        project_name,
        buildspec=BUILDSPEC_PATH,
        role=role,
        key=primary.key,
        log_group=log_group,
        timeout_minutes=BUILD_TIMEOUT_MINUTES,
        variables={"PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        opts=opts,
    )
    failed_alarm = failed_builds_alarm(
        f"{base}-build-failed-builds",
        alarm_name=ctx.name("build-failed-builds", "alarm"),
        description=f"{project_name}: the pipeline's build (unit tests or packaging) failed",
        project=project,
        alert_topic=primary.alert_topic,
        opts=opts,
    )
    return BuildResources(project_name, log_group, role, project, failed_alarm)
