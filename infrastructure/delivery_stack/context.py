"""What every regional component needs to know about where it is being built."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from delivery_stack.config import StackConfig
from delivery_stack.naming import LIMITS, logical_name, physical_name, region_short


@dataclass(frozen=True)
class RegionContext:
    """One region of the stack: its config, provider, account and partition, and the names built there."""

    config: StackConfig
    region: str
    stack: str
    provider: aws.Provider
    account_id: pulumi.Output[str]
    partition: pulumi.Output[str]

    @property
    def short(self) -> str:
        return region_short(self.region)

    def name(self, component: str, kind: str = "default") -> str:
        """Physical (AWS-side) name; `kind` picks the service's length limit (see naming.LIMITS)."""
        if kind not in LIMITS:
            raise KeyError(f"unknown name kind {kind!r}; one of {sorted(LIMITS)}")
        return physical_name(self.config, component, self.region, kind)

    def logical(self, component: str) -> str:
        return logical_name(component, self.region)

    def component_options(self, opts: pulumi.ResourceOptions | None = None) -> pulumi.ResourceOptions:
        """Options for a regional component: its children reach this region's provider through parenting."""
        return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(provider=self.provider))

    def service_endpoint(self, service: str) -> str:
        """`<service>.<region>.amazonaws.com`, the form `kms:ViaService` and regional service principals take."""
        return f"{service}.{self.region}.amazonaws.com"

    def arn(
        self, service: str, resource: str, *, regional: bool = True, with_account: bool = True
    ) -> pulumi.Output[str]:
        """An ARN with concrete partition, region and account (never `*`)."""
        region = self.region if regional else ""
        return pulumi.Output.all(self.partition, self.account_id).apply(
            lambda pa: f"arn:{pa[0]}:{service}:{region}:{pa[1] if with_account else ''}:{resource}"
        )
