"""Answers to the invokes (data sources) a program makes, as the provider would give them in the offline world.

The lookups pulumi/examples' AWS Python programs make are answered with typed, plausible values: caller identity,
region(s), partition, availability zones, the default VPC and its subnets, subnets and route tables by id, AMIs,
`getPolicyDocument` (computed as the provider renders it). Any other invoke gets a placeholder of its result class's
declared type; `InvokeSites` records where the program called it, so every report can list
"answered with a placeholder: aws:xyz/getFoo at file:line" instead of a silent `{}`.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi.runtime

from preflight.world import policy_document, sdk_types
from preflight.world.arn_formats import REGIONS, Identity, region_facts, service_of
from preflight.world.arns import alnum, digest
from preflight.world.sdk_types import PlausibleStrings

# The default VPC's range in every region (AWS: "Default VPC and default subnets"), one /20 per zone.
DEFAULT_VPC_CIDR = "172.31.0.0/16"
# Amazon's own account, owner of the Amazon Linux images `owners=["amazon"]` finds.
AMAZON_IMAGE_OWNER = "137112412989"


@dataclass(frozen=True)
class InvokeContext:
    """An invoke's arguments (camelCase) and where it runs."""

    token: str
    args: Mapping[str, Any]
    region: str
    identity: Identity

    def plausible(self, name: str) -> PlausibleStrings:
        return PlausibleStrings(self.identity, self.region, service_of(self.token), name, f"{self.token}:{name}")


Answer = dict[str, Any]


def _caller_identity(c: InvokeContext) -> Answer:
    account = c.identity.account
    return {"accountId": account, "arn": f"arn:{c.identity.partition}:iam::{account}:user/preflight",
            "userId": "AIDAPREFLIGHT", "id": account}  # fmt: skip


def _region(c: InvokeContext) -> Answer:
    region = c.args.get("region") or c.args.get("name") or c.region
    return {"name": region, "region": region, "id": region, "description": region,
            "endpoint": f"ec2.{region}.{c.identity.dns_suffix}"}  # fmt: skip


def _regions(c: InvokeContext) -> Answer:
    names = sorted(name for name in REGIONS if name.split("-")[0] not in ("cn",) and "gov" not in name)
    return {"names": names, "id": c.identity.partition}


def _partition(c: InvokeContext) -> Answer:
    reverse = ".".join(reversed(c.identity.dns_suffix.split(".")))
    return {"partition": c.identity.partition, "dnsSuffix": c.identity.dns_suffix, "reverseDnsPrefix": reverse,
            "id": c.identity.partition}  # fmt: skip


def _availability_zones(c: InvokeContext) -> Answer:
    facts = region_facts(c.region)
    excluded = set(c.args.get("excludeNames") or []) | set(c.args.get("excludeZoneIds") or [])
    pairs = [(n, i) for n, i in zip(facts.zone_names, facts.zone_ids, strict=True) if not excluded & {n, i}]
    return {"names": [n for n, _ in pairs], "zoneIds": [i for _, i in pairs], "groupNames": [c.region] * len(pairs),
            "id": c.region, "state": c.args.get("state")}  # fmt: skip


def _availability_zone(c: InvokeContext) -> Answer:
    facts = region_facts(c.region)
    wanted = c.args.get("name") or c.args.get("zoneId")
    index = next((i for i, pair in enumerate(zip(facts.zone_names, facts.zone_ids, strict=True)) if wanted in pair), 0)
    name, zone_id = facts.zone_names[index], facts.zone_ids[index]
    return {"name": name, "zoneId": zone_id, "id": name, "region": c.region, "nameSuffix": name[-1],
            "groupName": c.region, "zoneType": "availability-zone", "state": "available"}  # fmt: skip


def _default_vpc_id(c: InvokeContext) -> str:
    return f"vpc-{digest(f'default-vpc/{c.region}/{c.identity.account}', 17)}"


def _vpc(c: InvokeContext) -> Answer:
    vpc_id = c.args.get("id") or _default_vpc_id(c)
    is_default = bool(c.args.get("default")) or vpc_id == _default_vpc_id(c)
    return {"id": vpc_id, "arn": f"arn:{c.identity.partition}:ec2:{c.region}:{c.identity.account}:vpc/{vpc_id}",
            "cidrBlock": c.args.get("cidrBlock") or DEFAULT_VPC_CIDR, "default": is_default,
            "enableDnsHostnames": True, "enableDnsSupport": True, "instanceTenancy": "default",
            "mainRouteTableId": f"rtb-{digest(vpc_id + '/main', 17)}", "ownerId": c.identity.account,
            "dhcpOptionsId": f"dopt-{digest(vpc_id, 17)}", "state": "available", "tags": c.args.get("tags") or {},
            "cidrBlockAssociations": [], "region": c.region}  # fmt: skip


def _filter_values(c: InvokeContext, name: str) -> list[str]:
    for entry in c.args.get("filters") or []:
        if isinstance(entry, Mapping) and entry.get("name") == name:
            return [str(v) for v in entry.get("values") or []]
    return []


