"""Log delivery: the function's logs reach the logs bucket through a subscription filter and an encrypted Firehose."""

from __future__ import annotations

from typing import Any

from delivery_stack.components.logdelivery import delivery_prefix
from delivery_stack.naming import region_short
from preflight import Capture, Registration
from unit_tests.infrastructure.support import (
    THREE_REGIONS,
    CaptureFactory,
    delivery_functions,
    policy_json,
    resources_of,
    stack_regions,
)

STREAM = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
FILTER = "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter"
ACCOUNT = "123456789012"


def _in_region(capture: Capture, type_token: str, region: str) -> list[Registration]:
    return [r for r in capture.of_type(type_token) if capture.region_of(r) == region]


def _one(capture: Capture, type_token: str, region: str, contains: str = "") -> Registration:
    (found,) = [r for r in _in_region(capture, type_token, region) if contains in r.name]
    return found


def _statements(capture: Capture, role_arn: str) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    (role,) = [r for r in capture.of_type("aws:iam/role:Role") if r.outputs["arn"] == role_arn]
    (policy,) = [p for p in capture.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == role.id]
    trust = policy_json(role.inputs["assumeRolePolicy"])["Statement"]
    return trust, {s["Sid"]: s for s in policy_json(policy.inputs["policy"])["Statement"]}


def test_the_function_log_group_is_subscribed_to_an_encrypted_stream(capture: Capture) -> None:
    """Seed failure: "Lambda handler writes logs to S3 synchronously": the logs leave through CloudWatch Logs and
    Firehose, in the background, never through an S3 call in the function."""
    regions = stack_regions(capture)
    for region in regions:
        (subscription,) = _in_region(capture, FILTER, region)
        (stream,) = _in_region(capture, STREAM, region)
        (function_logs,) = [
            group
            for group in _in_region(capture, "aws:cloudwatch/logGroup:LogGroup", region)
            if group.inputs["name"] == f"/aws/lambda/serverless-delivery-pipeline-{region_short(region)}-dev-main"
        ]
        key = _one(capture, "aws:kms/key:Key", region)
        logs_bucket = _one(capture, "aws:s3/bucket:Bucket", region, "-logs-bucket")
        assert subscription.property_dependencies["logGroup"] == [function_logs.urn]
        assert subscription.property_dependencies["destinationArn"] == [stream.urn]
        assert subscription.inputs["filterPattern"] == ""
        assert stream.inputs["destination"] == "extended_s3"
        encryption = stream.inputs["serverSideEncryption"]
        assert (encryption["enabled"], encryption["keyType"]) == (True, "CUSTOMER_MANAGED_CMK")
        assert key.urn in stream.property_dependencies["serverSideEncryption"]
        s3 = stream.inputs["extendedS3Configuration"]
        assert s3["prefix"].startswith(delivery_prefix("pipeline"))
        assert s3["errorOutputPrefix"].startswith(delivery_prefix("pipeline"))
        assert s3["compressionFormat"] == "GZIP"
        processors = [p["type"] for p in s3["processingConfiguration"]["processors"]]
        assert processors == ["Decompression", "CloudWatchLogProcessing"]
        assert {key.urn, logs_bucket.urn} <= set(stream.property_dependencies["extendedS3Configuration"])
        if not capture.preview:
            assert subscription.inputs["logGroup"] == function_logs.outputs["name"]
            assert s3["bucketArn"] == logs_bucket.outputs["arn"]
            assert s3["kmsKeyArn"] == encryption["keyArn"] == key.outputs["arn"]


