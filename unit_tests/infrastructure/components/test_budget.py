"""Budget: one monthly cost budget in the primary region with actual and forecast alerts; cost allocation tags."""

from __future__ import annotations

import json

import pytest

from delivery_stack.components.budget import BUDGET_ALERTS
from delivery_stack.config import ConfigError, parse_config
from preflight import Capture, Registration
from unit_tests.infrastructure.support import (
    ONE_REGION,
    REQUIRED_TAGS,
    CaptureFactory,
    policy_json,
    resources_of,
)

BUDGET = "aws:budgets/budget:Budget"
TAG = "aws:costexplorer/costAllocationTag:CostAllocationTag"
RAW_CONFIG = {
    "regions": ["eu-west-1"],
    "auditBackupRegion": "eu-central-1",
    "owner": "team",
    "costCenter": "cc-1",
    "allowedOrigins": ["https://a.example"],
}


def _primary(capture: Capture, type_token: str) -> Registration:
    primary = capture.outputs["primary_region"]
    (found,) = [r for r in capture.of_type(type_token) if capture.region_of(r) == primary]
    return found


def test_one_budget_in_the_primary_region_with_actual_and_forecast_alerts(capture: Capture) -> None:
    """Seed failure: "Missing budget alerts": actual and forecast spend notify the alert email and the topic."""
    (budget,) = resources_of(capture, BUDGET)
    assert capture.region_of(budget) == capture.outputs["primary_region"]
    assert (budget.inputs["budgetType"], budget.inputs["timeUnit"]) == ("COST", "MONTHLY")
    assert (budget.inputs["limitAmount"], budget.inputs["limitUnit"]) == ("200.00", "USD")
    assert budget.inputs["costFilters"] == [{"name": "TagKeyValue", "values": ["user:Project$serverless-delivery"]}]
    notifications = budget.inputs["notifications"]
    assert {(n["notificationType"], n["threshold"]) for n in notifications} == {
        (alert.kind, float(alert.percent)) for alert in BUDGET_ALERTS
    }
    assert {"ACTUAL", "FORECASTED"} == {n["notificationType"] for n in notifications}
    topic = _primary(capture, "aws:sns/topic:Topic")
    for notification in notifications:
        assert notification["subscriberEmailAddresses"] == ["platform-alerts@example.com"]
        assert notification["thresholdType"] == "PERCENTAGE"
        if not capture.preview:
            assert notification["subscriberSnsTopicArns"] == [topic.outputs["arn"]]
    assert topic.urn in budget.property_dependencies["notifications"]
    # The topic policy admitting Budgets is in place before the budget first notifies.
    assert _primary(capture, "aws:sns/topicPolicy:TopicPolicy").urn in budget.dependencies


def test_the_primary_topic_and_key_admit_budgets_for_this_budget_only(up_three: Capture) -> None:
    (budget,) = resources_of(up_three, BUDGET)
    policy = _primary(up_three, "aws:sns/topicPolicy:TopicPolicy")
    statements = {s["Sid"]: s for s in policy_json(policy.inputs["policy"])["Statement"]}
    publish = statements["BudgetsPublishAlerts"]
    assert publish["Principal"] == {"Service": "budgets.amazonaws.com"}
    assert publish["Condition"]["ArnEquals"] == {
        "aws:SourceArn": f"arn:aws:budgets::123456789012:budget/{budget.inputs['name']}"
    }
    key = _primary(up_three, "aws:kms/key:Key")
    key_statements = {s["Sid"]: s for s in policy_json(key.inputs["policy"])["Statement"]}
    assert "budgets.amazonaws.com" in key_statements["AlertPublishersUseEncryptedTopic"]["Principal"]["Service"]


def test_required_tag_keys_are_activated_for_cost_allocation(capture: Capture) -> None:
    """Seed failure: "No cost allocation tags": the required tag keys (CostCenter, Project, ...) are activated."""
    tags = resources_of(capture, TAG)
    assert sorted(t.inputs["tagKey"] for t in tags) == sorted(REQUIRED_TAGS)
    assert all(t.inputs["status"] == "Active" for t in tags)
    assert {capture.region_of(t) for t in tags} == {capture.outputs["primary_region"]}


def test_tag_activation_can_wait_for_billing_to_see_the_tags(run_stack: CaptureFactory) -> None:
    capture = run_stack(True, ONE_REGION, activateCostAllocationTags="false")
    assert capture.of_type(BUDGET)
    assert not capture.of_type(TAG)


