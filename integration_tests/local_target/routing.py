"""What API Gateway decides before it calls an integration: which route a request takes, whether a function's
resource policy admits the call, and the answers it gives itself."""

from __future__ import annotations

import base64
import fnmatch
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

MISSING_AUTH_TOKEN = {"message": "Missing Authentication Token"}
FORBIDDEN = {"message": "Forbidden"}
INTERNAL_SERVER_ERROR = {"message": "Internal server error"}


@dataclass(frozen=True)
class Route:
    resource_id: str
    resource_path: str
    path_parameters: dict[str, str]
    method: dict[str, Any]


def match_route(resources: list[dict[str, Any]], path: str, http_method: str) -> Route | None:
    """The resource and method API Gateway would pick for `path`: literal segments beat `{param}`, then `{proxy+}`."""
    segments = [s for s in path.split("/") if s]
    best: tuple[tuple[int, ...], Route] | None = None
    for resource in resources:
        parts = [p for p in resource["path"].split("/") if p]
        parameters: dict[str, str] = {}
        rank: list[int] = []
        matched = True
        for index, part in enumerate(parts):
            if part.startswith("{") and part.endswith("+}"):
                if index >= len(segments):
                    matched = False
                    break
                parameters[part[1:-2]] = "/".join(segments[index:])
                rank.append(0)
                segments_used = len(segments)
                break
            if index >= len(segments):
                matched = False
                break
            if part.startswith("{") and part.endswith("}"):
                parameters[part[1:-1]] = segments[index]
                rank.append(1)
            elif part == segments[index]:
                rank.append(2)
            else:
                matched = False
                break
        else:
            segments_used = len(parts)
        if not matched or segments_used != len(segments):
            continue
        methods = resource.get("resourceMethods") or {}
        method = methods.get(http_method) or methods.get("ANY")
        if method is None:
            continue
        route = Route(resource["id"], resource["path"], parameters, method)
        if best is None or tuple(rank) > best[0]:
            best = (tuple(rank), route)
    return best[1] if best else None


def arn_like(pattern: str, value: str) -> bool:
    """IAM's ArnLike: `*` and `?` wildcards, case-sensitive."""
    return fnmatch.fnmatchcase(value, pattern)


def permission_admits(policy: dict[str, Any], function_arn: str, source_arn: str) -> bool:
    """Whether a function's resource policy lets API Gateway invoke it for a request on `source_arn`."""
    statements = policy.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal")
        service = principal.get("Service") if isinstance(principal, dict) else principal
        actions = statement.get("Action")
        actions = actions if isinstance(actions, list) else [actions]
        if statement.get("Effect") != "Allow" or service != "apigateway.amazonaws.com":
            continue
        if not any(arn_like(action, "lambda:InvokeFunction") for action in actions):
            continue
        resource = statement.get("Resource", function_arn)
        if not arn_like(resource, function_arn) and not arn_like(resource, f"{function_arn}:*"):
            continue
        condition = statement.get("Condition") or {}
        wanted = [
            v
            for op in ("ArnLike", "ArnEquals")
            for k, v in (condition.get(op) or {}).items()
            if k.lower() == "aws:sourcearn"
        ]
        if all(arn_like(pattern, source_arn) for pattern in wanted):
            return True
    return False


def decode_body(raw: bytes, content_type: str, binary_media_types: list[str]) -> tuple[str | None, bool]:
    if not raw:
        return None, False
    media_type = content_type.split(";", 1)[0].strip().lower()
    if any(fnmatch.fnmatch(media_type, pattern.lower()) for pattern in binary_media_types):
        return base64.b64encode(raw).decode("ascii"), True
    return raw.decode("utf-8", errors="replace"), False


@dataclass(frozen=True)
class IncomingRequest:
    """An HTTP request to the stage URL, split the way API Gateway reads it."""

    method: str
    stage: str
    path: str  # below the stage, starting with "/"
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @classmethod
    def parse(cls, method: str, raw_path: str, headers: list[tuple[str, str]], body: bytes) -> IncomingRequest:
        split = urlsplit(raw_path)
        stage, _, rest = split.path.lstrip("/").partition("/")
        return cls(method, stage, "/" + rest, split.query, headers, body)

    def header(self, name: str) -> str | None:
        """The last value of a header, by case-insensitive name (as API Gateway fills `headers`)."""
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return values[-1] if values else None


class GatewayRejection(Exception):
    """An answer API Gateway gives itself, before or instead of the integration."""

    def __init__(self, response_type: str, status: int, payload: dict[str, str]) -> None:
        super().__init__(f"{status} {response_type}")
        self.response_type = response_type
        self.status = status
        self.payload = payload
