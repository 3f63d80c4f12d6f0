"""The pipeline's events: the rule that starts it when the source zip is uploaded, and the rules that send pipeline
and build failures to the primary alert topic (with the topic-policy publishers that admit exactly those rules)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from delivery_stack.components.cicd.codebuild import SOURCE_OBJECT_KEY
from delivery_stack.components.iam import ServiceRole, ServiceRoleArgs, Statement
from delivery_stack.components.monitoring import TopicPublisher
from delivery_stack.context import RegionContext

EVENTS_SERVICE = "events.amazonaws.com"


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


@dataclass(frozen=True)
class SourceTrigger:
    source_notifications: aws.s3.BucketNotification
    source_rule: aws.cloudwatch.EventRule
    source_rule_role: ServiceRole
    source_target: aws.cloudwatch.EventTarget


def build_source_trigger(
    base: str,
    ctx: RegionContext,
    *,
    bucket: aws.s3.Bucket,
    pipeline: aws.codepipeline.Pipeline,
    opts: pulumi.ResourceOptions,
) -> SourceTrigger:
    """EventBridge starts `pipeline` on each upload of SOURCE_OBJECT_KEY to `bucket`."""
    # S3 sends its object events to EventBridge; the rule starts the pipeline on each upload of the source zip.
    source_notifications = aws.s3.BucketNotification(
        f"{base}-source-events", bucket=bucket.id, eventbridge=True, opts=opts
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
    source_rule = aws.cloudwatch.EventRule(
        f"{base}-source-uploaded",
        name=ctx.name("source-uploaded", "event_rule"),
        description=f"Starts {pipeline_name(ctx)} when {SOURCE_OBJECT_KEY} is uploaded",
        event_pattern=pattern,
        opts=opts,
    )
    source_rule_role = ServiceRole(
        f"{base}-source-start",
        ServiceRoleArgs(
            context=ctx,
            role_name=ctx.name("pipeline-start", "iam_role"),
            trusted_service=EVENTS_SERVICE,
            statements=[
                Statement(
                    sid="StartDeliveryPipeline",
                    actions=("codepipeline:StartPipelineExecution",),
                    resources=(pipeline.arn,),
                )
            ],
            description=f"EventBridge starts {pipeline_name(ctx)}",
        ),
        opts=opts,
    )
    source_target = aws.cloudwatch.EventTarget(
        f"{base}-source-start",
        rule=source_rule.name,
        arn=pipeline.arn,
        role_arn=source_rule_role.role.arn,
        opts=opts,
    )
    return SourceTrigger(source_notifications, source_rule, source_rule_role, source_target)


def build_failure_notifications(
    base: str,
    ctx: RegionContext,
    *,
    project_names: Sequence[str],
    alert_topic: aws.sns.Topic,
    opts: pulumi.ResourceOptions,
) -> tuple[list[aws.cloudwatch.EventRule], list[aws.cloudwatch.EventTarget]]:
    """The pipeline-failure and build-failure rules (builds of `project_names`) and their targets on `alert_topic`."""
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
                "detail": {"project-name": list(project_names), "build-status": ["FAILED"]},
            },
            {"name": "$.detail.project-name", "build": "$.detail.build-id", "state": "$.detail.build-status"},
            '"CodeBuild project <name> build <build> ended <state>."',
        ),
    }
    rules = []
    targets = []
    for rule_name, (suffix, pattern, paths, template) in patterns.items():
        rule = aws.cloudwatch.EventRule(
            f"{base}-{suffix}-failures",
            name=rule_name,
            description=f"{suffix} failures of {pipeline_name(ctx)} -> the alert topic",
            event_pattern=json.dumps(pattern),
            opts=opts,
        )
        rules.append(rule)
        targets.append(
            aws.cloudwatch.EventTarget(
                f"{base}-{suffix}-failures",
                rule=rule.name,
                arn=alert_topic.arn,
                input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
                    input_paths=paths, input_template=template
                ),
                opts=opts,
            )
        )
    return rules, targets
