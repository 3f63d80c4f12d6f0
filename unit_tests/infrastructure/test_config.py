"""The typed stack config, pure: no Pulumi runtime. Each bad input gets one error naming key, value and allowed."""

from __future__ import annotations

from typing import Any

import pytest

from delivery_stack.config import ConfigError, StackConfig, parse_config

PROJECT = "serverless-delivery"
VALID: dict[str, Any] = {
    "regions": '["us-east-1", "us-west-2"]',
    "owner": "platform-team",
    "costCenter": "cc-0000",
    "allowedOrigins": '["https://delivery.example.com"]',
}


def parse(env: dict[str, str] | None = None, **changes: Any) -> StackConfig:
    raw = {**VALID, **changes}
    return parse_config({k: v for k, v in raw.items() if v is not None}, PROJECT, env or {})


def test_defaults() -> None:
    config = parse()
    assert config.regions == ("us-east-1", "us-west-2")
    assert config.primary_region == "us-east-1"
    assert config.environment == "dev"
    assert config.environment_suffix == "main"
    assert config.log_retention_days == 7
    assert config.error_rate_threshold_percent == 1.0
    assert config.function.memory_mb == 256
    assert config.function.timeout_seconds == 15
    assert config.alert_email is None
    assert config.nat_mode == "none"
    assert config.vpc_cidrs == {"us-east-1": "10.10.0.0/16", "us-west-2": "10.11.0.0/16"}


def test_reserved_concurrency_is_unset_by_default() -> None:
    """Seed failure: "Lambda reserved concurrency set too low": no fixed 10, nothing unless configured."""
    assert parse().function.reserved_concurrency is None
    assert parse(lambdaReservedConcurrency="300").function.reserved_concurrency == 300


def test_structured_values_arrive_as_lists_maps_or_strings() -> None:
    config = parse(
        regions=["eu-west-1"],
        auditBackupRegion="eu-central-1",
        vpcCidrs={"eu-west-1": "10.40.0.0/20"},
        allowedOrigins="https://a.example.com, https://b.example.com",
        lambdaMemoryMb=1024,
        errorRateThresholdPercent="0.5",
        alertEmail="ops@example.com",
        natMode="single",
    )
    assert config.regions == ("eu-west-1",)
    assert config.vpc_cidrs == {"eu-west-1": "10.40.0.0/20"}
    assert config.allowed_origins == ("https://a.example.com", "https://b.example.com")
    assert config.function.memory_mb == 1024
    assert config.error_rate_threshold_percent == 0.5
    assert config.alert_email == "ops@example.com"
    assert config.nat_mode == "single"


def test_regions_as_comma_separated_string() -> None:
    assert parse(regions="us-east-1, eu-west-1").regions == ("us-east-1", "eu-west-1")


def test_environment_overrides_win_over_stack_config() -> None:
    env = {
        "DELIVERY_ENVIRONMENT_SUFFIX": "pr42",
        "DELIVERY_REGIONS": "eu-west-1",
        "DELIVERY_AUDIT_BACKUP_REGION": "eu-central-1",
        "DELIVERY_ALERT_EMAIL": "a@b.io",
    }
    config = parse(env=env)
    assert config.environment_suffix == "pr42"
    assert config.regions == ("eu-west-1",)
    assert config.audit_backup_region == "eu-central-1"
    assert config.alert_email == "a@b.io"


def test_required_tags_include_cost_center() -> None:
    """Seed failure: "No cost allocation tags"."""
    assert parse().required_tags("dev") == {
        "Project": PROJECT,
        "Environment": "dev",
        "Owner": "platform-team",
        "CostCenter": "cc-0000",
        "ManagedBy": "Pulumi",
        "Stack": "dev",
    }


# The values CloudWatch Logs' PutRetentionPolicy accepts (its API reference), written out here rather than read
# from the module under test, so a wrong list in config.py shows.
PUT_RETENTION_POLICY_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip


