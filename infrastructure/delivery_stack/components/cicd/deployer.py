"""The per-region deployer: a CodeBuild project in its region that updates exactly that region's functions from the
built packages, with its own log group, role and failed-builds alarm."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from delivery_stack.components.cicd.codebuild import (
    DEPLOY_TIMEOUT_MINUTES,
    DEPLOYSPEC_PATH,
    codebuild_project,
    codebuild_role,
    failed_builds_alarm,
    project_log_group,
)
from delivery_stack.components.iam import ServiceRole, Statement, objects_arn
from delivery_stack.context import RegionContext


@dataclass(frozen=True)
class RegionDeployerArgs:
    """One region the pipeline deploys to: its artifact store (bucket and key), its functions and its alert topic."""

    context: RegionContext
    key: aws.kms.Key
    artifacts_bucket: aws.s3.Bucket
    functions: Mapping[str, aws.lambda_.Function]
    alert_topic: aws.sns.Topic
    # How long the deploy project's build logs are kept.
    log_retention_days: int
    # The package a function is deployed from, when its key is not the package's name (a second entry point of the
    # same package, like a secret's rotation function).
    packages: Mapping[str, str] = field(default_factory=dict)
    # The alias each function's deploy publishes a version for and moves (functions with provisioned concurrency).
    aliases: Mapping[str, str] = field(default_factory=dict)


def _qualified(arn: str, alias: str) -> str:
    return f"{arn}:{alias}"


def _alias_statements(target: RegionDeployerArgs) -> list[Statement]:
    """Publish a version of each aliased function and move its alias there: nothing more than a deploy needs."""
    aliased = [(target.functions[key], alias) for key, alias in target.aliases.items()]
    if not aliased:
        return []
    return [
        Statement(
            sid="PublishAliasedVersions",
            actions=("lambda:PublishVersion",),
            resources=tuple(function.arn for function, _ in aliased),
        ),
        Statement(
            sid="MoveLiveAliases",
            actions=("lambda:UpdateAlias",),
            resources=tuple(
                function.arn.apply(functools.partial(_qualified, alias=alias)) for function, alias in aliased
            ),
        ),
    ]


class RegionDeployer(pulumi.ComponentResource):
    """The CodeBuild project (in its region) that updates that region's functions from the built packages.

    Built by each region with the rest of the region; the pipeline in the primary region runs it as a cross-region
    action and stores the region's artifacts in the region's own bucket with the region's key.
    """

    target: RegionDeployerArgs
    project_name: str
    log_group: aws.cloudwatch.LogGroup
    role: ServiceRole
    project: aws.codebuild.Project
    failed_builds_alarm: aws.cloudwatch.MetricAlarm

    def __init__(self, name: str, args: RegionDeployerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("delivery:cicd:RegionDeployer", name, None, args.context.component_options(opts))
        self.target = args
        target = args
        ctx = target.context
        child = pulumi.ResourceOptions(parent=self)
        self.project_name = ctx.name("deploy", "codebuild")
        self.log_group = project_log_group(
            f"{name}-logs", self.project_name, target.key, target.log_retention_days, child
        )
        self.role = codebuild_role(
            f"{name}-deploy",
            ctx,
            ctx.name("deploy-build", "iam_role"),
            log_group=self.log_group,
            statements=[
                Statement(
                    sid="ReadBuildArtifact",
                    actions=("s3:GetObject", "s3:GetObjectVersion"),
                    resources=(objects_arn(target.artifacts_bucket.arn),),
                ),
                Statement(sid="DecryptBuildArtifact", actions=("kms:Decrypt",), resources=(target.key.arn,)),
                # Exactly the functions this region runs: the deployer can change nothing else.
                Statement(
                    sid="UpdateRegionFunctions",
                    actions=("lambda:UpdateFunctionCode", "lambda:GetFunctionConfiguration"),
                    resources=tuple(function.arn for function in target.functions.values()),
                ),
                *_alias_statements(target),
            ],
            description=f"Deploys the built function packages to {ctx.region}",
            opts=child,
        )
        self.project = codebuild_project(
            f"{name}-project",
            self.project_name,
            buildspec=DEPLOYSPEC_PATH,
            role=self.role,
            key=target.key,
            log_group=self.log_group,
            timeout_minutes=DEPLOY_TIMEOUT_MINUTES,
            variables={"TARGET_REGION": ctx.region},
            opts=child,
        )
        self.failed_builds_alarm = failed_builds_alarm(
            f"{name}-failed-builds",
            alarm_name=ctx.name("deploy-failed-builds", "alarm"),
            description=f"{self.project_name}: a deployment to {ctx.region} failed",
            project=self.project,
            alert_topic=target.alert_topic,
            opts=child,
        )
        self.register_outputs({"project_name": self.project.name})
