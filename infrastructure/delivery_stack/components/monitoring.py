"""Monitoring: the region's encrypted alert topic and per-function alarms on it (see alarms.py for how each alarm
is built, dashboard.py for the region's dashboard)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from delivery_stack.components.alarms import RateAlarmSpec, count_alarm, rate_alarm
from delivery_stack.components.function import DeliveryFunction
from delivery_stack.components.iam import ANYONE, Statement, policy_document
from delivery_stack.components.storage import DEFAULT_ALERT_PUBLISHERS
from delivery_stack.context import RegionContext

TOPIC_OWNER_ACTIONS = (
    "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:AddPermission", "sns:RemovePermission",
    "sns:DeleteTopic", "sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:Publish",
)  # fmt: skip


@dataclass(frozen=True)
class FunctionAlarmSet:
    error_rate: aws.cloudwatch.MetricAlarm
    throttles: aws.cloudwatch.MetricAlarm
    dlq_depth: aws.cloudwatch.MetricAlarm

    @property
    def all(self) -> list[aws.cloudwatch.MetricAlarm]:
        return [self.error_rate, self.throttles, self.dlq_depth]


@dataclass(frozen=True)
class TopicPublisher:
    """A service that may publish to the alert topic for exactly one source (an EventBridge rule, a budget)."""

    sid: str
    service: str
    source_arn: pulumi.Input[str]


@dataclass(frozen=True)
class MonitoringArgs:
    context: RegionContext
    key: aws.kms.Key
    functions: Mapping[str, DeliveryFunction]
    # A function's error-rate alarm fires above this percentage of failed invocations.
    error_rate_threshold_percent: float
    # Subscribed to the alert topic when set (the address confirms the subscription).
    alert_email: str | None = None
    # Services allowed to publish to the topic (they also need the key: pass the same tuple to Storage).
    alert_publishers: Sequence[str] = DEFAULT_ALERT_PUBLISHERS
    # Publishers admitted for one source ARN each (their service must also be in Storage's alert publishers).
    scoped_publishers: Sequence[TopicPublisher] = ()


class Monitoring(pulumi.ComponentResource):
    """The alert topic (KMS-encrypted, email subscription when configured) and each function's alarms on it."""

    alert_topic: aws.sns.Topic
    topic_policy: aws.sns.TopicPolicy
    email_subscription: aws.sns.TopicSubscription | None = None
    function_alarms: dict[str, FunctionAlarmSet]

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("delivery:monitoring:Monitoring", name, None, args.context.component_options(opts))
        ctx = args.context
        child = pulumi.ResourceOptions(parent=self)
        self.alert_topic = aws.sns.Topic(
            f"{name}-alerts", name=ctx.name("alerts", "sns"), kms_master_key_id=args.key.arn, opts=child
        )
        topic_arn = self.alert_topic.arn
        topic_statements = [
            Statement(
                sid="AccountManagesTopic",
                actions=TOPIC_OWNER_ACTIONS,
                resources=(topic_arn,),
                principals={"AWS": ctx.arn("iam", "root", regional=False)},
                # Redundant with the root principal, and said explicitly: only this account's principals manage the
                # topic (Checkov CKV_AWS_385 reads an account principal without a condition as cross-account).
                conditions={"StringEquals": {"aws:PrincipalAccount": ctx.account_id}},
            ),
            Statement(
                sid="DenyInsecureTransport",
                effect="Deny",
                principals=ANYONE,
                actions=("sns:Publish",),
                resources=(topic_arn,),
                conditions={"Bool": {"aws:SecureTransport": "false"}},
            ),
        ]
        if args.alert_publishers:
            topic_statements.append(
                Statement(
                    sid="ServicesPublishAlerts",
                    actions=("sns:Publish",),
                    resources=(topic_arn,),
                    principals={"Service": list(args.alert_publishers)},
                    conditions={"StringEquals": {"aws:SourceAccount": ctx.account_id}},
                )
            )
        topic_statements += [
            Statement(
                sid=publisher.sid,
                actions=("sns:Publish",),
                resources=(topic_arn,),
                principals={"Service": publisher.service},
                conditions={
                    "StringEquals": {"aws:SourceAccount": ctx.account_id},
                    "ArnEquals": {"aws:SourceArn": publisher.source_arn},
                },
            )
            for publisher in args.scoped_publishers
        ]
        self.topic_policy = aws.sns.TopicPolicy(
            f"{name}-alerts-policy", arn=topic_arn, policy=policy_document(topic_statements, "resource"), opts=child
        )
        if args.alert_email:
            self.email_subscription = aws.sns.TopicSubscription(
                f"{name}-alerts-email", topic=topic_arn, protocol="email", endpoint=args.alert_email, opts=child
            )
        self.function_alarms = {
            function_key: self._function_alarms(
                name, ctx, function_key, function, child, threshold_percent=args.error_rate_threshold_percent
            )
            for function_key, function in args.functions.items()
        }
        self.register_outputs({"alert_topic_arn": topic_arn, "alarm_names": self.alarm_names()})

    def _function_alarms(
        self,
        name: str,
        ctx: RegionContext,
        function_key: str,
        function: DeliveryFunction,
        child: pulumi.ResourceOptions,
        *,
        threshold_percent: float,
    ) -> FunctionAlarmSet:
        actions = [self.alert_topic.arn]
        function_dimension = {"FunctionName": function.function.name}
        return FunctionAlarmSet(
            error_rate=rate_alarm(
                f"{name}-{function_key}-error-rate",
                RateAlarmSpec(
                    alarm_name=ctx.name(f"{function_key}-error-rate", "alarm"),
                    description=(f"{function.function_name}: more than {threshold_percent:g}% of invocations failed"),
                    namespace="AWS/Lambda",
                    numerator_metric="Errors",
                    denominator_metric="Invocations",
                    dimensions=function_dimension,
                    threshold_percent=threshold_percent,
                ),
                actions,
                child,
            ),
            throttles=count_alarm(
                f"{name}-{function_key}-throttles",
                alarm_name=ctx.name(f"{function_key}-throttles", "alarm"),
                description=f"{function.function_name}: invocations were throttled",
                namespace="AWS/Lambda",
                metric_name="Throttles",
                statistic="Sum",
                dimensions=function_dimension,
                alarm_actions=actions,
                opts=child,
            ),
            dlq_depth=count_alarm(
                f"{name}-{function_key}-dlq-depth",
                alarm_name=ctx.name(f"{function_key}-dlq-depth", "alarm"),
                description=f"{function.function_name}: failed events are waiting in the dead-letter queue",
                namespace="AWS/SQS",
                metric_name="ApproximateNumberOfMessagesVisible",
                statistic="Maximum",
                dimensions={"QueueName": function.dlq.name},
                alarm_actions=actions,
                opts=child,
            ),
        )

    def alarm_names(self) -> dict[str, list[pulumi.Output[str]]]:
        return {key: [alarm.name for alarm in alarms.all] for key, alarms in self.function_alarms.items()}
