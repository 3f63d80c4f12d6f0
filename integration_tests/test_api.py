"""The HTTP contract of the deployed API, end to end: API Gateway's own checks, the handler, the audit record."""

from __future__ import annotations

import json

from integration_tests.pipeline_client import PipelineClient, audit_key, encode, pipeline_event, send
from integration_tests.targets import RegionUnderTest, StackUnderTest


def test_health_answers_200_without_an_api_key(pipeline: PipelineClient, region: RegionUnderTest) -> None:
    response = send("GET", f"{pipeline.api_url}/health")

    assert response.status == 200
    assert response.json()["status"] == "ok"
    assert response.json()["region"] == region.name


def test_pipeline_without_the_api_key_is_forbidden_by_api_gateway(pipeline: PipelineClient) -> None:
    response = pipeline.post(encode(pipeline_event()), api_key=None)

    assert response.status == 403
    assert response.json() == {"message": "Forbidden"}


def test_api_gateway_rejections_carry_the_cors_origin_when_one_is_configured(
    pipeline: PipelineClient, stack: StackUnderTest
) -> None:
    origins = stack.config.allowed_origins
    # A gateway response header is static: the stack sets it only when exactly one origin is configured.
    expected = origins[0] if len(origins) == 1 else None

    response = pipeline.post(encode(pipeline_event()), api_key=None, Origin=origins[0] if origins else "")

    assert response.status == 403
    assert response.headers.get("access-control-allow-origin") == expected


def test_pipeline_with_an_unknown_api_key_is_forbidden(pipeline: PipelineClient) -> None:
    response = pipeline.post(encode(pipeline_event()), api_key="not-a-key-of-this-stack-0000000000")

    assert response.status == 403


def test_a_bad_signature_is_401(pipeline: PipelineClient) -> None:
    response = pipeline.post(encode(pipeline_event()), sign_with=b"a-key-that-is-not-the-stack-secret")

    assert response.status == 401
    assert response.json()["error"]["code"] == "invalid_signature"


def test_an_invalid_body_is_422_with_the_error_envelope(pipeline: PipelineClient) -> None:
    event = pipeline_event(status="EXPLODED")
    del event["commitSha"]

    response = pipeline.post(encode(event))

    assert response.status == 422
    body = response.json()
    assert set(body) == {"error", "requestId"}
    assert set(body["error"]) == {"code", "message", "details"}
    named = json.dumps(body["error"]["details"])
    assert "status" in named
    assert "commitSha" in named


def test_a_valid_event_is_accepted_and_audited_once_with_the_stack_key(
    pipeline: PipelineClient, region: RegionUnderTest
) -> None:
    event = pipeline_event()
    bucket = region.output("audit_bucket_name")
    s3 = region.client("s3")

    accepted = pipeline.post_event(event)

    assert accepted.status == 202, accepted.body
    event_id = accepted.json()["eventId"]
    key = audit_key(event_id, event["occurredAt"])
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert same_key(head["SSEKMSKeyId"], region.output("kms_key_arn"))
    record = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    for field in ("pipeline", "executionId", "stage", "status", "commitSha"):
        assert record[field] == event[field]
    assert record["eventId"] == event_id

    replay = pipeline.post_event(event)

    assert replay.status == 202
    assert replay.json()["eventId"] == event_id
    versions = s3.list_object_versions(Bucket=bucket, Prefix=key)
    assert [v["Key"] for v in versions.get("Versions", [])] == [key]
    assert not versions.get("DeleteMarkers")


def test_cors_preflight_answers_the_configured_origin(pipeline: PipelineClient, stack: StackUnderTest) -> None:
    origin = stack.config.allowed_origins[0]

    response = send(
        "OPTIONS",
        f"{pipeline.api_url}/pipeline",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
    )

    assert response.status in (200, 204)
    assert response.headers.get("access-control-allow-origin") == origin
    assert "POST" in response.headers.get("access-control-allow-methods", "")


def test_cors_does_not_admit_another_origin(pipeline: PipelineClient) -> None:
    response = send(
        "OPTIONS",
        f"{pipeline.api_url}/pipeline",
        headers={"Origin": "https://elsewhere.example.org", "Access-Control-Request-Method": "POST"},
    )

    assert response.headers.get("access-control-allow-origin") not in ("*", "https://elsewhere.example.org")


def same_key(reported: str, key_arn: str) -> bool:
    """S3 reports the key as configured on the bucket: its ARN or its id."""
    return reported == key_arn or key_arn.endswith(f"/{reported}")
