"""Cold start and warm overhead of the pipeline handler (functions/pipeline), beside a naive handler.

Measured in fresh interpreter processes on this machine, for each handler:
- cold start to the first GET /health: import plus the first answer, no AWS call;
- cold start to the first accepted POST /pipeline: import, AWS clients created, the secret read, the audit record
  written, against a moto server on 127.0.0.1 (the same for both handlers), with a sampled X-Ray trace id and
  LAMBDA_TASK_ROOT set as in Lambda, so a tracer that would be loaded is loaded;
- warm per-request overhead with the AWS clients replaced by in-memory stubs (p50, p99 over --requests requests
  after a warm-up, best of two processes per handler), tracing off.

The naive handler (benchmarks/naive_handler.py) imports boto3, creates its clients and imports every Powertools
utility (tracer, parser, idempotency included) at module load. Targets: cold /health <= 50% of the naive handler's;
cold POST no slower than the naive handler's; warm POST p50 < 300 us. Logs and EMF lines go to /dev/null in the
measured processes (terminal output would dominate the warm figures).

Run with `nox -s bench` or `python benchmarks/handler_bench.py [--runs N] [--requests N]`. Exits 1 on a FAIL.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import logging
import os
import statistics
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

ROOT = Path(__file__).resolve().parents[1]
HANDLERS = {
    "pipeline": (ROOT / "functions" / "pipeline", "handler"),
    "naive": (ROOT / "benchmarks", "naive_handler"),
}
# Obviously fake: the benchmark creates this secret in its own moto server.
SIGNING_KEY = "bench-signing-key-not-a-secret"
ORIGIN = "https://ci.example.test"
REGION = "us-east-1"
TRACE_ID = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
HEAVY_MODULES = ("boto3", "botocore.client", "pydantic", "aws_xray_sdk")

# Runs in the measured process: stdout to /dev/null (the result goes out on a saved descriptor), import, answer.
COLD_CHILD = """
import importlib, json, os, sys, time
started = time.perf_counter()
result_fd = os.dup(1)
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
class Context:
    function_name = "pipeline-bench"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:pipeline-bench"
    aws_request_id = "bench-1"
module = importlib.import_module(sys.argv[1])
response = module.handler(json.loads(sys.argv[2]), Context())
elapsed_ms = (time.perf_counter() - started) * 1000
loaded = [name for name in json.loads(sys.argv[3]) if name in sys.modules]
os.write(result_fd, json.dumps({"ms": elapsed_ms, "status": response["statusCode"], "loaded": loaded}).encode())
"""

WARM_CHILD = """
import importlib, json, os, sys, time
result_fd = os.dup(1)
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
class Context:
    function_name = "pipeline-bench"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:pipeline-bench"
    aws_request_id = "bench-1"
class Secrets:
    def __init__(self, key):
        self.key = key
    def get_secret_value(self, **_):
        return {"SecretString": self.key}
class S3:
    def put_object(self, **_):
        return {}
    def head_bucket(self, **_):
        return {}
class Sqs:
    def send_message(self, **_):
        return {}
name, events, requests, key = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
module = importlib.import_module(name)
if name == "handler":
    from pipeline_api import entrypoint
    entrypoint.reset(s3=S3(), sqs=Sqs(), secretsmanager=Secrets(key))
else:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider
    module.s3_client, module.sqs_client = S3(), Sqs()
    module.secrets_provider = SecretsProvider(boto3_client=Secrets(key))
