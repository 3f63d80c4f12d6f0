"""Monitoring: the encrypted alert topic, the rate-based and count alarms, the dashboard body."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from delivery_stack.components.dashboard import layout
from preflight import UNKNOWN, Capture, ProjectSpec, Registration, run_program
from unit_tests.infrastructure.support import (
    CaptureFactory,
    delivery_functions,
    policy_json,
    resources_of,
    stack_regions,
)

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def _alarms(capture: Capture, suffix: str) -> list[Registration]:
    alarms = [a for a in resources_of(capture, ALARM) if a.name.endswith(suffix)]
    assert len(alarms) == len(stack_regions(capture))
    return alarms


def _topic_arn(capture: Capture, resource: Registration) -> str:
    region = capture.region_of(resource)
    (topic,) = [t for t in resources_of(capture, "aws:sns/topic:Topic") if capture.region_of(t) == region]
    return str(topic.outputs["arn"])


def test_alert_topic_is_encrypted_with_the_region_key(up_three: Capture) -> None:
    keys = {up_three.region_of(k): k.outputs["arn"] for k in resources_of(up_three, "aws:kms/key:Key")}
    for topic in resources_of(up_three, "aws:sns/topic:Topic"):
        assert topic.inputs["kmsMasterKeyId"] == keys[up_three.region_of(topic)]


def test_alert_topic_policy_admits_alarm_publishing_from_this_account_over_tls(up_three: Capture) -> None:
    for policy in resources_of(up_three, "aws:sns/topicPolicy:TopicPolicy"):
        topic_arn = _topic_arn(up_three, policy)
        assert policy.inputs["arn"] == topic_arn
        statements = {s["Sid"]: s for s in policy_json(policy.inputs["policy"])["Statement"]}
        assert {"AccountManagesTopic", "DenyInsecureTransport", "ServicesPublishAlerts"} <= set(statements)
        publish = statements["ServicesPublishAlerts"]
        # Cost Anomaly Detection publishes beside the budget, in the primary region only.
        primary = up_three.region_of(policy) == up_three.outputs["primary_region"]
        services = ["cloudwatch.amazonaws.com", *(["costalerts.amazonaws.com"] if primary else [])]
        assert publish["Principal"] == {"Service": services}
        assert publish["Action"] == ["sns:Publish"]
        assert publish["Resource"] == [topic_arn]
        assert publish["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
        assert statements["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert statements["AccountManagesTopic"]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
        assert statements["AccountManagesTopic"]["Condition"] == {
            "StringEquals": {"aws:PrincipalAccount": "123456789012"}
        }


def test_email_subscription_when_an_alert_email_is_configured(capture: Capture) -> None:
    for subscription in resources_of(capture, "aws:sns/topicSubscription:TopicSubscription"):
        assert subscription.inputs["protocol"] == "email"
        assert subscription.inputs["endpoint"] == "platform-alerts@example.com"
        if not capture.preview:
            assert subscription.inputs["topic"] == _topic_arn(capture, subscription)


def test_no_subscription_without_an_alert_email(project: ProjectSpec, program_environment: Path) -> None:
    config = {key: value for key, value in project.config.items() if not key.endswith(":alertEmail")}
    capture = run_program(dataclasses.replace(project, config=config), preview=True)
    assert capture.of_type("aws:sns/topic:Topic")
    assert not capture.of_type("aws:sns/topicSubscription:TopicSubscription")


def test_error_alarm_is_a_metric_math_rate_not_an_absolute_count(capture: Capture) -> None:
    """Seed failure: "CloudWatch alarms use absolute thresholds instead of error rates"."""
    for alarm in _alarms(capture, "-error-rate"):
        assert "metricName" not in alarm.inputs
        assert "statistic" not in alarm.inputs
        queries = {q["id"]: q for q in alarm.inputs["metricQueries"]}
        assert queries["error_rate"]["expression"] == "100 * errors / invocations"
        assert queries["error_rate"]["returnData"] is True
        assert queries["errors"]["metric"]["metricName"] == "Errors"
        assert queries["invocations"]["metric"]["metricName"] == "Invocations"
        for query_id in ("errors", "invocations"):
            assert queries[query_id]["returnData"] is False
            assert queries[query_id]["metric"]["namespace"] == "AWS/Lambda"
            assert queries[query_id]["metric"]["stat"] == "Sum"
        assert alarm.inputs["threshold"] == 1.0
        assert alarm.inputs["comparisonOperator"] == "GreaterThanThreshold"
        assert alarm.inputs["treatMissingData"] == "notBreaching"


def test_error_rate_threshold_follows_config(tuned: Capture) -> None:
    assert {a.inputs["threshold"] for a in _alarms(tuned, "-error-rate")} == {2.5}


def test_error_alarm_watches_its_own_function_and_notifies_the_topic(up_three: Capture) -> None:
    functions = {up_three.region_of(f): f.inputs["name"] for f in delivery_functions(up_three)}
    for alarm in _alarms(up_three, "-error-rate"):
        region = up_three.region_of(alarm)
        for query in alarm.inputs["metricQueries"][:2]:
            assert query["metric"]["dimensions"] == {"FunctionName": functions[region]}
        assert alarm.inputs["alarmActions"] == alarm.inputs["okActions"] == [_topic_arn(up_three, alarm)]


def test_throttle_and_dlq_depth_alarms(up_three: Capture) -> None:
    queues = {
        up_three.region_of(q): q.outputs["name"]
        for q in resources_of(up_three, "aws:sqs/queue:Queue")
        if q.outputs["name"].startswith("serverless-delivery-pipeline-dlq-")
    }
    for alarm in _alarms(up_three, "-throttles"):
        assert (alarm.inputs["namespace"], alarm.inputs["metricName"]) == ("AWS/Lambda", "Throttles")
        assert alarm.inputs["threshold"] == 0
        assert alarm.inputs["alarmActions"] == [_topic_arn(up_three, alarm)]
    for alarm in _alarms(up_three, "-dlq-depth"):
        assert (alarm.inputs["namespace"], alarm.inputs["metricName"]) == (
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
        )
        assert alarm.inputs["dimensions"] == {"QueueName": queues[up_three.region_of(alarm)]}
        assert alarm.inputs["comparisonOperator"] == "GreaterThanThreshold"
        assert alarm.inputs["threshold"] == 0
        assert alarm.inputs["treatMissingData"] == "notBreaching"
        assert alarm.inputs["alarmActions"] == [_topic_arn(up_three, alarm)]


def test_one_dashboard_per_region_built_from_resolved_values(up_three: Capture) -> None:
    """Seed failure: "CloudWatch dashboard body uses incorrect Output handling": the body is JSON with the real
    function and queue names and alarm ARNs in it, and the region it watches."""
    dashboards = resources_of(up_three, "aws:cloudwatch/dashboard:Dashboard")
    assert len(dashboards) == 3
    for dashboard in dashboards:
        region = up_three.region_of(dashboard)
        body = json.loads(dashboard.inputs["dashboardBody"])
        widgets = body["widgets"]
        assert len(widgets) >= 5
        function_name = f"serverless-delivery-pipeline-{dashboard.inputs['dashboardName'].split('-')[3]}-dev-main"
        metric_widgets = [w for w in widgets if w["type"] == "metric"]
        for widget in metric_widgets:
            assert widget["properties"]["region"] == region
        assert ["AWS/Lambda", "Invocations", "FunctionName", function_name] in metric_widgets[0]["properties"][
            "metrics"
        ]
        alarm_widget = next(w for w in widgets if w["type"] == "alarm" and function_name in w["properties"]["title"])
        assert len(alarm_widget["properties"]["alarms"]) == 3
        assert all(
            arn.startswith(f"arn:aws:cloudwatch:{region}:123456789012:alarm:")
            for arn in alarm_widget["properties"]["alarms"]
        )
        for widget in widgets:
            assert {"x", "y", "width", "height"} <= set(widget)


def test_dashboard_body_is_unknown_as_a_whole_in_preview(preview_three: Capture) -> None:
    for dashboard in resources_of(preview_three, "aws:cloudwatch/dashboard:Dashboard"):
        assert dashboard.inputs["dashboardBody"] == UNKNOWN


@pytest.mark.parametrize(
    ("sizes", "positions"),
    [
        ([{}, {}, {}], [(0, 0), (12, 0), (0, 6)]),
        ([{"width": 24, "height": 3}, {}, {}], [(0, 0), (0, 3), (12, 3)]),
        ([{}, {"width": 18}, {"width": 6}], [(0, 0), (0, 6), (18, 6)]),
    ],
)
def test_layout_flows_widgets_two_per_row(sizes: list[dict], positions: list[tuple[int, int]]) -> None:
    placed = layout([{"type": "text", **size} for size in sizes])
    assert [(w["x"], w["y"]) for w in placed] == positions


def test_a_dashboard_without_widgets_is_refused() -> None:
    from delivery_stack.components.dashboard import Dashboard, DashboardArgs

    with pytest.raises(ValueError, match="dashboard-use1: a dashboard needs at least one widget"):
        Dashboard("dashboard-use1", DashboardArgs(context=None, widgets=[]))  # type: ignore[arg-type]


# Stand-ins for what Monitoring and the dashboard read of a function and its alarms: names and ARNs.
STAND_IN_FUNCTION = """
function = types.SimpleNamespace(
    function=types.SimpleNamespace(name=pulumi.Output.from_input("fn-alone")),
    function_name="fn-alone",
    dlq=types.SimpleNamespace(name=pulumi.Output.from_input("fn-alone-dlq")),
)
"""


def test_monitoring_alone_takes_its_threshold_and_alert_email_from_its_args(build_alone: CaptureFactory) -> None:
    """The dev stack file says 1% and platform-alerts@: the values here must come from MonitoringArgs."""
    capture = build_alone(
        STAND_IN_FUNCTION
        + """
