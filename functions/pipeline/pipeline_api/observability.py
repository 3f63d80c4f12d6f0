"""Structured JSON logs and EMF metrics (Powertools Logger and Metrics), shared by every module.

EMF metrics are JSON lines on stdout that CloudWatch Logs turns into metrics: no PutMetricData call, no permission,
no VPC endpoint. Nothing here reads a required variable; the defaults apply when the Powertools ones are unset.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

SERVICE_NAME = os.environ.get("POWERTOOLS_SERVICE_NAME") or "pipeline-api"
METRICS_NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "DeliveryStack/PipelineApi"

logger = Logger(service=SERVICE_NAME)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE_NAME)

ACCEPTED = "EventAccepted"
DUPLICATE = "EventDuplicate"
DEAD_LETTERED = "EventDeadLettered"
LOST = "EventLost"
REJECTED = "RequestRejected"
FAILED = "RequestFailed"
DEPENDENCY_FAILURE = "DependencyFailure"
CIRCUIT_OPENED = "CircuitOpened"
LATENCY = "RequestLatency"
# A request signed with a key that is not AWSCURRENT: callers still to move to the rotated key (dimension `stage`).
SIGNED_WITH_NONCURRENT_KEY = "SignedWithNoncurrentKey"


def count(name: str) -> None:
    """Add 1 to a metric flushed with this invocation's EMF blob."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)


def count_with_dimension(name: str, dimension: str, value: str) -> None:
    """Add 1 to a metric that has a dimension of its own (reason, dependency), in a separate EMF blob so the
    invocation's other metrics keep their dimension set."""
    with single_metric(
        name=name,
        unit=MetricUnit.Count,
        value=1,
        namespace=METRICS_NAMESPACE,
        default_dimensions=metrics.default_dimensions,
    ) as metric:
        metric.add_dimension(name="service", value=SERVICE_NAME)
        metric.add_dimension(name=dimension, value=value)


def record_latency(milliseconds: float) -> None:
    """The handler's own time for this request."""
    metrics.add_metric(name=LATENCY, unit=MetricUnit.Milliseconds, value=round(milliseconds, 3))
