"""Lambda entry point of the signing secret's rotation (handler setting: `rotation_handler.handler`).

Deployed from the same package as the API (functions/pipeline), as a function of its own with a role that may only
rotate this region's signing secret; Secrets Manager invokes it for each of the four rotation steps.
"""

from __future__ import annotations

from typing import Any

import boto3

from pipeline_api.key_rotation import SigningKeyRotation
from pipeline_api.observability import logger


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> None:
    """Carry out one rotation step; any failure raises, so Secrets Manager marks the rotation failed and retries."""
    logger.info("rotation step", extra={"step": event.get("Step"), "version": event.get("ClientRequestToken")})
    SigningKeyRotation(boto3.client("secretsmanager")).run(event)
