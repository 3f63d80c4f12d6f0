"""The HTTP contract of the pipeline handler: routes, status codes, the error envelope and CORS on every answer."""

from __future__ import annotations

import base64
import json

import pytest

from unit_tests.functions.support import (
    FOREIGN_ORIGIN,
    ORIGIN,
    OTHER_ORIGIN,
    REGION,
    Api,
    MotoAccount,
    pipeline_event,
    sign,
)


def assert_envelope(reply_body: dict[str, object], code: str) -> None:
    assert set(reply_body) == {"error", "requestId"}
    error = reply_body["error"]
    assert isinstance(error, dict)
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    assert reply_body["requestId"] == "apigw-request-1"


def test_health_answers_version_and_region(api: Api) -> None:
    """Seed failure: "No health check endpoint"."""
    reply = api.request("GET", "/health")
    assert reply.status == 200
    assert reply.body == {"status": "ok", "version": "0.1.0", "region": REGION}
    assert reply.headers["content-type"] == "application/json"
    assert reply.headers["cache-control"] == "no-store"


def test_deep_health_reports_each_dependency(api: Api) -> None:
    reply = api.request("GET", "/health", query={"deep": "true"})
    assert reply.status == 200
    assert reply.body["checks"] == {"auditBucket": "ok", "signingSecret": "ok"}


def test_deep_health_is_503_with_retry_after_when_the_bucket_is_gone(api: Api, moto_account: MotoAccount) -> None:
    moto_account.delete_bucket()
    reply = api.request("GET", "/health", query={"deep": "TRUE"})
    assert reply.status == 503
    assert_envelope(reply.body, "dependency_unavailable")
    assert reply.body["error"]["details"]["checks"] == {"auditBucket": "unreachable", "signingSecret": "ok"}
    # One cool-down (CIRCUIT_COOLDOWN_SECONDS, 30 by default).
    assert reply.headers["retry-after"] == "30"


def test_deep_health_reports_an_unreadable_secret(api: Api, moto_account: MotoAccount) -> None:
    moto_account.secretsmanager.delete_secret(SecretId=moto_account.secret_arn, ForceDeleteWithoutRecovery=True)
    reply = api.request("GET", "/health", query={"deep": "true"})
    assert reply.status == 503
    assert reply.body["error"]["details"]["checks"] == {"auditBucket": "ok", "signingSecret": "unreachable"}


def test_health_rejects_an_unknown_deep_value(api: Api) -> None:
    reply = api.request("GET", "/health", query={"deep": "maybe"})
    assert reply.status == 400
    assert_envelope(reply.body, "invalid_query")
    assert "deep" in reply.body["error"]["message"]


def test_valid_event_is_accepted_with_its_id(api: Api) -> None:
    reply = api.post_event(pipeline_event())
    assert reply.status == 202
    assert reply.body["duplicate"] is False
    assert len(reply.body["eventId"]) == 32
    assert reply.body["requestId"] == "apigw-request-1"


@pytest.mark.parametrize("path", ["/", "/pipelines", "/pipeline/extra", "/health/", "/PIPELINE"])
@pytest.mark.parametrize("method", ["GET", "POST", "OPTIONS"])
def test_unknown_route_is_404(api: Api, method: str, path: str) -> None:
    reply = api.request(method, path)
    assert reply.status == 404
    assert_envelope(reply.body, "not_found")
    assert reply.headers["access-control-allow-origin"] == ORIGIN


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/pipeline", "POST"),
        ("PUT", "/pipeline", "POST"),
        ("POST", "/health", "GET"),
        ("DELETE", "/health", "GET"),
    ],
)
def test_wrong_method_is_405_with_allow(api: Api, method: str, path: str, allowed: str) -> None:
    reply = api.request(method, path)
    assert reply.status == 405
    assert_envelope(reply.body, "method_not_allowed")
    assert reply.headers["allow"] == f"{allowed}, OPTIONS"
    assert reply.body["error"]["details"] == {"allowed": [allowed]}


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1", "application/jsonp"],
)
def test_non_json_body_is_415(api: Api, content_type: str | None) -> None:
    body = json.dumps(pipeline_event()).encode()
    headers = {"X-Signature-SHA256": sign(body)}
    if content_type is not None:
        headers["Content-Type"] = content_type
    reply = api.request("POST", "/pipeline", body=body, headers=headers)
    assert reply.status == 415
    assert_envelope(reply.body, "unsupported_media_type")


