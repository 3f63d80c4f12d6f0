"""The handler's configuration: every variable checked, every problem named with what is allowed."""

from __future__ import annotations

import pytest

from pipeline_api.config import ConfigError, Settings, load_settings

VALID = {
    "AUDIT_BUCKET": "acme-audit-use1-prod",
    "DLQ_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/pipeline-dlq",
    "SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:pipeline-signing-AbCdEf",
    "ALLOWED_ORIGINS": "https://ci.example.test, https://dashboard.example.test",
    "AWS_REGION": "us-east-1",
}


def problems_for(**changes: str | None) -> tuple[str, ...]:
    environ = {**VALID, **{name: value for name, value in changes.items() if value is not None}}
    for name, value in changes.items():
        if value is None:
            environ.pop(name, None)
    with pytest.raises(ConfigError) as raised:
        load_settings(environ)
    return raised.value.problems


def test_valid_environment_gives_settings_with_documented_defaults() -> None:
    assert load_settings(VALID) == Settings(
        audit_bucket="acme-audit-use1-prod",
        dlq_url="https://sqs.us-east-1.amazonaws.com/123456789012/pipeline-dlq",
        secret_arn="arn:aws:secretsmanager:us-east-1:123456789012:secret:pipeline-signing-AbCdEf",
        allowed_origins=("https://ci.example.test", "https://dashboard.example.test"),
        region="us-east-1",
        max_body_bytes=65_536,
        max_details_bytes=8_192,
        secret_cache_seconds=300,
        aws_call_max_attempts=3,
        aws_call_timeout_seconds=2,
        circuit_failure_threshold=5,
        circuit_cooldown_seconds=30,
    )


def test_limits_are_read_from_their_variables() -> None:
    settings = load_settings(
        {
            **VALID,
            "MAX_BODY_BYTES": "2048",
            "MAX_DETAILS_BYTES": "1024",
            "SECRET_CACHE_SECONDS": "0",
            "AWS_CALL_MAX_ATTEMPTS": "5",
            "AWS_CALL_TIMEOUT_SECONDS": "4",
            "CIRCUIT_FAILURE_THRESHOLD": "3",
            "CIRCUIT_COOLDOWN_SECONDS": "90",
        }
    )
    assert (settings.max_body_bytes, settings.max_details_bytes, settings.secret_cache_seconds) == (2048, 1024, 0)
    assert (settings.aws_call_max_attempts, settings.aws_call_timeout_seconds) == (5, 4)
    assert (settings.circuit_failure_threshold, settings.circuit_cooldown_seconds) == (3, 90)


def test_region_falls_back_to_aws_default_region() -> None:
    environ = {**VALID, "AWS_DEFAULT_REGION": "eu-west-1"}
    del environ["AWS_REGION"]
    assert load_settings(environ).region == "eu-west-1"


def test_every_missing_variable_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({})
    named = " ".join(raised.value.problems)
    for name in ("AUDIT_BUCKET", "DLQ_URL", "SECRET_ARN", "ALLOWED_ORIGINS", "AWS_REGION"):
        assert f"{name} is required" in named
    assert raised.value.allowed_origins == ()


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("AUDIT_BUCKET", "Audit_Bucket", "lowercase letters"),
        ("AUDIT_BUCKET", "ab", "3-63"),
        ("DLQ_URL", "sqs.us-east-1.amazonaws.com/123456789012/q", "https://sqs."),
        ("DLQ_URL", "http://sqs.us-east-1.amazonaws.com/123456789012/q", "https://sqs."),
        ("DLQ_URL", "https://sqs.us-east-1.amazonaws.com/q", "12-digit account"),
        ("DLQ_URL", "https://sqs.us-east-1.amazonaws.com/123456789012/q.fifo", "standard queue"),
        ("SECRET_ARN", "pipeline-signing", "arn:aws:secretsmanager"),
        ("SECRET_ARN", "arn:aws:ssm:us-east-1:123456789012:parameter/x", "arn:aws:secretsmanager"),
        ("ALLOWED_ORIGINS", " , ", "at least one is required"),
        ("ALLOWED_ORIGINS", "https://ci.example.test/", "no path, no trailing slash"),
        ("ALLOWED_ORIGINS", "ci.example.test", "scheme://host"),
        ("ALLOWED_ORIGINS", "*,https://ci.example.test", "use '*' alone"),
        ("AWS_REGION", "Mars", "region name"),
        ("MAX_BODY_BYTES", "lots", "whole number from 256 to 196608"),
        ("MAX_BODY_BYTES", "10000000", "whole number from 256 to 196608"),
        ("MAX_DETAILS_BYTES", "70000", "exceeds MAX_BODY_BYTES"),
        ("SECRET_CACHE_SECONDS", "-1", "from 0 to 3600"),
        ("AWS_CALL_MAX_ATTEMPTS", "0", "from 1 to 10"),
        ("AWS_CALL_TIMEOUT_SECONDS", "1.5", "whole number"),
        ("CIRCUIT_FAILURE_THRESHOLD", "101", "from 1 to 100"),
        ("CIRCUIT_COOLDOWN_SECONDS", "0", "from 1 to 3600"),
    ],
)
def test_malformed_variable_is_named_with_what_it_allows(name: str, value: str, allowed: str) -> None:
    problems = problems_for(**{name: value})
    assert len(problems) == 1
    assert problems[0].startswith(name) or name in problems[0]
    assert allowed in problems[0]


def test_loopback_http_queue_url_is_allowed_for_local_emulators() -> None:
    settings = load_settings({**VALID, "DLQ_URL": "http://127.0.0.1:5000/123456789012/pipeline-dlq"})
    assert settings.dlq_url == "http://127.0.0.1:5000/123456789012/pipeline-dlq"


def test_wildcard_origin_alone_is_allowed() -> None:
    assert load_settings({**VALID, "ALLOWED_ORIGINS": "*"}).allowed_origins == ("*",)


def test_valid_origins_are_kept_when_other_variables_are_wrong() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({**VALID, "AUDIT_BUCKET": ""})
    assert raised.value.allowed_origins == ("https://ci.example.test", "https://dashboard.example.test")


def test_huge_values_are_shortened_in_messages() -> None:
    [problem] = problems_for(AUDIT_BUCKET="x" * 5000)
    assert len(problem) < 400
