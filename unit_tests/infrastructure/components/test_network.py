"""Network: a private VPC per region, VPC endpoints instead of NAT, tight security groups, flow logs, NAT modes."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Sequence

import pytest

from delivery_policies.aws import taggable_types
from delivery_stack.components import network
from delivery_stack.components.network import endpoint_service_name, nat_gateway_count, subnet_plan
from delivery_stack.config import NAT_MODES
from preflight import Capture, Registration
from unit_tests.infrastructure.support import (
    ONE_REGION,
    REPO_ROOT,
    REQUIRED_TAGS,
    CaptureFactory,
    delivery_functions,
    parent_component,
    policy_json,
    resources_of,
    stack_regions,
)

NETWORK = "delivery:network:Network"
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
NAT_TYPES = ("aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip", "aws:ec2/internetGateway:InternetGateway")
# The NAT cost table lives in the README (the issue asks the README to state what each mode costs).
README = REPO_ROOT / "README.md"


def _in_region(capture: Capture, type_token: str, region: str) -> list[Registration]:
    return [r for r in resources_of(capture, type_token) if capture.region_of(r) == region]


def _regions(capture: Capture) -> list[str]:
    return stack_regions(capture)


def _named(resources: Sequence[Registration], suffix: str) -> Registration:
    (found,) = [r for r in resources if r.name.endswith(suffix)]
    return found


def _depends(resource: Registration, prop: str, *dependencies: Registration) -> bool:
    return {d.urn for d in dependencies} <= set(resource.property_dependencies.get(prop, []))


def test_subnet_plan_quarters_the_vpc() -> None:
    plan = subnet_plan("10.20.0.0/22")
    assert plan.private == ("10.20.0.0/24", "10.20.1.0/24")
    assert plan.public == ("10.20.2.0/24", "10.20.3.0/24")
    assert subnet_plan("10.10.0.0/16").private[1] == "10.10.64.0/18"


def test_nat_gateway_count_per_mode() -> None:
    assert [nat_gateway_count(mode) for mode in NAT_MODES] == [0, 1, 2]


def test_vpc_with_dns_and_private_subnets_in_two_zones(capture: Capture) -> None:
    for region in _regions(capture):
        (vpc,) = _in_region(capture, VPC, region)
        assert vpc.inputs["enableDnsSupport"] is True
        assert vpc.inputs["enableDnsHostnames"] is True
        assert vpc.inputs["cidrBlock"].endswith("/16")
        subnets = _in_region(capture, SUBNET, region)
        assert len(subnets) == 2
        # The zones come from the provider's invoke for this region, never a hard-coded letter.
        zones = [subnet.inputs["availabilityZone"] for subnet in subnets]
        assert len(set(zones)) == 2
        assert all(zone.startswith(region) for zone in zones)
        for subnet in subnets:
            assert subnet.inputs["mapPublicIpOnLaunch"] is False
            assert _depends(subnet, "vpcId", vpc)


def test_endpoint_service_names_come_from_the_configured_region(capture: Capture) -> None:
    """Seed failure: "VPC endpoint service name uses deprecated format": `com.amazonaws.<configured region>.<svc>`,
    never `aws.get_region()` evaluated when the module runs."""
    for region in _regions(capture):
        names = sorted(e.inputs["serviceName"] for e in _in_region(capture, ENDPOINT, region))
        assert names == sorted(endpoint_service_name(region, s) for s in ("s3", "secretsmanager", "sqs"))
        assert endpoint_service_name(region, "s3") == f"com.amazonaws.{region}.s3"
    assert "get_region" not in inspect.getsource(network)


def test_no_nat_by_default_and_s3_through_a_gateway_endpoint(capture: Capture) -> None:
    """Seed failure: "NAT Gateway costs not addressed": no NAT gateway, EIP or internet gateway unless configured."""
    for type_token in NAT_TYPES:
        assert not capture.of_type(type_token), type_token
    assert not capture.of_type("aws:ec2/route:Route")
    for region in _regions(capture):
        s3 = _named(_in_region(capture, ENDPOINT, region), "-s3-endpoint")
        assert s3.inputs["vpcEndpointType"] == "Gateway"
        tables = _in_region(capture, "aws:ec2/routeTable:RouteTable", region)
        assert len(tables) == 2
        assert _depends(s3, "routeTableIds", *tables)
        if not capture.preview:
            # Only this account's buckets are reachable through the endpoint.
            (statement,) = policy_json(s3.inputs["policy"])["Statement"]
            assert statement["Condition"] == {"StringEquals": {"aws:ResourceAccount": "123456789012"}}


def test_interface_endpoints_use_private_dns_and_their_own_security_group(capture: Capture) -> None:
    for region in _regions(capture):
        groups = _in_region(capture, SECURITY_GROUP, region)
        endpoint_group = _named(groups, "-endpoint-sg")
        subnets = _in_region(capture, SUBNET, region)
        interface = [e for e in _in_region(capture, ENDPOINT, region) if e.inputs["vpcEndpointType"] == "Interface"]
        assert len(interface) == 2
        for endpoint in interface:
            assert endpoint.inputs["privateDnsEnabled"] is True
            assert endpoint.property_dependencies["securityGroupIds"] == [endpoint_group.urn]
            assert _depends(endpoint, "subnetIds", *subnets)


def test_function_security_group_allows_only_https_to_the_endpoints_and_s3(capture: Capture) -> None:
    """The function's group: egress 443 to the endpoint group and the S3 prefix list, nothing else; the endpoint
    group: ingress 443 from the function's group only; no 0.0.0.0/0 ingress anywhere."""
    for region in _regions(capture):
        groups = _in_region(capture, SECURITY_GROUP, region)
        function_group, endpoint_group = _named(groups, "-function-sg"), _named(groups, "-endpoint-sg")
        s3 = _named(_in_region(capture, ENDPOINT, region), "-s3-endpoint")
        for group in groups:
            # Rules are resources of their own; inline rules would fight with them.
            assert "ingress" not in group.inputs
            assert "egress" not in group.inputs
        egress = _in_region(capture, EGRESS, region)
        assert len(egress) == 2
        for rule in egress:
            assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == ("tcp", 443, 443)
            assert rule.property_dependencies["securityGroupId"] == [function_group.urn]
            assert "cidrIpv4" not in rule.inputs
        to_endpoints = _named(egress, "-function-out-to-endpoints")
        assert to_endpoints.property_dependencies["referencedSecurityGroupId"] == [endpoint_group.urn]
        to_s3 = _named(egress, "-function-out-to-s3")
        assert to_s3.property_dependencies["prefixListId"] == [s3.urn]
        if not capture.preview:
            assert to_s3.inputs["prefixListId"] == s3.outputs["prefixListId"]
        (ingress,) = _in_region(capture, INGRESS, region)
        assert ingress.property_dependencies["securityGroupId"] == [endpoint_group.urn]
        assert ingress.property_dependencies["referencedSecurityGroupId"] == [function_group.urn]
        assert (ingress.inputs["fromPort"], ingress.inputs["toPort"]) == (443, 443)
    for rule in resources_of(capture, INGRESS):
        assert "cidrIpv4" not in rule.inputs
        assert "cidrIpv6" not in rule.inputs
    for default_group in resources_of(capture, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"):
        assert not default_group.inputs.get("ingress")
        assert not default_group.inputs.get("egress")


def test_function_runs_in_the_private_subnets_with_its_security_group(capture: Capture) -> None:
    for region in _regions(capture):
        (function,) = delivery_functions(capture, region)
        subnets = _in_region(capture, SUBNET, region)
        function_group = _named(_in_region(capture, SECURITY_GROUP, region), "-function-sg")
        assert _depends(function, "vpcConfig", *subnets, function_group)


def test_flow_logs_go_to_an_encrypted_group_with_the_standard_retention(capture: Capture) -> None:
    for region in _regions(capture):
        (vpc,) = _in_region(capture, VPC, region)
        (flow_log,) = _in_region(capture, "aws:ec2/flowLog:FlowLog", region)
        (key,) = _in_region(capture, "aws:kms/key:Key", region)
        group = parent_children(capture, flow_log, "aws:cloudwatch/logGroup:LogGroup")
        assert flow_log.inputs["trafficType"] == "ALL"
        assert flow_log.inputs["logDestinationType"] == "cloud-watch-logs"
        assert _depends(flow_log, "vpcId", vpc)
        assert _depends(flow_log, "logDestination", group)
        assert group.inputs["retentionInDays"] == 7
        assert _depends(group, "kmsKeyId", key)
        if not capture.preview:
            assert flow_log.inputs["logDestination"] == group.outputs["arn"]
            assert group.inputs["kmsKeyId"] == key.outputs["arn"]


def parent_children(capture: Capture, resource: Registration, type_token: str) -> Registration:
    component = parent_component(capture, resource, NETWORK)
    (child,) = [r for r in resources_of(capture, type_token) if r.parent == component.urn]
    return child


def test_flow_log_role_writes_only_its_log_group(up_three: Capture) -> None:
    for flow_log in resources_of(up_three, "aws:ec2/flowLog:FlowLog"):
        group = parent_children(up_three, flow_log, "aws:cloudwatch/logGroup:LogGroup")
        roles = [
            r for r in resources_of(up_three, "aws:iam/role:Role") if r.outputs["arn"] == flow_log.inputs["iamRoleArn"]
        ]
        (role,) = roles
        trust = policy_json(role.inputs["assumeRolePolicy"])["Statement"]
        assert [s["Principal"] for s in trust] == [{"Service": "vpc-flow-logs.amazonaws.com"}]
        (policy,) = [p for p in resources_of(up_three, "aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == role.id]
        (statement,) = policy_json(policy.inputs["policy"])["Statement"]
        assert statement["Resource"] == [group.outputs["arn"], f"{group.outputs['arn']}:*"]


@pytest.mark.parametrize("mode", ["single", "per-az"])
def test_nat_modes_add_public_subnets_gateways_and_routes(run_stack: CaptureFactory, mode: str) -> None:
    capture = run_stack(False, ONE_REGION, natMode=mode)
    nats = resources_of(capture, "aws:ec2/natGateway:NatGateway")
    eips = resources_of(capture, "aws:ec2/eip:Eip")
    assert len(nats) == len(eips) == nat_gateway_count(mode)
    assert len(resources_of(capture, "aws:ec2/internetGateway:InternetGateway")) == 1
    subnets = resources_of(capture, SUBNET)
    public = [s for s in subnets if "-public-" in s.name]
    assert len(public) == 2
    for nat, eip in zip(nats, eips, strict=True):
        assert eip.inputs["domain"] == "vpc"
        assert nat.inputs["allocationId"] == eip.id
        assert nat.inputs["subnetId"] in {s.id for s in public}
    private_routes = [r for r in resources_of(capture, "aws:ec2/route:Route") if "-private-" in r.name]
    assert len(private_routes) == 2
    used = {route.inputs["natGatewayId"] for route in private_routes}
    assert used == {nat.id for nat in nats}
    # With a way out, the function may open HTTPS anywhere; still nothing may connect in.
    assert any(rule.inputs.get("cidrIpv4") == "0.0.0.0/0" for rule in resources_of(capture, EGRESS))
    assert all("cidrIpv4" not in rule.inputs for rule in resources_of(capture, INGRESS))


def test_every_taggable_network_resource_is_tagged_with_a_name(run_stack: CaptureFactory) -> None:
    """Seed failure: "Missing resource tagging on some resources" (EIPs, route tables, endpoints...): every taggable
    network resource carries a Name tag, and its provider the required tag set, in the most resource-rich mode."""
    capture = run_stack(False, ONE_REGION, natMode="per-az")
    taggable = taggable_types()
    checked = set()
    for resource in [r for r in capture.custom_resources() if _under_network(capture, r)]:
        if resource.type not in taggable:
            continue
        if resource.type.startswith(("aws:ec2/", "aws:vpc/")):
            assert resource.inputs.get("tags", {}).get("Name"), resource.urn
        provider = capture.provider_of(resource)
        assert provider is not None
        assert set(REQUIRED_TAGS) <= set(json.loads(provider.inputs["defaultTags"])["tags"])
        checked.add(resource.type)
    assert {"aws:ec2/eip:Eip", "aws:ec2/routeTable:RouteTable", "aws:ec2/vpcEndpoint:VpcEndpoint"} <= checked
    assert {"aws:ec2/natGateway:NatGateway", "aws:ec2/subnet:Subnet", "aws:ec2/flowLog:FlowLog"} <= checked


def _under_network(capture: Capture, resource: Registration) -> bool:
    try:
        parent_component(capture, resource, NETWORK)
    except AssertionError:
        return False
    return True


def test_outputs_name_the_vpc_and_endpoints(capture: Capture) -> None:
    for region, outputs in capture.outputs["regions"].items():
        assert set(outputs["endpoint_ids"]) == {"s3", "secretsmanager", "sqs"}
        assert len(outputs["private_subnet_ids"]) == 2
        if not capture.preview:
            (vpc,) = _in_region(capture, VPC, region)
            assert outputs["vpc_id"] == vpc.id
            assert all(value.startswith("vpce-") for value in outputs["endpoint_ids"].values())


def test_readme_states_what_each_nat_mode_costs_per_month() -> None:
    """Seed failure: "NAT Gateway costs not addressed": the README prices every NAT mode per month."""
    text = README.read_text(encoding="utf-8")
    for mode in NAT_MODES:
        row = [line for line in text.splitlines() if line.startswith(f"| `{mode}`")]
        assert row, f"no cost row for natMode {mode}"
        assert re.search(r"\$\d+(\.\d\d)?", row[0]), row[0]


def test_the_network_alone_takes_its_range_nat_mode_and_retention_from_its_args(build_alone: CaptureFactory) -> None:
    """Values the dev stack file does not hold (10.10.0.0/16, no NAT, 7 days): each must come from NetworkArgs."""
    capture = build_alone(
        """
        from delivery_stack.components.network import Network, NetworkArgs

        Network(
            "network-alone",
            NetworkArgs(context=ctx, key=key, vpc_cidr="10.42.0.0/20", nat_mode="single", log_retention_days=30),
        )
        """
    )
    (vpc,) = capture.of_type("aws:ec2/vpc:Vpc")
    assert vpc.inputs["cidrBlock"] == "10.42.0.0/20"
    assert sorted(s.inputs["cidrBlock"] for s in resources_of(capture, SUBNET) if "private" in s.name) == [
        "10.42.0.0/22",
        "10.42.4.0/22",
    ]
    assert len(capture.of_type("aws:ec2/natGateway:NatGateway")) == nat_gateway_count("single")
    (flow_logs,) = capture.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert flow_logs.inputs["retentionInDays"] == 30
