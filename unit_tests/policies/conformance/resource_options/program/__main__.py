"""tests/integration/resource_options/program/index.ts in Python: the same resources and options."""

import pulumi
from dynamic_resource import Resource, random_resource

config = pulumi.Config()
test_scenario = config.require_int("scenario")

Resource("empty")
random_resource("randomUuid", "uuid")
# Only protected in the first scenario, as in the original (the later one prepares the stack's destruction).
Resource("protect", opts=pulumi.ResourceOptions(protect=test_scenario == 1))
Resource("ignoreChanges", opts=pulumi.ResourceOptions(ignore_changes=["foo", "bar"]))
Resource("deleteBeforeReplaceNotSet")
Resource("deleteBeforeReplaceTrue", opts=pulumi.ResourceOptions(delete_before_replace=True))
Resource("deleteBeforeReplaceFalse", opts=pulumi.ResourceOptions(delete_before_replace=False))
Resource("aliased", opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="old-name-for-aliased")]))
Resource("timeouts", opts=pulumi.ResourceOptions(custom_timeouts=pulumi.CustomTimeouts("1m", "2m", "3m")))
Resource("timeouts-create", opts=pulumi.ResourceOptions(custom_timeouts=pulumi.CustomTimeouts(create="4m")))
Resource("timeouts-update", opts=pulumi.ResourceOptions(custom_timeouts=pulumi.CustomTimeouts(update="5m")))
Resource("timeouts-delete", opts=pulumi.ResourceOptions(custom_timeouts=pulumi.CustomTimeouts(delete="6m")))
Resource("secrets", opts=pulumi.ResourceOptions(additional_secret_outputs=["foo"]))
parent = Resource("parent-res")
Resource("child-res", opts=pulumi.ResourceOptions(parent=parent))
