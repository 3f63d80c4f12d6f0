"""Lambda entry point of the pipeline-events API (handler setting: `handler.handler`).

Importing this module reads no environment variable it needs and makes no AWS call: configuration is checked at
the first request, and boto3, pydantic and the X-Ray tracer are imported only where first needed.
"""

from __future__ import annotations

from typing import Any

from pipeline_api.entrypoint import handle


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Answer one API Gateway (REST, proxy integration) event with a proxy response. Never raises."""
    response: dict[str, Any] = handle(event, context)
    return response
