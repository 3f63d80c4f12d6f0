"""The function's dead-letter queue: where an accepted event goes, with the reason, when it cannot be audited."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from pipeline_api.errors import DependencyError

DEAD_LETTER_QUEUE = "dead_letter_queue"


class DeadLetterQueue:
    """Sends undeliverable audit records to one SQS queue."""

    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        self._sqs = sqs_client
        self._queue_url = queue_url

    def send(self, *, event_id: str, audit_key: str, reason: str, record: dict[str, Any]) -> None:
        """Queue the record with why it could not be written and where it belongs. Raises DependencyError."""
        message = {"reason": reason, "eventId": event_id, "auditKey": audit_key, "record": record}
        try:
            self._sqs.send_message(
                QueueUrl=self._queue_url,
                MessageBody=json.dumps(message, separators=(",", ":"), ensure_ascii=False),
                MessageAttributes={
                    "reason": {"DataType": "String", "StringValue": reason},
                    "eventId": {"DataType": "String", "StringValue": event_id},
                },
            )
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", "Unknown"))
            raise DependencyError(DEAD_LETTER_QUEUE, code) from error
        except BotoCoreError as error:
            raise DependencyError(DEAD_LETTER_QUEUE, type(error).__name__) from error
