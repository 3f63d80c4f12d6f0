"""Security and operations posture, read from the deployed resources.

Bucket and log-group settings are checked on both targets: moto applies them (default encryption really encrypts new
objects, retention is stored per group). The aws_only checks would, locally, only read back the value the deploy
just wrote (or, for the DLQ, a setting moto drops), so they run against AWS only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from integration_tests.targets import RegionUnderTest, StackUnderTest


def outputs_ending_with(outputs: Any, suffix: str) -> Iterator[str]:
    """Every string output (or list entry) whose key ends with `suffix`, at any depth."""
    if isinstance(outputs, dict):
        for key, value in outputs.items():
            if key.endswith(suffix) and isinstance(value, str):
                yield value
            elif key.endswith(suffix + "s") and isinstance(value, list):
                yield from (v for v in value if isinstance(v, str))
            else:
                yield from outputs_ending_with(value, suffix)
    elif isinstance(outputs, list):
        for value in outputs:
            yield from outputs_ending_with(value, suffix)


def test_every_bucket_blocks_public_access_and_defaults_to_the_region_key(region: RegionUnderTest) -> None:
    s3 = region.client("s3")
    buckets = sorted(set(outputs_ending_with(region.outputs, "bucket_name")))
    assert buckets, "the region exports no bucket names"

    for bucket in buckets:
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert len(block) == 4, (bucket, block)
        assert all(block.values()), (bucket, block)
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        default = rules[0]["ApplyServerSideEncryptionByDefault"]
        assert default["SSEAlgorithm"] == "aws:kms", bucket
        key = default["KMSMasterKeyID"]
        assert key == region.output("kms_key_arn") or region.output("kms_key_arn").endswith(f"/{key}"), bucket


def test_every_log_group_keeps_the_standard_retention(region: RegionUnderTest, stack: StackUnderTest) -> None:
    logs = region.client("logs")
    names = sorted(set(outputs_ending_with(region.outputs, "log_group_name")))
    assert names, "the region exports no log group names"

    for name in names:
        groups = [
            g for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] if g["logGroupName"] == name
        ]
        assert groups, f"log group {name} does not exist"
        assert groups[0].get("retentionInDays") == stack.config.log_retention_days, name
        assert groups[0].get("kmsKeyId"), f"log group {name} is not encrypted with a customer key"


@pytest.mark.aws_only
def test_tracing_is_active_on_the_function_and_the_stage(region: RegionUnderTest) -> None:
    function = region.function("pipeline")
    configuration = region.client("lambda").get_function_configuration(FunctionName=function.name)
    stage = region.client("apigateway").get_stage(
        restApiId=region.output("api_id"), stageName=region.output("stage_name")
    )

    assert configuration["TracingConfig"]["Mode"] == "Active"
    assert stage["tracingEnabled"] is True


@pytest.mark.aws_only
def test_failed_invocations_go_to_the_dead_letter_queue(region: RegionUnderTest) -> None:
    function = region.function("pipeline")
    dlq_arn = region.client("sqs").get_queue_attributes(
        QueueUrl=function.outputs["dlq_url"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    lambda_client = region.client("lambda")
    dead_letter = lambda_client.get_function_configuration(FunctionName=function.name).get("DeadLetterConfig") or {}
    invoke_config = lambda_client.get_function_event_invoke_config(FunctionName=function.name)
    on_failure = invoke_config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")

    assert dlq_arn in (dead_letter.get("TargetArn"), on_failure)


@pytest.mark.aws_only
def test_the_error_rate_alarm_uses_metric_math(region: RegionUnderTest) -> None:
    names = region.function("pipeline").outputs["alarm_names"]
    alarms = region.client("cloudwatch").describe_alarms(AlarmNames=names)["MetricAlarms"]

    expressions = [
        query["Expression"] for alarm in alarms for query in alarm.get("Metrics", []) if "Expression" in query
    ]
    assert len(alarms) == len(names)
    assert any("Errors" in expression or "/" in expression for expression in expressions), expressions


@pytest.mark.aws_only
def test_the_web_acl_protects_the_stage(region: RegionUnderTest) -> None:
    stage_arn = (
        f"arn:aws:apigateway:{region.name}::/restapis/{region.output('api_id')}/stages/{region.output('stage_name')}"
    )
    acl = region.client("wafv2").get_web_acl_for_resource(ResourceArn=stage_arn)["WebACL"]

    assert acl["ARN"] == region.output("web_acl_arn")


@pytest.mark.aws_only
def test_the_usage_plan_limits_the_api_key(region: RegionUnderTest, stack: StackUnderTest) -> None:
    plans = region.client("apigateway").get_usage_plans(keyId=region.output("api_key_id"))["items"]
    expected = stack.config.api

    assert len(plans) == 1
    assert plans[0]["throttle"]["rateLimit"] == expected.throttle_rate_limit
    assert plans[0]["throttle"]["burstLimit"] == expected.throttle_burst_limit
    assert plans[0]["quota"] == {"limit": expected.quota_per_day, "offset": 0, "period": "DAY"}
