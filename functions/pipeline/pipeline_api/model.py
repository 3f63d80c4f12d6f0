"""The pipeline event a sender posts, validated with pydantic (imported only when the first event arrives)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from pipeline_api.errors import ApiError

# Identifiers appear in logs and in the audit record; keep them to a charset that needs no escaping anywhere.
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@:/-]*$"
MAX_DETAILS_DEPTH = 8
MAX_REPORTED_FIELD_ERRORS = 20
DEFAULT_MAX_DETAILS_BYTES = 8_192

Identifier = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=IDENTIFIER_PATTERN)]
CommitSha = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{40}([0-9a-fA-F]{24})?$")]


class PipelineStatus(StrEnum):
    """What happened to the stage."""

    STARTED = "STARTED"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


def _nesting_depth(value: Any) -> int:
    """How many containers deep `value` goes (a scalar is 0), without recursion."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        current, depth = pending.pop()
        children: list[Any] | None = None
        if isinstance(current, dict):
            children = list(current.values())
        elif isinstance(current, list):
            children = current
        if children is not None:
            deepest = max(deepest, depth + 1)
            pending.extend((child, depth + 1) for child in children)
    return deepest


class PipelineEvent(BaseModel):
    """A stage of a pipeline execution started, succeeded, failed or was cancelled.

    Strict: wrong JSON types are errors, not coerced; unknown fields are errors, so a misspelt field is reported
    instead of silently dropped. Field errors use the JSON (camelCase) names.
    """

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    pipeline: Identifier
    execution_id: Identifier = Field(alias="executionId")
    stage: Identifier
    status: PipelineStatus
    commit_sha: CommitSha = Field(alias="commitSha")
    occurred_at: AwareDatetime = Field(alias="occurredAt")
    details: dict[str, JsonValue] | None = None

    @field_validator("commit_sha")
    @classmethod
    def _lowercase_sha(cls, value: str) -> str:
        return value.lower()

    @field_validator("occurred_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @field_validator("details")
    @classmethod
    def _bounded_details(cls, value: dict[str, JsonValue] | None, info: ValidationInfo) -> dict[str, JsonValue] | None:
        if value is None:
            return None
        max_bytes = (info.context or {}).get("max_details_bytes", DEFAULT_MAX_DETAILS_BYTES)
        if _nesting_depth(value) > MAX_DETAILS_DEPTH:
            raise ValueError(f"details must not nest deeper than {MAX_DETAILS_DEPTH} levels")
        try:
            encoded = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        except ValueError:
            raise ValueError("details must not contain NaN or infinite numbers") from None
        if len(encoded.encode("utf-8")) > max_bytes:
            raise ValueError(f"details must be at most {max_bytes} bytes as compact JSON")
        return value


def _field_name(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "(body)"


def parse_event(body: bytes, max_details_bytes: int) -> PipelineEvent:
    """Parse and validate a raw JSON body in one pass.

    Raises ApiError 400 `malformed_json` when the body is not JSON (or nests deeper than the parser allows), and 422
    `validation_failed` naming each invalid field otherwise.
    """
    try:
        return PipelineEvent.model_validate_json(body, context={"max_details_bytes": max_details_bytes})
    except ValidationError as error:
        problems = error.errors(include_url=False, include_input=False, include_context=False)
        unparsable = [problem for problem in problems if problem["type"] == "json_invalid"]
        if unparsable:
            raise ApiError(
                400, "malformed_json", "the body is not valid JSON", details={"reason": unparsable[0]["msg"]}
            ) from None
        fields = [
            {"field": _field_name(problem["loc"]), "message": problem["msg"]}
            for problem in problems[:MAX_REPORTED_FIELD_ERRORS]
        ]
        names = ", ".join(dict.fromkeys(field["field"] for field in fields))
        raise ApiError(
            422, "validation_failed", f"the event has invalid fields: {names}", details={"fields": fields}
        ) from None
