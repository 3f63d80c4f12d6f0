"""The HTTP API on Powertools' REST resolver: POST /pipeline, GET /health, CORS preflight, and every error answer."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from pipeline_api import __version__
from pipeline_api.audit_record import build_audit_entry
from pipeline_api.errors import JSON_CONTENT_TYPE, ApiError, DependencyUnavailableError, SigningKeyTooShortError
from pipeline_api.observability import (
    ACCEPTED,
    DEAD_LETTERED,
    DUPLICATE,
    LOST,
    SIGNED_WITH_NONCURRENT_KEY,
    count,
    count_with_dimension,
    logger,
)
from pipeline_api.responses import error_response, json_response
from pipeline_api.runtime import Runtime
from pipeline_api.signature import (
    CURRENT,
    SIGNATURE_HEADER,
    invalid_signature,
    presented_signature,
    signing_stage,
)

if TYPE_CHECKING:
    from pipeline_api.dependencies import Dependencies

PIPELINE_PATH = "/pipeline"
HEALTH_PATH = "/health"
# The methods each path answers besides the CORS preflight; anything else on these paths is 405.
ROUTES: dict[str, tuple[str, ...]] = {PIPELINE_PATH: ("POST",), HEALTH_PATH: ("GET",)}


def request_id_of(event: APIGatewayProxyEvent, fallback: str) -> str:
    """API Gateway's request id (what the caller sees as x-amzn-RequestId), else the Lambda request id."""
    request_id = (event.get("requestContext") or {}).get("requestId")
    return request_id if isinstance(request_id, str) else fallback


def _require_json(content_type: str | None) -> None:
    media_type, _, parameters = (content_type or "").partition(";")
    charset = ""
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    if media_type.strip().lower() != JSON_CONTENT_TYPE or charset not in ("", "utf-8"):
        raise ApiError(
            415,
            "unsupported_media_type",
            "the body must be sent as Content-Type: application/json (charset utf-8 if given)",
            details={"expected": JSON_CONTENT_TYPE},
        )