from delivery_stack.components.monitoring import Monitoring, MonitoringArgs

for suffix, email in (("with-email", "oncall@example.org"), ("without-email", None)):
    Monitoring(
        f"monitoring-{suffix}",
        MonitoringArgs(
            context=ctx, key=key, functions={"fn": function}, error_rate_threshold_percent=4.5, alert_email=email
        ),
    )
"""
    )
    (subscription,) = capture.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert (subscription.inputs["protocol"], subscription.inputs["endpoint"]) == ("email", "oncall@example.org")
    assert subscription.name.startswith("monitoring-with-email-")
    error_rates = [alarm for alarm in resources_of(capture, ALARM) if alarm.name.endswith("-error-rate")]
    assert len(error_rates) == 2
    for alarm in error_rates:
        assert alarm.inputs["threshold"] == 4.5
        assert "more than 4.5% of invocations failed" in alarm.inputs["alarmDescription"]


def test_the_dashboard_alone_lays_out_its_widgets_and_marks_the_given_threshold(build_alone: CaptureFactory) -> None:
    capture = build_alone(
        STAND_IN_FUNCTION
        + """
from delivery_stack.components.dashboard import Dashboard, DashboardArgs, function_widgets

alarm = types.SimpleNamespace(arn=pulumi.Output.from_input("arn:aws:cloudwatch:us-east-1:123456789012:alarm:a"))
alarms = types.SimpleNamespace(all=[alarm, alarm, alarm])
note = [{"type": "text", "width": 24, "height": 2, "properties": {"markdown": "alone"}}]
Dashboard(
    "dashboard-alone",
    DashboardArgs(context=ctx, widgets=[note, function_widgets(ctx, function, alarms, 4.5)]),
)
"""
    )
    (dashboard,) = capture.of_type("aws:cloudwatch/dashboard:Dashboard")
    widgets = json.loads(dashboard.inputs["dashboardBody"])["widgets"]
    assert [widgets[0][k] for k in ("x", "y", "width", "height")] == [0, 0, 24, 2]
    assert widgets[0]["properties"] == {"markdown": "alone"}
    error_rate = next(w for w in widgets if w["properties"].get("title") == "fn-alone: error rate (%)")
    assert error_rate["properties"]["annotations"]["horizontal"] == [{"label": "alarm", "value": 4.5}]
    assert (error_rate["x"], error_rate["y"]) == (12, 2)
