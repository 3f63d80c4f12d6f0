"""The stack module a reviewer edits: it passes each log group's retention to the shared helper."""

import helper_built_logs
import pulumi
import pulumi_aws as aws

TAGS = dict.fromkeys(("Project", "Environment", "Owner", "CostCenter", "ManagedBy", "Stack"), "x")


def build() -> None:
    provider = aws.Provider("use1", region="us-east-1", default_tags={"tags": TAGS})
    opts = pulumi.ResourceOptions(provider=provider)
    key = aws.kms.Key("key", enable_key_rotation=True, opts=opts)
    helper_built_logs.log_group("api-logs", 7, key, opts)
    helper_built_logs.log_group("worker-logs", 30, key, opts)