def _raw_body(event: APIGatewayProxyEvent, max_bytes: int) -> bytes:
    """The bytes the sender signed: the body, base64-decoded when API Gateway says it is."""
    too_large = ApiError(
        413, "payload_too_large", f"the body must be at most {max_bytes} bytes", details={"maxBytes": max_bytes}
    )
    body: str = event.get("body") or ""
    if event.get("isBase64Encoded"):
        # Reject before decoding: base64 grows data by 4/3, so a longer string cannot decode to an allowed size.
        if len(body) > 4 * ((max_bytes + 2) // 3):
            raise too_large
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(400, "malformed_base64", "the body is flagged base64 but is not valid base64") from None
    else:
        if len(body) > max_bytes:
            raise too_large
        try:
            raw = body.encode("utf-8")
        except UnicodeEncodeError:
            raise ApiError(400, "malformed_json", "the body is not valid UTF-8 text") from None
    if len(raw) > max_bytes:
        raise too_large
    return raw


def _source_of(event: APIGatewayProxyEvent) -> dict[str, str]:
    identity = (event.get("requestContext") or {}).get("identity") or {}
    return {name: value for name, value in identity.items() if isinstance(value, str)}


def _unavailable(message: str, retry_after_seconds: int) -> ApiError:
    return ApiError(
        503,
        "dependency_unavailable",
        message,
        details={"retryAfterSeconds": retry_after_seconds},
        headers={"Retry-After": str(retry_after_seconds)},
    )


def _authenticate(dependencies: Dependencies, raw: bytes, header_value: str | None) -> None:
    """Accept a body signed with any accepted version of the signing secret (current, pending or previous).

    A signature none of the cached keys made is checked once more against the keys read again: the secret may have
    rotated since they were cached, and the caller may already hold the new key.
    """
    presented = presented_signature(header_value)
    try:
        stage = signing_stage(dependencies.signing_keys(), raw, presented)
        if stage is None:
            refreshed = dependencies.refreshed_signing_keys()
            stage = signing_stage(refreshed, raw, presented) if refreshed is not None else None
    except DependencyUnavailableError as failure:
        raise _unavailable("the signing key cannot be read now; retry later", failure.retry_after_seconds) from None
    except SigningKeyTooShortError:
        logger.error("signing secret unusable", extra={"problem": "shorter than the minimum key length"})
        raise ApiError(500, "misconfigured", "the service is misconfigured") from None
    if stage is None:
        raise invalid_signature()
    if stage != CURRENT:
        count_with_dimension(SIGNED_WITH_NONCURRENT_KEY, "stage", stage)
        logger.info("request signed with a non-current key", extra={"key_stage": stage})


def accept_pipeline_event(event: APIGatewayProxyEvent, runtime: Runtime, request_id: str) -> Response[str]:
    """POST /pipeline: authenticate, validate, write the audit record once; 202 with the event id."""
    _require_json(event.headers.get("content-type"))
    raw = _raw_body(event, runtime.settings.max_body_bytes)
    dependencies = runtime.dependencies()
    _authenticate(dependencies, raw, event.headers.get(SIGNATURE_HEADER))

    pipeline_event = runtime.parse_event(raw)
    entry = build_audit_entry(
        pipeline_event,
        received_at=datetime.fromtimestamp(runtime.clock(), UTC),
        request_id=request_id,
        source=_source_of(event),
    )
    logger.append_keys(event_id=entry.event_id)
    try:
        written = dependencies.write_audit(entry.key, entry.encoded())
    except DependencyUnavailableError as failure:
        reason = f"audit write failed: {failure.reason}"
        try:
            dependencies.dead_letter(event_id=entry.event_id, audit_key=entry.key, reason=reason, record=entry.record)
        except DependencyUnavailableError as dead_letter_failure:
            count(LOST)
            logger.error(
                "event lost: neither the audit bucket nor the dead-letter queue accepted it",
                # The record rides in this log line: the last place it exists, so an operator can still replay it.
                extra={
                    "audit_failure": failure.reason,
                    "dead_letter_failure": dead_letter_failure.reason,
                    "record": entry.record,
                },
            )
            raise ApiError(500, "internal_error", "the event could not be recorded; retry later") from None
        count(DEAD_LETTERED)
        logger.warning("event dead-lettered", extra={"reason": reason, "audit_key": entry.key})
        raise _unavailable(
            "the audit store is unavailable; the event was queued for replay", failure.retry_after_seconds
        ) from None

    count(ACCEPTED if written else DUPLICATE)
    logger.info(
        "event recorded" if written else "duplicate event ignored",
        extra={
            "pipeline": pipeline_event.pipeline,
            "stage": pipeline_event.stage,
            "status": pipeline_event.status.value,
            "audit_key": entry.key,
        },
    )
    return json_response(202, {"eventId": entry.event_id, "duplicate": not written, "requestId": request_id})


def health(event: APIGatewayProxyEvent, runtime: Runtime) -> Response[str]:
    """GET /health: version and region without any AWS call; `?deep=true` also checks the bucket and the secret."""
    deep = (event.get("queryStringParameters") or {}).get("deep", "false").strip().lower()
    if deep not in ("true", "false"):
        raise ApiError(400, "invalid_query", "the query parameter deep must be true or false")
    payload: dict[str, Any] = {"status": "ok", "version": __version__, "region": runtime.settings.region}
    if deep == "true":
        dependencies = runtime.dependencies()
        checks = {
            "auditBucket": "ok" if dependencies.check_audit_bucket() else "unreachable",
            "signingSecret": "ok" if dependencies.check_signing_secret() else "unreachable",
        }
        if any(state != "ok" for state in checks.values()):
            error = _unavailable("a dependency is unreachable", dependencies.retry_after_for_health())
            error.details = {"checks": checks, **(error.details or {})}
            raise error
        payload["checks"] = checks
    return json_response(200, payload)


def create_app(runtime: Runtime) -> APIGatewayRestResolver:
    """The resolver for `runtime`'s settings: routes, CORS, and every error mapped to the envelope."""
    cors = runtime.cors.config if runtime.cors is not None else None
    # debug=False even when POWERTOOLS_DEV is set: debug mode would send tracebacks to callers.
    app = APIGatewayRestResolver(cors=cors, debug=False)

    def request_id() -> str:
        return request_id_of(app.current_event, app.lambda_context.aws_request_id)

    def known_paths_only(
        resolver: APIGatewayRestResolver, next_middleware: Callable[..., Response[str]]
    ) -> Response[str]:
        # The resolver answers a preflight for any path; an unknown path is 404 whatever the method.
        if resolver.current_event.path not in ROUTES:
            raise ApiError(404, "not_found", f"no route {resolver.current_event.path}; routes are {', '.join(ROUTES)}")
        return next_middleware(resolver)

    app.use([known_paths_only])

    @app.post(PIPELINE_PATH)
    def post_pipeline() -> Response[str]:
        return accept_pipeline_event(app.current_event, runtime, request_id())

    @app.get(HEALTH_PATH)
    def get_health() -> Response[str]:
        return health(app.current_event, runtime)

    @app.not_found
    def method_not_allowed(_: NotFoundError) -> Response[str]:
        # Reached only for a known path (the middleware answered the others) with a method it does not serve.
        allowed = ROUTES.get(app.current_event.path, ())
        error = ApiError(
            405,
            "method_not_allowed",
            f"{app.current_event.http_method} is not allowed here; use {', '.join(allowed)}",
            details={"allowed": list(allowed)},
            headers={"Allow": ", ".join((*allowed, "OPTIONS"))},
        )
        return error_response(error, request_id())

    @app.exception_handler(ApiError)
    def api_error(error: ApiError) -> Response[str]:
        return error_response(error, request_id())

    @app.exception_handler(Exception)
    def unexpected_error(error: Exception) -> Response[str]:
        logger.exception("unexpected error")
        return error_response(ApiError(500, "internal_error", "an unexpected error occurred"), request_id())

    return app
