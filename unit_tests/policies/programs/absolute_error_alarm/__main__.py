"""Deliberately bad (seed failure): the alarm fires on more than 5 raw Lambda Errors, whatever the traffic."""

import pulumi
import pulumi_aws as aws

TAGS = dict.fromkeys(("Project", "Environment", "Owner", "CostCenter", "ManagedBy", "Stack"), "x")
provider = aws.Provider("use1", region="us-east-1", default_tags={"tags": TAGS})
opts = pulumi.ResourceOptions(provider=provider)

aws.cloudwatch.MetricAlarm(
    "errors-alarm",
    comparison_operator="GreaterThanThreshold",
    evaluation_periods=1,
    metric_name="Errors",
    namespace="AWS/Lambda",
    period=60,
    statistic="Sum",
    threshold=5,
    opts=opts,
)
