"""The one naming function, pure: physical names fit every AWS limit and keep what distinguishes them."""

from __future__ import annotations

import re

import pytest

from delivery_stack.config import parse_config
from delivery_stack.context import RegionContext
from delivery_stack.naming import LIMITS, logical_name, physical_name, region_short

CONFIG = parse_config(
    {
        "regions": ["us-east-1"],
        "auditBackupRegion": "us-west-2",
        "owner": "o",
        "costCenter": "cc",
        "allowedOrigins": ["*"],
    },
    "serverless-delivery",
    {},
)


@pytest.mark.parametrize(
    ("region", "short"),
    [("us-east-1", "use1"), ("ap-southeast-2", "apse2"), ("eu-central-1", "euc1"), ("il-central-1", "ilc1"),
     ("me-south-1", "mes1"), ("ap-northeast-3", "apne3"), ("ca-central-1", "cac1")],
)  # fmt: skip
def test_region_short(region: str, short: str) -> None:
    assert region_short(region) == short


@pytest.mark.parametrize("region", ["useast1", "us-east", "us-east-x"])
def test_region_short_refuses_non_regions(region: str) -> None:
    with pytest.raises(ValueError, match="not an AWS region name"):
        region_short(region)


def test_physical_name_pattern() -> None:
    """Seed failure: "Lambda function name conflicts with resource name": project, component, region, environment
    and suffix are all in the name, so stacks and regions never collide."""
    assert physical_name(CONFIG, "pipeline", "us-east-1", "lambda") == "serverless-delivery-pipeline-use1-dev-main"


@pytest.mark.parametrize("kind", sorted(LIMITS))
def test_long_names_are_shortened_within_each_limit_keeping_the_tail(kind: str) -> None:
    # Longer than every limit (the largest is 1024), so each kind has to shorten it.
    component = "a-very-long-component-name-" * 40
    name = physical_name(CONFIG, component, "ap-southeast-2", kind)
    assert len(name) <= LIMITS[kind]
    assert name.endswith("-apse2-dev-main")
    assert re.fullmatch(r"[a-z0-9-]+", name)
    assert name != physical_name(CONFIG, component + "x", "ap-southeast-2", kind)


def test_shortened_names_are_stable_across_runs_and_releases() -> None:
    """A shortened name is pinned: a digest that changed between runs (Python's salted `hash()`) or releases would
    rename, and so replace, every resource whose name was shortened."""
    long = "x" * 80
    assert (
        physical_name(CONFIG, long, "us-east-1", "s3")
        == "serverless-delivery-xxxxxxxxxxxxxxxxxxxxxx-6028c6-use1-dev-main"
    )


def test_s3_names_must_be_valid_bucket_names() -> None:
    with pytest.raises(ValueError, match="not a valid S3 bucket name"):
        physical_name(CONFIG, "Audit", "us-east-1", "s3")


def test_a_limit_too_small_for_the_tail_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(LIMITS, "tiny", 10)
    with pytest.raises(ValueError, match="cannot fit tiny limit 10"):
        physical_name(CONFIG, "component", "us-east-1", "tiny")


def test_logical_names_are_short_and_per_region() -> None:
    assert logical_name("storage", "eu-west-1") == "storage-euw1"


def test_context_names_use_the_kind_limits() -> None:
    context = RegionContext(CONFIG, "us-east-1", "dev", None, None, None)  # type: ignore[arg-type]
    assert context.name("audit", "s3") == "serverless-delivery-audit-use1-dev-main"
    assert context.logical("storage") == "storage-use1"
    assert context.short == "use1"
    assert context.service_endpoint("logs") == "logs.us-east-1.amazonaws.com"
    with pytest.raises(KeyError, match="unknown name kind 'bucket'"):
        context.name("audit", "bucket")