def _subnet_ids(c: InvokeContext) -> list[str]:
    vpc_id = next(iter(_filter_values(c, "vpc-id")), None) or _default_vpc_id(c)
    return [f"subnet-{digest(f'{vpc_id}/{zone}', 17)}" for zone in region_facts(c.region).zone_names]


def _subnets(c: InvokeContext) -> Answer:
    return {"ids": _subnet_ids(c), "id": c.region, "filters": c.args.get("filters"), "tags": c.args.get("tags")}


def _subnet(c: InvokeContext) -> Answer:
    facts = region_facts(c.region)
    subnet_id = c.args.get("id") or _subnet_ids(c)[0]
    index = int(digest(subnet_id, 4), 16) % len(facts.zone_names)
    return {"id": subnet_id, "vpcId": c.args.get("vpcId") or _default_vpc_id(c),
            "arn": f"arn:{c.identity.partition}:ec2:{c.region}:{c.identity.account}:subnet/{subnet_id}",
            "availabilityZone": facts.zone_names[index], "availabilityZoneId": facts.zone_ids[index],
            "cidrBlock": f"172.31.{16 * index}.0/20", "defaultForAz": True, "mapPublicIpOnLaunch": True,
            "ownerId": c.identity.account, "state": "available", "tags": c.args.get("tags") or {}}  # fmt: skip


def _route_table(c: InvokeContext) -> Answer:
    seed = str(c.args.get("subnetId") or c.args.get("routeTableId") or c.args.get("vpcId") or c.args)
    table_id = c.args.get("routeTableId") or f"rtb-{digest(seed, 17)}"
    return {"id": table_id, "routeTableId": table_id, "vpcId": c.args.get("vpcId") or _default_vpc_id(c),
            "subnetId": c.args.get("subnetId"), "ownerId": c.identity.account, "routes": [], "associations": [],
            "arn": f"arn:{c.identity.partition}:ec2:{c.region}:{c.identity.account}:route-table/{table_id}",
            "tags": c.args.get("tags") or {}}  # fmt: skip


def _ami(c: InvokeContext) -> Answer:
    owners = [str(o) for o in c.args.get("owners") or []]
    owner = next((o for o in owners if o.isdigit()), AMAZON_IMAGE_OWNER)
    image_id = f"ami-{digest(f'{c.region}/{sorted(c.args.items(), key=str)}', 17)}"
    name_pattern = next(iter(_filter_values(c, "name")), "al2023-ami-*-x86_64")
    architecture = next(iter(_filter_values(c, "architecture")), "x86_64")
    return {"id": image_id, "imageId": image_id, "name": name_pattern.replace("*", "2026.0.20260101.0"),
            "arn": f"arn:{c.identity.partition}:ec2:{c.region}::image/{image_id}", "architecture": architecture,
            "ownerId": owner, "imageOwnerAlias": "amazon" if owner == AMAZON_IMAGE_OWNER else None,
            "rootDeviceName": "/dev/xvda", "rootDeviceType": "ebs", "virtualizationType": "hvm",
            "hypervisor": "xen", "imageType": "machine", "state": "available", "public": True, "enaSupport": True,
            "creationDate": "2026-01-01T00:00:00.000Z", "platformDetails": "Linux/UNIX",
            "blockDeviceMappings": [], "productCodes": [], "tags": {}, "owners": owners,
            "mostRecent": c.args.get("mostRecent")}  # fmt: skip


def _policy_document(c: InvokeContext) -> Answer:
    return policy_document.render(c.args)


def _random_password(c: InvokeContext) -> Answer:
    # Plainly a placeholder, never a realistic secret: offline runs only need a known string.
    return {"randomPassword": "preflight-mock-not-a-secret", "id": c.region}


def _security_group(c: InvokeContext) -> Answer:
    group_id = c.args.get("id") or f"sg-{digest(str(sorted(c.args.items(), key=str)), 17)}"
    return {"id": group_id, "name": c.args.get("name") or "default", "vpcId": c.args.get("vpcId") or _default_vpc_id(c),
            "arn": f"arn:{c.identity.partition}:ec2:{c.region}:{c.identity.account}:security-group/{group_id}",
            "description": "default VPC security group", "tags": {}}  # fmt: skip


def _iam_role(c: InvokeContext) -> Answer:
    name = str(c.args.get("name") or "role")
    return {"id": name, "name": name, "arn": f"arn:{c.identity.partition}:iam::{c.identity.account}:role/{name}",
            "path": "/", "uniqueId": "AROA" + digest(name, 17).upper(), "assumeRolePolicy": "{}"}  # fmt: skip


def _iam_policy(c: InvokeContext) -> Answer:
    arn = c.args.get("arn") or f"arn:{c.identity.partition}:iam::aws:policy/{c.args.get('name') or 'policy'}"
    name = str(arn).rsplit("/", 1)[-1]
    return {"id": arn, "arn": arn, "name": name, "path": "/", "policyId": "ANPA" + digest(arn, 17).upper(),
            "policy": '{"Version":"2012-10-17","Statement":[]}'}  # fmt: skip


