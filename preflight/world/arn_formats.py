"""Where the offline world lives (account, partition, region, availability zones) and the ARN shape of each service.

One setting names the account and partition: the environment variable `PREFLIGHT_AWS_ACCOUNT`, `ACCOUNT` or
`ACCOUNT/PARTITION` (default `123456789012/aws`). The region of a resource is its provider's `region`, else the
stack's `aws:region` config, else us-east-1, as the provider resolves it.

ARN shapes follow the AWS Service Authorization Reference ("Resource types defined by <service>"): the service
namespace is the ARN's, not the Pulumi module's (`states`, not `sfn`; `elasticloadbalancing`, not `lb`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from preflight.world.arns import digest, stable_uuid

ACCOUNT_SETTING = "PREFLIGHT_AWS_ACCOUNT"
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_PARTITION = "aws"
DEFAULT_REGION = "us-east-1"
PARTITION_DNS_SUFFIX = {"aws": "amazonaws.com", "aws-cn": "amazonaws.com.cn", "aws-us-gov": "amazonaws.com"}


@dataclass(frozen=True)
class Identity:
    """The account and partition every answer is in."""

    account: str = DEFAULT_ACCOUNT
    partition: str = DEFAULT_PARTITION

    @property
    def dns_suffix(self) -> str:
        return PARTITION_DNS_SUFFIX[self.partition]

    @classmethod
    def parse(cls, value: str) -> Identity:
        """`ACCOUNT` or `ACCOUNT/PARTITION`; raises ValueError naming the setting and what is allowed."""
        account, _, partition = value.strip().partition("/")
        partition = partition or DEFAULT_PARTITION
        if not re.fullmatch(r"\d{12}", account) or partition not in PARTITION_DNS_SUFFIX:
            raise ValueError(
                f"{ACCOUNT_SETTING}={value!r}: expected a 12-digit account id, optionally /PARTITION with PARTITION "
                f"one of {sorted(PARTITION_DNS_SUFFIX)}"
            )
        return cls(account, partition)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Identity:
        value = (os.environ if environ is None else environ).get(ACCOUNT_SETTING, "")
        return cls.parse(value) if value else cls()


@dataclass(frozen=True)
class RegionFacts:
    """A region's short code and its availability zones with their zone ids, as a typical account sees them."""

    name: str
    code: str
    zones: tuple[tuple[str, int], ...]  # (letter, zone id number), e.g. ("a", 1) -> us-east-1a, use1-az1

    @property
    def zone_names(self) -> list[str]:
        return [f"{self.name}{letter}" for letter, _ in self.zones]

    @property
    def zone_ids(self) -> list[str]:
        return [f"{self.code}-az{number}" for _, number in self.zones]


def _zones(letters: str, numbers: tuple[int, ...]) -> tuple[tuple[str, int], ...]:
    return tuple(zip(letters, numbers, strict=True))


# Zone letters are what every account sees; the letter-to-zone-id mapping differs per account (AWS shuffles it),
# so these pairings are one real account's, kept plausible rather than exact.
REGIONS: dict[str, RegionFacts] = {
    facts.name: facts
    for facts in (
        RegionFacts("us-east-1", "use1", _zones("abcdef", (6, 1, 2, 4, 3, 5))),
        RegionFacts("us-east-2", "use2", _zones("abc", (1, 2, 3))),
        RegionFacts("us-west-1", "usw1", _zones("ac", (3, 1))),
        RegionFacts("us-west-2", "usw2", _zones("abcd", (2, 1, 3, 4))),
        RegionFacts("ca-central-1", "cac1", _zones("abd", (1, 2, 4))),
        RegionFacts("sa-east-1", "sae1", _zones("abc", (1, 2, 3))),
        RegionFacts("eu-west-1", "euw1", _zones("abc", (3, 1, 2))),
        RegionFacts("eu-west-2", "euw2", _zones("abc", (2, 3, 1))),
        RegionFacts("eu-west-3", "euw3", _zones("abc", (1, 2, 3))),
        RegionFacts("eu-central-1", "euc1", _zones("abc", (2, 3, 1))),
        RegionFacts("eu-north-1", "eun1", _zones("abc", (1, 2, 3))),
        RegionFacts("eu-south-1", "eus1", _zones("abc", (1, 2, 3))),
        RegionFacts("ap-south-1", "aps1", _zones("abc", (1, 3, 2))),
        RegionFacts("ap-southeast-1", "apse1", _zones("abc", (2, 1, 3))),
        RegionFacts("ap-southeast-2", "apse2", _zones("abc", (3, 1, 2))),
        RegionFacts("ap-northeast-1", "apne1", _zones("acd", (4, 1, 2))),
        RegionFacts("ap-northeast-2", "apne2", _zones("abcd", (1, 2, 3, 4))),
        RegionFacts("ap-northeast-3", "apne3", _zones("abc", (3, 1, 2))),
        RegionFacts("ap-east-1", "ape1", _zones("abc", (1, 2, 3))),
        RegionFacts("me-south-1", "mes1", _zones("abc", (1, 2, 3))),
        RegionFacts("af-south-1", "afs1", _zones("abc", (1, 2, 3))),
        RegionFacts("us-gov-west-1", "usgw1", _zones("abc", (1, 2, 3))),
        RegionFacts("cn-north-1", "cnn1", _zones("ab", (1, 2))),
    )
}


