"""Dashboard: the region's one dashboard, its body serialised only after every name and ARN in it has resolved.

The dashboard is its own component, built last in a region, so components built after the alarms (the API) can add
widgets to it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from delivery_stack.components.alarms import ERROR_RATE_EXPRESSION, PERIOD_SECONDS
from delivery_stack.components.function import DeliveryFunction
from delivery_stack.components.monitoring import FunctionAlarmSet
from delivery_stack.context import RegionContext

WIDGET_WIDTH = 12
WIDGET_HEIGHT = 6
DASHBOARD_COLUMNS = 24


def function_widgets(
    context: RegionContext, function: DeliveryFunction, alarms: FunctionAlarmSet, error_rate_threshold_percent: float
) -> pulumi.Output[list[dict[str, Any]]]:
    """The dashboard widgets of one function, built only after its names and ARNs resolved; the error-rate widget
    marks the alarm's threshold."""
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
                    "annotations": {"horizontal": [{"label": "alarm", "value": error_rate_threshold_percent}]},
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
