"""X-Ray subsegments around AWS calls, only for sampled invocations, without importing the tracer otherwise.

Powertools Tracer imports aws_xray_sdk, which costs about 300 ms; a health check or an unsampled request never pays
it. The tracer is created the first time a sampled invocation makes an AWS call, and patches botocore from then on.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from pipeline_api.observability import SERVICE_NAME, logger

_TRUTHY = frozenset({"1", "true", "yes", "on"})
_tracer: Any = None
_tracer_unavailable = False


def tracing_active() -> bool:
    """True in Lambda when tracing is not disabled and the current invocation is sampled (Sampled=1)."""
    environ = os.environ
    if not environ.get("LAMBDA_TASK_ROOT") or environ.get("AWS_SAM_LOCAL"):
        return False
    if environ.get("POWERTOOLS_TRACE_DISABLED", "").strip().lower() in _TRUTHY:
        return False
    return "Sampled=1" in environ.get("_X_AMZN_TRACE_ID", "")


def _get_tracer() -> Any:
    """The tracer, created on first need; None for good if it cannot be (tracing must never fail a request)."""
    global _tracer, _tracer_unavailable  # noqa: PLW0603 - one tracer per execution environment
    if _tracer is None and not _tracer_unavailable:
        try:
            from aws_lambda_powertools import Tracer  # noqa: PLC0415 - the whole point: import only when sampled

            _tracer = Tracer(service=SERVICE_NAME, patch_modules=("botocore",))
        except Exception:
            _tracer_unavailable = True
            logger.warning("X-Ray tracing unavailable; continuing without subsegments", exc_info=True)
    return _tracer


def subsegment(name: str) -> AbstractContextManager[Any]:
    """A subsegment named `name` when tracing is active, else a context manager that does nothing."""
    tracer = _get_tracer() if tracing_active() else None
    if tracer is None:
        return nullcontext()
    manager: AbstractContextManager[Any] = tracer.provider.in_subsegment(name=name)
    return manager
