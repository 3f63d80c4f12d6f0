"""Remote (multi-language) components: answered with typed outputs so the program runs, and listed as not expanded.

A remote component (awsx's Vpc, eks's Cluster) is built by its own provider plugin, which registers its children;
offline there is no plugin, so its children are never seen. Its outputs are answered from the SDK's declared types
(unknown in preview); resource references among them stay unset, since no child exists to refer to. Every one is
recorded so reports can say "not expanded: its children are not analysed" instead of a silent PASS.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from preflight.world import sdk_types
from preflight.world.arn_formats import Identity, digest, region_facts

# awsx's Vpc defaults (pulumi-awsx awsx/ec2/vpc.ts): 3 zones, one public and one private subnet spec.
AWSX_VPC = "awsx:ec2:Vpc"
AWSX_DEFAULT_ZONES = 3
AWSX_DEFAULT_SPECS = ("Public", "Private")


def is_remote_component(type_token: str, custom: bool) -> bool:
    """A component registered by an installed SDK's class: local components are the program's own classes, which no
    SDK registers, so a component whose type an SDK declares is a multi-language (remote) one."""
    if custom:
        return False
    cls = sdk_types.resource_class(type_token)
    return cls is not None and issubclass(cls, pulumi.ComponentResource)


@dataclass(frozen=True)
class UnexpandedComponent:
    """One remote component whose children were never registered."""

    type: str
    name: str

    def describe(self) -> str:
        return f"not expanded: {self.type} {self.name} (its children are not analysed)"


def _awsx_vpc_subnet_ids(inputs: Mapping[str, Any], region: str, seed: str) -> dict[str, list[str]]:
    """One subnet id per zone and spec, grouped by the spec's type, in the order awsx creates them."""
    zones = inputs.get("availabilityZoneNames") or region_facts(region).zone_names
    count = int(inputs.get("numberOfAvailabilityZones") or min(len(zones), AWSX_DEFAULT_ZONES))
    specs = [str(spec.get("type", "")) for spec in inputs.get("subnetSpecs") or [] if isinstance(spec, Mapping)]
    by_type: dict[str, list[str]] = {"Public": [], "Private": [], "Isolated": []}
    for index, kind in enumerate(specs or AWSX_DEFAULT_SPECS):
        for zone in range(count):
            by_type.setdefault(kind.capitalize(), []).append(f"subnet-{digest(f'{seed}/{index}/{zone}', 17)}")
    return {
        "publicSubnetIds": by_type["Public"],
        "privateSubnetIds": by_type["Private"],
        "isolatedSubnetIds": by_type["Isolated"],
    }


class RemoteComponents:
    """Answers remote components and remembers which were not expanded."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self._lock = threading.Lock()
        self._unexpanded: list[UnexpandedComponent] = []

    @property
    def unexpanded(self) -> list[UnexpandedComponent]:
        with self._lock:
            return sorted(self._unexpanded, key=lambda c: (c.type, c.name))

    def answer(self, type_token: str, name: str, inputs: Mapping[str, Any], region: str, preview: bool) -> dict:
        """The component's outputs: unknown in preview, typed values in up (awsx's Vpc shaped by its inputs)."""
        with self._lock:
            self._unexpanded.append(UnexpandedComponent(type_token, name))
        cls = sdk_types.resource_class(type_token)
        if cls is None:
            return {}
        if preview:
            return sdk_types.preview_outputs(cls, {}, {})
        seed = f"{type_token}::{name}"
        namer = sdk_types.PlausibleStrings(self.identity, region, type_token.split(":")[1], name, seed)
        # Per-zone lists are what programs index (`vpc.public_subnet_ids[0]`): three, as most components default to.
        outputs = sdk_types.up_outputs(cls, {}, sdk_types.Filler(namer, scalar_list_length=AWSX_DEFAULT_ZONES))
        if type_token == AWSX_VPC:
            outputs.update(_awsx_vpc_subnet_ids(inputs, region, seed))
            outputs["vpcId"] = f"vpc-{digest(seed, 17)}"
        return outputs