def test_activation_flag_is_validated() -> None:
    assert parse_config(RAW_CONFIG, "serverless-delivery").activate_cost_allocation_tags is True
    assert (
        parse_config({**RAW_CONFIG, "activateCostAllocationTags": "false"}, "p1").activate_cost_allocation_tags is False
    )
    with pytest.raises(ConfigError, match="activateCostAllocationTags"):
        parse_config({**RAW_CONFIG, "activateCostAllocationTags": "sometimes"}, "serverless-delivery")


def test_the_budget_alone_takes_limit_project_email_and_tag_activation_from_its_args(
    build_alone: CaptureFactory,
) -> None:
    """The dev stack file says 200 USD, serverless-delivery, platform-alerts@ and activation on."""
    capture = build_alone(
        """
        from delivery_stack.components.budget import BudgetArgs, CostBudget

        topic_policy = aws.sns.TopicPolicy("stand-in-topic-policy", arn=topic.arn, policy="{}", opts=in_region)
        for suffix, activate in (("inactive", False), ("active", True)):
            CostBudget(
                f"budget-{suffix}",
                BudgetArgs(
                    context=ctx,
                    alert_topic=topic,
                    topic_policy=topic_policy,
                    tag_keys=["Project", "CostCenter"],
                    limit_usd=345.5,
                    project="alone-project",
                    alert_email="finance@example.org",
                    activate_cost_allocation_tags=activate,
                ),
            )
        """
    )
    budgets = capture.of_type(BUDGET)
    assert len(budgets) == 2
    for budget in budgets:
        assert budget.inputs["limitAmount"] == "345.50"
        assert budget.inputs["costFilters"] == [{"name": "TagKeyValue", "values": ["user:Project$alone-project"]}]
        emails = {tuple(n["subscriberEmailAddresses"]) for n in budget.inputs["notifications"]}
        assert emails == {("finance@example.org",)}
    tags = capture.of_type(TAG)
    assert sorted(t.inputs["tagKey"] for t in tags) == ["CostCenter", "Project"]
    assert {t.name.split("-tag-")[0] for t in tags} == {"budget-active"}


ANOMALY_MONITOR = "aws:costexplorer/anomalyMonitor:AnomalyMonitor"
ANOMALY_SUBSCRIPTION = "aws:costexplorer/anomalySubscription:AnomalySubscription"


def test_cost_anomaly_detection_watches_the_budgets_costs_and_alerts_the_topic(up_three: Capture) -> None:
    """Seed failure: "Missing budget alerts ... or cost anomaly detection" (issue 16): beside the budget, a monitor on
    the same tagged costs, alerting the primary region's topic as soon as an anomaly reaches the threshold."""
    (monitor,) = resources_of(up_three, ANOMALY_MONITOR)
    (subscription,) = resources_of(up_three, ANOMALY_SUBSCRIPTION)
    primary = up_three.outputs["primary_region"]
    assert up_three.region_of(monitor) == up_three.region_of(subscription) == primary
    assert monitor.inputs["monitorType"] == "CUSTOM"
    specification = json.loads(monitor.inputs["monitorSpecification"])
    assert specification == {"Tags": {"Key": "Project", "Values": ["serverless-delivery"], "MatchOptions": ["EQUALS"]}}
    assert subscription.inputs["monitorArnLists"] == [monitor.outputs["arn"]]
    topic = _primary(up_three, "aws:sns/topic:Topic")
    assert subscription.inputs["subscribers"] == [{"type": "SNS", "address": topic.outputs["arn"]}]
    # SNS subscribers only take immediate alerts.
    assert subscription.inputs["frequency"] == "IMMEDIATE"
    dimension = subscription.inputs["thresholdExpression"]["dimension"]
    assert dimension == {
        "key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
        "matchOptions": ["GREATER_THAN_OR_EQUAL"],
        "values": ["20"],
    }
    assert _primary(up_three, "aws:sns/topicPolicy:TopicPolicy").urn in subscription.dependencies
    # The encrypted topic's key lets Cost Anomaly Detection publish, for this account only.
    key = _primary(up_three, "aws:kms/key:Key")
    (publishers,) = [
        s for s in policy_json(key.inputs["policy"])["Statement"] if s["Sid"] == "AlertPublishersUseEncryptedTopic"
    ]
    assert "costalerts.amazonaws.com" in publishers["Principal"]["Service"]
    assert publishers["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_the_anomaly_threshold_follows_config(run_stack: CaptureFactory) -> None:
    capture = run_stack(True, ONE_REGION, costAnomalyThresholdUsd="150")
    (subscription,) = resources_of(capture, ANOMALY_SUBSCRIPTION)
    assert subscription.inputs["thresholdExpression"]["dimension"]["values"] == ["150"]
    with pytest.raises(ConfigError, match="costAnomalyThresholdUsd"):
        parse_config({**RAW_CONFIG, "costAnomalyThresholdUsd": "0"}, "serverless-delivery")
