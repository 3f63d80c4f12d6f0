"""Benchmark of the policy gate, side by side with Checkov scanning the same resources.

Phases printed:
- the dev stack: the program run under the mocks, the pack start (launch, handshake, configure), the analysis;
- synthetic stacks of 1,000 and 10,000 resources of the stack's types (regional units of the delivery stack, every
  value known and compliant): pack start and analysis over gRPC with one pack process (what the CLI runs), with two
  pack processes sharing the Analyze calls, and with the pack's servicer driven in-process (no gRPC);
- Checkov's terraform_plan scan of the same resources (preflight.plan's export, Checkov from its own virtualenv),
  when both are available, and the per-resource ratio.

Targets (2-core machine): dev stack end to end < 5 s; 10k analysis < 5 s; 10k/1k time ratio <= 12; analysis at
least 5x faster per resource than Checkov. Run with `nox -s bench` or `python benchmarks/gate_bench.py`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACK_DIR = ROOT / "policies"
ACCOUNT = "123456789012"
TAGS = ("Project", "Environment", "Owner", "CostCenter", "ManagedBy", "Stack")
SIZES = (1_000, 10_000)
CLI_MODE = "gRPC, 1 pack (as the CLI)"

sys.path[:0] = [str(ROOT), str(ROOT / "infrastructure"), str(PACK_DIR), str(ROOT / "functions" / "pipeline")]
warnings.filterwarnings("ignore", category=DeprecationWarning)

from preflight.analyzer import EngineServer, PackProcess, engine_resources, load_pack_spec  # noqa: E402
from preflight.capture import Capture, Registration, SourcePosition  # noqa: E402
from preflight.gate import (  # noqa: E402
    analyse,
    analyse_resources,
    analyse_stack,
    launched_pack,
    pack_environment,
    root_stack_resource,
    run_gate,
)
from preflight.project import ProjectError, ProjectSpec, load_project  # noqa: E402
from preflight.runner import ProgramError, run_program  # noqa: E402


class UnitBuilder:
    """Registrations of one regional unit of the delivery stack: what the program registers per region."""

    def __init__(self, unit: int, project: str, stack: str) -> None:
        self.unit = unit
        self.project = project
        self.stack = stack
        self.region = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2")[unit % 4]
        self.registrations: list[Registration] = []
        self.component = self._urn("delivery:stack:Region", f"region-{unit}")
        self.provider_ref = ""

    def _urn(self, type_: str, name: str) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::pulumi:pulumi:Stack${type_}::{name}"

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{ACCOUNT}:{resource}"

    def add(self, type_: str, name: str, inputs: dict[str, Any], depends: dict[str, str] | None = None) -> str:
        name = f"{name}-{self.unit}"
        urn = self._urn(type_, name)
        custom = not type_.startswith("delivery:")
        property_dependencies = {key: [target] for key, target in (depends or {}).items()}
        self.registrations.append(
            Registration(
                urn=urn,
                type=type_,
                name=name,
                custom=custom,
                parent="" if type_ == "delivery:stack:Region" else self.component,
                provider=self.provider_ref if custom and not type_.startswith("pulumi:providers:") else "",
                inputs=inputs,
                property_dependencies=property_dependencies,
                dependencies=sorted(set((depends or {}).values())),
                source_position=SourcePosition(
                    f"file://{ROOT}/infrastructure/delivery_stack/stack.py", 10 + len(self.registrations)
                ),
                id=name,
                outputs={**inputs, "arn": self.arn(type_.split(":")[1].split("/", maxsplit=1)[0], name)},
            )
        )
        return urn

    def build(self) -> list[Registration]:  # noqa: PLR0915 - one regional unit, resource by resource
        tags = {"tags": {key: f"{key.lower()}-value" for key in TAGS}}
        self.add("delivery:stack:Region", "region", {})
        provider = self.add("pulumi:providers:aws", "aws", {"region": self.region, "defaultTags": json.dumps(tags)})
        self.provider_ref = f"{provider}::{self.unit:08d}-provider"
        key_arn = self.arn("kms", f"key/{self.unit:08d}-0000-4000-8000-000000000000")
        key_policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Root",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "Logs",
                    "Effect": "Allow",
                    "Principal": {"Service": f"logs.{self.region}.amazonaws.com"},
                    "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
                    "Resource": "*",
                },
            ],
        }
        key = self.add(
            "aws:kms/key:Key",
            "key",
            {"enableKeyRotation": True, "policy": json.dumps(key_policy), "deletionWindowInDays": 7.0},
        )
        self.add(
            "aws:kms/alias:Alias",
            "key-alias",
            {"name": f"alias/delivery-{self.unit}", "targetKeyId": key_arn},
            {"targetKeyId": key},
        )
        for purpose in ("artifacts", "audit"):
            bucket = self.add(
                "aws:s3/bucket:Bucket",
                f"{purpose}-bucket",
                {"bucket": f"delivery-{purpose}-{self.unit}", "forceDestroy": False},
            )
            on_bucket = {"bucket": bucket}
            bucket_name = f"delivery-{purpose}-{self.unit}"
            self.add(
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                f"{purpose}-sse",
                {
                    "bucket": bucket_name,
                    "rules": [
                        {
                            "applyServerSideEncryptionByDefault": {
                                "sseAlgorithm": "aws:kms",
                                "kmsMasterKeyId": key_arn,
                            },
                            "bucketKeyEnabled": True,
                        }
                    ],
                },
                on_bucket,
            )
            self.add(
                "aws:s3/bucketVersioning:BucketVersioning",
                f"{purpose}-versioning",
                {"bucket": bucket_name, "versioningConfiguration": {"status": "Enabled"}},
                on_bucket,
            )
            self.add(
                "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                f"{purpose}-public-access",
                {
                    "bucket": bucket_name,
                    "blockPublicAcls": True,
                    "blockPublicPolicy": True,
                    "ignorePublicAcls": True,
                    "restrictPublicBuckets": True,
                },
                on_bucket,
            )
            self.add(
                "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
                f"{purpose}-ownership",
                {"bucket": bucket_name, "rule": {"objectOwnership": "BucketOwnerEnforced"}},
                on_bucket,
            )
            self.add(
                "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                f"{purpose}-lifecycle",
                {
                    "bucket": bucket_name,
                    "rules": [
                        {
                            "id": "expire",
                            "status": "Enabled",
                            "expiration": {"days": 365.0},
                            "transitions": [{"days": 30.0, "storageClass": "STANDARD_IA"}],
                        }
                    ],
                },
                on_bucket,
            )
            tls_only = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "TlsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [f"arn:aws:s3:::{bucket_name}", f"arn:aws:s3:::{bucket_name}/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            }
            self.add(
                "aws:s3/bucketPolicy:BucketPolicy",
                f"{purpose}-policy",
                {"bucket": bucket_name, "policy": json.dumps(tls_only)},
                on_bucket,
            )
        queue_arn = self.arn("sqs", f"delivery-dlq-{self.unit}")
        queue = self.add(
            "aws:sqs/queue:Queue",
            "dlq",
            {"kmsMasterKeyId": key_arn, "messageRetentionSeconds": 1209600.0},
            {"kmsMasterKeyId": key},
        )
        topic_arn = self.arn("sns", f"delivery-alerts-{self.unit}")
        topic = self.add("aws:sns/topic:Topic", "alerts", {"kmsMasterKeyId": key_arn}, {"kmsMasterKeyId": key})
        self.add(
            "aws:sns/topicSubscription:TopicSubscription",
            "alerts-email",
            {"topic": topic_arn, "protocol": "email", "endpoint": "ops@example.com"},
            {"topic": topic},
        )
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
        role = self.add(
            "aws:iam/role:Role", "function-role", {"assumeRolePolicy": json.dumps(trust), "maxSessionDuration": 3600.0}
        )
        log_group_arn = self.arn("logs", f"log-group:/aws/lambda/delivery-{self.unit}")
        permissions = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": [log_group_arn, f"{log_group_arn}:*"],
                },
                {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [queue_arn]},
                {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": [key_arn]},
                {
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject"],
                    "Resource": [f"arn:aws:s3:::delivery-artifacts-{self.unit}/*"],
                },
                {"Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Resource": "*"},
            ],
        }
        self.add(
            "aws:iam/rolePolicy:RolePolicy",
            "function-policy",
            {"role": f"function-role-{self.unit}", "policy": json.dumps(permissions)},
            {"role": role, "policy": queue},
        )
        function_name = f"delivery-pipeline-{self.unit}"
        function = self.add(
            "aws:lambda/function:Function",
            "pipeline-function",
            {
                "name": function_name,
                "runtime": "python3.12",
                "handler": "handler.handler",
                "memorySize": 256.0,
                "timeout": 10.0,
                "role": f"arn:aws:iam::{ACCOUNT}:role/function-role-{self.unit}",
                "tracingConfig": {"mode": "Active"},
                "deadLetterConfig": {"targetArn": queue_arn},
                "kmsKeyArn": key_arn,
                "environment": {
                    "variables": {"POWERTOOLS_SERVICE_NAME": "pipeline", "LOG_LEVEL": "INFO", "TABLE": f"t-{self.unit}"}
                },
                "vpcConfig": {
                    "subnetIds": [f"subnet-{self.unit}a", f"subnet-{self.unit}b"],
                    "securityGroupIds": [f"sg-{self.unit}"],
                },
                "code": {
                    "4dabf18193072939515e22adb298388d": "0def7320c3a5731c473e5ecbe6d01bc7",
                    "path": "build/functions/pipeline",
                },
            },
            {"role": role, "deadLetterConfig": queue, "kmsKeyArn": key},
        )
        self.add(
            "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
            "pipeline-invoke-config",
            {
                "functionName": function_name,
                "maximumRetryAttempts": 2.0,
                "maximumEventAgeInSeconds": 3600.0,
                "destinationConfig": {"onFailure": {"destination": queue_arn}},
            },
            {"functionName": function},
        )
        for purpose in ("function", "api-access", "flow"):
            self.add(
                "aws:cloudwatch/logGroup:LogGroup",
                f"{purpose}-logs",
                {"name": f"/delivery/{purpose}/{self.unit}", "retentionInDays": 7.0, "kmsKeyId": key_arn},
                {"kmsKeyId": key},
            )
        api = self.add(
            "aws:apigateway/restApi:RestApi",
            "api",
            {"name": f"delivery-{self.unit}", "endpointConfiguration": {"types": "REGIONAL"}},
        )
        api_id = f"api{self.unit:07d}"
        for route, method in (("pipeline", "POST"), ("health", "GET"), ("pipeline", "OPTIONS")):
            resource = self.add(
                "aws:apigateway/resource:Resource",
                f"{route}-{method.lower()}-resource",
                {"restApi": api_id, "parentId": "root", "pathPart": route},
                {"restApi": api},
            )
            self.add(
                "aws:apigateway/method:Method",
                f"{route}-{method.lower()}",
                {
                    "restApi": api_id,
                    "resourceId": "r",
                    "httpMethod": method,
                    "authorization": "NONE",
                    "apiKeyRequired": method == "POST",
                },
                {"resourceId": resource},
            )
            self.add(
                "aws:apigateway/integration:Integration",
                f"{route}-{method.lower()}-integration",
                {
                    "restApi": api_id,
                    "resourceId": "r",
                    "httpMethod": method,
                    "type": "AWS_PROXY",
                    "integrationHttpMethod": "POST",
                    "uri": f"arn:aws:apigateway:{self.region}:lambda:path/2015-03-31/functions/{function_name}"
                    "/invocations",
                },
                {"uri": function},
            )
            self.add(
                "aws:lambda/permission:Permission",
                f"{route}-{method.lower()}-permission",
                {
                    "action": "lambda:InvokeFunction",
                    "function": function_name,
                    "principal": "apigateway.amazonaws.com",
                    "sourceArn": self.arn("execute-api", f"{api_id}/dev/{method}/{route}"),
                },
                {"function": function},
            )
        deployment = self.add(
            "aws:apigateway/deployment:Deployment",
            "deployment",
            {"restApi": api_id, "triggers": {"redeployment": "abc"}},
            {"restApi": api},
        )
        stage = self.add(
            "aws:apigateway/stage:Stage",
            "stage",
            {
                "restApi": api_id,
                "deployment": "d",
                "stageName": "dev",
                "xrayTracingEnabled": True,
                "accessLogSettings": {"destinationArn": log_group_arn, "format": '{"requestId":"$context.requestId"}'},
            },
            {"deployment": deployment},
        )
        self.add(
            "aws:apigateway/methodSettings:MethodSettings",
            "method-settings",
            {
                "restApi": api_id,
                "stageName": "dev",
                "methodPath": "*/*",
                "settings": {"metricsEnabled": True, "throttlingBurstLimit": 50.0, "throttlingRateLimit": 100.0},
            },
            {"stageName": stage},
        )
        for metric, namespace, requests in (
            ("Errors", "AWS/Lambda", "Invocations"),
            ("5XXError", "AWS/ApiGateway", "Count"),
        ):
            self.add(
                "aws:cloudwatch/metricAlarm:MetricAlarm",
                f"{metric.lower()}-rate-alarm",
                {
                    "comparisonOperator": "GreaterThanThreshold",
                    "evaluationPeriods": 1.0,
                    "threshold": 1.0,
                    "treatMissingData": "notBreaching",
                    "alarmActions": [topic_arn],
                    "metricQueries": [
                        {
                            "id": "errors",
                            "metric": {"metricName": metric, "namespace": namespace, "period": 60.0, "stat": "Sum"},
                            "returnData": False,
                        },
                        {
                            "id": "requests",
                            "metric": {"metricName": requests, "namespace": namespace, "period": 60.0, "stat": "Sum"},
                            "returnData": False,
                        },
                        {
                            "id": "rate",
                            "expression": "errors / requests * 100",
                            "label": "error rate",
                            "returnData": True,
                        },
                    ],
                },
                {"alarmActions": topic},
            )
        self.add(
            "aws:cloudwatch/metricAlarm:MetricAlarm",
            "throttles-alarm",
            {
                "metricName": "Throttles",
                "namespace": "AWS/Lambda",
                "statistic": "Sum",
                "threshold": 1.0,
                "comparisonOperator": "GreaterThanThreshold",
                "evaluationPeriods": 1.0,
                "period": 60.0,
            },
        )
        self.add(
            "aws:cloudwatch/dashboard:Dashboard",
            "dashboard",
            {
                "dashboardName": f"delivery-{self.unit}",
                "dashboardBody": json.dumps({"widgets": [{"type": "metric", "properties": {"region": self.region}}]}),
            },
        )
        self.add(
            "aws:secretsmanager/secret:Secret",
            "secret",
            {"name": f"delivery/{self.unit}", "kmsKeyId": key_arn},
            {"kmsKeyId": key},
        )
        self.add(
            "aws:wafv2/webAcl:WebAcl",
            "web-acl",
            {
                "scope": "REGIONAL",
                "defaultAction": {"allow": {}},
                "visibilityConfig": {
                    "cloudwatchMetricsEnabled": True,
                    "metricName": "acl",
                    "sampledRequestsEnabled": True,
                },
                "rules": [
                    {
                        "name": "common",
                        "priority": 1.0,
                        "overrideAction": {"none": {}},
                        "statement": {
                            "managedRuleGroupStatement": {"name": "AWSManagedRulesCommonRuleSet", "vendorName": "AWS"}
                        },
                        "visibilityConfig": {
                            "cloudwatchMetricsEnabled": True,
                            "metricName": "common",
                            "sampledRequestsEnabled": True,
                        },
                    }
                ],
            },
        )
        vpc = self.add(
            "aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16", "enableDnsSupport": True, "enableDnsHostnames": True}
        )
        for zone in "ab":
            self.add(
                "aws:ec2/subnet:Subnet",
                f"private-{zone}",
                {"vpcId": "vpc", "cidrBlock": f"10.0.{ord(zone)}.0/24", "availabilityZone": f"{self.region}{zone}"},
                {"vpcId": vpc},
            )
        for service in ("s3", "sqs", "logs"):
            self.add(
                "aws:ec2/vpcEndpoint:VpcEndpoint",
                f"{service}-endpoint",
                {
                    "vpcId": "vpc",
                    "serviceName": f"com.amazonaws.{self.region}.{service}",
                    "vpcEndpointType": "Interface" if service != "s3" else "Gateway",
                    "privateDnsEnabled": service != "s3",
                },
                {"vpcId": vpc},
            )
        self.add(
            "aws:ec2/securityGroup:SecurityGroup",
            "function-sg",
            {
                "vpcId": "vpc",
                "description": "function",
                "egress": [{"protocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "cidrBlocks": ["10.0.0.0/16"]}],
            },
            {"vpcId": vpc},
        )
        self.add(
            "aws:ec2/flowLog:FlowLog",
            "flow-log",
            {"vpcId": "vpc", "trafficType": "ALL", "logDestination": log_group_arn},
            {"vpcId": vpc},
        )
        build_role_policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["lambda:UpdateFunctionCode"],
                    "Resource": [self.arn("lambda", f"function:{function_name}")],
                }
            ],
        }
        self.add(
            "aws:iam/rolePolicy:RolePolicy",
            "build-policy",
            {"role": f"build-role-{self.unit}", "policy": json.dumps(build_role_policy)},
        )
        self.add(
            "aws:codebuild/project:Project",
            "build",
            {
                "serviceRole": "r",
                "encryptionKey": key_arn,
                "artifacts": {"type": "S3", "location": "b"},
                "environment": {
                    "computeType": "BUILD_GENERAL1_SMALL",
                    "image": "aws/codebuild/standard:7.0",
                    "type": "LINUX_CONTAINER",
                },
                "source": {"type": "S3", "location": "b/source.zip", "buildspec": "buildspec.yml"},
            },
            {"encryptionKey": key},
        )
        self.add(
            "aws:codepipeline/pipeline:Pipeline",
            "pipeline",
            {
                "roleArn": "r",
                "pipelineType": "V2",
                "artifactStores": [
                    {
                        "location": f"delivery-artifacts-{self.unit}",
                        "type": "S3",
                        "region": self.region,
                        "encryptionKey": {"id": key_arn, "type": "KMS"},
                    }
                ],
                "stages": [
                    {
                        "name": "Source",
                        "actions": [
                            {
                                "name": "s",
                                "category": "Source",
                                "owner": "AWS",
                                "provider": "S3",
                                "version": "1",
                                "outputArtifacts": ["src"],
                                "configuration": {"S3Bucket": "b", "S3ObjectKey": "source.zip"},
                            }
                        ],
                    }
                ],
            },
            {"artifactStores": key},
        )
        return self.registrations


def synthetic_capture(resource_count: int, project: str = "serverless-delivery", stack: str = "bench") -> Capture:
    """About `resource_count` registrations: whole regional units of the delivery stack's types."""
    registrations: list[Registration] = []
    unit = 0
    while len(registrations) < resource_count:
        registrations += UnitBuilder(unit, project, stack).build()
        unit += 1
    registrations = registrations[:resource_count]
    return Capture(project=project, stack=stack, preview=False, resources=registrations, outputs={}, stack_urn="")


