"""Fixtures: a clean environment, a moto account holding the handler's dependencies, the API client, captured logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from pipeline_api import entrypoint
from pipeline_api.observability import logger as function_logger
from unit_tests.functions.support import (
    BUCKET,
    ORIGIN,
    OTHER_ORIGIN,
    QUEUE,
    REGION,
    SECRET_NAME,
    SIGNING_KEY,
    Api,
    FakeClock,
    LogCapture,
    MotoAccount,
)

HANDLER_VARIABLES = (
    "AUDIT_BUCKET",
    "DLQ_URL",
    "SECRET_ARN",
    "ALLOWED_ORIGINS",
    "MAX_BODY_BYTES",
    "MAX_DETAILS_BYTES",
    "SECRET_CACHE_SECONDS",
    "AWS_CALL_MAX_ATTEMPTS",
    "AWS_CALL_TIMEOUT_SECONDS",
    "CIRCUIT_FAILURE_THRESHOLD",
    "CIRCUIT_COOLDOWN_SECONDS",
    "LAMBDA_TASK_ROOT",
    "_X_AMZN_TRACE_ID",
    "AWS_ENDPOINT_URL",
    "AWS_PROFILE",
)


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No handler variable from the developer's shell; fake credentials so nothing can reach a real account."""
    for name in HANDLER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    entrypoint.reset()
    yield
    entrypoint.reset()


@pytest.fixture
def moto_account(clean_environment: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoAccount]:
    """A KMS key, the audit bucket encrypted with it by default, the DLQ and the signing secret; the handler's
    environment points at them."""
    with mock_aws():
        kms = boto3.client("kms", region_name=REGION)
        key_arn = kms.create_key(Description="audit key")["KeyMetadata"]["Arn"]
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_encryption(
            Bucket=BUCKET,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}}
                ]
            },
        )
        sqs = boto3.client("sqs", region_name=REGION)
        queue_url = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
        secretsmanager = boto3.client("secretsmanager", region_name=REGION)
        secret_arn = secretsmanager.create_secret(Name=SECRET_NAME, SecretString=SIGNING_KEY)["ARN"]
        monkeypatch.setenv("AUDIT_BUCKET", BUCKET)
        monkeypatch.setenv("DLQ_URL", queue_url)
        monkeypatch.setenv("SECRET_ARN", secret_arn)
        monkeypatch.setenv("ALLOWED_ORIGINS", f"{ORIGIN},{OTHER_ORIGIN}")
        entrypoint.reset()
        yield MotoAccount(
            s3=s3,
            sqs=sqs,
            secretsmanager=secretsmanager,
            kms_key_arn=key_arn,
            bucket=BUCKET,
            queue_url=queue_url,
            secret_arn=secret_arn,
        )
    entrypoint.reset()


@pytest.fixture
def api(moto_account: MotoAccount) -> Api:
    return Api()


@pytest.fixture
def clock(moto_account: MotoAccount) -> FakeClock:
    """The clock the handler times its secret cache, circuits and receipt stamps on; it moves only when told."""
    fake = FakeClock()
    entrypoint.reset(clock=fake)
    return fake


@pytest.fixture
def function_logs() -> Iterator[LogCapture]:
    capture = LogCapture()
    log_handler = logging.StreamHandler(capture.stream)
    log_handler.setFormatter(function_logger.registered_formatter)
    standard_logger = logging.getLogger(function_logger.name)
    standard_logger.addHandler(log_handler)
    try:
        yield capture
    finally:
        standard_logger.removeHandler(log_handler)
