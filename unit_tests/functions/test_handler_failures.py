"""When dependencies fail: the dead-letter queue, 503 with Retry-After, 500 without leaks, circuits, retries."""

from __future__ import annotations

import json
import socket
from typing import Any

import boto3
import pytest
from botocore import endpoint as botocore_endpoint
from botocore.exceptions import EndpointConnectionError

from pipeline_api import entrypoint
from pipeline_api.aws_clients import client_config
from pipeline_api.config import load_settings
from unit_tests.functions.support import Api, FakeClock, LogCapture, MotoAccount, expected_event_id, pipeline_event


class PutObjectCounter:
    """Counts PutObject calls that a boto3 client actually makes."""

    def __init__(self, client: Any) -> None:
        self.calls = 0
        client.meta.events.register("before-call.s3.PutObject", self._count)

    def _count(self, **_: Any) -> None:
        self.calls += 1


def test_missing_bucket_sends_the_event_to_the_dlq_then_503(api: Api, moto_account: MotoAccount) -> None:
    """Seed failure: "Missing error handling in Lambda handler": retries, then the DLQ, then a structured 503."""
    moto_account.delete_bucket()
    reply = api.post_event(pipeline_event())
    assert reply.status == 503
    assert reply.error_code == "dependency_unavailable"
    assert reply.headers["retry-after"] == "30"
    event_id = expected_event_id("web-app", "exec-0001", "build", "SUCCEEDED")
    [message] = moto_account.dead_letters()
    assert message["body"]["reason"] == "audit write failed: NoSuchBucket"
    assert message["body"]["eventId"] == event_id
    assert message["body"]["auditKey"] == f"events/2025/03/04/{event_id}.json"
    assert message["body"]["record"]["commitSha"] == "0123456789abcdef0123456789abcdef01234567"
    assert message["attributes"]["reason"]["StringValue"] == "audit write failed: NoSuchBucket"
    assert message["attributes"]["eventId"]["StringValue"] == event_id


def test_dlq_missing_too_is_500_with_nothing_internal(
    api: Api, moto_account: MotoAccount, function_logs: LogCapture
) -> None:
    moto_account.delete_bucket()
    moto_account.sqs.delete_queue(QueueUrl=moto_account.queue_url)
    reply = api.post_event(pipeline_event())
    assert reply.status == 500
    assert reply.body == {
        "error": {"code": "internal_error", "message": "the event could not be recorded; retry later", "details": None},
        "requestId": "apigw-request-1",
    }
    leaked = json.dumps(reply.raw)
    for internal in ("NoSuchBucket", "NonExistentQueue", moto_account.queue_url, moto_account.bucket, "Traceback"):
        assert internal not in leaked
    [lost] = [line for line in function_logs.lines() if line["level"] == "ERROR"]
    assert lost["event_id"] == expected_event_id("web-app", "exec-0001", "build", "SUCCEEDED")
    assert lost["record"]["executionId"] == "exec-0001"


def test_unreadable_secret_is_503_and_nothing_is_dead_lettered(api: Api, moto_account: MotoAccount) -> None:
    moto_account.secretsmanager.delete_secret(SecretId=moto_account.secret_arn, ForceDeleteWithoutRecovery=True)
    reply = api.post_event(pipeline_event())
    assert reply.status == 503
    assert reply.error_code == "dependency_unavailable"
    # A fresh failure (the circuit still closed): wait one whole cool-down, 30 s by default.
    assert reply.headers["retry-after"] == "30"
    # An event that could not be authenticated is not worth keeping.
    assert moto_account.dead_letters() == []


def test_unexpected_error_is_500_without_detail(
    api: Api, moto_account: MotoAccount, monkeypatch: pytest.MonkeyPatch, function_logs: LogCapture
) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("internal detail that must not leak")

    monkeypatch.setattr("pipeline_api.routes.build_audit_entry", broken)
    reply = api.post_event(pipeline_event())
    assert reply.status == 500
    assert reply.error_code == "internal_error"
    assert "internal detail" not in json.dumps(reply.raw)
    assert "internal detail that must not leak" in function_logs.text()


def test_circuit_opens_after_repeated_failures_and_closes_after_the_cool_down(
    api: Api, moto_account: MotoAccount, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    monkeypatch.setenv("CIRCUIT_FAILURE_THRESHOLD", "2")
    monkeypatch.setenv("CIRCUIT_COOLDOWN_SECONDS", "60")
    entrypoint.reset(clock=clock, s3=moto_account.s3)
    puts = PutObjectCounter(moto_account.s3)
    moto_account.delete_bucket()

    for execution in ("f1", "f2"):
        assert api.post_event(pipeline_event(executionId=execution)).status == 503
    assert puts.calls == 2

    # Open: the bucket is not called at all, the event still goes to the DLQ, with the reason.
    reply = api.post_event(pipeline_event(executionId="f3"))
    assert reply.status == 503
    assert puts.calls == 2
    assert reply.headers["retry-after"] == "60"
    reasons = [message["body"]["reason"] for message in moto_account.dead_letters()]
    assert "audit write failed: circuit open" in reasons

    # After the cool-down one call probes the (recovered) bucket and closes the circuit.
    moto_account.s3.create_bucket(Bucket=moto_account.bucket)
    clock.advance(61)
    assert api.post_event(pipeline_event(executionId="f4")).status == 202
    assert api.post_event(pipeline_event(executionId="f5")).status == 202
    assert puts.calls == 4


def test_failed_probe_reopens_the_circuit(
    api: Api, moto_account: MotoAccount, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    monkeypatch.setenv("CIRCUIT_FAILURE_THRESHOLD", "1")
    monkeypatch.setenv("CIRCUIT_COOLDOWN_SECONDS", "60")
    entrypoint.reset(clock=clock, s3=moto_account.s3)
    puts = PutObjectCounter(moto_account.s3)
    moto_account.delete_bucket()
    assert api.post_event(pipeline_event(executionId="g1")).status == 503
    clock.advance(61)
    assert api.post_event(pipeline_event(executionId="g2")).status == 503
    assert api.post_event(pipeline_event(executionId="g3")).status == 503
    assert puts.calls == 2


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_clients_retry_a_bounded_number_of_times_with_growing_jittered_waits(
    clean_environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDIT_BUCKET", "audit-bucket")
    monkeypatch.setenv("DLQ_URL", "https://sqs.us-east-1.amazonaws.com/123456789012/dlq")
    monkeypatch.setenv("SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:signing-AbCdEf")
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://ci.example.test")
    monkeypatch.setenv("AWS_CALL_MAX_ATTEMPTS", "4")
    settings = load_settings(__import__("os").environ)
    waits: list[float] = []
    monkeypatch.setattr(botocore_endpoint.time, "sleep", waits.append)
    client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{_closed_port()}", config=client_config(settings))
    attempts: list[int] = []
    client.meta.events.register("before-send.s3.PutObject", lambda **_: attempts.append(1))
    with pytest.raises(EndpointConnectionError):
        client.put_object(Bucket="audit-bucket", Key="k", Body=b"x")
    assert len(attempts) == 4
    assert len(waits) == 3
    # Standard mode: a random wait below base * 2**attempt, capped at 20 s.
    for attempt, wait in enumerate(waits):
        assert 0 <= wait <= min(2**attempt, 20)
