"""What an accepted event leaves in the audit bucket, idempotent replays, and the signature check."""

from __future__ import annotations

import json

import pytest
from botocore.stub import Stubber

from pipeline_api.audit_store import AuditStore
from pipeline_api.errors import DependencyError
from unit_tests.functions.support import (
    SIGNING_KEY,
    Api,
    FakeClock,
    LogCapture,
    MotoAccount,
    expected_event_id,
    pipeline_event,
    sign,
)


def test_record_is_written_under_the_date_partitioned_key(api: Api, moto_account: MotoAccount) -> None:
    event = pipeline_event(occurredAt="2025-03-04T23:30:00-02:00")
    reply = api.post_event(event)
    event_id = expected_event_id("web-app", "exec-0001", "build", "SUCCEEDED")
    assert reply.body["eventId"] == event_id
    # 23:30 at UTC-2 is the next day in UTC: the partition is the UTC date.
    assert moto_account.audit_keys() == [f"events/2025/03/05/{event_id}.json"]


def test_record_holds_the_event_and_where_it_came_from(api: Api, moto_account: MotoAccount, clock: FakeClock) -> None:
    clock.seconds = 1_741_064_400.25
    event = pipeline_event(
        commitSha="ABCDEF0123456789ABCDEF0123456789ABCDEF01", occurredAt="2025-03-04T05:06:07.5+00:00"
    )
    api.post_event(event)
    record = moto_account.audit_record(moto_account.audit_keys()[0])
    assert record == {
        "schemaVersion": 1,
        "eventId": expected_event_id("web-app", "exec-0001", "build", "SUCCEEDED"),
        "pipeline": "web-app",
        "executionId": "exec-0001",
        "stage": "build",
        "status": "SUCCEEDED",
        "commitSha": "abcdef0123456789abcdef0123456789abcdef01",
        "occurredAt": "2025-03-04T05:06:07.500Z",
        "details": {"durationSeconds": 42, "runner": "linux"},
        "requestId": "apigw-request-1",
        "source": {"sourceIp": "203.0.113.7", "apiKeyId": "key-123", "userAgent": "pipeline-bot/1.0"},
        # The handler's clock at receipt, in UTC.
        "receivedAt": "2025-03-04T05:00:00.250Z",
    }


def test_record_is_encrypted_with_the_buckets_kms_key(api: Api, moto_account: MotoAccount) -> None:
    api.post_event(pipeline_event())
    head = moto_account.s3.head_object(Bucket=moto_account.bucket, Key=moto_account.audit_keys()[0])
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == moto_account.kms_key_arn
    assert head["ContentType"] == "application/json"


def test_replay_returns_the_same_id_and_writes_nothing(api: Api, moto_account: MotoAccount) -> None:
    first = api.post_event(pipeline_event())
    key = moto_account.audit_keys()[0]
    before = moto_account.s3.head_object(Bucket=moto_account.bucket, Key=key)
    replay = api.post_event(pipeline_event(details={"changed": True}))
    after = moto_account.s3.head_object(Bucket=moto_account.bucket, Key=key)
    assert replay.status == 202
    assert replay.body == {**first.body, "duplicate": True}
    assert moto_account.audit_keys() == [key]
    assert after["ETag"] == before["ETag"]
    assert moto_account.audit_record(key)["details"] == {"durationSeconds": 42, "runner": "linux"}


@pytest.mark.parametrize(
    "change", [{"executionId": "exec-0002"}, {"stage": "deploy"}, {"status": "FAILED"}, {"pipeline": "api"}]
)
def test_each_identifying_field_makes_a_new_event(api: Api, moto_account: MotoAccount, change: dict[str, str]) -> None:
    first = api.post_event(pipeline_event())
    second = api.post_event(pipeline_event(**change))
    assert second.status == 202
    assert second.body["duplicate"] is False
    assert second.body["eventId"] != first.body["eventId"]
    assert len(moto_account.audit_keys()) == 2


