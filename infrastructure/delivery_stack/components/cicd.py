"""CI/CD: one CodePipeline (V2) in the primary region that tests and builds the functions once, then deploys the
built packages to every region, one Deploy stage per region in the configured order.

    Source (S3: <primary artifacts bucket>/source/source.zip)
      -> Build (CodeBuild, buildspec.yml: unit tests, build each function's package once, zip it)
      -> Deploy-<region> for each region (CodeBuild in that region, deployspec.yml:
         `aws lambda update-function-code --zip-file` for each function of that region)

Why CodeBuild deploy actions: CodePipeline has no action that updates a Lambda function's code from an artifact (its
Lambda action *invokes* a function), and CloudFormation/CodeDeploy actions would need templates this Pulumi stack
does not own. A small CodeBuild project per region runs the one CLI call, with a role that may update exactly that
region's functions. Each region has its own KMS-encrypted artifact store, which cross-region actions require.

Both buildspecs live in the repository (buildspec.yml, deployspec.yml): versioned, reviewed and unit-tested. The
build artifact carries deployspec.yml, so a deploy runs the spec that was tested with the code it deploys. The
CodeBuild projects take their source from CodePipeline (the pipeline's source is S3; CodePipeline rewrites any
other source type of a project it drives, which would be permanent drift for Pulumi).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from delivery_stack.components.iam import ServiceRole, ServiceRoleArgs, Statement, objects_arn
from delivery_stack.components.loggroup import encrypted_log_group, log_group_write_statement
from delivery_stack.components.monitoring import TopicPublisher, count_alarm
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
EVENTS_SERVICE = "events.amazonaws.com"
# Where buildspec.yml writes each function's zip, relative to the source root (the build artifact keeps the path).
PACKAGE_DIR = DEFAULT_BUILD_ROOT.relative_to(REPO_ROOT).as_posix()


def package_path(function_key: str) -> str:
    """The zip of one function inside the build artifact, as the deploy action hands it to deployspec.yml."""
    return f"{PACKAGE_DIR}/{function_key}.zip"


def deploy_variables(function_name: str, function_key: str) -> str:
    """The deploy action's EnvironmentVariables: which function to update, from which package of the artifact."""
    return json.dumps(
        [
            {"name": "FUNCTION_NAME", "value": function_name, "type": "PLAINTEXT"},
            {"name": "FUNCTION_PACKAGE", "value": package_path(function_key), "type": "PLAINTEXT"},
        ]
    )


def pipeline_name(context: RegionContext) -> str:
    return context.name("pipeline", "codepipeline")


def pipeline_failure_rule_name(context: RegionContext) -> str:
    return context.name("pipeline-failures", "event_rule")


def build_failure_rule_name(context: RegionContext) -> str:
    return context.name("build-failures", "event_rule")


def failure_publishers(context: RegionContext) -> list[TopicPublisher]:
    """EventBridge, publishing to the primary alert topic for the two failure rules only."""
    return [
        TopicPublisher(
            sid="PipelineFailuresPublish",
            service=EVENTS_SERVICE,
            source_arn=context.arn("events", f"rule/{pipeline_failure_rule_name(context)}"),
        ),
        TopicPublisher(
            sid="BuildFailuresPublish",
            service=EVENTS_SERVICE,
            source_arn=context.arn("events", f"rule/{build_failure_rule_name(context)}"),
        ),
    ]


