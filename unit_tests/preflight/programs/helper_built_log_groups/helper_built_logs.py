"""The shared helper: every log group of the stack is constructed on one line here."""

import pulumi_aws as aws


def log_group(name, retention_days, key, opts):
    return aws.cloudwatch.LogGroup(name, retention_in_days=retention_days, kms_key_id=key.arn, opts=opts)
