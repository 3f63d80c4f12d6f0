"""What a pipeline does to talk to the API: build an event, sign its body, send it with the API key.

The contract is functions/pipeline's (docs/functions.md): `X-Signature-SHA256: sha256=<hex HMAC-SHA256 of the raw
body>` with the function's secret as the key, the API key in `x-api-key`, audit records at
`events/YYYY/MM/DD/<event id>.json` (UTC date the event occurred).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from integration_tests.targets import RegionUnderTest

SIGNATURE_HEADER = "X-Signature-SHA256"
AUDIT_PREFIX = "events/"


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def send(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> HttpResponse:
    """One HTTP request; error statuses are answers, not exceptions."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the API under test
            return HttpResponse(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
    except urllib.error.HTTPError as error:
        return HttpResponse(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


def pipeline_event(**overrides: Any) -> dict[str, Any]:
    """A valid event, unique to this call unless overridden."""
    event = {
        "pipeline": "delivery-integration",
        "executionId": str(uuid.uuid4()),
        "stage": "build",
        "status": "SUCCEEDED",
        "commitSha": secrets.token_hex(20),
        "occurredAt": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "details": {"runner": "integration-suite"},
    }
    event.update(overrides)
    return event


def encode(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode("utf-8")


def signature(key: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def audit_key(event_id: str, occurred_at: str) -> str:
    moment = datetime.fromisoformat(occurred_at.replace("Z", "+00:00")).astimezone(UTC)
    return f"{AUDIT_PREFIX}{moment:%Y/%m/%d}/{event_id}.json"


@dataclass
class PipelineClient:
    """Posts events to one region's API as a pipeline would."""

    api_url: str
    api_key: str
    signing_key: bytes

    def post(
        self, body: bytes, *, sign_with: bytes | None = None, api_key: str | None = "default", **headers: str
    ) -> HttpResponse:
        request_headers = {"Content-Type": "application/json", **headers}
        request_headers[SIGNATURE_HEADER] = signature(sign_with or self.signing_key, body)
        key = self.api_key if api_key == "default" else api_key
        if key is not None:
            request_headers["x-api-key"] = key
        return send("POST", f"{self.api_url}/pipeline", body, request_headers)

    def post_event(self, event: dict[str, Any]) -> HttpResponse:
        return self.post(encode(event))


def pipeline_client_for(region: RegionUnderTest, function_key: str = "pipeline") -> PipelineClient:
    """A pipeline's view of a region: its API URL, the stack's API key, the function's signing key."""
    apigateway = region.client("apigateway")
    api_key = apigateway.get_api_key(apiKey=region.output("api_key_id"), includeValue=True)["value"]
    secrets_manager = region.client("secretsmanager")
    secret_arn = region.function(function_key).outputs["secret_arn"]
    try:
        signing_key = secrets_manager.get_secret_value(SecretId=secret_arn)["SecretString"]
    except secrets_manager.exceptions.ResourceNotFoundException:
        # The stack created the secret without a value: give it one, as an operator would before first use.
        signing_key = secrets.token_hex(32)
        secrets_manager.put_secret_value(SecretId=secret_arn, SecretString=signing_key)
    return PipelineClient(region.api_url, api_key, signing_key.encode("utf-8"))