@pytest.mark.parametrize("days", PUT_RETENTION_POLICY_DAYS)
def test_every_retention_cloudwatch_accepts_is_accepted(days: int) -> None:
    """Seed failure: "CloudWatch log retention inconsistent with requirements": one validated value."""
    assert parse(logRetentionDays=str(days)).log_retention_days == days


@pytest.mark.parametrize("days", [0, 2, 6, 8, 365 * 2, 3654])
def test_a_retention_cloudwatch_refuses_is_refused(days: int) -> None:
    with pytest.raises(ConfigError, match="`logRetentionDays`"):
        parse(logRetentionDays=str(days))


BAD_INPUTS = [
    pytest.param(
        {"regions": '["us-east-1", "mars-north-1"]'}, "regions", "mars-north-1", "one of us-east-1", id="unknown-region"
    ),
    pytest.param({"regions": "[]"}, "regions", "[]", "at least one region", id="empty-regions"),
    pytest.param({"regions": None}, "regions", None, "a list", id="missing-regions"),
    pytest.param(
        {"regions": '["us-east-1", "us-east-1"]'},
        "regions",
        '["us-east-1", "us-east-1"]',
        "duplicate: us-east-1",
        id="duplicate-regions",
    ),
    pytest.param({"regions": "[not json"}, "regions", "[not json", "a list", id="malformed-regions"),
    pytest.param({"regions": 5}, "regions", 5, "a list", id="regions-not-a-list"),
    pytest.param({"logRetentionDays": "10"}, "logRetentionDays", "10", "one of [1, 3, 5, 7", id="retention-rejected"),
    pytest.param({"logRetentionDays": "seven"}, "logRetentionDays", "seven", "a whole number", id="retention-text"),
    pytest.param({"logRetentionDays": "7.5"}, "logRetentionDays", "7.5", "a whole number", id="retention-fraction"),
    pytest.param({"logRetentionDays": True}, "logRetentionDays", True, "a whole number", id="retention-bool"),
    pytest.param({"costCenter": None}, "costCenter", None, "required, there is no default", id="missing-cost-center"),
    pytest.param({"costCenter": "  "}, "costCenter", "  ", "required, there is no default", id="blank-cost-center"),
    pytest.param({"owner": None}, "owner", None, "required", id="missing-owner"),
    pytest.param(
        {"vpcCidrs": '{"us-east-1": "10.0.0.300/16"}'},
        "vpcCidrs.us-east-1",
        "10.0.0.300/16",
        "CIDR notation",
        id="malformed-cidr",
    ),
    pytest.param(
        {"vpcCidrs": '{"us-east-1": "10.0.0.1/16"}'},
        "vpcCidrs.us-east-1",
        "10.0.0.1/16",
        "no host bits",
        id="cidr-host-bits",
    ),
    pytest.param({"vpcCidrs": '{"us-east-1": 10}'}, "vpcCidrs.us-east-1", 10, "CIDR notation", id="cidr-not-text"),
    pytest.param(
        {"vpcCidrs": '{"us-east-1": "8.8.0.0/16"}'}, "vpcCidrs.us-east-1", "8.8.0.0/16", "private", id="public-cidr"
    ),
    pytest.param(
        {"vpcCidrs": '{"us-east-1": "10.0.0.0/8"}'}, "vpcCidrs.us-east-1", "10.0.0.0/8", "/16 to /22", id="cidr-too-big"
    ),
    pytest.param(
        {"vpcCidrs": '{"us-east-1": "10.11.0.0/16"}'},
        "vpcCidrs.us-west-2",
        "10.11.0.0/16",
        "does not overlap us-east-1",
        id="overlapping-cidrs",
    ),
    pytest.param(
        {"vpcCidrs": '{"eu-west-1": "10.50.0.0/16"}'},
        "vpcCidrs.eu-west-1",
        "10.50.0.0/16",
        "configured regions",
        id="cidr-for-other-region",
    ),
    pytest.param({"vpcCidrs": "{oops"}, "vpcCidrs", "{oops", "a mapping", id="malformed-cidr-map"),
    pytest.param({"vpcCidrs": "[]"}, "vpcCidrs", [], "a mapping", id="cidrs-not-a-map"),
    pytest.param({"natMode": "always"}, "natMode", "always", "one of none, single, per-az", id="nat-mode"),
    pytest.param({"alertEmail": "not-an-email"}, "alertEmail", "not-an-email", "an email address", id="alert-email"),
    pytest.param({"lambdaMemoryMb": "64"}, "lambdaMemoryMb", "64", "128 to 10240", id="memory"),
    pytest.param({"lambdaTimeoutSeconds": "60"}, "lambdaTimeoutSeconds", "60", "1 to 29", id="timeout"),
    pytest.param({"lambdaReservedConcurrency": "0"}, "lambdaReservedConcurrency", "0", "1 to 10000", id="concurrency"),
    pytest.param(
        {"errorRateThresholdPercent": "nan"}, "errorRateThresholdPercent", "nan", "0.01 to 100", id="threshold-nan"
    ),
    pytest.param(
        {"errorRateThresholdPercent": "x"}, "errorRateThresholdPercent", "x", "0.01 to 100", id="threshold-text"
    ),
    pytest.param({"budgetLimitUsd": "0"}, "budgetLimitUsd", "0", "1 to 1e+06", id="budget"),
    pytest.param({"environment": "Prod"}, "environment", "Prod", "lowercase letters", id="environment-case"),
    pytest.param(
        {"environmentSuffix": "a-very-long-suffix"},
        "environmentSuffix",
        "a-very-long-suffix",
        "at most 8",
        id="suffix-length",
    ),
    pytest.param({"allowedOrigins": None}, "allowedOrigins", None, "at least one origin", id="missing-origins"),
    pytest.param({"allowedOrigins": "[]"}, "allowedOrigins", "[]", "at least one origin", id="empty-origins"),
    pytest.param(
        {"allowedOrigins": '["https://a.example.com/path"]'},
        "allowedOrigins",
        "https://a.example.com/path",
        "no path",
        id="origin-path",
    ),
]


