"""What the pipeline's CodeBuild projects share: the image and paths, the project, its service role, its log group
and its failed-builds alarm."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from delivery_stack.components.alarms import count_alarm
from delivery_stack.components.iam import ServiceRole, ServiceRoleArgs, Statement
from delivery_stack.components.loggroup import encrypted_log_group, log_group_write_statement
from delivery_stack.context import RegionContext
from delivery_stack.packaging import DEFAULT_BUILD_ROOT, REPO_ROOT

SOURCE_OBJECT_KEY = "source/source.zip"
BUILDSPEC_PATH = "buildspec.yml"
DEPLOYSPEC_PATH = "deployspec.yml"
BUILD_IMAGE = "aws/codebuild/standard:7.0"
COMPUTE_TYPE = "BUILD_GENERAL1_SMALL"
SOURCE_ARTIFACT = "source"
BUILD_ARTIFACT = "build"
BUILD_TIMEOUT_MINUTES = 30
DEPLOY_TIMEOUT_MINUTES = 15
# Where buildspec.yml writes each function's zip, relative to the source root (the build artifact keeps the path).
PACKAGE_DIR = DEFAULT_BUILD_ROOT.relative_to(REPO_ROOT).as_posix()


def package_path(function_key: str) -> str:
    """The zip of one function inside the build artifact, as the deploy action hands it to deployspec.yml."""
    return f"{PACKAGE_DIR}/{function_key}.zip"


def deploy_variables(function_name: str, package_key: str, alias: str | None = None) -> str:
    """The deploy action's EnvironmentVariables: which function to update, from which package of the artifact, and
    the alias to move to the version it publishes (only for a function with provisioned concurrency)."""
    variables = [
        {"name": "FUNCTION_NAME", "value": function_name, "type": "PLAINTEXT"},
        {"name": "FUNCTION_PACKAGE", "value": package_path(package_key), "type": "PLAINTEXT"},
    ]
    if alias is not None:
        variables.append({"name": "FUNCTION_ALIAS", "value": alias, "type": "PLAINTEXT"})
    return json.dumps(variables)


def codebuild_project(
    resource_name: str,
    project_name: str,
    *,
    buildspec: str,
    role: ServiceRole,
    key: aws.kms.Key,
    log_group: aws.cloudwatch.LogGroup,
    timeout_minutes: int,
    variables: Mapping[str, str],
    opts: pulumi.ResourceOptions,
) -> aws.codebuild.Project:
    return aws.codebuild.Project(
        resource_name,
        name=project_name,
        description=f"{project_name}: runs {buildspec} for the delivery pipeline",
        service_role=role.role.arn,
        source=aws.codebuild.ProjectSourceArgs(type="CODEPIPELINE", buildspec=buildspec),
        artifacts=aws.codebuild.ProjectArtifactsArgs(type="CODEPIPELINE", encryption_disabled=False),
        # Output artifacts (and anything else CodeBuild stores) are encrypted with the region key.
        encryption_key=key.arn,
        environment=aws.codebuild.ProjectEnvironmentArgs(
            type="LINUX_CONTAINER",
            image=BUILD_IMAGE,
            compute_type=COMPUTE_TYPE,
            image_pull_credentials_type="CODEBUILD",
            privileged_mode=False,
            environment_variables=[
                aws.codebuild.ProjectEnvironmentEnvironmentVariableArgs(name=name, value=value, type="PLAINTEXT")
                for name, value in variables.items()
            ],
        ),
        logs_config=aws.codebuild.ProjectLogsConfigArgs(
            cloudwatch_logs=aws.codebuild.ProjectLogsConfigCloudwatchLogsArgs(
                group_name=log_group.name, status="ENABLED"
            ),
            s3_logs=aws.codebuild.ProjectLogsConfigS3LogsArgs(status="DISABLED"),
        ),
        build_timeout=timeout_minutes,
        queued_timeout=60,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[role.policy])),
    )


def codebuild_role(
    resource_name: str,
    context: RegionContext,
    role_name: str,
    *,
    log_group: aws.cloudwatch.LogGroup,
    statements: Sequence[Statement],
    description: str,
    opts: pulumi.ResourceOptions,
) -> ServiceRole:
    """A CodeBuild project's service role: it writes its own build logs, and does exactly `statements` besides."""
    return ServiceRole(
        resource_name,
        ServiceRoleArgs(
            context=context,
            role_name=role_name,
            trusted_service="codebuild.amazonaws.com",
            statements=[log_group_write_statement("WriteOwnBuildLogs", log_group), *statements],
            description=description,
        ),
        opts=opts,
    )


def failed_builds_alarm(
    resource_name: str,
    *,
    alarm_name: str,
    description: str,
    project: aws.codebuild.Project,
    alert_topic: aws.sns.Topic,
    opts: pulumi.ResourceOptions,
) -> aws.cloudwatch.MetricAlarm:
    """Alarms on any failed build of `project` (a failed build or deployment always needs a look)."""
    return count_alarm(
        resource_name,
        alarm_name=alarm_name,
        description=description,
        namespace="AWS/CodeBuild",
        metric_name="FailedBuilds",
        statistic="Sum",
        dimensions={"ProjectName": project.name},
        alarm_actions=[alert_topic.arn],
        opts=opts,
    )


def project_log_group(
    resource_name: str, project_name: str, key: aws.kms.Key, retention_days: int, opts: pulumi.ResourceOptions
) -> aws.cloudwatch.LogGroup:
    """The group CodeBuild writes `project_name`'s logs to (its default name, created encrypted and expiring)."""
    return encrypted_log_group(resource_name, f"/aws/codebuild/{project_name}", key, retention_days, opts)
