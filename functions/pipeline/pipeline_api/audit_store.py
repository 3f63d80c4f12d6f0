"""The audit bucket: each record written once, under its deterministic key, by a conditional put."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from pipeline_api.errors import DependencyError

AUDIT_BUCKET = "audit_bucket"


def _error_code(error: ClientError) -> tuple[str, int]:
    response: Any = error.response
    code = str(response.get("Error", {}).get("Code", "Unknown"))
    status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    return code, status


class AuditStore:
    """Writes audit records to one bucket. The bucket's default encryption (SSE-KMS) applies to every object."""

    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def put_if_absent(self, key: str, body: bytes) -> bool:
        """Write `body` at `key` unless an object is already there.

        Returns True when this call wrote the record, False when the key already held one (a replay). Uses S3's
        `If-None-Match: *`, so two concurrent writers cannot both succeed. Raises DependencyError otherwise.
        """
        # S3 answers 409 ConditionalRequestConflict when another conditional write to the same key is in flight;
        # the second attempt then sees the finished object (412) or writes it.
        for attempt in range(2):
            try:
                self._s3.put_object(
                    Bucket=self._bucket, Key=key, Body=body, ContentType="application/json", IfNoneMatch="*"
                )
            except ClientError as error:
                code, status = _error_code(error)
                if status == 412 or code == "PreconditionFailed":
                    return False
                if attempt == 0 and (status == 409 or code == "ConditionalRequestConflict"):
                    continue
                raise DependencyError(AUDIT_BUCKET, code) from error
            except BotoCoreError as error:
                raise DependencyError(AUDIT_BUCKET, type(error).__name__) from error
            return True
        raise DependencyError(AUDIT_BUCKET, "ConditionalRequestConflict")

    def check_reachable(self) -> None:
        """HeadBucket: the bucket exists and this role may list it. Raises DependencyError otherwise."""
        try:
            self._s3.head_bucket(Bucket=self._bucket)
        except ClientError as error:
            raise DependencyError(AUDIT_BUCKET, _error_code(error)[0]) from error
        except BotoCoreError as error:
            raise DependencyError(AUDIT_BUCKET, type(error).__name__) from error