results = {}
for label, event in events.items():
    context = Context()
    for _ in range(200):
        status = module.handler(event, context)["statusCode"]
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        module.handler(event, context)
        timings.append(time.perf_counter() - started)
    timings.sort()
    results[label] = {"status": status, "p50_us": timings[len(timings) // 2] * 1e6,
                      "p99_us": timings[min(len(timings) - 1, int(len(timings) * 0.99))] * 1e6}
os.write(result_fd, json.dumps(results).encode())
"""


def signed_post(execution_id: str) -> dict[str, Any]:
    body = json.dumps(
        {
            "pipeline": "web-app",
            "executionId": execution_id,
            "stage": "build",
            "status": "SUCCEEDED",
            "commitSha": "0123456789abcdef0123456789abcdef01234567",
            "occurredAt": "2025-03-04T05:06:07Z",
            "details": {"durationSeconds": 42},
        }
    )
    signature = "sha256=" + hmac.new(SIGNING_KEY.encode(), body.encode(), hashlib.sha256).hexdigest()
    return proxy_event("POST", "/pipeline", body, {"Content-Type": "application/json", "X-Signature-SHA256": signature})


def proxy_event(
    method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "httpMethod": method,
        "path": path,
        "headers": {"Origin": ORIGIN, **(headers or {})},
        "queryStringParameters": None,
        "body": body,
        "isBase64Encoded": False,
        "requestContext": {"requestId": "bench-request", "identity": {"sourceIp": "203.0.113.7"}},
    }


def health_event(_run: int, _handler: str) -> dict[str, Any]:
    return proxy_event("GET", "/health")


def new_post_event(run: int, handler: str) -> dict[str, Any]:
    """A new execution id per process: each cold POST writes a record of its own."""
    return signed_post(f"cold-{handler}-{run}")


def run_child(handler: str, script: str, arguments: list[str], environment: dict[str, str]) -> dict[str, Any]:
    directory, module = HANDLERS[handler]
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(directory), **environment}
    completed = subprocess.run(  # noqa: S603 - this interpreter running the benchmark's own child script
        [sys.executable, "-c", textwrap.dedent(script), module, *arguments],
        capture_output=True,
        text=True,
        env=env,
        cwd=directory,
        timeout=300,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{handler} child failed:\n{completed.stderr}")
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


@dataclass
class MotoAccount:
    """The moto server both handlers talk to, and the environment that points a handler at it."""

    stop: Callable[[], None]
    environment: dict[str, str]


def start_moto() -> MotoAccount:
    """A moto server on loopback holding the audit bucket, the DLQ and the signing secret."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    credentials = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": REGION}
    session = boto3.session.Session(
        aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )
    session.client("s3", endpoint_url=endpoint).create_bucket(Bucket="pipeline-audit-bench")
    queue_url = session.client("sqs", endpoint_url=endpoint).create_queue(QueueName="pipeline-dlq-bench")["QueueUrl"]
    secret_arn = session.client("secretsmanager", endpoint_url=endpoint).create_secret(
        Name="pipeline-signing-bench", SecretString=SIGNING_KEY
    )["ARN"]
    environment = {
        **credentials,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint,
        "AUDIT_BUCKET": "pipeline-audit-bench",
        "DLQ_URL": queue_url,
        "SECRET_ARN": secret_arn,
        "ALLOWED_ORIGINS": ORIGIN,
        "POWERTOOLS_SERVICE_NAME": "pipeline-bench",
        "POWERTOOLS_METRICS_NAMESPACE": "Bench",
    }
    return MotoAccount(stop=server.stop, environment=environment)


@dataclass
class Row:
    label: str
    pipeline: float
    naive: float
    unit: str
    target: str = ""
    passed: bool | None = None

    def render(self) -> str:
        ratio = self.pipeline / self.naive if self.naive else float("nan")
        result = "" if self.passed is None else ("PASS" if self.passed else "FAIL")
        return (
            f"{self.label:<40} {self.pipeline:>10.1f} {self.unit:<3} {self.naive:>10.1f} {self.unit:<3} "
            f"{ratio:>6.2f}  {self.target:<16} {result}"
        )


@dataclass
class ColdFigures:
    """Cold-start timings per handler, and the heavy modules each one's first answer had loaded."""

    timings: dict[str, list[float]]
    loaded: dict[str, list[str]]

    def median(self, handler: str) -> float:
        return statistics.median(self.timings[handler])


def cold(event_for_run: Callable[[int, str], dict[str, Any]], environment: dict[str, str], runs: int) -> ColdFigures:
    """Time to the first answer in fresh processes, the handlers interleaved so that load drifting on the machine
    hits both alike. A first, discarded round writes every .pyc file, so neither handler pays (or is spared)
    byte-compiling modules the other one imported first."""
    figures = ColdFigures(timings={handler: [] for handler in HANDLERS}, loaded={})
    for run in range(runs + 1):
        for handler in HANDLERS:
            result = run_child(
                handler, COLD_CHILD, [json.dumps(event_for_run(run, handler)), json.dumps(HEAVY_MODULES)], environment
            )
            if result["status"] not in (200, 202):
                raise RuntimeError(f"{handler}: cold request answered {result['status']}")
            if run > 0:
                figures.timings[handler].append(result["ms"])
            figures.loaded[handler] = result["loaded"]
    return figures