def resolve_region(resource_region: Any, provider_region: Any, config_region: Any) -> str:
    """The region a resource lives in: its own `region` input (pulumi-aws 7), its provider's, `aws:region`, or
    us-east-1, the first that is a non-empty string."""
    for candidate in (resource_region, provider_region, config_region):
        if isinstance(candidate, str) and candidate:
            return candidate
    return DEFAULT_REGION


def region_facts(region: str) -> RegionFacts:
    """The region's facts; a region missing from the table gets three zones and a code built like AWS's."""
    if region in REGIONS:
        return REGIONS[region]
    match = re.fullmatch(r"([a-z]{2})-(?:gov-)?([a-z]+)-(\d+)", region)
    if not match:
        raise ValueError(f"region {region!r} is not an AWS region name (like us-east-1)")
    area, direction, number = match.groups()
    compass = {"east": "e", "west": "w", "north": "n", "south": "s", "central": "c", "southeast": "se",
               "northeast": "ne", "northwest": "nw", "southwest": "sw"}  # fmt: skip
    return RegionFacts(region, f"{area}{compass.get(direction, direction[:2])}{number}", _zones("abc", (1, 2, 3)))


# EC2-style ids: prefix and the ARN resource type they live under.
EC2_IDS: dict[str, tuple[str, str]] = {
    "aws:ec2/vpc:Vpc": ("vpc", "vpc"),
    "aws:ec2/subnet:Subnet": ("subnet", "subnet"),
    "aws:ec2/securityGroup:SecurityGroup": ("sg", "security-group"),
    "aws:ec2/routeTable:RouteTable": ("rtb", "route-table"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("vpce", "vpc-endpoint"),
    "aws:ec2/internetGateway:InternetGateway": ("igw", "internet-gateway"),
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway": ("eigw", "egress-only-internet-gateway"),
    "aws:ec2/natGateway:NatGateway": ("nat", "natgateway"),
    "aws:ec2/eip:Eip": ("eipalloc", "elastic-ip"),
    "aws:ec2/networkAcl:NetworkAcl": ("acl", "network-acl"),
    "aws:ec2/flowLog:FlowLog": ("fl", "vpc-flow-log"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": ("rtbassoc", "route-table-association"),
    "aws:ec2/instance:Instance": ("i", "instance"),
    "aws:ec2/keyPair:KeyPair": ("key", "key-pair"),
    "aws:ec2/launchTemplate:LaunchTemplate": ("lt", "launch-template"),
    "aws:ec2/networkInterface:NetworkInterface": ("eni", "network-interface"),
    "aws:ec2/volume:Volume": ("vol", "volume"),
    "aws:ec2/securityGroupRule:SecurityGroupRule": ("sgrule", "security-group-rule"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ("sgr", "security-group-rule"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ("sgr", "security-group-rule"),
    "aws:ec2transitgateway/transitGateway:TransitGateway": ("tgw", "transit-gateway"),
    "aws:ec2transitgateway/vpcAttachment:VpcAttachment": ("tgw-attach", "transit-gateway-attachment"),
    "aws:ec2transitgateway/routeTable:RouteTable": ("tgw-rtb", "transit-gateway-route-table"),
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": ("pcx", "vpc-peering-connection"),
    "aws:ec2/customerGateway:CustomerGateway": ("cgw", "customer-gateway"),
    "aws:ec2/vpnGateway:VpnGateway": ("vgw", "vpn-gateway"),
    "aws:ec2/ami:Ami": ("ami", "image"),
}


def ec2_id(type_token: str, seed: str) -> str | None:
    """The EC2-style id (`vpc-0a1b...`, 17 hex characters) of an EC2 type, None for other types."""
    if type_token not in EC2_IDS:
        return None
    return f"{EC2_IDS[type_token][0]}-{digest(seed, 17)}"


@dataclass(frozen=True)
class ArnContext:
    """What an ARN is built from: where the resource lives, its physical name and id, and its inputs."""

    identity: Identity
    region: str
    name: str
    id: str
    seed: str
    inputs: Mapping[str, Any]

    def arn(self, service: str, resource: str, regional: bool = True, in_account: bool = True) -> str:
        return (
            f"arn:{self.identity.partition}:{service}:{self.region if regional else ''}:"
            f"{self.identity.account if in_account else ''}:{resource}"
        )

    def input_name(self, key: str) -> str:
        """The last path segment of a string input (a name, or the name inside an ARN), '' when not a string."""
        value = self.inputs.get(key)
        return re.split(r"[/:]", value)[-1] if isinstance(value, str) else ""


ArnBuilder = Callable[[ArnContext], str]


def _in(service: str, template: str, regional: bool = True, in_account: bool = True) -> ArnBuilder:
    """A builder for `arn:P:service:R:A:` + template, with {name}, {id}, {hex8}, {hex16}, {uuid} filled."""

    def build(c: ArnContext) -> str:
        resource = template.format(
            name=c.name, id=c.id, hex8=digest(c.seed, 8), hex16=digest(c.seed, 16), uuid=stable_uuid(c.seed)
        )
        return c.arn(service, resource, regional, in_account)

    return build


def _iam(kind: str) -> ArnBuilder:
    def build(c: ArnContext) -> str:
        path = c.inputs.get("path") if isinstance(c.inputs.get("path"), str) else "/"
        return c.arn("iam", f"{kind}{path}{c.name}", regional=False)

    return build


def _ecs_service(c: ArnContext) -> str:
    return c.arn("ecs", f"service/{c.input_name('cluster') or 'default'}/{c.name}")


def _task_definition(c: ArnContext) -> str:
    family = c.inputs.get("family") if isinstance(c.inputs.get("family"), str) else c.name
    return c.arn("ecs", f"task-definition/{family}:1")


def _listener(c: ArnContext) -> str:
    balancer = c.input_name("loadBalancerArn") or "balancer"
    return c.arn("elasticloadbalancing", f"listener/app/{balancer}/{digest(c.seed + 'lb', 16)}/{digest(c.seed, 16)}")


def _load_balancer(c: ArnContext) -> str:
    kind = {"network": "net", "gateway": "gwy"}.get(str(c.inputs.get("loadBalancerType")), "app")
    return c.arn("elasticloadbalancing", f"loadbalancer/{kind}/{c.name}/{digest(c.seed, 16)}")


def _node_group(c: ArnContext) -> str:
    return c.arn("eks", f"nodegroup/{c.input_name('clusterName')}/{c.name}/{stable_uuid(c.seed)}")


def _rule_group(c: ArnContext) -> str:
    kind = "stateless" if str(c.inputs.get("type")).upper() == "STATELESS" else "stateful"
    return c.arn("network-firewall", f"{kind}-rulegroup/{c.name}")


def _api_stage(c: ArnContext) -> str:
    api = c.input_name("apiId") or c.input_name("restApi")
    collection = "apis" if c.inputs.get("apiId") is not None else "restapis"
    return c.arn("apigateway", f"/{collection}/{api}/stages/{c.name}", in_account=False)


def _ssm_parameter(c: ArnContext) -> str:
    return c.arn("ssm", f"parameter/{c.name.lstrip('/')}")


ARNS: dict[str, ArnBuilder] = {
    "aws:s3/bucket:Bucket": _in("s3", "{name}", regional=False, in_account=False),
    "aws:s3/bucketV2:BucketV2": _in("s3", "{name}", regional=False, in_account=False),
    "aws:s3/directoryBucket:DirectoryBucket": _in("s3express", "bucket/{name}"),
    "aws:sqs/queue:Queue": _in("sqs", "{name}"),
    "aws:sns/topic:Topic": _in("sns", "{name}"),
    "aws:kms/key:Key": _in("kms", "key/{id}"),
    "aws:kms/alias:Alias": _in("kms", "{name}"),
    "aws:iam/role:Role": _iam("role"),
    "aws:iam/policy:Policy": _iam("policy"),
    "aws:iam/user:User": _iam("user"),
    "aws:iam/group:Group": _iam("group"),
    "aws:iam/instanceProfile:InstanceProfile": _iam("instance-profile"),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _in("iam", "oidc-provider/{name}", regional=False),
    "aws:lambda/function:Function": _in("lambda", "function:{name}"),
    "aws:lambda/alias:Alias": _in("lambda", "function:{name}"),
    "aws:lambda/layerVersion:LayerVersion": _in("lambda", "layer:{name}:1"),
    "aws:lambda/eventSourceMapping:EventSourceMapping": _in("lambda", "event-source-mapping:{uuid}"),
    "aws:cloudwatch/logGroup:LogGroup": _in("logs", "log-group:{name}"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _in("cloudwatch", "alarm:{name}"),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": _in("cloudwatch", "alarm:{name}"),
    "aws:cloudwatch/dashboard:Dashboard": _in("cloudwatch", "dashboard/{name}", regional=False),
    "aws:cloudwatch/eventRule:EventRule": _in("events", "rule/{name}"),
    "aws:cloudwatch/eventBus:EventBus": _in("events", "event-bus/{name}"),
    "aws:secretsmanager/secret:Secret": _in("secretsmanager", "secret:{name}-{id}"),
    "aws:apigateway/restApi:RestApi": _in("apigateway", "/restapis/{id}", in_account=False),
    "aws:apigateway/apiKey:ApiKey": _in("apigateway", "/apikeys/{id}", in_account=False),
    "aws:apigateway/usagePlan:UsagePlan": _in("apigateway", "/usageplans/{id}", in_account=False),
    "aws:apigateway/stage:Stage": _api_stage,
    "aws:apigatewayv2/api:Api": _in("apigateway", "/apis/{id}", in_account=False),
    "aws:apigatewayv2/stage:Stage": _api_stage,
    "aws:wafv2/webAcl:WebAcl": _in("wafv2", "regional/webacl/{name}/{uuid}"),
    "aws:codebuild/project:Project": _in("codebuild", "project/{name}"),
    "aws:codepipeline/pipeline:Pipeline": _in("codepipeline", "{name}"),
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": _in("firehose", "deliverystream/{name}"),
    "aws:kinesis/stream:Stream": _in("kinesis", "stream/{name}"),
    "aws:budgets/budget:Budget": _in("budgets", "budget/{name}", regional=False),
    "aws:sfn/stateMachine:StateMachine": _in("states", "stateMachine:{name}"),
    "aws:sfn/activity:Activity": _in("states", "activity:{name}"),
    "aws:dynamodb/table:Table": _in("dynamodb", "table/{name}"),
    "aws:ecs/cluster:Cluster": _in("ecs", "cluster/{name}"),
    "aws:ecs/service:Service": _ecs_service,
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
    "aws:ecr/repository:Repository": _in("ecr", "repository/{name}"),
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:alb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/targetGroup:TargetGroup": _in("elasticloadbalancing", "targetgroup/{name}/{hex16}"),
    "aws:alb/targetGroup:TargetGroup": _in("elasticloadbalancing", "targetgroup/{name}/{hex16}"),
    "aws:lb/listener:Listener": _listener,
    "aws:alb/listener:Listener": _listener,
    "aws:eks/cluster:Cluster": _in("eks", "cluster/{name}"),
    "aws:eks/nodeGroup:NodeGroup": _node_group,
    "aws:eks/fargateProfile:FargateProfile": _in("eks", "fargateprofile/{name}/{uuid}"),
    "aws:networkfirewall/firewall:Firewall": _in("network-firewall", "firewall/{name}"),
    "aws:networkfirewall/firewallPolicy:FirewallPolicy": _in("network-firewall", "firewall-policy/{name}"),
    "aws:networkfirewall/ruleGroup:RuleGroup": _rule_group,
    "aws:rds/instance:Instance": _in("rds", "db:{name}"),
    "aws:rds/cluster:Cluster": _in("rds", "cluster:{name}"),
    "aws:rds/subnetGroup:SubnetGroup": _in("rds", "subgrp:{name}"),
    "aws:efs/fileSystem:FileSystem": _in("elasticfilesystem", "file-system/{id}"),
    "aws:acm/certificate:Certificate": _in("acm", "certificate/{uuid}"),
    "aws:route53/zone:Zone": _in("route53", "hostedzone/{id}", regional=False, in_account=False),
    "aws:cloudfront/distribution:Distribution": _in("cloudfront", "distribution/{id}", regional=False),
    "aws:cognito/userPool:UserPool": _in("cognito-idp", "userpool/{id}"),
    "aws:ssm/parameter:Parameter": _ssm_parameter,
    "aws:elasticache/cluster:Cluster": _in("elasticache", "cluster:{name}"),
    "aws:elasticache/replicationGroup:ReplicationGroup": _in("elasticache", "replicationgroup:{name}"),
    "aws:msk/cluster:Cluster": _in("kafka", "cluster/{name}/{uuid}"),
    "aws:opensearch/domain:Domain": _in("es", "domain/{name}"),
    "aws:glue/catalogDatabase:CatalogDatabase": _in("glue", "database/{name}"),
    "aws:athena/workgroup:Workgroup": _in("athena", "workgroup/{name}"),
    "aws:appsync/graphQLApi:GraphQLApi": _in("appsync", "apis/{id}"),
    "aws:batch/computeEnvironment:ComputeEnvironment": _in("batch", "compute-environment/{name}"),
    "aws:autoscaling/group:Group": _in("autoscaling", "autoScalingGroup:{uuid}:autoScalingGroupName/{name}"),
}

# Pulumi modules whose ARN service namespace has another name; the rest use the module name.
MODULE_SERVICE = {
    "sfn": "states",
    "lb": "elasticloadbalancing",
    "alb": "elasticloadbalancing",
    "elb": "elasticloadbalancing",
    "ec2transitgateway": "ec2",
    "vpc": "ec2",
    "apigatewayv2": "apigateway",
    "cognito": "cognito-idp",
    "efs": "elasticfilesystem",
    "msk": "kafka",
    "opensearch": "es",
    "elasticsearch": "es",
    "networkfirewall": "network-firewall",
    "cloudwatch": "cloudwatch",
    "lambda": "lambda",
    "cfg": "config",
    "ssoadmin": "sso",
    "servicediscovery": "servicediscovery",
    "scheduler": "scheduler",
    "pipes": "pipes",
    "cloudtrail": "cloudtrail",
    "bedrockfoundation": "bedrock",
}


def kebab(member: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", member).lower()


def service_of(type_token: str) -> str:
    """The ARN service namespace of a resource type (`aws:sfn/stateMachine:StateMachine` -> `states`)."""
    module = type_token.split(":")[1].split("/", maxsplit=1)[0] if type_token.count(":") >= 2 else "unknown"
    return MODULE_SERVICE.get(module, module)


def arn_for(type_token: str, context: ArnContext) -> str:
    """The resource's ARN in its service's real format; a type missing from the table gets
    `arn:P:<service>:R:A:<kebab-type>/<name>` with the service namespace, not the Pulumi module."""
    if type_token in EC2_IDS:
        return context.arn("ec2", f"{EC2_IDS[type_token][1]}/{context.id}")
    builder = ARNS.get(type_token)
    if builder is not None:
        return builder(context)
    member = type_token.rsplit(":", 1)[-1]
    return context.arn(service_of(type_token), f"{kebab(member)}/{context.name}")