@dataclass
class Timing:
    label: str
    seconds: float
    resources: int

    @property
    def per_resource_ms(self) -> float:
        return 1000 * self.seconds / max(1, self.resources)


@contextmanager
def timed(results: dict[str, float], key: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    results[key] = time.perf_counter() - started


def bench_project(capture: Capture) -> ProjectSpec:
    return ProjectSpec(
        name=capture.project, root=ROOT, main=ROOT / "infrastructure", stack=capture.stack, stack_file=None, config={}
    )


def gate_over_grpc(capture: Capture, packs: int) -> dict[str, float]:
    """Pack start and analysis over gRPC with `packs` pack processes (Analyze calls shared between them)."""
    project = bench_project(capture)
    spec = load_pack_spec(PACK_DIR)
    if packs == 1:
        report = run_gate(capture, project, spec)
        return {"pack_start": report.timings["pack_start"], "analysis": report.timings["analysis"]}
    from preflight.analyzer import AnalyzerClient  # noqa: PLC0415 - only this mode needs it
    from preflight.policy_config import reconcile  # noqa: PLC0415

    timings: dict[str, float] = {}
    resources = engine_resources(capture, project.config)
    with EngineServer() as engine:
        processes = [PackProcess(spec, engine.address, pack_environment(project, False)) for _ in range(packs)]
        try:
            with timed(timings, "pack_start"):
                for process in processes:
                    process.start()
                clients = [AnalyzerClient(process.port, process) for process in processes]
                for client in clients:
                    client.configure(reconcile(client.analyzer_info(), {}).request())
            with timed(timings, "analysis"):
                # Remediate and Analyze shared between the packs; AnalyzeStack (which needs every resource) on one.
                shards = [resources[index::packs] for index in range(packs)]
                with ThreadPoolExecutor(max_workers=packs) as pool:
                    parts = list(pool.map(lambda pair: analyse_resources(*pair), zip(clients, shards, strict=True)))
                analyse_stack(clients[0], [item for part in parts for item in part])
        finally:
            for process in processes:
                process.stop()
    return timings


class InProcessAnalyzer:
    """The pack's own servicer (pulumi_policy's, private: pinned by pyproject's pulumi-policy range), no gRPC."""

    def __init__(self) -> None:
        from pulumi_policy.policy import _PolicyAnalyzerServicer  # noqa: PLC0415

        from delivery_policies import PACK_ENFORCEMENT_LEVEL, PACK_NAME, build_policies  # noqa: PLC0415
        from preflight.policy_config import reconcile  # noqa: PLC0415

        self._servicer = _PolicyAnalyzerServicer(PACK_NAME, "0.0.1", build_policies(), PACK_ENFORCEMENT_LEVEL)
        self._servicer.Configure(reconcile(self._servicer.GetAnalyzerInfo(None, None), {}).request(), None)

    def remediate(self, request: Any) -> Any:
        return self._servicer.Remediate(request, None)

    def analyze(self, request: Any) -> Any:
        return self._servicer.Analyze(request, None)

    def analyze_stack(self, request: Any) -> Any:
        return self._servicer.AnalyzeStack(request, None)


def gate_in_process(capture: Capture) -> dict[str, float]:
    timings: dict[str, float] = {}
    with timed(timings, "pack_start"):
        analyzer = InProcessAnalyzer()
    resources = engine_resources(capture, {})
    with timed(timings, "analysis"):
        analyse(analyzer, resources, root_stack_resource(capture), workers=1)
    return timings


def checkov_executable() -> str | None:
    candidates = [ROOT / ".nox" / "checkov" / "bin" / "checkov", shutil.which("checkov")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return None


def checkov_scan(capture: Capture) -> tuple[float, int] | None:
    """(seconds, resources) of Checkov's scan of the plan export of `capture`; None without the export or Checkov."""
    executable = checkov_executable()
    try:
        from preflight.plan import export_plan  # noqa: PLC0415 - another module's export, optional here
    except ImportError:
        return None
    if executable is None:
        return None
    export = export_plan(capture)
    with tempfile.TemporaryDirectory() as workdir:
        plan = Path(workdir) / "plan.json"
        plan.write_text(json.dumps(export.plan), encoding="utf-8")
        environment = {**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}
        started = time.perf_counter()
        subprocess.run(  # noqa: S603 - Checkov from the project's own virtualenv
            [
                executable,
                "-f",
                str(plan),
                "--framework",
                "terraform_plan",
                "--quiet",
                "--compact",
                "--skip-download",
                "-o",
                "json",
            ],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        return time.perf_counter() - started, export.resource_count


def dev_stack() -> None:
    """The dev stack end to end, as `nox -s gate` runs it: program under mocks, pack start, analysis."""
    print("dev stack (known values, end to end):")
    from unit_tests.preflight.dev_stack import dev_stack_environment  # noqa: PLC0415 - builds the function packages

    timings: dict[str, float] = {}
    pack = load_pack_spec(PACK_DIR)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as build_root, dev_stack_environment(Path(build_root)):
        project = load_project(ROOT, "dev")
        # As `python -m preflight gate` does it: the pack starts while the program runs.
        with launched_pack(project, pack, preview=False) as launched:
            try:
                with timed(timings, "program"):
                    capture = run_program(project, preview=False)
            except (ProjectError, ProgramError) as exc:
                print(f"  not runnable yet: {str(exc).splitlines()[0][:200]}")
                return
            # No policy config file, as `pulumi preview --policy-pack policies` runs it.
            report = run_gate(capture, project, pack, {}, launched=launched)
    total = time.perf_counter() - started
    print(
        f"  {len(capture.resources)} resources: program under mocks {timings['program']:.2f} s, "
        f"pack start {report.timings['pack_start']:.2f} s after the program (it starts during the program run), "
        f"analysis {report.timings['analysis']:.2f} s, "
        f"total {total:.2f} s (target < 5 s: {'met' if total < 5 else 'MISSED'}); "
        f"mandatory violations {report.mandatory}"
    )


def main() -> None:
    # Several jobs may share this machine's two cores: the load says how much of them the figures had.
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    dev_stack()
    modes: dict[str, Callable[[Capture], dict[str, float]]] = {
        CLI_MODE: lambda capture: gate_over_grpc(capture, 1),
        "gRPC, 2 packs": lambda capture: gate_over_grpc(capture, 2),
        "in-process servicer": gate_in_process,
    }
    analysis: dict[tuple[str, int], float] = {}
    for size in SIZES:
        capture = synthetic_capture(size)
        print(f"\nsynthetic stack of {len(capture.resources)} resources:")
        for mode, run in modes.items():
            timings = run(capture)
            analysis[(mode, size)] = timings["analysis"]
            print(
                f"  {mode:<28} pack start {timings['pack_start']:.2f} s, analysis {timings['analysis']:.2f} s "
                f"({1000 * timings['analysis'] / size:.3f} ms per resource)"
            )
        scanned = checkov_scan(capture)
        if scanned is None:
            print("  checkov: not available (needs preflight.plan's export and the checkov nox session's virtualenv)")
            continue
        seconds, exported = scanned
        checkov_ms = 1000 * seconds / max(1, exported)
        gate_ms = 1000 * analysis[(CLI_MODE, size)] / size
        print(
            f"  checkov terraform_plan scan of the same resources ({exported} exported): {seconds:.2f} s "
            f"({checkov_ms:.3f} ms per resource); the gate (as the CLI) is {checkov_ms / gate_ms:.1f}x faster per "
            f"resource (target >= 5x)"
        )
    print("\ntargets:")
    for mode in modes:
        small, large = analysis[(mode, SIZES[0])], analysis[(mode, SIZES[1])]
        print(
            f"  {mode:<28} 10k analysis {large:.2f} s (target < 5 s: {'met' if large < 5 else 'MISSED'}), "
            f"10k/1k ratio {large / small:.1f} (target <= 12: {'met' if large / small <= 12 else 'MISSED'})"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
