"""The build entry point: stack config -> typed config -> a provider per region -> components -> outputs."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from delivery_stack.config import StackConfig, load_config
from delivery_stack.context import RegionContext
from delivery_stack.providers import invoke_options, regional_provider


def region_context(config: StackConfig, region: str, stack: str) -> RegionContext:
    provider = regional_provider(config, region, stack)
    identity = aws.get_caller_identity_output(opts=invoke_options(provider))
    partition = aws.get_partition_output(opts=invoke_options(provider))
    return RegionContext(
        config=config,
        region=region,
        stack=stack,
        provider=provider,
        account_id=identity.account_id,
        partition=partition.partition,
    )


def deploy_region(ctx: RegionContext) -> dict[str, Any]:
    """Every per-region component, in dependency order; returns the region's outputs."""
    outputs: dict[str, Any] = {"region": ctx.region}
    return outputs


def build_stack() -> None:
    # Validation happens here, before any resource is registered: a bad value stops the program with one message.
    config = load_config()
    stack = pulumi.get_stack()
    regional_outputs: dict[str, Any] = {}
    for region in config.regions:
        regional_outputs[region] = deploy_region(region_context(config, region, stack))
    pulumi.export("primary_region", config.primary_region)
    pulumi.export("regions", regional_outputs)
