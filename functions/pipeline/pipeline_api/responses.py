"""Response building: JSON bodies, the error envelope, and the CORS headers every response carries."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler import CORSConfig, Response

from pipeline_api.errors import JSON_CONTENT_TYPE, ApiError, error_body
from pipeline_api.observability import FAILED, REJECTED, count_with_dimension, logger
from pipeline_api.signature import SIGNATURE_HEADER

# Responses describe one request's outcome: never cache them, never let a browser guess their type.
COMMON_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
PREFLIGHT_MAX_AGE_SECONDS = 600


@dataclass(frozen=True)
class CorsPolicy:
    """The Powertools CORS configuration plus the origin to announce when the request's Origin is not allowed."""

    config: CORSConfig
    fallback_origin: str

    @classmethod
    def for_origins(cls, allowed_origins: tuple[str, ...]) -> CorsPolicy | None:
        """The policy for the configured origins; None when there are none to announce."""
        if not allowed_origins:
            return None
        config = CORSConfig(
            allow_origin=allowed_origins[0],
            extra_origins=list(allowed_origins[1:]),
            allow_headers=[SIGNATURE_HEADER],
            expose_headers=["Retry-After"],
            max_age=PREFLIGHT_MAX_AGE_SECONDS,
        )
        return cls(config=config, fallback_origin=allowed_origins[0])

    def headers_for(self, request_origin: str | None) -> dict[str, str]:
        """The CORS headers answering `request_origin`: that origin when allowed, else the fallback origin."""
        allowed = self.config.allowed_origin(request_origin) if request_origin else None
        return self.config.to_dict(allowed or self.fallback_origin)


def json_response(status: int, payload: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> Response[str]:
    """A JSON response for the resolver."""
    return Response(
        status_code=status,
        content_type=JSON_CONTENT_TYPE,
        body=json.dumps(payload, separators=(",", ":")),
        headers={**COMMON_HEADERS, **(headers or {})},
    )


def error_response(error: ApiError, request_id: str) -> Response[str]:
    """The error envelope for `error`, logged and counted as rejected (4xx) or failed (5xx) by its code."""
    rejected = error.status < 500
    count_with_dimension(REJECTED if rejected else FAILED, "reason", error.code)
    outcome = {"status": error.status, "code": error.code}
    if rejected:
        logger.info("request rejected", extra=outcome)
    else:
        logger.warning("request failed", extra=outcome)
    return Response(
        status_code=error.status,
        content_type=JSON_CONTENT_TYPE,
        body=error_body(error, request_id),
        headers={**COMMON_HEADERS, **error.headers},
    )


def to_lambda_response(response: Response[str]) -> dict[str, Any]:
    """A Response as the proxy integration expects it, for answers given without the resolver."""
    headers: dict[str, list[str]] = {}
    for name, value in response.headers.items():
        headers[name] = [value] if isinstance(value, str) else list(value)
    return {
        "statusCode": response.status_code,
        "body": response.body if isinstance(response.body, str) else json.dumps(response.body),
        "isBase64Encoded": False,
        "multiValueHeaders": headers,
    }


def with_cors(response: dict[str, Any], cors: CorsPolicy | None, request_origin: str | None) -> dict[str, Any]:
    """`response` with the CORS headers for the configured origins, whatever the request's Origin was.

    The resolver adds them only for an allowed Origin; for a missing or foreign one this answers with the first
    configured origin (a browser then refuses the response, as it should). `Vary: Origin` tells caches the answer
    depends on the Origin header.
    """
    headers: dict[str, list[str]] = {
        name: list(values) for name, values in (response.get("multiValueHeaders") or {}).items()
    }
    if cors is not None and "Access-Control-Allow-Origin" not in headers:
        for name, value in cors.headers_for(request_origin).items():
            headers.setdefault(name, [value])
    headers["Vary"] = ["Origin"]
    response["multiValueHeaders"] = headers
    return response
