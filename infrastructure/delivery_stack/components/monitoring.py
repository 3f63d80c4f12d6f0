"""Monitoring: the region's encrypted alert topic, per-function alarms, and the region's dashboard.

Error alarms watch a RATE (`100 * errors / invocations` through metric math), never an absolute error count, so the
alarm means the same at ten requests a minute and at ten thousand. Dashboard bodies are serialised only after every
name and ARN in them has resolved.

The dashboard is its own component, built last in a region, so components built after the alarms (the API) can add
widgets to it; `rate_alarm` is the one way to build a rate alarm, for them too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from delivery_stack.components.function import DeliveryFunction
from delivery_stack.components.iam import ANYONE, Statement, policy_document
from delivery_stack.components.storage import DEFAULT_ALERT_PUBLISHERS
from delivery_stack.context import RegionContext

PERIOD_SECONDS = 300
ERROR_RATE_EXPRESSION = "100 * errors / invocations"
WIDGET_WIDTH = 12
WIDGET_HEIGHT = 6
DASHBOARD_COLUMNS = 24
TOPIC_OWNER_ACTIONS = (
    "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:AddPermission", "sns:RemovePermission",
    "sns:DeleteTopic", "sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:Publish",
)  # fmt: skip


@dataclass(frozen=True)
class RateAlarmSpec:
    """An alarm on `100 * numerator / denominator` percent over `period_seconds`, missing data not breaching."""

    alarm_name: str
    description: str
    namespace: str
    numerator_metric: str
    denominator_metric: str
    dimensions: Mapping[str, pulumi.Input[str]]
    threshold_percent: float
    period_seconds: int = PERIOD_SECONDS
    evaluation_periods: int = 2


def rate_alarm(
    resource_name: str,
    spec: RateAlarmSpec,
    alarm_actions: Sequence[pulumi.Input[str]],
    opts: pulumi.ResourceOptions,
) -> aws.cloudwatch.MetricAlarm:
    """A metric-math rate alarm (the ids `errors` and `invocations` name numerator and denominator)."""

    def metric(query_id: str, metric_name: str) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
        return aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=query_id,
            return_data=False,
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace=spec.namespace,
                metric_name=metric_name,
                dimensions=spec.dimensions,
                period=spec.period_seconds,
                stat="Sum",
            ),
        )

    return aws.cloudwatch.MetricAlarm(
        resource_name,
        name=spec.alarm_name,
        alarm_description=spec.description,
        comparison_operator="GreaterThanThreshold",
        threshold=spec.threshold_percent,
        evaluation_periods=spec.evaluation_periods,
        # No traffic is not an error: periods without invocations do not breach.
        treat_missing_data="notBreaching",
        metric_queries=[
            metric("errors", spec.numerator_metric),
            metric("invocations", spec.denominator_metric),
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="error_rate", expression=ERROR_RATE_EXPRESSION, label="Error rate (%)", return_data=True
            ),
        ],
        alarm_actions=list(alarm_actions),
        ok_actions=list(alarm_actions),
        opts=opts,
    )


def count_alarm(
    resource_name: str,
    *,
    alarm_name: str,
    description: str,
    namespace: str,
    metric_name: str,
    statistic: str,
    dimensions: Mapping[str, pulumi.Input[str]],
    alarm_actions: Sequence[pulumi.Input[str]],
    opts: pulumi.ResourceOptions,
) -> aws.cloudwatch.MetricAlarm:
    """An alarm on any non-zero value of a metric where one occurrence already needs a look (throttles, DLQ depth)."""
    return aws.cloudwatch.MetricAlarm(
        resource_name,
        name=alarm_name,
        alarm_description=description,
        namespace=namespace,
        metric_name=metric_name,
        statistic=statistic,
        dimensions=dimensions,
        period=PERIOD_SECONDS,
        evaluation_periods=1,
        comparison_operator="GreaterThanThreshold",
        threshold=0,
        treat_missing_data="notBreaching",
        alarm_actions=list(alarm_actions),
        ok_actions=list(alarm_actions),
        opts=opts,
    )


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
        if ctx.config.alert_email:
            self.email_subscription = aws.sns.TopicSubscription(
                f"{name}-alerts-email", topic=topic_arn, protocol="email", endpoint=ctx.config.alert_email, opts=child
            )
        self.function_alarms = {
            function_key: self._function_alarms(name, ctx, function_key, function, child)
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
    ) -> FunctionAlarmSet:
        actions = [self.alert_topic.arn]
        function_dimension = {"FunctionName": function.function.name}
        return FunctionAlarmSet(
            error_rate=rate_alarm(
                f"{name}-{function_key}-error-rate",
                RateAlarmSpec(
                    alarm_name=ctx.name(f"{function_key}-error-rate", "alarm"),
                    description=(
                        f"{function.function_name}: more than {ctx.config.error_rate_threshold_percent:g}% of "
                        "invocations failed"
                    ),
                    namespace="AWS/Lambda",
                    numerator_metric="Errors",
                    denominator_metric="Invocations",
                    dimensions=function_dimension,
                    threshold_percent=ctx.config.error_rate_threshold_percent,
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


def function_widgets(
    context: RegionContext, function: DeliveryFunction, alarms: FunctionAlarmSet
) -> pulumi.Output[list[dict[str, Any]]]:
    """The dashboard widgets of one function, built only after its names and ARNs resolved."""
    region = context.region

    def build(resolved: list[str]) -> list[dict[str, Any]]:
        function_name, queue_name, *alarm_arns = resolved
        dimension = ["FunctionName", function_name]
        return [
            {
                "type": "metric",
                "properties": {
                    "title": f"{function_name}: invocations, errors, throttles",
                    "region": region,
                    "view": "timeSeries",
                    "period": PERIOD_SECONDS,
                    "stat": "Sum",
                    "metrics": [
                        ["AWS/Lambda", "Invocations", *dimension],
                        ["AWS/Lambda", "Errors", *dimension],
                        ["AWS/Lambda", "Throttles", *dimension],
                    ],
                },
            },
            {
                "type": "metric",
                "properties": {
                    "title": f"{function_name}: error rate (%)",
                    "region": region,
                    "view": "timeSeries",
                    "period": PERIOD_SECONDS,
                    "metrics": [
                        [{"expression": ERROR_RATE_EXPRESSION, "label": "Error rate (%)", "id": "error_rate"}],
                        ["AWS/Lambda", "Errors", *dimension, {"id": "errors", "stat": "Sum", "visible": False}],
                        [
                            "AWS/Lambda",
                            "Invocations",
                            *dimension,
                            {"id": "invocations", "stat": "Sum", "visible": False},
                        ],
                    ],
                    "annotations": {
                        "horizontal": [{"label": "alarm", "value": context.config.error_rate_threshold_percent}]
                    },
                },
            },
            {
                "type": "metric",
                "properties": {
                    "title": f"{function_name}: duration (ms)",
                    "region": region,
                    "view": "timeSeries",
                    "period": PERIOD_SECONDS,
                    "metrics": [
                        ["AWS/Lambda", "Duration", *dimension, {"stat": "p50"}],
                        ["AWS/Lambda", "Duration", *dimension, {"stat": "p99"}],
                    ],
                },
            },
            {
                "type": "metric",
                "properties": {
                    "title": f"{queue_name}: failed events waiting",
                    "region": region,
                    "view": "timeSeries",
                    "period": PERIOD_SECONDS,
                    "stat": "Maximum",
                    "metrics": [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue_name]],
                },
            },
            {"type": "alarm", "properties": {"title": f"{function_name}: alarms", "alarms": alarm_arns}},
        ]

    return pulumi.Output.all(function.function.name, function.dlq.name, *[a.arn for a in alarms.all]).apply(build)


def layout(widgets: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Two widgets per row, in the given order (a widget's own width and height win)."""
    placed = []
    x = y = row_height = 0
    for widget in widgets:
        width = int(widget.get("width", WIDGET_WIDTH))
        height = int(widget.get("height", WIDGET_HEIGHT))
        if x + width > DASHBOARD_COLUMNS:
            x, y, row_height = 0, y + row_height, 0
        placed.append({**widget, "x": x, "y": y, "width": width, "height": height})
        x += width
        row_height = max(row_height, height)
    return placed


@dataclass(frozen=True)
class DashboardArgs:
    context: RegionContext
    # Groups of widgets in dashboard order (one per function, the API's), each a list of widget dicts (CloudWatch
    # dashboard body syntax, without position) or an Output resolving to one.
    widgets: Sequence[pulumi.Input[Sequence[Mapping[str, Any]]]]


class Dashboard(pulumi.ComponentResource):
    """The region's one dashboard; its body is JSON serialised after every group of widgets resolved."""

    dashboard: aws.cloudwatch.Dashboard

    def __init__(self, name: str, args: DashboardArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if not args.widgets:
            raise ValueError(f"{name}: a dashboard needs at least one widget")
        super().__init__("delivery:monitoring:Dashboard", name, None, args.context.component_options(opts))
        body = pulumi.Output.all(*args.widgets).apply(
            lambda groups: json.dumps({"widgets": layout([widget for group in groups for widget in group])})
        )
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=args.context.name("dashboard", "dashboard"),
            dashboard_body=body,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"dashboard_name": self.dashboard.dashboard_name})
