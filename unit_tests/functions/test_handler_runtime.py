"""Cold-start behaviour, configuration errors, and what the handler tells operators (logs, EMF metrics, traces)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipeline_api import entrypoint
from pipeline_api.tracing import tracing_active
from unit_tests.functions.support import ORIGIN, Api, LogCapture, MotoAccount, pipeline_event

FUNCTION_DIR = Path(__file__).resolve().parents[2] / "functions" / "pipeline"


def run_isolated(script: str, **environment: str) -> dict[str, object]:
    """Run `script` in a fresh interpreter with only `environment` (plus PATH), the function directory importable;
    the script prints one JSON object as its last line."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(FUNCTION_DIR), **environment}
    completed = subprocess.run(  # noqa: S603 - this interpreter, a script written by the test
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        env=env,
        cwd=FUNCTION_DIR,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


CONTEXT_AND_EVENT = """
    import json, sys
    class Context:
        function_name = "pipeline"
        memory_limit_in_mb = 256
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:pipeline"
        aws_request_id = "r-1"
    def health():
        return {"httpMethod": "GET", "path": "/health", "headers": {"Origin": "https://ci.example.test"},
                "requestContext": {"requestId": "a-1"}}
    # Powertools itself imports the botocore package's __init__ (0.3 ms) for its user agent; the SDK proper is
    # botocore.client and boto3.
    HEAVY = ("boto3", "botocore.client", "pydantic", "aws_xray_sdk")
"""

VALID_ENVIRONMENT = {
    "AUDIT_BUCKET": "audit-bucket",
    "DLQ_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/dlq",
    "SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:signing-AbCdEf",
    "ALLOWED_ORIGINS": "https://ci.example.test",
    "AWS_REGION": "us-east-1",
}


def test_import_needs_no_environment_and_loads_no_sdk() -> None:
    result = run_isolated(
        CONTEXT_AND_EVENT
        + """
    import handler
    loaded = [name for name in HEAVY if name in sys.modules]
    response = handler.handler(health(), Context())
    print(json.dumps({"loaded": loaded, "status": response["statusCode"], "body": json.loads(response["body"])}))
    """
    )
    assert result["loaded"] == []
    # Without configuration every request is refused, but as an answer, not an import error.
    assert result["status"] == 500
    assert result["body"]["error"]["code"] == "misconfigured"  # type: ignore[index]


def test_health_pays_for_no_sdk_parser_or_tracer() -> None:
    result = run_isolated(
        CONTEXT_AND_EVENT
        + """
    import handler
    response = handler.handler(health(), Context())
    print(json.dumps({"status": response["statusCode"], "loaded": [n for n in HEAVY if n in sys.modules]}))
    """,
        **VALID_ENVIRONMENT,
        LAMBDA_TASK_ROOT=str(FUNCTION_DIR),
        _X_AMZN_TRACE_ID="Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    )
    assert result == {"status": 200, "loaded": []}


STUB_CLIENTS = """
    import hashlib, hmac
    KEY = "stub-signing-key-not-a-secret"
    class SecretsManager:
        def get_secret_value(self, **_):
            return {"SecretString": KEY}
    class S3:
        def put_object(self, **_):
            return {}
    class Sqs:
        def send_message(self, **_):
            return {}
    def post(execution):
        body = json.dumps({"pipeline": "web", "executionId": execution, "stage": "build", "status": "STARTED",
                           "commitSha": "a" * 40, "occurredAt": "2025-01-01T00:00:00Z"})
        signature = "sha256=" + hmac.new(KEY.encode(), body.encode(), hashlib.sha256).hexdigest()
        return {"httpMethod": "POST", "path": "/pipeline", "body": body, "requestContext": {"requestId": "p"},
                "headers": {"Content-Type": "application/json", "X-Signature-SHA256": signature}}
"""


def test_tracer_is_imported_only_for_a_sampled_invocation() -> None:
    result = run_isolated(
        CONTEXT_AND_EVENT
        + STUB_CLIENTS
        + """
    import os
    import handler
    from pipeline_api import entrypoint
    entrypoint.reset(s3=S3(), sqs=Sqs(), secretsmanager=SecretsManager())
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled="
    os.environ["_X_AMZN_TRACE_ID"] = trace + "0"
    unsampled = handler.handler(post("e1"), Context())["statusCode"]
    before = "aws_xray_sdk" in sys.modules
    os.environ["_X_AMZN_TRACE_ID"] = trace + "1"
    sampled = handler.handler(post("e2"), Context())["statusCode"]
    after = "aws_xray_sdk" in sys.modules
    print(json.dumps({"statuses": [unsampled, sampled], "before": before, "after": after}))
    """,
        **VALID_ENVIRONMENT,
        LAMBDA_TASK_ROOT=str(FUNCTION_DIR),
        AWS_XRAY_CONTEXT_MISSING="IGNORE_ERROR",
    )
    assert result == {"statuses": [202, 202], "before": False, "after": True}


@pytest.mark.parametrize(
    ("environment", "active"),
    [
        ({"LAMBDA_TASK_ROOT": "/var/task", "_X_AMZN_TRACE_ID": "Root=1-a;Sampled=1"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "_X_AMZN_TRACE_ID": "Root=1-a;Sampled=0"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task"}, False),
        ({"_X_AMZN_TRACE_ID": "Root=1-a;Sampled=1"}, False),
        (
            {"LAMBDA_TASK_ROOT": "/var/task", "_X_AMZN_TRACE_ID": "Sampled=1", "POWERTOOLS_TRACE_DISABLED": "true"},
            False,
        ),
        ({"LAMBDA_TASK_ROOT": "/var/task", "_X_AMZN_TRACE_ID": "Sampled=1", "AWS_SAM_LOCAL": "true"}, False),
    ],
)
def test_tracing_is_active_only_in_lambda_for_sampled_invocations(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], active: bool
) -> None:
    for name in ("LAMBDA_TASK_ROOT", "_X_AMZN_TRACE_ID", "POWERTOOLS_TRACE_DISABLED", "AWS_SAM_LOCAL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert tracing_active() is active


def test_misconfiguration_answers_every_request_500_and_is_logged_once(
    clean_environment: None, monkeypatch: pytest.MonkeyPatch, function_logs: LogCapture
) -> None:
    monkeypatch.setenv("ALLOWED_ORIGINS", ORIGIN)
    monkeypatch.setenv("AUDIT_BUCKET", "Not A Bucket")
    api = Api()
    replies = [
        api.request("GET", "/health"),
        api.post_event(pipeline_event()),
        api.request("OPTIONS", "/pipeline"),
        api.request("GET", "/nowhere"),
        api.invoke({"httpMethod": 42, "path": "/health", "headers": {"Origin": ORIGIN}}),
    ]
    for reply in replies:
        assert reply.status == 500
        assert reply.error_code == "misconfigured"
        assert reply.body["error"]["details"] is None
        assert "AUDIT_BUCKET" not in json.dumps(reply.raw)
        # ALLOWED_ORIGINS itself was valid, so even these answers carry CORS headers.
        assert reply.headers["access-control-allow-origin"] == ORIGIN
    config_errors = [line for line in function_logs.lines() if line["message"] == "invalid configuration"]
    assert len(config_errors) == 1
    assert any("AUDIT_BUCKET" in problem for problem in config_errors[0]["problems"])
    assert any("DLQ_URL is required" in problem for problem in config_errors[0]["problems"])


def test_configuration_is_read_again_after_reset(clean_environment: None, monkeypatch: pytest.MonkeyPatch) -> None:
    api = Api()
    assert api.request("GET", "/health").status == 500
    for name, value in VALID_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    assert api.request("GET", "/health").status == 500
    entrypoint.reset()
    assert api.request("GET", "/health").status == 200


def emf_blobs(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith('{"_aws"')]


def metric_names(blobs: list[dict[str, object]]) -> list[str]:
    names: list[str] = []
    for blob in blobs:
        for directive in blob["_aws"]["CloudWatchMetrics"]:  # type: ignore[index]
            names.extend(metric["Name"] for metric in directive["Metrics"])
    return names


def test_outcomes_are_emitted_as_emf_metrics(
    api: Api, moto_account: MotoAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    api.post_event(pipeline_event())
    api.post_event(pipeline_event())
    api.post_event(pipeline_event(), signature="sha256=00")
    moto_account.delete_bucket()
    api.post_event(pipeline_event(executionId="other"))
    blobs = emf_blobs(capsys.readouterr().out)
    names = metric_names(blobs)
    for expected in ("EventAccepted", "EventDuplicate", "RequestRejected", "DependencyFailure", "EventDeadLettered"):
        assert expected in names
    assert names.count("RequestLatency") == 4
    rejected = next(blob for blob in blobs if "RequestRejected" in blob)
    assert rejected["reason"] == "invalid_signature"
    assert rejected["service"] == "pipeline-api"
    failure = next(blob for blob in blobs if "DependencyFailure" in blob)
    assert failure["dependency"] == "audit_bucket"


def test_logs_are_json_with_request_and_event_ids(api: Api, function_logs: LogCapture) -> None:
    reply = api.post_event(pipeline_event())
    [recorded] = [line for line in function_logs.lines() if line["message"] == "event recorded"]
    assert recorded["correlation_id"] == "apigw-request-1"
    assert recorded["function_request_id"] == "lambda-request-1"
    assert recorded["event_id"] == reply.body["eventId"]
    assert recorded["level"] == "INFO"
    logged_before = len(function_logs.lines())
    api.post_event(pipeline_event(), signature="sha256=00")
    later = function_logs.lines()[logged_before:]
    assert [line["message"] for line in later] == ["request rejected"]
    assert later[0]["code"] == "invalid_signature"
    # clear_state: the next invocation's lines do not inherit the previous event's id.
    assert "event_id" not in later[0]
