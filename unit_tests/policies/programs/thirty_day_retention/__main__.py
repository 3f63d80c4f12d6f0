"""Deliberately bad (seed failure): the log group keeps its logs 30 days, not the standard 7."""

import pulumi
import pulumi_aws as aws

TAGS = dict.fromkeys(("Project", "Environment", "Owner", "CostCenter", "ManagedBy", "Stack"), "x")
provider = aws.Provider("use1", region="us-east-1", default_tags={"tags": TAGS})
opts = pulumi.ResourceOptions(provider=provider)

key = aws.kms.Key("key", enable_key_rotation=True, opts=opts)
aws.cloudwatch.LogGroup("function-logs", retention_in_days=30, kms_key_id=key.arn, opts=opts)
