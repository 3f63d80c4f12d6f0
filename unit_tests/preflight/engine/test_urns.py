"""URNs as the engine computes them (sdk/go/common/resource/urn/urn.go, pkg/resource/deploy/deployment.go)."""

from __future__ import annotations

import pytest

from preflight.engine import urns

STACK = "dev"
PROJECT = "demo"


def test_a_top_level_resource_is_not_qualified_by_the_root_stack() -> None:
    root = urns.root_stack_urn(STACK, PROJECT)
    assert root == "urn:pulumi:dev::demo::pulumi:pulumi:Stack::demo-dev"
    assert urns.resource_urn(STACK, PROJECT, root, "aws:sqs/queue:Queue", "q") == (
        "urn:pulumi:dev::demo::aws:sqs/queue:Queue::q"
    )
    assert urns.resource_urn(STACK, PROJECT, "", "aws:sqs/queue:Queue", "q") == (
        "urn:pulumi:dev::demo::aws:sqs/queue:Queue::q"
    )


def test_a_resource_two_levels_deep_carries_the_whole_parent_chain() -> None:
    outer = urns.resource_urn(STACK, PROJECT, "", "demo:index:Outer", "o")
    inner = urns.resource_urn(STACK, PROJECT, outer, "demo:index:Inner", "i")
    leaf = urns.resource_urn(STACK, PROJECT, inner, "aws:sqs/queue:Queue", "q")
    # The SDK's mock monitor would give `demo:index:Inner$aws:sqs/queue:Queue`: only the parent's last type.
    assert leaf == "urn:pulumi:dev::demo::demo:index:Outer$demo:index:Inner$aws:sqs/queue:Queue::q"
    assert urns.urn_type(leaf) == "aws:sqs/queue:Queue"
    assert urns.qualified_type(leaf) == "demo:index:Outer$demo:index:Inner$aws:sqs/queue:Queue"


def test_a_name_may_hold_the_delimiter() -> None:
    urn = urns.new_urn(STACK, PROJECT, "", "demo:index:Thing", "a::b")
    assert urns.urn_name(urn) == "a::b"
    assert urns.urn_type(urn) == "demo:index:Thing"


def test_a_string_that_is_no_urn_is_refused_with_what_a_urn_looks_like() -> None:
    with pytest.raises(urns.UrnError, match=r"expected urn:pulumi:<stack>::<project>::<type>::<name>"):
        urns.qualified_type("aws:sqs/queue:Queue::q")
    with pytest.raises(urns.UrnError, match="not a URN"):
        urns.qualified_type("urn:pulumi:dev::demo")


@pytest.mark.parametrize(
    ("version", "name"),
    [
        ("", "default"),
        ("7.51.1", "default_7_51_1"),
        ("v7.0.0-alpha.1+build.5", "default_7_0_0_alpha_1_build_5"),
    ],
)
def test_default_provider_names_follow_the_requested_version(version: str, name: str) -> None:
    assert urns.default_provider_name(version) == name
    assert urns.default_provider_urn(STACK, PROJECT, "aws", version) == (
        f"urn:pulumi:dev::demo::pulumi:providers:aws::{name}"
    )


def test_provider_references_split_at_the_last_delimiter() -> None:
    urn = urns.default_provider_urn(STACK, PROJECT, "aws")
    reference = urns.provider_reference(urn, "abc")
    assert urns.split_provider_reference(reference) == (urn, "abc")
    with pytest.raises(urns.UrnError, match="not a provider reference"):
        urns.split_provider_reference("abc")


def test_package_of_a_resource_and_of_a_provider() -> None:
    assert urns.package_of("aws:s3/bucket:Bucket") == "aws"
    assert urns.package_of("pulumi:providers:random") == "random"
