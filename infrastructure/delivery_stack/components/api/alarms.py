"""The API's alarms (5XX rate, p99 latency) and its widgets on the region's dashboard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from delivery_stack.components.alarms import PERIOD_SECONDS, RateAlarmSpec, rate_alarm
from delivery_stack.components.api.routes import STAGE_NAME
from delivery_stack.context import RegionContext

LATENCY_EVALUATION_PERIODS = 3


@dataclass(frozen=True)
class ApiAlarms:
    error_rate: aws.cloudwatch.MetricAlarm
    latency: aws.cloudwatch.MetricAlarm


def build_api_alarms(
    base: str,
    ctx: RegionContext,
    *,
    api_name: str,
    alarm_actions: Sequence[pulumi.Input[str]],
    error_rate_threshold_percent: float,
    latency_p99_threshold_ms: int,
    opts: pulumi.ResourceOptions,
) -> ApiAlarms:
    """The 5XX-rate alarm and the p99 latency alarm on the stage, both notifying `alarm_actions`."""
    dimensions = {"ApiName": api_name, "Stage": STAGE_NAME}
    actions = list(alarm_actions)
    error_rate = rate_alarm(
        f"{base}-5xx-rate",
        RateAlarmSpec(
            alarm_name=ctx.name("api-5xx-rate", "alarm"),
            description=(
                f"{api_name}: more than {error_rate_threshold_percent:g}% of requests "
                "answered 5XX (100 * 5XXError / Count)"
            ),
            namespace="AWS/ApiGateway",
            numerator_metric="5XXError",
            denominator_metric="Count",
            dimensions=dimensions,
            threshold_percent=error_rate_threshold_percent,
        ),
        actions,
        opts,
    )
    latency = aws.cloudwatch.MetricAlarm(
        f"{base}-latency-p99",
        name=ctx.name("api-latency-p99", "alarm"),
        alarm_description=f"{api_name}: p99 latency above {latency_p99_threshold_ms} ms",
        comparison_operator="GreaterThanThreshold",
        threshold=latency_p99_threshold_ms,
        evaluation_periods=LATENCY_EVALUATION_PERIODS,
        datapoints_to_alarm=LATENCY_EVALUATION_PERIODS,
        treat_missing_data="notBreaching",
        metric_queries=[
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="latency_p99",
                label="Latency p99 (ms)",
                return_data=True,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace="AWS/ApiGateway",
                    metric_name="Latency",
                    dimensions=dimensions,
                    period=PERIOD_SECONDS,
                    stat="p99",
                ),
            )
        ],
        alarm_actions=actions,
        ok_actions=actions,
        opts=opts,
    )
    return ApiAlarms(error_rate, latency)


def api_widgets(
    region: str,
    api_name: str,
    alarms: ApiAlarms,
    web_acl: aws.wafv2.WebAcl,
    latency_p99_threshold_ms: int,
) -> pulumi.Output[list[dict[str, Any]]]:
    """The API's dashboard widgets, built once the alarm ARNs and the web ACL name have resolved."""
    api_dims = ["ApiName", api_name, "Stage", STAGE_NAME]

    def build(resolved: list[str]) -> list[dict[str, Any]]:
        error_alarm_arn, latency_alarm_arn, acl_name = resolved
        waf_dims = ["WebACL", acl_name, "Region", region, "Rule", "ALL"]
        return [
            {
                "type": "metric",
                "properties": {
                    "title": f"{api_name}: requests and errors",
                    "region": region,
                    "view": "timeSeries",
                    "period": PERIOD_SECONDS,
                    "stat": "Sum",
                    "metrics": [
                        ["AWS/ApiGateway", "Count", *api_dims],
                        ["AWS/ApiGateway", "4XXError", *api_dims],
                        ["AWS/ApiGateway", "5XXError", *api_dims],
                    ],
                },
            },
            {
                "type": "metric",
                "properties": {
                    "title": f"{api_name}: latency (ms)",
                    "region": region,
                    "view": "timeSeries",
                    "period": PERIOD_SECONDS,
                    "metrics": [
                        ["AWS/ApiGateway", "Latency", *api_dims, {"stat": "p50"}],
                        ["AWS/ApiGateway", "Latency", *api_dims, {"stat": "p90"}],
                        ["AWS/ApiGateway", "Latency", *api_dims, {"stat": "p99"}],
                        ["AWS/ApiGateway", "IntegrationLatency", *api_dims, {"stat": "p99"}],
                    ],
                    "annotations": {"horizontal": [{"label": "alarm", "value": latency_p99_threshold_ms}]},
                },
            },
            {
                "type": "metric",
                "properties": {
                    "title": f"{acl_name}: allowed and blocked requests",
                    "region": region,
                    "view": "timeSeries",
                    "period": PERIOD_SECONDS,
                    "stat": "Sum",
                    "metrics": [
                        ["AWS/WAFV2", "AllowedRequests", *waf_dims],
                        ["AWS/WAFV2", "BlockedRequests", *waf_dims],
                    ],
                },
            },
            {
                "type": "alarm",
                "properties": {"title": f"{api_name}: alarms", "alarms": [error_alarm_arn, latency_alarm_arn]},
            },
        ]

    return pulumi.Output.all(alarms.error_rate.arn, alarms.latency.arn, web_acl.name).apply(build)