def test_logs_may_only_put_records_into_its_stream(up_three: Capture) -> None:
    for region in THREE_REGIONS:
        (subscription,) = _in_region(up_three, FILTER, region)
        (stream,) = _in_region(up_three, STREAM, region)
        trust, statements = _statements(up_three, subscription.inputs["roleArn"])
        (assume,) = trust
        assert assume["Principal"] == {"Service": f"logs.{region}.amazonaws.com"}
        assert assume["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
        assert assume["Condition"]["StringLike"] == {"aws:SourceArn": f"arn:aws:logs:{region}:{ACCOUNT}:*"}
        assert list(statements) == ["PutIntoOwnStream"]
        assert statements["PutIntoOwnStream"]["Action"] == ["firehose:PutRecord", "firehose:PutRecordBatch"]
        assert statements["PutIntoOwnStream"]["Resource"] == [stream.outputs["arn"]]


def test_firehose_may_only_write_below_its_prefix_with_the_region_key(up_three: Capture) -> None:
    for region in THREE_REGIONS:
        (stream,) = _in_region(up_three, STREAM, region)
        bucket_arn = _one(up_three, "aws:s3/bucket:Bucket", region, "-logs-bucket").outputs["arn"]
        key_arn = _one(up_three, "aws:kms/key:Key", region).outputs["arn"]
        trust, statements = _statements(up_three, stream.inputs["extendedS3Configuration"]["roleArn"])
        assert [s["Principal"] for s in trust] == [{"Service": "firehose.amazonaws.com"}]
        prefix_objects = f"{bucket_arn}/{delivery_prefix('pipeline')}*"
        assert statements["WriteBelowPrefix"]["Resource"] == [prefix_objects]
        assert statements["LocateLogsBucket"]["Resource"] == [bucket_arn]
        kms = statements["EncryptWithRegionKeyThroughS3"]
        assert kms["Resource"] == [key_arn]
        assert kms["Condition"]["StringEquals"] == {"kms:ViaService": f"s3.{region}.amazonaws.com"}
        resources = [r for s in statements.values() for r in s["Resource"]]
        assert set(resources) == {bucket_arn, prefix_objects, key_arn}


def test_the_function_itself_cannot_write_to_the_logs_bucket(up_three: Capture) -> None:
    for region in THREE_REGIONS:
        (function,) = delivery_functions(up_three, region)
        bucket_arn = _one(up_three, "aws:s3/bucket:Bucket", region, "-logs-bucket").outputs["arn"]
        _, statements = _statements(up_three, function.inputs["role"])
        resources = [r for s in statements.values() for r in s["Resource"]]
        assert not [r for r in resources if r.startswith(bucket_arn)]


def test_the_region_key_admits_firehose(up_three: Capture) -> None:
    for key in resources_of(up_three, "aws:kms/key:Key"):
        region = up_three.region_of(key)
        statements = {s["Sid"]: s for s in policy_json(key.inputs["policy"])["Statement"]}
        via = statements["AccountUsesKeyThroughServices"]["Condition"]["StringEquals"]["kms:ViaService"]
        assert f"firehose.{region}.amazonaws.com" in via


def test_a_log_delivery_alone_copies_the_given_group_to_the_given_bucket_under_its_source(
    build_alone: CaptureFactory,
) -> None:
    capture = build_alone(
        """
        from delivery_stack.components.logdelivery import LogDelivery, LogDeliveryArgs

        group = aws.cloudwatch.LogGroup("stand-in-group", name="/alone/group", opts=in_region)
        LogDelivery(
            "delivery-alone",
            LogDeliveryArgs(context=ctx, key=key, log_group=group, logs_bucket=bucket, source="alone"),
        )
        """
    )
    (group,) = capture.of_type("aws:cloudwatch/logGroup:LogGroup")
    (bucket,) = capture.of_type("aws:s3/bucket:Bucket")
    (subscription,) = capture.of_type(FILTER)
    (stream,) = capture.of_type(STREAM)
    assert subscription.inputs["logGroup"] == "/alone/group"
    assert subscription.property_dependencies["logGroup"] == [group.urn]
    assert stream.inputs["name"].startswith("serverless-delivery-alone-logs-")
    s3 = stream.inputs["extendedS3Configuration"]
    assert s3["bucketArn"] == bucket.outputs["arn"]
    assert s3["prefix"].startswith(delivery_prefix("alone"))
