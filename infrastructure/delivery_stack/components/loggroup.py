"""The stack's log groups: every one it creates is encrypted with the region key and expires after the retention its
component was given, and a writer's permission names the group and its streams, never other groups."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from delivery_stack.components.iam import Statement

WRITE_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")


def encrypted_log_group(
    resource_name: str,
    group_name: pulumi.Input[str],
    key: aws.kms.Key,
    retention_days: int,
    opts: pulumi.ResourceOptions,
) -> aws.cloudwatch.LogGroup:
    """A log group named `group_name`, encrypted with `key`, kept for `retention_days`."""
    return aws.cloudwatch.LogGroup(
        resource_name,
        name=group_name,
        retention_in_days=retention_days,
        kms_key_id=key.arn,
        opts=opts,
    )


def log_group_write_statement(sid: str, group: aws.cloudwatch.LogGroup, extra_actions: Sequence[str] = ()) -> Statement:
    """Create streams in `group` and write events to them (plus `extra_actions`), on that group and its streams."""
    return Statement(
        sid=sid,
        actions=(*WRITE_ACTIONS, *extra_actions),
        resources=(group.arn, group.arn.apply(lambda arn: f"{arn}:*")),
    )
