"""Failure injection on the local target: the audit bucket disappears, then the dead-letter queue too.

Run last (they leave the stack broken), in the primary region only.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from integration_tests.pipeline_client import PipelineClient, pipeline_client_for, pipeline_event
from integration_tests.targets import RegionUnderTest

pytestmark = [pytest.mark.local_only, pytest.mark.destructive]


@pytest.fixture(scope="module")
def primary_pipeline(primary: RegionUnderTest) -> PipelineClient:
    return pipeline_client_for(primary)


def delete_bucket(region: RegionUnderTest, bucket: str) -> None:
    s3 = region.client("s3")
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            s3.delete_object(Bucket=bucket, Key=entry["Key"], VersionId=entry["VersionId"])
    s3.delete_bucket(Bucket=bucket)


def dead_letters(region: RegionUnderTest, queue_url: str) -> list[dict[str, Any]]:
    sqs = region.client("sqs")
    found: list[dict[str, Any]] = []
    for _ in range(5):
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        found.extend(json.loads(message["Body"]) for message in batch.get("Messages", []))
        if not batch.get("Messages"):
            break
    return found


def cooldown_seconds(region: RegionUnderTest) -> str:
    """What a fresh dependency failure tells callers to wait: the function's whole circuit cool-down."""
    name = region.function("pipeline").name
    configuration = region.client("lambda").get_function_configuration(FunctionName=name)
    # docs/functions.md: CIRCUIT_COOLDOWN_SECONDS defaults to 30.
    return str(configuration.get("Environment", {}).get("Variables", {}).get("CIRCUIT_COOLDOWN_SECONDS", "30"))


def test_without_the_audit_bucket_an_event_is_dead_lettered_and_answered_503(
    primary: RegionUnderTest, primary_pipeline: PipelineClient
) -> None:
    bucket = primary.output("audit_bucket_name")
    queue_url = primary.function("pipeline").outputs["dlq_url"]
    delete_bucket(primary, bucket)
    event = pipeline_event()

    response = primary_pipeline.post_event(event)

    assert response.status == 503, response.body
    assert response.headers["retry-after"] == cooldown_seconds(primary)
    assert response.json()["error"]["code"] == "dependency_unavailable"
    mine = [
        m for m in dead_letters(primary, queue_url) if m.get("record", {}).get("executionId") == event["executionId"]
    ]
    assert len(mine) == 1
    assert "audit" in mine[0]["reason"]
    assert mine[0]["record"]["commitSha"] == event["commitSha"]


def test_without_the_dead_letter_queue_too_an_event_is_500_without_internal_detail(
    primary: RegionUnderTest, primary_pipeline: PipelineClient
) -> None:
    queue_url = primary.function("pipeline").outputs["dlq_url"]
    primary.client("sqs").delete_queue(QueueUrl=queue_url)

    response = primary_pipeline.post_event(pipeline_event())

    assert response.status == 500, response.body
    body = response.json()
    assert set(body) == {"error", "requestId"}
    text = response.body.decode()
    for leak in (primary.output("audit_bucket_name"), queue_url.rsplit("/", 1)[-1], "Traceback", "arn:aws", "NoSuch"):
        assert leak not in text
