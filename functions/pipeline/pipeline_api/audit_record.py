"""What is written to the audit bucket for an accepted event: its deterministic id, its key and its record."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline_api.model import PipelineEvent

AUDIT_PREFIX = "events/"
RECORD_SCHEMA_VERSION = 1


def event_id_for(pipeline: str, execution_id: str, stage: str, status: str) -> str:
    """The event's id: the first 32 hex digits of SHA-256 over the JSON array [pipeline, executionId, stage, status].

    The same four values always give the same id, which makes replays idempotent; a sender can compute it too.
    """
    canonical = json.dumps([pipeline, execution_id, stage, status], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def audit_key_for(event_id: str, occurred_at: datetime) -> str:
    """`events/YYYY/MM/DD/<event id>.json`, partitioned by the UTC date the event occurred."""
    return f"{AUDIT_PREFIX}{occurred_at:%Y/%m/%d}/{event_id}.json"


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class AuditEntry:
    """One accepted event as stored: the id, the object key and the record (a JSON object)."""

    event_id: str
    key: str
    record: dict[str, Any]

    def encoded(self) -> bytes:
        """The record as the UTF-8 JSON bytes written to S3."""
        return json.dumps(self.record, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def build_audit_entry(
    event: PipelineEvent, *, received_at: datetime, request_id: str, source: dict[str, str]
) -> AuditEntry:
    """The audit entry for a validated event. `received_at` must be timezone-aware (UTC)."""
    event_id = event_id_for(event.pipeline, event.execution_id, event.stage, event.status.value)
    record: dict[str, Any] = {
        "schemaVersion": RECORD_SCHEMA_VERSION,
        "eventId": event_id,
        "pipeline": event.pipeline,
        "executionId": event.execution_id,
        "stage": event.stage,
        "status": event.status.value,
        "commitSha": event.commit_sha,
        "occurredAt": _timestamp(event.occurred_at),
        "details": event.details,
        "receivedAt": _timestamp(received_at),
        "requestId": request_id,
        "source": source,
    }
    return AuditEntry(event_id=event_id, key=audit_key_for(event_id, event.occurred_at), record=record)
