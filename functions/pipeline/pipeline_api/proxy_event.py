"""Checking the shape of the API Gateway (REST, proxy integration) event before anything reads it.

The resolver and the handlers then see only well-typed fields, so no value sent by a caller, however hostile, can
turn into a TypeError deep inside a library.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_METHOD_LENGTH = 32
MAX_PATH_LENGTH = 2_048
MAX_CONTEXT_VALUE_LENGTH = 256


class MalformedEventError(Exception):
    """The invocation event is not an API Gateway proxy event; the message names the offending field."""


def _string_map(value: object, field: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MalformedEventError(f"{field} must be an object of strings or null")
    result: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise MalformedEventError(f"{field} must map strings to strings")
        result[key] = item
    return result


def _last_values(value: object, field: str) -> dict[str, str]:
    """multiValueHeaders reduced to the last value of each, as API Gateway fills `headers`."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MalformedEventError(f"{field} must be an object of string lists or null")
    result: dict[str, str] = {}
    for key, items in value.items():
        if not isinstance(key, str) or not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise MalformedEventError(f"{field} must map strings to lists of strings")
        if items:
            result[key] = items[-1]
    return result


def _context_value(container: object, key: str) -> str | None:
    if isinstance(container, Mapping):
        value = container.get(key)
        if isinstance(value, str) and value:
            return value[:MAX_CONTEXT_VALUE_LENGTH]
    return None


def normalize_proxy_event(event: object) -> dict[str, Any]:
    """A copy of `event` holding only the fields the handler uses, each of the expected type.

    Raises MalformedEventError naming the first field that is missing or of the wrong type.
    """
    if not isinstance(event, Mapping):
        raise MalformedEventError("the event must be an API Gateway proxy event (a JSON object)")
    method = event.get("httpMethod")
    if not isinstance(method, str) or not 0 < len(method) <= MAX_METHOD_LENGTH:
        raise MalformedEventError(f"httpMethod must be a string of 1 to {MAX_METHOD_LENGTH} characters")
    path = event.get("path")
    if not isinstance(path, str) or not path.startswith("/") or len(path) > MAX_PATH_LENGTH:
        raise MalformedEventError(f"path must be a string starting with '/', at most {MAX_PATH_LENGTH} characters")
    headers = _string_map(event.get("headers"), "headers") or _last_values(
        event.get("multiValueHeaders"), "multiValueHeaders"
    )
    query = _string_map(event.get("queryStringParameters"), "queryStringParameters")
    body = event.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedEventError("body must be a string or null")
    is_base64 = event.get("isBase64Encoded")
    if is_base64 is not None and not isinstance(is_base64, bool):
        raise MalformedEventError("isBase64Encoded must be true, false or absent")
    request_context = event.get("requestContext")
    identity = request_context.get("identity") if isinstance(request_context, Mapping) else None
    context = {
        "requestId": _context_value(request_context, "requestId"),
        "identity": {
            "sourceIp": _context_value(identity, "sourceIp"),
            "apiKeyId": _context_value(identity, "apiKeyId"),
            "userAgent": _context_value(identity, "userAgent"),
        },
    }
    return {
        "httpMethod": method.upper(),
        "path": path,
        "headers": headers,
        "queryStringParameters": query or None,
        "body": body,
        "isBase64Encoded": bool(is_base64),
        "requestContext": context,
    }
