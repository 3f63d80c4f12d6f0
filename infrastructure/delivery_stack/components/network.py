"""Network: the region's VPC, where the function runs without a route to the internet by default.

The function reaches AWS through VPC endpoints only: an S3 gateway endpoint (free) and an interface endpoint for each
other service its code calls (Secrets Manager for its signing key, SQS for its dead-letter queue). Logs, EMF metrics
and X-Ray segments leave through the Lambda service itself (stdout and the Lambda-run X-Ray daemon), not through the
VPC. A NAT gateway (one for the VPC, or one per AZ) is a config choice for code that must reach the internet; see
docs/infrastructure-network-api-cicd.md for what each mode costs.

Every service name is built from the configured region (`com.amazonaws.<region>.<service>`); the AZs come from the
provider's `get_availability_zones` invoke at run time (AZ letters differ per account: us-west-1 has no `a` for many).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from delivery_stack.components.iam import ANYONE, ServiceRole, ServiceRoleArgs, Statement, policy_document
from delivery_stack.components.loggroup import encrypted_log_group, log_group_write_statement
from delivery_stack.config import NatMode
from delivery_stack.context import RegionContext
from delivery_stack.providers import invoke_options

# The services the function's code calls besides S3 (functions/pipeline/pipeline_api/aws_clients.py).
FUNCTION_INTERFACE_SERVICES = ("secretsmanager", "sqs")
AZ_COUNT = 2
HTTPS = 443
SecurityGroupRule = aws.vpc.SecurityGroupIngressRule | aws.vpc.SecurityGroupEgressRule
# One-minute aggregation: the same cost as ten minutes, and a rejected connection shows up while it still matters.
FLOW_LOG_AGGREGATION_SECONDS = 60
# What the function does with S3 (audit records, the deep health check's HeadBucket).
S3_ENDPOINT_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:GetBucketLocation")


def endpoint_service_name(region: str, service: str) -> str:
    """`com.amazonaws.<region>.<service>`: the current form, from the configured region (never a data source)."""
    return f"com.amazonaws.{region}.{service}"


@dataclass(frozen=True)
class SubnetPlan:
    """The VPC's CIDR cut into four equal blocks: two private subnets, then two public ones (used only with NAT)."""

    private: tuple[str, str]
    public: tuple[str, str]


def subnet_plan(vpc_cidr: str) -> SubnetPlan:
    """Quarters of `vpc_cidr` (a /16 to /22, validated in config): a /22 gives four /24s."""
    network = ipaddress.ip_network(vpc_cidr, strict=True)
    quarters = [str(block) for block in network.subnets(prefixlen_diff=2)]
    return SubnetPlan(private=(quarters[0], quarters[1]), public=(quarters[2], quarters[3]))


def _item(values: Sequence[str], index: int) -> str:
    return values[index]


def nat_gateway_count(mode: NatMode) -> int:
    return {"none": 0, "single": 1, "per-az": AZ_COUNT}[mode]


@dataclass(frozen=True)
class NetworkArgs:
    context: RegionContext
    # Encrypts the flow-log group.
    key: aws.kms.Key
    # The region's VPC range (a /16 to /22, validated in config).
    vpc_cidr: str
    nat_mode: NatMode
    log_retention_days: int
    interface_services: Sequence[str] = FUNCTION_INTERFACE_SERVICES


