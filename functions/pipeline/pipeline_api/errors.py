"""The API's error type and its single JSON envelope."""

from __future__ import annotations

import json
from typing import Any

JSON_CONTENT_TYPE = "application/json"


class ApiError(Exception):
    """An answer other than success: HTTP status, a stable machine-readable code and a message for people.

    `details` must hold only what is safe to show a caller; `headers` are added to the response (Allow, Retry-After).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


class DependencyError(Exception):
    """An AWS dependency failed after the SDK's own retries. `reason` is the service's error code, for logs and DLQ."""

    def __init__(self, dependency: str, reason: str) -> None:
        super().__init__(f"{dependency} failed: {reason}")
        self.dependency = dependency
        self.reason = reason


class SigningKeyTooShortError(Exception):
    """The signing secret is too short to be a safe HMAC key: a deployment error, answered 500 misconfigured."""


class DependencyUnavailableError(Exception):
    """A dependency failed or its circuit is open; callers answer 503 with `retry_after_seconds`."""

    def __init__(self, dependency: str, reason: str, retry_after_seconds: int) -> None:
        super().__init__(f"{dependency} unavailable: {reason}")
        self.dependency = dependency
        self.reason = reason
        self.retry_after_seconds = retry_after_seconds


def error_body(error: ApiError, request_id: str) -> str:
    """The envelope every error answer uses: {"error": {"code", "message", "details"}, "requestId"}."""
    return json.dumps(
        {
            "error": {"code": error.code, "message": error.message, "details": error.details},
            "requestId": request_id,
        },
        separators=(",", ":"),
    )