def test_missing_signature_is_401(api: Api, moto_account: MotoAccount) -> None:
    reply = api.post_event(pipeline_event(), signature="")
    assert reply.status == 401
    assert reply.error_code == "missing_signature"
    assert moto_account.audit_keys() == []


@pytest.mark.parametrize(
    "signature",
    [
        "sha256=" + "0" * 64,
        "sha256=deadbeef",
        "sha1=" + "0" * 40,
        sign(b"another body"),
        sign(json.dumps(pipeline_event()).encode(), key="a-different-key-not-a-secret"),
        "sha256=\u00e9" * 3,
    ],
)
def test_wrong_signature_is_401_and_writes_nothing(api: Api, moto_account: MotoAccount, signature: str) -> None:
    reply = api.post_event(pipeline_event(), signature=signature)
    assert reply.status == 401
    assert reply.error_code == "invalid_signature"
    assert moto_account.audit_keys() == []


def test_signature_hex_is_case_insensitive(api: Api) -> None:
    body = json.dumps(pipeline_event()).encode()
    reply = api.post_event(body=body, signature=sign(body).upper().replace("SHA256=", "sha256="))
    assert reply.status == 202


def test_signature_is_checked_before_the_body_is_parsed(api: Api) -> None:
    reply = api.post_event(body=b"{not json", signature="sha256=" + "1" * 64)
    assert reply.status == 401


def test_responses_and_logs_never_hold_the_key_or_signatures(api: Api, function_logs: LogCapture) -> None:
    body = json.dumps(pipeline_event()).encode()
    good = sign(body)
    bad = "sha256=" + "ab" * 32
    replies = [api.post_event(body=body), api.post_event(body=body, signature=bad), api.post_event(body=body)]
    exposed = function_logs.text() + "".join(json.dumps(reply.raw) for reply in replies)
    assert function_logs.lines(), "the handler should have logged something"
    for secret_material in (SIGNING_KEY, good.removeprefix("sha256="), bad.removeprefix("sha256=")):
        assert secret_material not in exposed


def test_too_short_a_secret_is_500_misconfigured(api: Api, moto_account: MotoAccount) -> None:
    moto_account.secretsmanager.put_secret_value(SecretId=moto_account.secret_arn, SecretString="short")
    reply = api.post_event(pipeline_event(), key="short")
    assert reply.status == 500
    assert reply.error_code == "misconfigured"


def test_concurrent_conditional_write_is_retried_once_then_seen_as_duplicate(moto_account: MotoAccount) -> None:
    store = AuditStore(moto_account.s3, moto_account.bucket)
    with Stubber(moto_account.s3) as stubber:
        stubber.add_client_error("put_object", "ConditionalRequestConflict", http_status_code=409)
        stubber.add_client_error("put_object", "PreconditionFailed", http_status_code=412)
        assert store.put_if_absent("events/2025/01/01/x.json", b"{}") is False
        stubber.assert_no_pending_responses()


def test_persistent_write_conflict_is_a_dependency_error(moto_account: MotoAccount) -> None:
    store = AuditStore(moto_account.s3, moto_account.bucket)
    with Stubber(moto_account.s3) as stubber:
        stubber.add_client_error("put_object", "ConditionalRequestConflict", http_status_code=409)
        stubber.add_client_error("put_object", "ConditionalRequestConflict", http_status_code=409)
        with pytest.raises(DependencyError, match="ConditionalRequestConflict"):
            store.put_if_absent("events/2025/01/01/x.json", b"{}")


def test_put_is_conditional_on_the_key_being_absent(moto_account: MotoAccount) -> None:
    store = AuditStore(moto_account.s3, moto_account.bucket)
    assert store.put_if_absent("events/2025/01/01/y.json", b'{"first":true}') is True
    assert store.put_if_absent("events/2025/01/01/y.json", b'{"second":true}') is False
    assert moto_account.audit_record("events/2025/01/01/y.json") == {"first": True}