class Network(pulumi.ComponentResource):
    """VPC, private subnets in two AZs, endpoints, the function's security group, flow logs, and NAT when configured."""

    vpc: aws.ec2.Vpc
    default_security_group: aws.ec2.DefaultSecurityGroup
    private_subnets: list[aws.ec2.Subnet]
    private_route_tables: list[aws.ec2.RouteTable]
    private_route_table_associations: list[aws.ec2.RouteTableAssociation]
    function_security_group: aws.ec2.SecurityGroup
    endpoint_security_group: aws.ec2.SecurityGroup
    s3_endpoint: aws.ec2.VpcEndpoint
    interface_endpoints: dict[str, aws.ec2.VpcEndpoint]
    security_group_rules: list[SecurityGroupRule]
    flow_log_group: aws.cloudwatch.LogGroup
    flow_log_role: ServiceRole
    flow_log: aws.ec2.FlowLog
    public_subnets: list[aws.ec2.Subnet]
    public_route_table_associations: list[aws.ec2.RouteTableAssociation]
    public_route_table: aws.ec2.RouteTable | None = None
    internet_gateway: aws.ec2.InternetGateway | None = None
    nat_eips: list[aws.ec2.Eip]
    nat_gateways: list[aws.ec2.NatGateway]
    routes: list[aws.ec2.Route]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("delivery:network:Network", name, None, args.context.component_options(opts))
        ctx = args.context
        self._ctx = ctx
        self._base = name
        self._child = pulumi.ResourceOptions(parent=self)
        vpc_cidr = args.vpc_cidr
        plan = subnet_plan(vpc_cidr)
        zones = aws.get_availability_zones_output(state="available", opts=invoke_options(ctx.provider))
        zone_names = [zones.names.apply(functools.partial(_item, index=index)) for index in range(AZ_COUNT)]

        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=vpc_cidr,
            enable_dns_support=True,
            # Private DNS names of interface endpoints need both DNS settings on.
            enable_dns_hostnames=True,
            tags=self._name_tag("vpc"),
            opts=self._child,
        )
        # Adopted with no rules: the default group allows nothing, so a resource that forgets its group is isolated.
        self.default_security_group = aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg", vpc_id=self.vpc.id, tags=self._name_tag("default-sg"), opts=self._child
        )
        self.private_subnets = [
            self._subnet(f"private-{index + 1}", cidr, zone_names[index]) for index, cidr in enumerate(plan.private)
        ]
        self.private_route_tables = [self._route_table(f"private-{index + 1}") for index in range(AZ_COUNT)]
        self.private_route_table_associations = [
            self._associate(f"private-{index + 1}", subnet, table)
            for index, (subnet, table) in enumerate(zip(self.private_subnets, self.private_route_tables, strict=True))
        ]
        self._security_groups()
        self._endpoints(args.interface_services)
        self._nat(args.nat_mode, plan, zone_names)
        self._flow_logs(args.key, args.log_retention_days)
        self.register_outputs(
            {
                "vpc_id": self.vpc.id,
                "private_subnet_ids": self.private_subnet_ids,
                "function_security_group_id": self.function_security_group.id,
                "endpoint_ids": self.endpoint_ids,
            }
        )

    @property
    def private_subnet_ids(self) -> list[pulumi.Output[str]]:
        return [subnet.id for subnet in self.private_subnets]

    @property
    def endpoint_ids(self) -> dict[str, pulumi.Output[str]]:
        return {"s3": self.s3_endpoint.id, **{s: e.id for s, e in self.interface_endpoints.items()}}

    def _name_tag(self, suffix: str) -> dict[str, str]:
        # The provider's default tags carry the required set; Name is what the console lists a resource by.
        return {"Name": self._ctx.name(suffix)}

    def _subnet(self, suffix: str, cidr: str, zone: pulumi.Input[str]) -> aws.ec2.Subnet:
        return aws.ec2.Subnet(
            f"{self._base}-{suffix}",
            vpc_id=self.vpc.id,
            cidr_block=cidr,
            availability_zone=zone,
            # Lambda ENIs never get public addresses and NAT gateways bring their own: no subnet maps one.
            map_public_ip_on_launch=False,
            tags=self._name_tag(suffix),
            opts=self._child,
        )

    def _route_table(self, suffix: str) -> aws.ec2.RouteTable:
        return aws.ec2.RouteTable(
            f"{self._base}-{suffix}-rt", vpc_id=self.vpc.id, tags=self._name_tag(f"{suffix}-rt"), opts=self._child
        )

    def _associate(
        self, suffix: str, subnet: aws.ec2.Subnet, table: aws.ec2.RouteTable
    ) -> aws.ec2.RouteTableAssociation:
        # Associations carry no tags in AWS (not taggable); the subnet and the table they join are.
        return aws.ec2.RouteTableAssociation(
            f"{self._base}-{suffix}-rta", subnet_id=subnet.id, route_table_id=table.id, opts=self._child
        )

    def _security_groups(self) -> None:
        # Rules are resources of their own (never inline), and a group created without inline rules has none:
        # the provider removes the allow-all egress rule AWS adds to a new group.
        self.function_security_group = aws.ec2.SecurityGroup(
            f"{self._base}-function-sg",
            name=self._ctx.name("function-sg"),
            description="The function: HTTPS out to the VPC endpoints and S3 only, nothing in",
            vpc_id=self.vpc.id,
            tags=self._name_tag("function-sg"),
            opts=self._child,
        )
        self.endpoint_security_group = aws.ec2.SecurityGroup(
            f"{self._base}-endpoint-sg",
            name=self._ctx.name("endpoint-sg"),
            description="Interface endpoints: HTTPS in from the function's security group only",
            vpc_id=self.vpc.id,
            tags=self._name_tag("endpoint-sg"),
            opts=self._child,
        )
        self.security_group_rules = [
            self._https_rule(
                aws.vpc.SecurityGroupIngressRule,
                "endpoint-in-from-function",
                self.endpoint_security_group,
                "HTTPS from the function",
                referenced_security_group_id=self.function_security_group.id,
            ),
            self._https_rule(
                aws.vpc.SecurityGroupEgressRule,
                "function-out-to-endpoints",
                self.function_security_group,
                "HTTPS to the interface endpoints",
                referenced_security_group_id=self.endpoint_security_group.id,
            ),
        ]

    def _https_rule(
        self,
        rule_type: type[SecurityGroupRule],
        suffix: str,
        group: aws.ec2.SecurityGroup,
        description: str,
        *,
        referenced_security_group_id: pulumi.Input[str] | None = None,
        prefix_list_id: pulumi.Input[str] | None = None,
        cidr_ipv4: str | None = None,
    ) -> SecurityGroupRule:
        """One rule of `group` for TCP 443 to or from its one peer: a security group, a prefix list or a CIDR."""
        return rule_type(
            f"{self._base}-{suffix}",
            security_group_id=group.id,
            description=description,
            ip_protocol="tcp",
            from_port=HTTPS,
            to_port=HTTPS,
            referenced_security_group_id=referenced_security_group_id,
            prefix_list_id=prefix_list_id,
            cidr_ipv4=cidr_ipv4,
            tags=self._name_tag(suffix),
            opts=self._child,
        )

    def _endpoints(self, interface_services: Sequence[str]) -> None:
        ctx = self._ctx
        # Only this account's buckets through the endpoint: a stolen credential cannot copy data to another account.
        own_buckets_only = Statement(
            sid="OwnAccountBucketsOnly",
            principals=ANYONE,
            actions=S3_ENDPOINT_ACTIONS,
            resources=("*",),
            conditions={"StringEquals": {"aws:ResourceAccount": ctx.account_id}},
        )
        self.s3_endpoint = aws.ec2.VpcEndpoint(
            f"{self._base}-s3-endpoint",
            vpc_id=self.vpc.id,
            service_name=endpoint_service_name(ctx.region, "s3"),
            vpc_endpoint_type="Gateway",
            route_table_ids=[table.id for table in self.private_route_tables],
            policy=policy_document([own_buckets_only], "resource"),
            tags=self._name_tag("s3-endpoint"),
            opts=self._child,
        )
        self.security_group_rules.append(
            self._https_rule(
                aws.vpc.SecurityGroupEgressRule,
                "function-out-to-s3",
                self.function_security_group,
                "HTTPS to S3 through the gateway endpoint",
                prefix_list_id=self.s3_endpoint.prefix_list_id,
            )
        )
        self.interface_endpoints = {
            service: aws.ec2.VpcEndpoint(
                f"{self._base}-{service}-endpoint",
                vpc_id=self.vpc.id,
                service_name=endpoint_service_name(ctx.region, service),
                vpc_endpoint_type="Interface",
                # The SDK's default endpoint name resolves to the endpoint's private addresses.
                private_dns_enabled=True,
                subnet_ids=self.private_subnet_ids,
                security_group_ids=[self.endpoint_security_group.id],
                tags=self._name_tag(f"{service}-endpoint"),
                opts=self._child,
            )
            for service in interface_services
        }

    def _nat(self, mode: NatMode, plan: SubnetPlan, zone_names: list[pulumi.Output[str]]) -> None:
        self.public_subnets = []
        self.public_route_table_associations = []
        self.nat_eips = []
        self.nat_gateways = []
        self.routes = []
        count = nat_gateway_count(mode)
        if count == 0:
            return
        self.internet_gateway = aws.ec2.InternetGateway(
            f"{self._base}-igw", vpc_id=self.vpc.id, tags=self._name_tag("igw"), opts=self._child
        )
        self.public_route_table = self._route_table("public")
        self.routes.append(
            aws.ec2.Route(
                f"{self._base}-public-default-route",
                route_table_id=self.public_route_table.id,
                destination_cidr_block="0.0.0.0/0",
                gateway_id=self.internet_gateway.id,
                opts=self._child,
            )
        )
        for index, cidr in enumerate(plan.public):
            subnet = self._subnet(f"public-{index + 1}", cidr, zone_names[index])
            self.public_subnets.append(subnet)
            self.public_route_table_associations.append(
                self._associate(f"public-{index + 1}", subnet, self.public_route_table)
            )
        for index in range(count):
            eip = aws.ec2.Eip(
                f"{self._base}-nat-{index + 1}-eip",
                domain="vpc",
                tags=self._name_tag(f"nat-{index + 1}-eip"),
                opts=self._child,
            )
            self.nat_eips.append(eip)
            self.nat_gateways.append(
                aws.ec2.NatGateway(
                    f"{self._base}-nat-{index + 1}",
                    allocation_id=eip.id,
                    subnet_id=self.public_subnets[index].id,
                    connectivity_type="public",
                    tags=self._name_tag(f"nat-{index + 1}"),
                    # A NAT gateway needs the VPC's internet gateway attached before it can pass traffic.
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[self.internet_gateway]),
                )
            )
        for index, table in enumerate(self.private_route_tables):
            # per-az: each AZ leaves through its own gateway (an AZ outage takes only its own); single: all share one.
            gateway = self.nat_gateways[index if count == AZ_COUNT else 0]
            self.routes.append(
                aws.ec2.Route(
                    f"{self._base}-private-{index + 1}-default-route",
                    route_table_id=table.id,
                    destination_cidr_block="0.0.0.0/0",
                    nat_gateway_id=gateway.id,
                    opts=self._child,
                )
            )
        # With a way out, the function may open HTTPS connections anywhere (still nothing may connect in).
        self.security_group_rules.append(
            self._https_rule(
                aws.vpc.SecurityGroupEgressRule,
                "function-out-via-nat",
                self.function_security_group,
                "HTTPS to the internet through the NAT gateway",
                cidr_ipv4="0.0.0.0/0",
            )
        )

    def _flow_logs(self, key: aws.kms.Key, retention_days: int) -> None:
        ctx = self._ctx
        self.flow_log_group = encrypted_log_group(
            f"{self._base}-flow-logs", f"/aws/vpc/{ctx.name('vpc')}/flow-logs", key, retention_days, self._child
        )
        self.flow_log_role = ServiceRole(
            f"{self._base}-flow-logs",
            ServiceRoleArgs(
                context=ctx,
                role_name=ctx.name("flow-logs", "iam_role"),
                trusted_service="vpc-flow-logs.amazonaws.com",
                statements=[
                    log_group_write_statement(
                        "WriteFlowLogGroup", self.flow_log_group, extra_actions=("logs:DescribeLogStreams",)
                    )
                ],
                description=f"VPC flow logs of {ctx.name('vpc')} into its log group",
            ),
            opts=self._child,
        )
        self.flow_log = aws.ec2.FlowLog(
            f"{self._base}-flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=self.flow_log_group.arn,
            iam_role_arn=self.flow_log_role.role.arn,
            max_aggregation_interval=FLOW_LOG_AGGREGATION_SECONDS,
            tags=self._name_tag("flow-log"),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.flow_log_role.policy]),
        )
