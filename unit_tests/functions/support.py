"""Helpers for the pipeline handler tests: proxy events, signing, calling the handler, reading answers and logs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
from dataclasses import dataclass, field
from typing import Any

import handler

# Obviously fake values: the tests create this secret in moto themselves.
SIGNING_KEY = "unit-test-signing-key-not-a-secret"
ORIGIN = "https://ci.example.test"
OTHER_ORIGIN = "https://dashboard.example.test"
FOREIGN_ORIGIN = "https://evil.example.test"
REGION = "us-east-1"
BUCKET = "pipeline-audit-test"
QUEUE = "pipeline-dlq-test"
SECRET_NAME = "pipeline-signing-test"


class FakeClock:
    """A clock (seconds since the epoch) that only moves when a test moves it."""

    def __init__(self, seconds: float = 1_750_000_000.0) -> None:
        self.seconds = seconds

    def __call__(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


@dataclass(frozen=True)
class FakeLambdaContext:
    """The attributes of the Lambda context object the handler and Powertools read."""

    function_name: str = "pipeline-test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:pipeline-test"
    aws_request_id: str = "lambda-request-1"


def pipeline_event(**overrides: Any) -> dict[str, Any]:
    """A valid pipeline event; keyword arguments replace (or, with None, remove) fields."""
    event: dict[str, Any] = {
        "pipeline": "web-app",
        "executionId": "exec-0001",
        "stage": "build",
        "status": "SUCCEEDED",
        "commitSha": "0123456789abcdef0123456789abcdef01234567",
        "occurredAt": "2025-03-04T05:06:07Z",
        "details": {"durationSeconds": 42, "runner": "linux"},
    }
    for name, value in overrides.items():
        if value is None:
            event.pop(name, None)
        else:
            event[name] = value
    return event


def sign(body: bytes, key: str = SIGNING_KEY) -> str:
    """The X-Signature-SHA256 value a pipeline sends, computed here from the documented scheme."""
    return "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def expected_event_id(pipeline: str, execution_id: str, stage: str, status: str) -> str:
    """The documented derivation, written independently of the handler's code."""
    canonical = json.dumps([pipeline, execution_id, stage, status], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def proxy_event(
    method: str,
    path: str,
    *,
    body: str | bytes | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    base64_body: bool = False,
    request_id: str = "apigw-request-1",
) -> dict[str, Any]:
    """An API Gateway REST proxy event as the integration delivers it."""
    text_body: str | None
    if isinstance(body, bytes):
        text_body = base64.b64encode(body).decode() if base64_body else body.decode("utf-8")
    else:
        text_body = body
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in (headers or {}).items()},
        "queryStringParameters": query,
        "body": text_body,
        "isBase64Encoded": base64_body,
        "requestContext": {
            "requestId": request_id,
            "stage": "prod",
            "identity": {"sourceIp": "203.0.113.7", "apiKeyId": "key-123", "userAgent": "pipeline-bot/1.0"},
        },
    }


@dataclass
class Reply:
    """A proxy response, read back: status, headers (lower-case names, values joined) and the JSON body."""

    status: int
    headers: dict[str, str]
    body: Any
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def of(cls, response: dict[str, Any]) -> Reply:
        headers = {name.lower(): ",".join(values) for name, values in response["multiValueHeaders"].items()}
        text = response["body"]
        return cls(
            status=response["statusCode"],
            headers=headers,
            body=json.loads(text) if text else None,
            raw=response,
        )

    @property
    def error_code(self) -> str:
        return str(self.body["error"]["code"])


@dataclass
class MotoAccount:
    """The handler's dependencies in moto, and clients to inspect them."""

    s3: Any
    sqs: Any
    secretsmanager: Any
    kms_key_arn: str
    bucket: str
    queue_url: str
    secret_arn: str

    def audit_keys(self) -> list[str]:
        listing = self.s3.list_objects_v2(Bucket=self.bucket)
        return [item["Key"] for item in listing.get("Contents", [])]

    def audit_record(self, key: str) -> dict[str, Any]:
        return json.loads(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def dead_letters(self) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", [])
        return [{"body": json.loads(m["Body"]), "attributes": m.get("MessageAttributes", {})} for m in messages]

    def delete_bucket(self) -> None:
        for key in self.audit_keys():
            self.s3.delete_object(Bucket=self.bucket, Key=key)
        self.s3.delete_bucket(Bucket=self.bucket)


class Api:
    """Calls `handler.handler` the way API Gateway's proxy integration does."""

    def __init__(self) -> None:
        self.context = FakeLambdaContext()

    def handler_response(self, event: Any) -> dict[str, Any]:
        """The proxy response exactly as the handler returned it."""
        response: dict[str, Any] = handler.handler(event, self.context)
        return response

    def invoke(self, event: Any) -> Reply:
        return Reply.of(self.handler_response(event))

    def request(
        self,
        method: str,
        path: str,
        *,
        body: str | bytes | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        base64_body: bool = False,
        origin: str | None = ORIGIN,
    ) -> Reply:
        all_headers = {**({"Origin": origin} if origin else {}), **(headers or {})}
        event = proxy_event(method, path, body=body, headers=all_headers, query=query, base64_body=base64_body)
        return self.invoke(event)

    def post_event(
        self,
        event: dict[str, Any] | None = None,
        *,
        body: bytes | None = None,
        key: str = SIGNING_KEY,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
        base64_body: bool = False,
    ) -> Reply:
        """POST /pipeline with `event` (or raw `body`) signed with `key` unless `signature` is given."""
        raw = body if body is not None else json.dumps(event if event is not None else pipeline_event()).encode()
        all_headers = {
            "Content-Type": "application/json",
            "X-Signature-SHA256": signature if signature is not None else sign(raw, key),
            **(headers or {}),
        }
        return self.request("POST", "/pipeline", body=raw, headers=all_headers, base64_body=base64_body)


class LogCapture:
    """The handler's log output during a test; Powertools writes one JSON object per line."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text().splitlines() if line.strip()]

    def messages(self) -> list[str]:
        return [str(line["message"]) for line in self.lines()]