def _codebuild_project(
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


def _codebuild_role(
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


def _failed_builds_alarm(
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


def _project_log_group(
    resource_name: str, context: RegionContext, project_name: str, key: aws.kms.Key, opts: pulumi.ResourceOptions
) -> aws.cloudwatch.LogGroup:
    return encrypted_log_group(resource_name, context, f"/aws/codebuild/{project_name}", key, opts)


@dataclass(frozen=True)
class RegionDeployerArgs:
    """One region the pipeline deploys to: its artifact store (bucket and key), its functions and its alert topic."""

    context: RegionContext
    key: aws.kms.Key
    artifacts_bucket: aws.s3.Bucket
    functions: Mapping[str, aws.lambda_.Function]
    alert_topic: aws.sns.Topic


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
        self.log_group = _project_log_group(f"{name}-logs", ctx, self.project_name, target.key, child)
        self.role = _codebuild_role(
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
            ],
            description=f"Deploys the built function packages to {ctx.region}",
            opts=child,
        )
        self.project = _codebuild_project(
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
        self.failed_builds_alarm = _failed_builds_alarm(
            f"{name}-failed-builds",
            alarm_name=ctx.name("deploy-failed-builds", "alarm"),
            description=f"{self.project_name}: a deployment to {ctx.region} failed",
            project=self.project,
            alert_topic=target.alert_topic,
            opts=child,
        )
        self.register_outputs({"project_name": self.project.name})


@dataclass(frozen=True)
class DeliveryPipelineArgs:
    # The primary region's context: the pipeline, the build and the notifications live there.
    context: RegionContext
    # Every region's deployer, primary first (the primary's artifacts bucket also holds the source upload).
    targets: Sequence[RegionDeployer]


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
        self._build(primary)
        self._pipeline(args.targets)
        self._source_trigger(primary)
        self._failure_notifications(primary, args.targets)
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

    def _build(self, primary: RegionDeployer) -> None:
        ctx = self._ctx
        self._source_bucket = primary.target.artifacts_bucket
        self.build_project_name = project_name = ctx.name("build", "codebuild")
        self.build_log_group = _project_log_group(
            f"{self._base}-build-logs", ctx, project_name, primary.target.key, self._child
        )
        self.build_role = _codebuild_role(
            f"{self._base}-build",
            ctx,
            ctx.name("pipeline-build", "iam_role"),
            log_group=self.build_log_group,
            statements=[
                # The artifacts bucket holds only this pipeline's source upload and artifacts.
                Statement(
                    sid="ReadSourceWriteBuildArtifact",
                    actions=("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"),
                    resources=(objects_arn(primary.target.artifacts_bucket.arn),),
                ),
                Statement(
                    sid="LocateArtifactsBucket",
                    actions=("s3:GetBucketLocation", "s3:GetBucketAcl"),
                    resources=(primary.target.artifacts_bucket.arn,),
                ),
                Statement(
                    sid="UseArtifactKey",
                    actions=("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"),
                    resources=(primary.target.key.arn,),
                ),
            ],
            description="Runs buildspec.yml: the unit tests and the function packages",
            opts=self._child,
        )
        self.build_project = _codebuild_project(
            f"{self._base}-build-project",
            project_name,
            buildspec=BUILDSPEC_PATH,
            role=self.build_role,
            key=primary.target.key,
            log_group=self.build_log_group,
            timeout_minutes=BUILD_TIMEOUT_MINUTES,
            variables={"PIP_DISABLE_PIP_VERSION_CHECK": "1"},
            opts=self._child,
        )
        self.build_failed_alarm = _failed_builds_alarm(
            f"{self._base}-build-failed-builds",
            alarm_name=ctx.name("build-failed-builds", "alarm"),
            description=f"{project_name}: the pipeline's build (unit tests or packaging) failed",
            project=self.build_project,
            alert_topic=primary.target.alert_topic,
            opts=self._child,
        )

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
            variables = function.name.apply(functools.partial(deploy_variables, function_key=function_key))
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

    def _source_trigger(self, primary: RegionDeployer) -> None:
        ctx = self._ctx
        bucket = primary.target.artifacts_bucket
        # S3 sends its object events to EventBridge; the rule starts the pipeline on each upload of the source zip.
        self.source_notifications = aws.s3.BucketNotification(
            f"{self._base}-source-events", bucket=bucket.id, eventbridge=True, opts=self._child
        )
        pattern = bucket.bucket.apply(
            lambda bucket_name: json.dumps(
                {
                    "source": ["aws.s3"],
                    "detail-type": ["Object Created"],
                    "detail": {"bucket": {"name": [bucket_name]}, "object": {"key": [SOURCE_OBJECT_KEY]}},
                }
            )
        )
        self.source_rule = aws.cloudwatch.EventRule(
            f"{self._base}-source-uploaded",
            name=ctx.name("source-uploaded", "event_rule"),
            description=f"Starts {pipeline_name(ctx)} when {SOURCE_OBJECT_KEY} is uploaded",
            event_pattern=pattern,
            opts=self._child,
        )
        self.source_rule_role = ServiceRole(
            f"{self._base}-source-start",
            ServiceRoleArgs(
                context=ctx,
                role_name=ctx.name("pipeline-start", "iam_role"),
                trusted_service=EVENTS_SERVICE,
                statements=[
                    Statement(
                        sid="StartDeliveryPipeline",
                        actions=("codepipeline:StartPipelineExecution",),
                        resources=(self.pipeline.arn,),
                    )
                ],
                description=f"EventBridge starts {pipeline_name(ctx)}",
            ),
            opts=self._child,
        )
        self.source_target = aws.cloudwatch.EventTarget(
            f"{self._base}-source-start",
            rule=self.source_rule.name,
            arn=self.pipeline.arn,
            role_arn=self.source_rule_role.role.arn,
            opts=self._child,
        )

    def _failure_notifications(self, primary: RegionDeployer, targets: Sequence[RegionDeployer]) -> None:
        ctx = self._ctx
        project_names = [self.build_project_name, *[deployer.project_name for deployer in targets]]
        patterns = {
            pipeline_failure_rule_name(ctx): (
                "pipeline",
                {
                    "source": ["aws.codepipeline"],
                    "detail-type": ["CodePipeline Pipeline Execution State Change"],
                    "detail": {"pipeline": [pipeline_name(ctx)], "state": ["FAILED"]},
                },
                {"name": "$.detail.pipeline", "execution": "$.detail.execution-id", "state": "$.detail.state"},
                '"Pipeline <name> execution <execution> ended <state>."',
            ),
            build_failure_rule_name(ctx): (
                "build",
                {
                    "source": ["aws.codebuild"],
                    "detail-type": ["CodeBuild Build State Change"],
                    "detail": {"project-name": project_names, "build-status": ["FAILED"]},
                },
                {"name": "$.detail.project-name", "build": "$.detail.build-id", "state": "$.detail.build-status"},
                '"CodeBuild project <name> build <build> ended <state>."',
            ),
        }
        self.failure_rules = []
        self.failure_targets = []
        for rule_name, (suffix, pattern, paths, template) in patterns.items():
            rule = aws.cloudwatch.EventRule(
                f"{self._base}-{suffix}-failures",
                name=rule_name,
                description=f"{suffix} failures of {pipeline_name(ctx)} -> the alert topic",
                event_pattern=json.dumps(pattern),
                opts=self._child,
            )
            self.failure_rules.append(rule)
            self.failure_targets.append(
                aws.cloudwatch.EventTarget(
                    f"{self._base}-{suffix}-failures",
                    rule=rule.name,
                    arn=primary.target.alert_topic.arn,
                    input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
                        input_paths=paths, input_template=template
                    ),
                    opts=self._child,
                )
            )