def test_json_with_utf8_charset_is_accepted(api: Api) -> None:
    reply = api.post_event(pipeline_event(), headers={"Content-Type": "Application/JSON; charset=UTF-8"})
    assert reply.status == 202


def test_body_over_the_limit_is_413(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_BODY_BYTES", "1024")
    monkeypatch.setenv("MAX_DETAILS_BYTES", "512")
    event = pipeline_event(details={"log": "x" * 1100})
    reply = api.post_event(event)
    assert reply.status == 413
    assert_envelope(reply.body, "payload_too_large")
    assert reply.body["error"]["details"] == {"maxBytes": 1024}


def test_base64_body_over_the_limit_is_413_without_decoding_it(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_BODY_BYTES", "1024")
    monkeypatch.setenv("MAX_DETAILS_BYTES", "512")
    reply = api.post_event(body=b"{" * 2000, base64_body=True)
    assert reply.status == 413


def test_multibyte_body_is_measured_in_bytes(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_BODY_BYTES", "1024")
    monkeypatch.setenv("MAX_DETAILS_BYTES", "1024")
    # 400 characters, 1200 bytes: under the limit by characters, over it by bytes.
    event = pipeline_event(details={"note": "\u20ac" * 400})
    reply = api.post_event(event)
    assert reply.status == 413


def test_base64_encoded_body_is_decoded_and_signed_over_its_bytes(api: Api) -> None:
    reply = api.post_event(pipeline_event(), base64_body=True)
    assert reply.status == 202


def test_malformed_base64_is_400(api: Api) -> None:
    event_body = "not base64 at all!"
    reply = api.request(
        "POST",
        "/pipeline",
        body=event_body,
        headers={"Content-Type": "application/json", "X-Signature-SHA256": sign(event_body.encode())},
        base64_body=True,
    )
    assert reply.status == 400
    assert_envelope(reply.body, "malformed_base64")


@pytest.mark.parametrize(
    "body", [b"{", b"not json", b"", b'{"pipeline": "a",}', b"\xff\xfe{}", b"[" * 300 + b"]" * 300]
)
def test_malformed_json_is_400(api: Api, body: bytes) -> None:
    reply = api.post_event(body=body, base64_body=True)
    assert reply.status == 400
    assert_envelope(reply.body, "malformed_json")


def test_every_missing_field_is_named_in_one_422(api: Api) -> None:
    """Seed failure: "Missing input validation in Lambda handler": every field is checked, each error named."""
    reply = api.post_event(body=b"{}")
    assert reply.status == 422
    assert_envelope(reply.body, "validation_failed")
    fields = {item["field"] for item in reply.body["error"]["details"]["fields"]}
    assert fields == {"pipeline", "executionId", "stage", "status", "commitSha", "occurredAt"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"pipeline": ""}, "pipeline"),
        ({"pipeline": 7}, "pipeline"),
        ({"pipeline": "has space"}, "pipeline"),
        ({"executionId": "x" * 129}, "executionId"),
        ({"stage": ["build"]}, "stage"),
        ({"status": "DONE"}, "status"),
        ({"status": "succeeded"}, "status"),
        ({"commitSha": "abc1234"}, "commitSha"),
        ({"commitSha": "z" * 40}, "commitSha"),
        ({"occurredAt": "2025-03-04T05:06:07"}, "occurredAt"),
        ({"occurredAt": 1741064767}, "occurredAt"),
        ({"occurredAt": "yesterday"}, "occurredAt"),
        ({"details": "text"}, "details"),
        ({"details": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": 1}}}}}}}}}}, "details"),
        ({"extra": True}, "extra"),
    ],
)
def test_invalid_field_is_422_naming_it(api: Api, overrides: dict[str, object], field: str) -> None:
    reply = api.post_event(pipeline_event(**overrides))
    assert reply.status == 422
    assert_envelope(reply.body, "validation_failed")
    assert field in {item["field"] for item in reply.body["error"]["details"]["fields"]}
    assert field in reply.body["error"]["message"]


def test_details_over_their_limit_is_422(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_DETAILS_BYTES", "64")
    reply = api.post_event(pipeline_event(details={"log": "y" * 80}))
    assert reply.status == 422
    assert "64 bytes" in reply.body["error"]["details"]["fields"][0]["message"]


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"1e999"])
def test_non_finite_numbers_in_details_are_422(api: Api, number: bytes) -> None:
    body = json.dumps(pipeline_event(details={"n": 0})).encode().replace(b'"n": 0', b'"n": ' + number)
    reply = api.post_event(body=body)
    assert reply.status == 422
    assert reply.body["error"]["details"]["fields"][0]["field"] == "details"


def test_json_array_body_is_422(api: Api) -> None:
    reply = api.post_event(body=b"[1, 2]")
    assert reply.status == 422
    assert reply.body["error"]["details"]["fields"][0]["field"] == "(body)"


def test_malformed_proxy_event_is_400_with_cors(api: Api) -> None:
    reply = api.invoke({"httpMethod": "GET", "path": "/health", "headers": {"Origin": 5}})
    assert reply.status == 400
    assert reply.error_code == "malformed_request"
    assert "headers" in reply.body["error"]["message"]
    assert reply.headers["access-control-allow-origin"] == ORIGIN


@pytest.mark.parametrize("origin", [ORIGIN, OTHER_ORIGIN])
def test_allowed_origins_are_echoed(api: Api, origin: str) -> None:
    reply = api.request("GET", "/health", origin=origin)
    assert reply.headers["access-control-allow-origin"] == origin
    assert reply.headers["vary"] == "Origin"


@pytest.mark.parametrize("origin", [FOREIGN_ORIGIN, None])
def test_foreign_or_missing_origin_gets_the_configured_origin_not_a_wildcard(api: Api, origin: str | None) -> None:
    reply = api.request("GET", "/health", origin=origin)
    assert reply.headers["access-control-allow-origin"] == ORIGIN
    assert reply.headers["vary"] == "Origin"


def test_wildcard_is_used_only_when_configured(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_ORIGINS", "*")
    from pipeline_api import entrypoint

    entrypoint.reset()
    assert api.request("GET", "/health", origin=FOREIGN_ORIGIN).headers["access-control-allow-origin"] == "*"
    assert api.request("GET", "/health", origin=None).headers["access-control-allow-origin"] == "*"


def test_preflight_answers_the_signature_header(api: Api) -> None:
    reply = api.request(
        "OPTIONS",
        "/pipeline",
        headers={"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-signature-sha256"},
    )
    assert reply.status == 204
    assert reply.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in reply.headers["access-control-allow-methods"].split(",")
    assert "X-Signature-SHA256" in reply.headers["access-control-allow-headers"].split(",")
    assert reply.headers["access-control-max-age"] == "600"


def test_error_answers_carry_cors_and_expose_retry_after(api: Api, moto_account: MotoAccount) -> None:
    moto_account.delete_bucket()
    reply = api.post_event(pipeline_event())
    assert reply.status == 503
    assert reply.headers["access-control-allow-origin"] == ORIGIN
    assert reply.headers["access-control-expose-headers"] == "Retry-After"


def test_base64_flag_on_a_plain_body_is_rejected_not_misread(api: Api) -> None:
    body = json.dumps(pipeline_event())
    encoded = base64.b64encode(body.encode()).decode()
    reply = api.request(
        "POST",
        "/pipeline",
        body=encoded,
        headers={"Content-Type": "application/json", "X-Signature-SHA256": sign(encoded.encode())},
        base64_body=False,
    )
    # Signed over the base64 text, sent as text: the handler verifies exactly what it received, then it is not JSON.
    assert reply.status == 400
    assert reply.error_code == "malformed_json"


def test_text_body_that_is_not_unicode_is_400(api: Api) -> None:
    # A lone surrogate cannot be encoded as UTF-8: the body the caller sent was not valid text.
    reply = api.request(
        "POST",
        "/pipeline",
        body='{"pipeline": "\ud800"}',
        headers={"Content-Type": "application/json", "X-Signature-SHA256": "sha256=" + "0" * 64},
    )
    assert reply.status == 400
    assert reply.error_code == "malformed_json"