def _hosted_zone(c: InvokeContext) -> Answer:
    name = str(c.args.get("name") or "example.com").rstrip(".") + "."
    zone_id = c.args.get("zoneId") or "Z" + alnum(name, 20).upper()
    return {"id": zone_id, "zoneId": zone_id, "name": name, "privateZone": bool(c.args.get("privateZone")),
            "arn": f"arn:{c.identity.partition}:route53:::hostedzone/{zone_id}", "nameServers": []}  # fmt: skip


HANDLERS: dict[str, Callable[[InvokeContext], Answer]] = {
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getRegions:getRegions": _regions,
    "aws:index/getPartition:getPartition": _partition,
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "aws:index/getAvailabilityZone:getAvailabilityZone": _availability_zone,
    "aws:ec2/getVpc:getVpc": _vpc,
    "aws:ec2/getSubnets:getSubnets": _subnets,
    "aws:ec2/getSubnet:getSubnet": _subnet,
    "aws:ec2/getRouteTable:getRouteTable": _route_table,
    "aws:ec2/getAmi:getAmi": _ami,
    "aws:ec2/getSecurityGroup:getSecurityGroup": _security_group,
    "aws:iam/getPolicyDocument:getPolicyDocument": _policy_document,
    "aws:iam/getRole:getRole": _iam_role,
    "aws:iam/getPolicy:getPolicy": _iam_policy,
    "aws:route53/getZone:getZone": _hosted_zone,
    "aws:secretsmanager/getRandomPassword:getRandomPassword": _random_password,
}


def is_answered(token: str) -> bool:
    """Whether `token` has an answer of its own (not a placeholder)."""
    return token in HANDLERS


def answer(token: str, args: Mapping[str, Any], region: str, identity: Identity) -> Answer:
    """The invoke's result as the provider returns it (camelCase). An invoke without an answer of its own gets a
    placeholder of its result class's declared type ({} when no installed SDK declares the token)."""
    context = InvokeContext(token, args, region, identity)
    handler = HANDLERS.get(token)
    if handler is not None:
        return handler(context)
    result = sdk_types.result_class(token)
    if result is None:
        return {}
    # One element per list: a program indexes a lookup's ids (`get_ami_ids(...).ids[0]`) more often than it counts them.
    filler = sdk_types.Filler(context.plausible(token.rsplit(":", 1)[-1]), scalar_list_length=1)
    # A result's properties are the invoke's arguments echoed plus what it looked up: the given ones win.
    return {**filler.object(result, (), depth=1), **{k: v for k, v in args.items() if v is not None}}


@dataclass(frozen=True)
class PlaceholderAnswer:
    """One invoke answered with a placeholder, and where the program called it."""

    token: str
    path: str
    line: int

    def describe(self) -> str:
        return f"answered with a placeholder: {self.token} at {self.path}:{self.line}"


# Frames of these modules are the SDKs and the engine, not the program: the call site is the first frame outside.
_NOT_PROGRAM = ("pulumi", "preflight", "asyncio", "concurrent", "threading", "runpy", "importlib", "contextlib")
_INVOKE_FUNCTIONS = ("invoke", "invoke_single", "invoke_output", "invoke_output_single", "invoke_async")


def _call_site(depth: int) -> tuple[str, int]:
    frame = sys._getframe(depth)
    while frame is not None:
        module = str(frame.f_globals.get("__name__", ""))
        if module.split(".", maxsplit=1)[0].split("_", maxsplit=1)[0] not in _NOT_PROGRAM:
            return frame.f_code.co_filename, frame.f_lineno
        frame = frame.f_back  # type: ignore[assignment]
    return "<unknown>", 0


class InvokeSites:
    """Records the call site of every invoke the program makes that gets a placeholder answer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._placeholders: list[PlaceholderAnswer] = []

    def record(self, token: str, path: str, line: int) -> None:
        entry = PlaceholderAnswer(token, path, line)
        with self._lock:
            if entry not in self._placeholders:
                self._placeholders.append(entry)

    @property
    def placeholders(self) -> list[PlaceholderAnswer]:
        with self._lock:
            return sorted(self._placeholders, key=lambda p: (p.path, p.line, p.token))

    @contextlib.contextmanager
    def watching(self) -> Iterator[InvokeSites]:
        """While active, every `pulumi.runtime.invoke*` call of a token without its own answer is recorded with the
        program's file and line. The SDK's invoke requests carry no source position, so the Python stack at the
        call is the only record of it; generated SDKs call `pulumi.runtime.invoke*` through the module attribute."""
        originals = {name: getattr(pulumi.runtime, name) for name in _INVOKE_FUNCTIONS}

        def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
            def traced(token: str, *args: Any, **kwargs: Any) -> Any:
                if not token.startswith("pulumi:") and not is_answered(token):
                    self.record(token, *_call_site(2))
                return original(token, *args, **kwargs)

            return traced

        for name, original in originals.items():
            setattr(pulumi.runtime, name, wrap(original))
        try:
            yield self
        finally:
            for name, original in originals.items():
                setattr(pulumi.runtime, name, original)
