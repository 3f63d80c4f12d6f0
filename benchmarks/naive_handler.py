"""The baseline for benchmarks/handler_bench.py: the same API written the naive way.

Everything is imported and created at module load, as most handlers are written: boto3 and its clients, and every
Powertools utility (tracer, parser, idempotency, batch, feature flags, streaming, data masking, kafka, ...) except
validation, whose fastjsonschema dependency is an extra this project does not install.
It answers GET /health and POST /pipeline like the real handler (same signature scheme and audit key), so both
pay the same AWS calls; only the loading strategy differs. Not shipped, not tested: a yardstick.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities import (
    batch,
    data_classes,
    data_masking,
    feature_flags,
    idempotency,
    jmespath_utils,
    kafka,
    parameters,
    serialization,
    streaming,
)
from aws_lambda_powertools.utilities.circuit_breaker import circuit_breaker
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.parser import BaseModel, ValidationError, envelopes, parse
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventModel
from botocore.config import Config

# Imported for their load cost, which is the point of this baseline; named here so they read as used.
UTILITIES = (
    batch,
    data_classes,
    data_masking,
    feature_flags,
    idempotency,
    jmespath_utils,
    kafka,
    serialization,
    streaming,
    circuit_breaker,
    envelopes,
)
UTILITIES_MODELS = (APIGatewayProxyEventModel, DynamoDBPersistenceLayer)

tracer = Tracer()
logger = Logger()
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Naive"))
config = Config(retries={"mode": "standard", "total_max_attempts": 3})
s3_client = boto3.client("s3", config=config)
sqs_client = boto3.client("sqs", config=config)
secrets_provider = parameters.SecretsProvider(boto3_client=boto3.client("secretsmanager", config=config))
origins = os.environ.get("ALLOWED_ORIGINS", "*").split(",")
app = APIGatewayRestResolver(cors=CORSConfig(allow_origin=origins[0], extra_origins=origins[1:]))


class PipelineEvent(BaseModel):
    pipeline: str
    executionId: str
    stage: str
    status: str
    commitSha: str
    occurredAt: str
    details: dict[str, Any] | None = None


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok", "region": os.environ.get("AWS_REGION", "")}


@app.post("/pipeline")
def post_pipeline() -> Response[str]:
    raw = app.current_event.body or ""
    key = str(secrets_provider.get(os.environ["SECRET_ARN"], max_age=300)).encode()
    expected = "sha256=" + hmac.new(key, raw.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, app.current_event.headers.get("x-signature-sha256", "")):
        return Response(401, "application/json", json.dumps({"error": {"code": "invalid_signature"}}))
    try:
        event = parse(event=json.loads(raw), model=PipelineEvent)
    except (ValidationError, ValueError):
        return Response(422, "application/json", json.dumps({"error": {"code": "validation_failed"}}))
    canonical = json.dumps([event.pipeline, event.executionId, event.stage, event.status], separators=(",", ":"))
    event_id = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    key_name = f"events/{event.occurredAt[:10].replace('-', '/')}/{event_id}.json"
    try:
        s3_client.put_object(Bucket=os.environ["AUDIT_BUCKET"], Key=key_name, Body=raw.encode(), IfNoneMatch="*")
    except s3_client.exceptions.ClientError as error:
        if error.response["Error"]["Code"] != "PreconditionFailed":
            sqs_client.send_message(QueueUrl=os.environ["DLQ_URL"], MessageBody=raw)
            return Response(503, "application/json", json.dumps({"error": {"code": "dependency_unavailable"}}))
    metrics.add_metric(name="EventAccepted", unit=MetricUnit.Count, value=1)
    logger.info("event recorded", extra={"event_id": event_id})
    return Response(202, "application/json", json.dumps({"eventId": event_id}))


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
