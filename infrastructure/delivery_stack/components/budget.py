"""Budget: the stack's monthly cost budget (in the primary region), cost anomaly detection beside it, and the
activation of its cost allocation tags.

AWS Budgets is global; the budget is created once, with the primary region's provider, and notifies the alert email
and the primary region's alert topic on actual and forecast spend. The budget counts only costs tagged with this
project, which needs the `Project` cost allocation tag active; the stack activates every required tag key where it
can (AWS refuses a key billing has not seen yet: see docs/infrastructure-network-api-cicd.md).

A budget only fires when the month's total crosses a line; Cost Anomaly Detection watches the same tagged costs for
spend that is unusual for them (a runaway loop, a forgotten NAT gateway) and alerts as soon as it sees one, through
the same topic.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from delivery_stack.components.monitoring import TopicPublisher
from delivery_stack.context import RegionContext

BUDGETS_SERVICE = "budgets.amazonaws.com"
# Cost Anomaly Detection publishes as this service; AWS documents it with an aws:SourceAccount condition only (the
# subscription's ARN is not known before the topic policy must admit it), so it joins the account-scoped publishers.
COST_ANOMALY_SERVICE = "costalerts.amazonaws.com"


@dataclass(frozen=True)
class BudgetAlert:
    """Notify when `kind` spend (ACTUAL or FORECASTED) passes `percent` of the limit."""

    kind: str
    percent: float


BUDGET_ALERTS = (BudgetAlert("ACTUAL", 80), BudgetAlert("ACTUAL", 100), BudgetAlert("FORECASTED", 100))


def budget_name(context: RegionContext) -> str:
    return context.name("monthly-cost", "budget")


def budget_publisher(context: RegionContext) -> TopicPublisher:
    """AWS Budgets, publishing to the alert topic for this stack's budget only."""
    budget_arn = context.arn("budgets", f"budget/{budget_name(context)}", regional=False)
    return TopicPublisher(sid="BudgetsPublishAlerts", service=BUDGETS_SERVICE, source_arn=budget_arn)


@dataclass(frozen=True)
class BudgetArgs:
    context: RegionContext
    alert_topic: aws.sns.Topic
    # The alert topic's policy must admit budgets.amazonaws.com (see budget_publisher) before notifications work.
    topic_policy: aws.sns.TopicPolicy
    tag_keys: Sequence[str]
    limit_usd: float
    # The budget counts the cost of resources tagged Project=<project>.
    project: str
    alert_email: str | None = None
    # Activation is account-wide and needs billing to have seen the tags; a stack may leave it to an administrator.
    activate_cost_allocation_tags: bool = True
    # An anomaly alerts once its total impact reaches this many dollars.
    anomaly_threshold_usd: float = 20.0


class CostBudget(pulumi.ComponentResource):
    """A monthly COST budget on this project's tagged resources, and the project's cost allocation tags."""

    budget: aws.budgets.Budget
    anomaly_monitor: aws.costexplorer.AnomalyMonitor
    anomaly_subscription: aws.costexplorer.AnomalySubscription
    cost_allocation_tags: list[aws.costexplorer.CostAllocationTag]

    def __init__(self, name: str, args: BudgetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("delivery:budget:CostBudget", name, None, args.context.component_options(opts))
        ctx = args.context
        emails = [args.alert_email] if args.alert_email else []
        self.budget = aws.budgets.Budget(
            f"{name}-budget",
            name=budget_name(ctx),
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=f"{args.limit_usd:.2f}",
            limit_unit="USD",
            cost_filters=[
                aws.budgets.BudgetCostFilterArgs(name="TagKeyValue", values=[f"user:Project${args.project}"])
            ],
            notifications=[
                aws.budgets.BudgetNotificationArgs(
                    notification_type=alert.kind,
                    comparison_operator="GREATER_THAN",
                    threshold=alert.percent,
                    threshold_type="PERCENTAGE",
                    subscriber_email_addresses=emails,
                    subscriber_sns_topic_arns=[args.alert_topic.arn],
                )
                for alert in BUDGET_ALERTS
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.topic_policy]),
        )
        # The same costs the budget counts: resources tagged Project=<project>.
        self.anomaly_monitor = aws.costexplorer.AnomalyMonitor(
            f"{name}-anomaly-monitor",
            name=ctx.name("cost-anomalies", "default"),
            monitor_type="CUSTOM",
            monitor_specification=json.dumps(
                {"Tags": {"Key": "Project", "Values": [args.project], "MatchOptions": ["EQUALS"]}}
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.anomaly_subscription = aws.costexplorer.AnomalySubscription(
            f"{name}-anomaly-subscription",
            name=ctx.name("cost-anomaly-alerts", "default"),
            # SNS subscribers take every alert as it is found; the topic forwards it to the alert email.
            frequency="IMMEDIATE",
            monitor_arn_lists=[self.anomaly_monitor.arn],
            subscribers=[aws.costexplorer.AnomalySubscriptionSubscriberArgs(type="SNS", address=args.alert_topic.arn)],
            threshold_expression=aws.costexplorer.AnomalySubscriptionThresholdExpressionArgs(
                dimension=aws.costexplorer.AnomalySubscriptionThresholdExpressionDimensionArgs(
                    key="ANOMALY_TOTAL_IMPACT_ABSOLUTE",
                    match_options=["GREATER_THAN_OR_EQUAL"],
                    values=[f"{args.anomaly_threshold_usd:g}"],
                )
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.topic_policy]),
        )
        self.cost_allocation_tags = []
        if args.activate_cost_allocation_tags:
            self.cost_allocation_tags = [
                aws.costexplorer.CostAllocationTag(
                    f"{name}-tag-{key.lower()}",
                    tag_key=key,
                    status="Active",
                    # The tag's activation is account-wide: destroying one stack must not deactivate it for others.
                    opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
                )
                for key in args.tag_keys
            ]
        self.register_outputs({"budget_name": self.budget.name, "anomaly_monitor_arn": self.anomaly_monitor.arn})
