"""What lives for the whole execution environment: settings, CORS policy, and the lazily built AWS dependencies."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pipeline_api.responses import CorsPolicy

if TYPE_CHECKING:
    from pipeline_api.config import Settings
    from pipeline_api.dependencies import Dependencies
    from pipeline_api.model import PipelineEvent


class Runtime:
    """Checked settings plus everything built from them; AWS clients are created at the first request needing them.

    `client_overrides` (s3, sqs, secretsmanager) replace real clients with stubs, for tests and benchmarks. `clock`
    (seconds since the epoch) times everything that expires: the secret's cache, the circuits, receipt timestamps.
    """

    def __init__(
        self,
        settings: Settings,
        client_overrides: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.cors = CorsPolicy.for_origins(settings.allowed_origins)
        self._client_overrides = dict(client_overrides or {})
        self._dependencies: Dependencies | None = None

    def dependencies(self) -> Dependencies:
        """The AWS dependencies; the first call imports boto3 and the Powertools utilities that need it."""
        if self._dependencies is None:
            # Imported here, not at the top: GET /health must not pay for boto3 (measured in benchmarks/).
            from pipeline_api.aws_clients import AwsClients  # noqa: PLC0415
            from pipeline_api.dependencies import Dependencies  # noqa: PLC0415

            clients = AwsClients(self.settings, **self._client_overrides)
            self._dependencies = Dependencies(self.settings, clients, self.clock)
        return self._dependencies

    def parse_event(self, body: bytes) -> PipelineEvent:
        """The validated event in `body`; raises ApiError 400 or 422. The first call imports pydantic."""
        from pipeline_api.model import parse_event  # noqa: PLC0415 - pydantic is only needed for POST

        return parse_event(body, self.settings.max_details_bytes)
