"""One explicit AWS provider per configured region, carrying the stack's required tags as default tags.

The stack config sets `pulumi:disable-default-providers: [aws]`, so a resource that misses its provider fails
instead of landing in whatever region the environment happens to name.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from delivery_stack.config import StackConfig
from delivery_stack.naming import logical_name


def regional_provider(config: StackConfig, region: str, stack: str) -> aws.Provider:
    return aws.Provider(
        logical_name("aws", region),
        region=region,
        default_tags=aws.ProviderDefaultTagsArgs(tags=config.required_tags(stack)),
        # Keep the provider's own region check on as well: config validates against a list, AWS knows the truth.
        skip_region_validation=False,
    )


def invoke_options(provider: aws.Provider) -> pulumi.InvokeOutputOptions:
    return pulumi.InvokeOutputOptions(provider=provider)
