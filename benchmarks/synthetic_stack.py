"""Synthetic stacks for the gate benchmark: whole regional units of the delivery stack's types, every value known and
compliant, registered as the program would register them (URNs, parents, providers, property dependencies).

`synthetic_capture(n)` is about n registrations; two calls with the same arguments give identical captures. Needs
infrastructure/ on sys.path (gate_bench.py puts it there).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from delivery_stack.components.iam import WILDCARD_RESOURCE_ACTIONS
from preflight import MOCK_ACCOUNT_ID as ACCOUNT
from preflight import Capture, Registration, SourcePosition

ROOT = Path(__file__).resolve().parents[1]
TAGS = ("Project", "Environment", "Owner", "CostCenter", "ManagedBy", "Stack")
# The program's own allow-list of actions on Resource "*" (what the real function role grants), not a copy of it.
TRACE_WRITE_ACTIONS = tuple(action for action in WILDCARD_RESOURCE_ACTIONS if action.startswith("xray:Put"))


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
                {"Effect": "Allow", "Action": list(TRACE_WRITE_ACTIONS), "Resource": "*"},
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
