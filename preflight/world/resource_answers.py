"""What AWS answers when a resource is created: per resource type, its id and computed outputs in the real formats.

ARNs a program builds from these look like real ones, so the policy gate and the Checkov export judge realistic
values. Types without an entry get a generic answer (`answer_for`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from preflight.world.arns import MOCK_PARTITION, Answer, Ctx, alnum, digest, stable_uuid


def _kms_key(c: Ctx) -> Answer:
    key_id = stable_uuid(c.seed)
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
    arn = f"{topic}:{stable_uuid(c.seed)}" if isinstance(topic, str) else c.arn("sns", f"sub:{stable_uuid(c.seed)}")
    return arn, {"arn": arn}


def _role(c: Ctx) -> Answer:
    name = c.physical_name()
    path = c.inputs.get("path") or "/"
    return name, {
        "name": name,
        "arn": f"arn:{MOCK_PARTITION}:iam::{c.account}:role{path}{name}",
        "uniqueId": "AROA" + digest(c.seed, 17).upper(),
    }


def _managed_policy(c: Ctx) -> Answer:
    name = c.physical_name(max_len=128)
    arn = f"arn:{MOCK_PARTITION}:iam::{c.account}:policy{c.inputs.get('path') or '/'}{name}"
    return arn, {"name": name, "arn": arn, "policyId": "ANPA" + digest(c.seed, 17).upper()}


def _lambda_function(c: Ctx) -> Answer:
    name = c.physical_name()
    arn = c.arn("lambda", f"function:{name}")
    return name, {
        "name": name,
        "arn": arn,
        "qualifiedArn": f"{arn}:$LATEST",
        "invokeArn": _invoke_arn(c.region, arn),
        # Lambda publishes version 1 when the function is created with `publish`.
        "version": "1" if c.inputs.get("publish") is True else "$LATEST",
    }


def _invoke_arn(region: str, arn: str) -> str:
    return f"arn:{MOCK_PARTITION}:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"


def _lambda_alias(c: Ctx) -> Answer:
    function_name = str(c.inputs.get("functionName") or c.physical_name())
    name = str(c.inputs.get("name") or c.physical_name())
    arn = c.arn("lambda", f"function:{function_name}:{name}")
    return arn, {"name": name, "arn": arn, "invokeArn": _invoke_arn(c.region, arn)}


def _log_group(c: Ctx) -> Answer:
    name = c.physical_name(max_len=512)
    return name, {"name": name, "arn": c.arn("logs", f"log-group:{name}")}


def _secret(c: Ctx) -> Answer:
    name = c.physical_name(max_len=512)
    arn = c.arn("secretsmanager", f"secret:{name}-{alnum(c.seed, 6)}")
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
    api_id = alnum(c.seed, 10)
    return api_id, {
        "name": c.physical_name(),
        "arn": f"arn:{MOCK_PARTITION}:apigateway:{c.region}::/restapis/{api_id}",
        "executionArn": c.arn("execute-api", api_id),
        "rootResourceId": alnum(c.seed + "/root", 10),
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
    key_id = alnum(c.seed, 10)
    return key_id, {
        "arn": f"arn:{MOCK_PARTITION}:apigateway:{c.region}::/apikeys/{key_id}",
        "name": c.physical_name(),
        # A mock API key value: derived, never a real credential.
        "value": "mock" + alnum(c.seed + "/value", 36),
    }


def _web_acl(c: Ctx) -> Answer:
    name = c.physical_name()
    acl_id = stable_uuid(c.seed)
    return acl_id, {
        "name": name,
        "arn": c.arn("wafv2", f"regional/webacl/{name}/{acl_id}"),
        "capacity": 700.0,
    }


def _prefixed(prefix: str, extra: Callable[[Ctx, str], dict[str, Any]] | None = None) -> Callable[[Ctx], Answer]:
    def answer(c: Ctx) -> Answer:
        rid = f"{prefix}-{digest(c.seed, 17)}"
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
        "defaultSecurityGroupId": f"sg-{digest(c.seed + 'sg', 17)}",
        "defaultRouteTableId": f"rtb-{digest(c.seed + 'rtb', 17)}",
        "defaultNetworkAclId": f"acl-{digest(c.seed + 'acl', 17)}",
        "mainRouteTableId": f"rtb-{digest(c.seed + 'main', 17)}",
    }


def _endpoint_extra(c: Ctx, rid: str) -> dict[str, Any]:
    return {"prefixListId": f"pl-{digest(c.seed, 8)}", "dnsEntries": []}


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
    plan_id = alnum(c.seed, 6)
    return plan_id, {"arn": f"arn:{MOCK_PARTITION}:apigateway:{c.region}::/usageplans/{plan_id}"}


def _random_result(c: Ctx) -> Answer:
    """pulumi-random's resources: the value they generate is their `result` (a pet's is its id)."""
    result = f"{c.inputs.get('prefix') or c.args.name}-{alnum(c.seed, 8)}"
    return result, {"result": result}


RANDOM_TYPES = frozenset(
    f"random:index/{kind}:{kind[0].upper()}{kind[1:]}"
    for kind in ("randomString", "randomPet", "randomUuid", "randomPassword", "randomId", "randomInteger")
)


def _http_api(c: Ctx) -> Answer:
    api_id = alnum(c.seed, 10)
    return api_id, {
        "name": c.physical_name(),
        "arn": f"arn:{MOCK_PARTITION}:apigateway:{c.region}::/apis/{api_id}",
        "executionArn": c.arn("execute-api", api_id),
        "apiEndpoint": f"https://{api_id}.execute-api.{c.region}.amazonaws.com",
    }


def _http_stage(c: Ctx) -> Answer:
    api = c.inputs.get("apiId", "")
    stage = c.physical_name()
    return stage, {
        "name": stage,
        "arn": f"arn:{MOCK_PARTITION}:apigateway:{c.region}::/apis/{api}/stages/{stage}",
        "executionArn": c.arn("execute-api", f"{api}/{stage}"),
        "invokeUrl": f"https://{api}.execute-api.{c.region}.amazonaws.com/{stage}",
    }


ANSWERS: dict[str, Callable[[Ctx], Answer]] = {
    "aws:apigatewayv2/api:Api": _http_api,
    "aws:apigatewayv2/stage:Stage": _http_stage,
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
    "aws:lambda/alias:Alias": _lambda_alias,
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
    rid = f"{c.args.name}-{digest(c.seed, 8)}"
    return rid, {"arn": c.arn(module, f"{c.args.typ.rsplit(':', 1)[-1].lower()}/{rid}")}


def answer_for(type_token: str) -> Callable[[Ctx], Answer]:
    """The answer for resources of `type_token`: its own entry (pulumi-random's generate a result), else the generic
    one."""
    if type_token in RANDOM_TYPES:
        return _random_result
    return ANSWERS.get(type_token, _generic)