WARM_ROUNDS = 2


def measure_warm(events: dict[str, Any], environment: dict[str, str], requests: int) -> dict[str, Any]:
    """Warm p50/p99 per handler and route: the best of WARM_ROUNDS processes per handler, run alternately, so a
    burst of load from elsewhere on the machine does not decide a figure."""
    best: dict[str, dict[str, dict[str, float]]] = {handler: {} for handler in HANDLERS}
    for _ in range(WARM_ROUNDS):
        for handler in HANDLERS:
            results = run_child(handler, WARM_CHILD, [json.dumps(events), str(requests), SIGNING_KEY], environment)
            for route, figures in results.items():
                if figures["status"] not in (200, 202):
                    raise RuntimeError(f"{handler}: warm {route} answered {figures['status']}")
                kept = best[handler].setdefault(route, figures)
                for percentile in ("p50_us", "p99_us"):
                    kept[percentile] = min(kept[percentile], figures[percentile])
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per cold figure (median reported)")
    parser.add_argument("--requests", type=int, default=2_000, help="timed warm requests per route")
    args = parser.parse_args(argv)

    moto = start_moto()
    lambda_like = {**moto.environment, "LAMBDA_TASK_ROOT": "/var/task", "_X_AMZN_TRACE_ID": TRACE_ID}
    try:
        cold_health = cold(health_event, lambda_like, args.runs)
        cold_post = cold(new_post_event, lambda_like, args.runs)
    finally:
        moto.stop()

    warm_events = {"health": proxy_event("GET", "/health"), "post": signed_post("warm")}
    warm_environment = {key: value for key, value in moto.environment.items() if key != "AWS_ENDPOINT_URL"}
    warm = measure_warm(warm_events, warm_environment, args.requests)

    rows = [
        Row(
            "cold: import + first GET /health",
            cold_health.median("pipeline"),
            cold_health.median("naive"),
            "ms",
            "ratio <= 0.50",
            cold_health.median("pipeline") <= 0.5 * cold_health.median("naive"),
        ),
        Row(
            "cold: import + first accepted POST",
            cold_post.median("pipeline"),
            cold_post.median("naive"),
            "ms",
            "ratio <= 1.00",
            cold_post.median("pipeline") <= cold_post.median("naive"),
        ),
        Row("warm: GET /health p50", warm["pipeline"]["health"]["p50_us"], warm["naive"]["health"]["p50_us"], "us"),
        Row("warm: GET /health p99", warm["pipeline"]["health"]["p99_us"], warm["naive"]["health"]["p99_us"], "us"),
        Row(
            "warm: POST /pipeline p50",
            warm["pipeline"]["post"]["p50_us"],
            warm["naive"]["post"]["p50_us"],
            "us",
            "pipeline < 300 us",
            warm["pipeline"]["post"]["p50_us"] < 300,
        ),
        Row("warm: POST /pipeline p99", warm["pipeline"]["post"]["p99_us"], warm["naive"]["post"]["p99_us"], "us"),
    ]
    print(
        f"\nPipeline handler vs naive handler: cold figures are medians of {args.runs} fresh processes; "
        f"warm figures over {args.requests} requests with AWS stubbed (best of {WARM_ROUNDS} processes)."
    )
    print(f"{'':<40} {'pipeline':>14} {'naive':>14} {'ratio':>6}  {'target':<16} result")
    for row in rows:
        print(row.render())
    print(f"\nOf {', '.join(HEAVY_MODULES)}, loaded after the first request:")
    for route, figures in (("GET /health", cold_health), ("POST /pipeline", cold_post)):
        for handler, modules in figures.loaded.items():
            print(f"  {handler:<9} {route:<15} {', '.join(modules) or 'none'}")
    return 0 if all(row.passed is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
