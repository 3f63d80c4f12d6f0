"""The function's role may do what the handler does and nothing next to it.

Locally the calls are made with the role's credentials under moto's IAM enforcement; on AWS the IAM policy simulator
evaluates the role's policies (the role trusts only Lambda, so the suite cannot assume it).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from integration_tests.targets import ALLOWED, DENIED, FunctionUnderTest, RegionUnderTest


@pytest.fixture(scope="session")
def function(region: RegionUnderTest) -> FunctionUnderTest:
    return region.function("pipeline")


@pytest.fixture
def other_queue(region: RegionUnderTest) -> Iterator[tuple[str, str]]:
    """A queue in the region that belongs to nobody in the stack: (url, arn)."""
    sqs = region.client("sqs")
    url = sqs.create_queue(QueueName=f"integration-other-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    yield url, arn
    sqs.delete_queue(QueueUrl=url)


def test_the_role_cannot_read_another_bucket(region: RegionUnderTest, function: FunctionUnderTest) -> None:
    bucket = region.output("artifacts_bucket_name")

    decision = function.probe.decide(
        "s3:GetObject",
        f"arn:aws:s3:::{bucket}/probe.json",
        lambda clients: clients("s3").get_object(Bucket=bucket, Key="probe.json"),
    )

    assert decision == DENIED


def test_the_role_cannot_write_outside_its_prefix(region: RegionUnderTest, function: FunctionUnderTest) -> None:
    bucket = region.output("audit_bucket_name")
    key = f"outside-the-prefix/{uuid.uuid4().hex}.json"

    decision = function.probe.decide(
        "s3:PutObject",
        f"arn:aws:s3:::{bucket}/{key}",
        lambda clients: clients("s3").put_object(Bucket=bucket, Key=key, Body=b"{}"),
    )

    assert decision == DENIED


def test_the_role_cannot_send_to_another_queue(function: FunctionUnderTest, other_queue: tuple[str, str]) -> None:
    url, arn = other_queue

    decision = function.probe.decide(
        "sqs:SendMessage", arn, lambda clients: clients("sqs").send_message(QueueUrl=url, MessageBody="{}")
    )

    assert decision == DENIED


def test_the_role_can_write_audit_records(region: RegionUnderTest, function: FunctionUnderTest) -> None:
    bucket = region.output("audit_bucket_name")
    key = f"events/integration-probe/{uuid.uuid4().hex}.json"

    decision = function.probe.decide(
        "s3:PutObject",
        f"arn:aws:s3:::{bucket}/{key}",
        lambda clients: clients("s3").put_object(Bucket=bucket, Key=key, Body=b"{}"),
    )

    remove_all_versions(region, bucket, key)
    assert decision == ALLOWED


def test_the_role_can_read_its_signing_secret(function: FunctionUnderTest) -> None:
    secret_arn = function.outputs["secret_arn"]

    decision = function.probe.decide(
        "secretsmanager:GetSecretValue",
        secret_arn,
        lambda clients: clients("secretsmanager").get_secret_value(SecretId=secret_arn),
    )

    assert decision == ALLOWED


def test_the_role_can_dead_letter_to_its_queue(region: RegionUnderTest, function: FunctionUnderTest) -> None:
    url = function.outputs["dlq_url"]
    sqs = region.client("sqs")
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    decision = function.probe.decide(
        "sqs:SendMessage",
        arn,
        lambda clients: clients("sqs").send_message(QueueUrl=url, MessageBody='{"probe": "integration"}'),
    )

    assert decision == ALLOWED


def remove_all_versions(region: RegionUnderTest, bucket: str, key: str) -> None:
    s3 = region.client("s3")
    listed = s3.list_object_versions(Bucket=bucket, Prefix=key)
    for entry in [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]:
        s3.delete_object(Bucket=bucket, Key=entry["Key"], VersionId=entry["VersionId"])
