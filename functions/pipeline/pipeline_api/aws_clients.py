"""boto3 clients, created on first use and kept for the life of the execution environment.

This module imports boto3 at the top: import it only where an AWS call is about to happen, never from the cold path
of GET /health.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from pipeline_api.config import Settings

# The only services the handler calls; naming them lets the type checker pick boto3's typed client overloads.
ServiceName = Literal["s3", "sqs", "secretsmanager"]


def client_config(settings: Settings) -> Config:
    """Bounded retries with exponential backoff and jitter (botocore's standard mode) and short timeouts.

    `total_max_attempts` counts the first attempt too (botocore's `max_attempts` would count retries only). Standard
    mode also keeps a retry quota per client, so a dependency that keeps failing stops being retried at all until
    calls succeed again.
    """
    return Config(
        region_name=settings.region,
        retries={"mode": "standard", "total_max_attempts": settings.aws_call_max_attempts},
        connect_timeout=settings.aws_call_timeout_seconds,
        read_timeout=settings.aws_call_timeout_seconds,
    )


class AwsClients:
    """The three clients the handler uses. Pass ready-made clients (stubs) to replace any of them."""

    def __init__(self, settings: Settings, *, s3: Any = None, sqs: Any = None, secretsmanager: Any = None) -> None:
        self._settings = settings
        self._session: boto3.session.Session | None = None
        self._clients: dict[str, Any] = {
            name: client
            for name, client in (("s3", s3), ("sqs", sqs), ("secretsmanager", secretsmanager))
            if client is not None
        }

    def _client(self, service: ServiceName) -> Any:
        client = self._clients.get(service)
        if client is None:
            if self._session is None:
                self._session = boto3.session.Session(region_name=self._settings.region)
            client = self._session.client(service, config=client_config(self._settings))
            self._clients[service] = client
        return client

    @property
    def s3(self) -> Any:
        """The S3 client for the audit bucket."""
        return self._client("s3")

    @property
    def sqs(self) -> Any:
        """The SQS client for the dead-letter queue."""
        return self._client("sqs")

    @property
    def secretsmanager(self) -> Any:
        """The Secrets Manager client for the signing secret."""
        return self._client("secretsmanager")
