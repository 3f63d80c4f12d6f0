"""Mocks that answer like AWS: ids, names and ARNs in the real formats for the resource's region and account.

ARNs a program builds from these look like real ones, so the policy gate and the Checkov export judge realistic
values. Everything is derived from the URN, so two runs of one program give identical ids.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable
from typing import Any

from pulumi.runtime import mocks

MOCK_ACCOUNT_ID = "123456789012"
MOCK_PARTITION = "aws"
DEFAULT_REGION = "us-east-1"


def _digest(seed: str, length: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


def _alnum(seed: str, length: int) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    raw = hashlib.sha256(seed.encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in raw[:length])


def _uuid(seed: str) -> str:
    return str(uuid.UUID(hex=_digest(seed, 32)))


class Ctx:
    """What a mock answer is built from."""

    def __init__(self, args: mocks.MockResourceArgs, region: str, account: str) -> None:
        self.args = args
        self.inputs: dict[str, Any] = dict(args.inputs)
        self.region = region
        self.account = account
        self.seed = f"{args.typ}::{args.name}"

    def physical_name(self, key: str = "name", max_len: int = 64, lower: bool = False) -> str:
        """The given name, or an auto-name as the provider makes one (logical name plus 7 random characters)."""
        value = self.inputs.get(key)
        if isinstance(value, str) and value:
            return value
        name = f"{self.args.name}-{_digest(self.seed, 7)}"[:max_len]
        return name.lower() if lower else name

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{MOCK_PARTITION}:{service}:{self.region if region else ''}:"
            f"{self.account if account else ''}:{resource}"
        )


Answer = tuple[str, dict[str, Any]]


def _kms_key(c: Ctx) -> Answer:
    key_id = _uuid(c.seed)
    return key_id, {"keyId": key_id, "arn": c.arn("kms", f"key/{key_id}")}


def _kms_alias(c: Ctx) -> Answer:
    name = c.physical_name()
    return name, {"name": name, "arn": c.arn("kms", name)}


def _bucket(c: Ctx) -> Answer:
    name = c.physical_name("bucket", 63, lower=True)
    return name, {
        "bucket": name,
        "arn": f"arn:{MOCK_PARTITION}:s3:::{name}",
        "bucketDomainName": f"{name}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{name}.s3.{c.region}.amazonaws.com",
        "region": c.region,
        "hostedZoneId": "Z3AQBSTGFYJSTF",
    }


def _queue(c: Ctx) -> Answer:
    name = c.physical_name(max_len=80)
    url = f"https://sqs.{c.region}.amazonaws.com/{c.account}/{name}"
    return url, {"name": name, "url": url, "arn": c.arn("sqs", name)}


def _topic(c: Ctx) -> Answer:
    arn = c.arn("sns", c.physical_name(max_len=256))
    return arn, {"arn": arn, "name": arn.rsplit(":", 1)[1]}


def _topic_subscription(c: Ctx) -> Answer:
    topic = c.inputs.get("topic")
    arn = f"{topic}:{_uuid(c.seed)}" if isinstance(topic, str) else c.arn("sns", f"sub:{_uuid(c.seed)}")
    return arn, {"arn": arn}


def _role(c: Ctx) -> Answer:
    name = c.physical_name()
    path = c.inputs.get("path") or "/"
    return name, {
        "name": name,
        "arn": f"arn:{MOCK_PARTITION}:iam::{c.account}:role{path}{name}",
        "uniqueId": "AROA" + _digest(c.seed, 17).upper(),
    }


def _managed_policy(c: Ctx) -> Answer:
    name = c.physical_name(max_len=128)
    arn = f"arn:{MOCK_PARTITION}:iam::{c.account}:policy{c.inputs.get('path') or '/'}{name}"
    return arn, {"name": name, "arn": arn, "policyId": "ANPA" + _digest(c.seed, 17).upper()}


def _lambda_function(c: Ctx) -> Answer:
    name = c.physical_name()
    arn = c.arn("lambda", f"function:{name}")
    return name, {
        "name": name,
        "arn": arn,
        "qualifiedArn": f"{arn}:$LATEST",
        "invokeArn": f"arn:{MOCK_PARTITION}:apigateway:{c.region}:lambda:path/2015-03-31/functions/{arn}/invocations",
        "version": "$LATEST",
    }


def _log_group(c: Ctx) -> Answer:
    name = c.physical_name(max_len=512)
    return name, {"name": name, "arn": c.arn("logs", f"log-group:{name}")}


def _secret(c: Ctx) -> Answer:
    name = c.physical_name(max_len=512)
    arn = c.arn("secretsmanager", f"secret:{name}-{_alnum(c.seed, 6)}")
    return arn, {"name": name, "arn": arn}


def _alarm(c: Ctx) -> Answer:
    name = c.physical_name("name", 255)
    return name, {"name": name, "arn": c.arn("cloudwatch", f"alarm:{name}")}


def _dashboard(c: Ctx) -> Answer:
    name = c.physical_name("dashboardName", 255)
    return name, {
        "dashboardName": name,
        "dashboardArn": f"arn:{MOCK_PARTITION}:cloudwatch::{c.account}:dashboard/{name}",
    }


def _rest_api(c: Ctx) -> Answer:
    api_id = _alnum(c.seed, 10)
    return api_id, {
        "name": c.physical_name(),
        "arn": f"arn:{MOCK_PARTITION}:apigateway:{c.region}::/restapis/{api_id}",
        "executionArn": c.arn("execute-api", api_id),
        "rootResourceId": _alnum(c.seed + "/root", 10),
    }


def _stage(c: Ctx) -> Answer:
    api = c.inputs.get("restApi", "")
    stage = c.inputs.get("stageName", "")
    return f"ags-{api}-{stage}", {
        "arn": f"arn:{MOCK_PARTITION}:apigateway:{c.region}::/restapis/{api}/stages/{stage}",
        "executionArn": c.arn("execute-api", f"{api}/{stage}"),
        "invokeUrl": f"https://{api}.execute-api.{c.region}.amazonaws.com/{stage}",
    }


def _api_key(c: Ctx) -> Answer:
    key_id = _alnum(c.seed, 10)
    return key_id, {
        "arn": f"arn:{MOCK_PARTITION}:apigateway:{c.region}::/apikeys/{key_id}",
        "name": c.physical_name(),
        # A mock API key value: derived, never a real credential.
        "value": "mock" + _alnum(c.seed + "/value", 36),
    }


def _web_acl(c: Ctx) -> Answer:
    name = c.physical_name()
    acl_id = _uuid(c.seed)
    return acl_id, {
        "name": name,
        "arn": c.arn("wafv2", f"regional/webacl/{name}/{acl_id}"),
        "capacity": 700.0,
    }


def _prefixed(prefix: str, extra: Callable[[Ctx, str], dict[str, Any]] | None = None) -> Callable[[Ctx], Answer]:
    def answer(c: Ctx) -> Answer:
        rid = f"{prefix}-{_digest(c.seed, 17)}"
        state = {"arn": c.arn("ec2", f"{prefix_to_ec2[prefix]}/{rid}")}
        if extra:
            state.update(extra(c, rid))
        return rid, state

    return answer


prefix_to_ec2 = {
    "vpc": "vpc",
    "subnet": "subnet",
    "sg": "security-group",
    "rtb": "route-table",
    "vpce": "vpc-endpoint",
    "igw": "internet-gateway",
    "nat": "natgateway",
    "eipalloc": "elastic-ip",
    "acl": "network-acl",
    "fl": "vpc-flow-log",
    "rtbassoc": "route-table-association",
    "sgr": "security-group-rule",
}


def _vpc_extra(c: Ctx, rid: str) -> dict[str, Any]:
    return {
        "defaultSecurityGroupId": f"sg-{_digest(c.seed + 'sg', 17)}",
        "defaultRouteTableId": f"rtb-{_digest(c.seed + 'rtb', 17)}",
        "defaultNetworkAclId": f"acl-{_digest(c.seed + 'acl', 17)}",
        "mainRouteTableId": f"rtb-{_digest(c.seed + 'main', 17)}",
    }


def _endpoint_extra(c: Ctx, rid: str) -> dict[str, Any]:
    return {"prefixListId": f"pl-{_digest(c.seed, 8)}", "dnsEntries": []}


def _codebuild(c: Ctx) -> Answer:
    name = c.physical_name()
    arn = c.arn("codebuild", f"project/{name}")
    return arn, {"name": name, "arn": arn}


def _pipeline(c: Ctx) -> Answer:
    name = c.physical_name()
    return name, {"name": name, "arn": c.arn("codepipeline", name)}


def _firehose(c: Ctx) -> Answer:
    name = c.physical_name()
    arn = c.arn("firehose", f"deliverystream/{name}")
    return arn, {"name": name, "arn": arn}


def _event_rule(c: Ctx) -> Answer:
    name = c.physical_name()
    return name, {"name": name, "arn": c.arn("events", f"rule/{name}")}


def _budget(c: Ctx) -> Answer:
    name = c.physical_name()
    return f"{c.account}:{name}", {"name": name, "arn": f"arn:{MOCK_PARTITION}:budgets::{c.account}:budget/{name}"}


def _usage_plan(c: Ctx) -> Answer:
    plan_id = _alnum(c.seed, 6)
    return plan_id, {"arn": f"arn:{MOCK_PARTITION}:apigateway:{c.region}::/usageplans/{plan_id}"}


ANSWERS: dict[str, Callable[[Ctx], Answer]] = {
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": _kms_alias,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:sqs/queue:Queue": _queue,
    "aws:sns/topic:Topic": _topic,
    "aws:sns/topicSubscription:TopicSubscription": _topic_subscription,
    "aws:iam/role:Role": _role,
    "aws:iam/policy:Policy": _managed_policy,
    "aws:lambda/function:Function": _lambda_function,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:apigateway/restApi:RestApi": _rest_api,
    "aws:apigateway/stage:Stage": _stage,
    "aws:apigateway/apiKey:ApiKey": _api_key,
    "aws:apigateway/usagePlan:UsagePlan": _usage_plan,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "aws:ec2/vpc:Vpc": _prefixed("vpc", _vpc_extra),
    "aws:ec2/subnet:Subnet": _prefixed("subnet"),
    "aws:ec2/securityGroup:SecurityGroup": _prefixed("sg"),
    "aws:ec2/routeTable:RouteTable": _prefixed("rtb"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _prefixed("vpce", _endpoint_extra),
    "aws:ec2/internetGateway:InternetGateway": _prefixed("igw"),
    "aws:ec2/natGateway:NatGateway": _prefixed("nat"),
    "aws:ec2/eip:Eip": _prefixed("eipalloc"),
    "aws:ec2/flowLog:FlowLog": _prefixed("fl"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _prefixed("rtbassoc"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _prefixed("sgr"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _prefixed("sgr"),
    "aws:codebuild/project:Project": _codebuild,
    "aws:codepipeline/pipeline:Pipeline": _pipeline,
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": _firehose,
    "aws:cloudwatch/eventRule:EventRule": _event_rule,
    "aws:budgets/budget:Budget": _budget,
}


def _generic(c: Ctx) -> Answer:
    """Any other type: a stable id and an ARN shaped `arn:aws:<module>:<region>:<account>:<member>/<id>`."""
    module = c.args.typ.split(":")[1].split("/")[0] if c.args.typ.count(":") >= 2 else "unknown"
    rid = f"{c.args.name}-{_digest(c.seed, 8)}"
    return rid, {"arn": c.arn(module, f"{c.args.typ.rsplit(':', 1)[-1].lower()}/{rid}")}


class AwsLikeMocks(mocks.Mocks):
    """Answers resource registrations and the few invokes a program may make, in the provider's region."""

    def __init__(self, preview: bool, account: str = MOCK_ACCOUNT_ID) -> None:
        self.preview = preview
        self.account = account
        self._regions: dict[str, str] = {}
        self._lock = threading.Lock()

    @staticmethod
    def provider_key(provider_ref: str) -> str:
        """`<type>::<name>` of a provider reference `urn:pulumi:<stack>::<project>::<qualified type>::<name>::<id>`."""
        parts = provider_ref.split("::")
        if len(parts) < 4:
            return ""
        return f"{parts[2].split('$')[-1]}::{parts[3]}"

    @staticmethod
    def registered_provider_key(args: mocks.MockResourceArgs) -> str:
        """The `provider_key` of the provider `args` registers, for the resources that will reference it."""
        return f"{args.typ}::{args.name}"

    def region_for(self, provider_ref: str) -> str:
        with self._lock:
            return self._regions.get(self.provider_key(provider_ref), DEFAULT_REGION)

    def answer(self, args: mocks.MockResourceArgs, region: str) -> Answer:
        ctx = Ctx(args, region, self.account)
        return ANSWERS.get(args.typ, _generic)(ctx)

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ.startswith("pulumi:providers:"):
            region = args.inputs.get("region")
            urn_hint = self.registered_provider_key(args)
            with self._lock:
                self._regions[urn_hint] = region if isinstance(region, str) else DEFAULT_REGION
            return (None if self.preview else _uuid(urn_hint)), dict(args.inputs)
        if self.preview:
            # In preview the engine knows only the inputs; every computed output is unknown.
            return None, dict(args.inputs)
        rid, computed = self.answer(args, self.region_for(args.provider or ""))
        return rid, {**args.inputs, **computed}

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        region = self.region_for(args.provider or "")
        token = args.token
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": self.account,
                "arn": f"arn:{MOCK_PARTITION}:iam::{self.account}:user/preflight",
                "userId": "AIDAPREFLIGHT",
                "id": self.account,
            }, []
        if token == "aws:index/getRegion:getRegion":
            return {"name": region, "region": region, "id": region, "endpoint": f"ec2.{region}.amazonaws.com"}, []
        if token == "aws:index/getPartition:getPartition":
            return {"partition": MOCK_PARTITION, "dnsSuffix": "amazonaws.com", "id": MOCK_PARTITION}, []
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            names = [f"{region}{z}" for z in "abc"]
            return {"names": names, "zoneIds": [f"{region[:3]}-az{i}" for i in (1, 2, 3)], "id": region}, []
        if token == "aws:secretsmanager/getRandomPassword:getRandomPassword":
            # Plainly a placeholder, never a realistic secret: offline runs only need a known string.
            return {"randomPassword": "preflight-mock-not-a-secret", "id": region}, []
        return {}, []