@pytest.mark.parametrize(("changes", "key", "value", "allowed"), BAD_INPUTS)
def test_bad_input_names_the_key_the_value_and_what_is_allowed(
    changes: dict[str, Any], key: str, value: Any, allowed: str
) -> None:
    with pytest.raises(ConfigError) as error:
        parse(**changes)
    assert error.value.key == key
    assert error.value.value == value
    assert allowed in error.value.allowed
    assert str(error.value).startswith(f"invalid stack config `{key}` = {value!r}: ")


def test_project_name_must_fit_names() -> None:
    with pytest.raises(ConfigError, match="`project`"):
        parse_config(VALID, "Serverless_Delivery", {})


def test_config_is_frozen() -> None:
    config = parse()
    with pytest.raises(AttributeError):
        config.regions = ("eu-west-1",)  # type: ignore[misc]


@pytest.mark.parametrize(("raw", "expected"), [(True, True), ("false", False), (" TRUE ", True)])
def test_booleans_arrive_as_strings_or_booleans(raw: Any, expected: bool) -> None:
    assert parse(activateCostAllocationTags=raw).activate_cost_allocation_tags is expected


def test_a_boolean_that_is_neither_true_nor_false_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"`activateCostAllocationTags` = 'yes': true or false"):
        parse(activateCostAllocationTags="yes")


def test_the_dev_placeholder_cost_center_is_refused_outside_dev() -> None:
    """Seed failure: "No cost allocation tags" (issue 16): the dev stack's `cc-0000` must not reach a real stack."""
    assert parse().cost_center == "cc-0000"
    with pytest.raises(ConfigError, match=r"`costCenter` = 'cc-0000'.*placeholder"):
        parse(environment="prod")
    assert parse(environment="prod", costCenter="cc-4711").cost_center == "cc-4711"
