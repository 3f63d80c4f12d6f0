"""Alarms: the one way to build a rate alarm (metric math over two sums) and a count alarm (any occurrence).

Error alarms watch a RATE (`100 * errors / invocations` through metric math), never an absolute error count, so the
alarm means the same at ten requests a minute and at ten thousand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

PERIOD_SECONDS = 300
ERROR_RATE_EXPRESSION = "100 * errors / invocations"


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
