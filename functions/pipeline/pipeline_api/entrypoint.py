"""The Lambda entry point's logic: configuration once, event shape check, routing, and the last-resort answers.

Whatever happens, the function returns a proxy response with the JSON envelope and the CORS headers; it never raises
to the runtime (a raised error would reach the caller as API Gateway's bare 502).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from pipeline_api.config import ConfigError, load_settings
from pipeline_api.errors import ApiError
from pipeline_api.observability import logger, metrics, record_latency
from pipeline_api.proxy_event import MalformedEventError, normalize_proxy_event
from pipeline_api.responses import CorsPolicy, error_response, to_lambda_response, with_cors
from pipeline_api.routes import create_app
from pipeline_api.runtime import Runtime


@dataclass(frozen=True)
class _Ready:
    runtime: Runtime
    app: APIGatewayRestResolver


@dataclass(frozen=True)
class _Misconfigured:
    error: ConfigError
    cors: CorsPolicy | None


_state: _Ready | _Misconfigured | None = None
_client_overrides: dict[str, Any] = {}
_clock: Callable[[], float] = time.time


def reset(*, clock: Callable[[], float] = time.time, **client_overrides: Any) -> None:
    """Forget configuration, clients, caches and circuits: the next request behaves like a cold start.

    `clock` (seconds since the epoch) replaces the wall clock for everything that expires; the other keyword arguments
    (s3, sqs, secretsmanager) replace those AWS clients with stubs. For tests and benchmarks.
    """
    global _state, _clock  # noqa: PLW0603 - the execution environment's state is module state by design
    _state = None
    _clock = clock
    _client_overrides.clear()
    _client_overrides.update(client_overrides)


def _current_state() -> _Ready | _Misconfigured:
    global _state  # noqa: PLW0603
    if _state is None:
        try:
            settings = load_settings(os.environ)
        except ConfigError as error:
            # Logged once per execution environment; every request then answers 500 misconfigured.
            logger.error("invalid configuration", extra={"problems": list(error.problems)})
            _state = _Misconfigured(error=error, cors=CorsPolicy.for_origins(error.allowed_origins))
        else:
            runtime = Runtime(settings, _client_overrides, _clock)
            _state = _Ready(runtime=runtime, app=create_app(runtime))
    return _state


def _request_id(event: dict[str, Any] | None, context: Any) -> str:
    request_id = ((event or {}).get("requestContext") or {}).get("requestId")
    if isinstance(request_id, str):
        return request_id
    return str(getattr(context, "aws_request_id", "unknown"))


def _origin(event: dict[str, Any] | None) -> str | None:
    for name, value in ((event or {}).get("headers") or {}).items():
        if name.lower() == "origin":
            return str(value)
    return None


def _error(error: ApiError, request_id: str) -> dict[str, Any]:
    return to_lambda_response(error_response(error, request_id))


def _respond(raw_event: Any, context: Any) -> dict[str, Any]:
    state = _current_state()
    cors = state.runtime.cors if isinstance(state, _Ready) else state.cors
    event: dict[str, Any] | None = None
    request_id = _request_id(None, context)
    try:
        malformed: MalformedEventError | None = None
        try:
            event = normalize_proxy_event(raw_event)
        except MalformedEventError as error:
            malformed = error
        request_id = _request_id(event, context)
        logger.set_correlation_id(request_id)
        # Misconfiguration first: with a broken configuration every request, even a malformed one, is a 500.
        if isinstance(state, _Misconfigured):
            response = _error(ApiError(500, "misconfigured", "the service is misconfigured"), request_id)
        elif event is None:
            message = f"the request is not a valid API Gateway event: {malformed}"
            response = _error(ApiError(400, "malformed_request", message), request_id)
        else:
            response = state.app.resolve(event, context)
    except Exception:
        logger.exception("unexpected error outside the routes")
        response = _error(ApiError(500, "internal_error", "an unexpected error occurred"), request_id)
    return with_cors(response, cors, _origin(event))


@metrics.log_metrics(capture_cold_start_metric=True)
# log_event=False even if POWERTOOLS_LOGGER_LOG_EVENT is set: the event carries the signature header and the body.
@logger.inject_lambda_context(log_event=False, clear_state=True)
def handle(event: Any, context: Any) -> dict[str, Any]:
    """Answer one API Gateway proxy event; never raises."""
    started = time.perf_counter()
    response = _respond(event, context)
    record_latency((time.perf_counter() - started) * 1000)
    return response
