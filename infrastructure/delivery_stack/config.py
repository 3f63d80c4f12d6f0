"""The stack's typed configuration: read once from stack config (plus documented environment overrides), validated
before any resource is registered, then passed down frozen.

Validation is pure (no Pulumi runtime): `parse_config(raw, env)` takes the raw values and returns a StackConfig or
raises ConfigError naming the key, the value and what is allowed. `load_config()` reads the raw values from
`pulumi.Config()`.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from delivery_stack.config_values import (
    ConfigError,
    as_bool,
    as_float,
    as_int,
    as_list,
    as_mapping,
    name_part,
    required_text,
)

# The values CloudWatch Logs accepts for retentionInDays (PutRetentionPolicy); anything else is rejected by AWS.
CLOUDWATCH_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

# Commercial regions with Lambda, API Gateway, WAFv2, CodePipeline V2 and Secrets Manager.
SUPPORTED_REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    "ca-central-1", "sa-east-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
    "ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-east-1",
    "me-south-1", "me-central-1", "af-south-1", "il-central-1",
)  # fmt: skip

NatMode = Literal["none", "single", "per-az"]
NAT_MODES: tuple[NatMode, ...] = ("none", "single", "per-az")

DEV_ENVIRONMENT = "dev"
# Pulumi.dev.yaml ships this placeholder; a stack of any other environment must name a real cost center, or its
# costs would be allocated to nobody.
PLACEHOLDER_COST_CENTERS = ("cc-0000",)

# Environment variables that override stack config (for CI: a unique suffix per run, a narrower region list).
ENV_OVERRIDES = {
    "DELIVERY_ENVIRONMENT_SUFFIX": "environmentSuffix",
    "DELIVERY_REGIONS": "regions",
    "DELIVERY_AUDIT_BACKUP_REGION": "auditBackupRegion",
    "DELIVERY_ALERT_EMAIL": "alertEmail",
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class FunctionSettings:
    memory_mb: int = 256
    timeout_seconds: int = 15
    # None: no reserved concurrency, the function scales with the account's pool (a fixed 10 throttled production).
    reserved_concurrency: int | None = None
    # None: no provisioned concurrency (cold starts are paid per start, not per hour). Set, the API calls a `live`
    # alias kept warm with this many execution environments, which bill around the clock (README has the cost).
    provisioned_concurrency: int | None = None


@dataclass(frozen=True)
class ApiSettings:
    throttle_rate_limit: float = 50.0
    throttle_burst_limit: int = 100
    quota_per_day: int = 100_000
    waf_rate_limit_per_5min: int = 2_000
    # The p99 latency (ms) above which the API's latency alarm fires; API Gateway gives up at 29 s.
    latency_p99_threshold_ms: int = 3_000


@dataclass(frozen=True)
class StackConfig:
    project: str
    environment: str
    environment_suffix: str
    regions: tuple[str, ...]
    owner: str
    cost_center: str
    vpc_cidrs: Mapping[str, str]
    log_retention_days: int = 7
    function: FunctionSettings = field(default_factory=FunctionSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    error_rate_threshold_percent: float = 1.0
    alert_email: str | None = None
    budget_limit_usd: float = 100.0
    nat_mode: NatMode = "none"
    # Cost allocation tags can only be activated once AWS billing has seen them (up to 24 h after first tagging).
    activate_cost_allocation_tags: bool = True
    allowed_origins: tuple[str, ...] = ()
    # Secrets Manager rotates each function's signing key this often (the API accepts the previous key meanwhile).
    signing_key_rotation_days: int = 30
    # Cost Anomaly Detection alerts when an anomaly's total impact reaches this many dollars.
    cost_anomaly_threshold_usd: float = 20.0
    # Where the audit bucket's copy lives when `regions` has one region (with more, each replicates to the next).
    audit_backup_region: str | None = None

    @property
    def primary_region(self) -> str:
        return self.regions[0]

    def required_tags(self, stack: str) -> dict[str, str]:
        """The one tag set every taggable resource carries (through its provider's default tags)."""
        return {
            "Project": self.project,
            "Environment": self.environment,
            "Owner": self.owner,
            "CostCenter": self.cost_center,
            "ManagedBy": "Pulumi",
            "Stack": stack,
        }


def _regions(value: Any) -> tuple[str, ...]:
    regions = as_list("regions", value)
    if not regions:
        raise ConfigError("regions", value, "at least one region; the first is the primary")
    seen: set[str] = set()
    for region in regions:
        if region not in SUPPORTED_REGIONS:
            raise ConfigError("regions", region, f"one of {', '.join(SUPPORTED_REGIONS)}")
        if region in seen:
            raise ConfigError("regions", value, f"each region once (duplicate: {region})")
        seen.add(region)
    return tuple(regions)


def default_vpc_cidr(index: int) -> str:
    return f"10.{10 + index}.0.0/16"


def _vpc_cidrs(value: Any, regions: tuple[str, ...]) -> dict[str, str]:
    given = as_mapping("vpcCidrs", value) if value is not None else {}
    for region in given:
        if region not in regions:
            raise ConfigError(f"vpcCidrs.{region}", given[region], f"CIDRs only for the configured regions {regions}")
    cidrs: dict[str, str] = {}
    networks: list[tuple[str, ipaddress.IPv4Network]] = []
    for index, region in enumerate(regions):
        raw = given.get(region, default_vpc_cidr(index))
        key = f"vpcCidrs.{region}"
        try:
            network = ipaddress.ip_network(raw, strict=True) if isinstance(raw, str) else None
        except ValueError:
            network = None
        if not isinstance(network, ipaddress.IPv4Network):
            raise ConfigError(key, raw, "an IPv4 network in CIDR notation with no host bits set, e.g. 10.10.0.0/16")
        if not network.is_private or not 16 <= network.prefixlen <= 22:
            raise ConfigError(key, raw, "a private (RFC 1918) network from /16 to /22 (room for two /24 subnets)")
        for other_region, other in networks:
            if network.overlaps(other):
                raise ConfigError(key, raw, f"a network that does not overlap {other_region}'s {other}")
        networks.append((region, network))
        cidrs[region] = str(network)
    return cidrs


def _origins(value: Any) -> tuple[str, ...]:
    # Required: the function answers CORS for exactly these origins and refuses to serve without any.
    origins = as_list("allowedOrigins", value) if value is not None else []
    if not origins:
        raise ConfigError("allowedOrigins", value, "at least one origin like https://app.example.com, or '*'")
    for origin in origins:
        if origin != "*" and (not isinstance(origin, str) or not re.match(r"^https?://[^/\s]+$", origin)):
            raise ConfigError(
                "allowedOrigins", origin, "origins like https://app.example.com (scheme and host, no path)"
            )
    return tuple(origins)


def _audit_backup_region(value: Any, regions: tuple[str, ...]) -> str | None:
    if value is None:
        if len(regions) == 1:
            raise ConfigError(
                "auditBackupRegion",
                value,
                f"a supported region other than {regions[0]} for the audit bucket's copy (required with one region)",
            )
        return None
    if len(regions) > 1:
        raise ConfigError(
            "auditBackupRegion", value, "unset: with several regions each audit bucket replicates to the next"
        )
    if value not in SUPPORTED_REGIONS or value == regions[0]:
        raise ConfigError("auditBackupRegion", value, f"a supported region other than {regions[0]}")
    return str(value)


def _cost_center(value: Any, environment: str) -> str:
    cost_center = required_text("costCenter", value)
    if cost_center in PLACEHOLDER_COST_CENTERS and environment != DEV_ENVIRONMENT:
        raise ConfigError(
            "costCenter",
            value,
            f"your organisation's cost center: {cost_center} is the dev stack's placeholder, accepted only with "
            f"environment {DEV_ENVIRONMENT}",
        )
    return cost_center


def parse_config(raw: Mapping[str, Any], project: str, env: Mapping[str, str] | None = None) -> StackConfig:
    """Validate raw config values (stack config keys, camelCase) and environment overrides into a StackConfig."""
    values = dict(raw)
    overridden_by: dict[str, str] = {}
    for variable, key in ENV_OVERRIDES.items():
        if env and env.get(variable):
            values[key] = env[variable]
            overridden_by[key] = variable
    unknown = sorted(set(values) - set(CONFIG_KEYS))
    if unknown:
        close = difflib.get_close_matches(unknown[0], CONFIG_KEYS, n=1)
        suggestion = f"did you mean `{close[0]}`? " if close else ""
        raise ConfigError(
            unknown[0], values[unknown[0]], f"not a key of this stack; {suggestion}allowed: {', '.join(CONFIG_KEYS)}"
        )
    try:
        return _parse_values(values, project)
    except ConfigError as exc:
        override = overridden_by.get(exc.key)
        if override is None:
            raise
        raise ConfigError(exc.key, exc.value, exc.allowed, override) from exc


def _parse_values(values: Mapping[str, Any], project: str) -> StackConfig:
    regions = _regions(values.get("regions"))
    retention = as_int("logRetentionDays", values.get("logRetentionDays", 7), 1, 3653)
    if retention not in CLOUDWATCH_RETENTION_DAYS:
        raise ConfigError(
            "logRetentionDays", values.get("logRetentionDays"), f"one of {list(CLOUDWATCH_RETENTION_DAYS)}"
        )
    nat_mode = values.get("natMode", "none")
    if nat_mode not in NAT_MODES:
        raise ConfigError("natMode", nat_mode, f"one of {', '.join(NAT_MODES)}")
    reserved = values.get("lambdaReservedConcurrency")
    provisioned = values.get("lambdaProvisionedConcurrency")
    alert_email = values.get("alertEmail")
    if alert_email is not None and (not isinstance(alert_email, str) or not _EMAIL.match(alert_email)):
        raise ConfigError("alertEmail", alert_email, "an email address")

    environment = name_part("environment", values.get("environment", DEV_ENVIRONMENT), 8)
    backup_region = _audit_backup_region(values.get("auditBackupRegion"), regions)
    config = StackConfig(
        project=name_part("project", project, 24),
        environment=environment,
        environment_suffix=name_part("environmentSuffix", values.get("environmentSuffix", "main"), 8),
        regions=regions,
        owner=required_text("owner", values.get("owner")),
        cost_center=_cost_center(values.get("costCenter"), environment),
        vpc_cidrs=_vpc_cidrs(values.get("vpcCidrs"), regions),
        log_retention_days=retention,
        function=FunctionSettings(
            memory_mb=as_int("lambdaMemoryMb", values.get("lambdaMemoryMb", 256), 128, 10240),
            timeout_seconds=as_int("lambdaTimeoutSeconds", values.get("lambdaTimeoutSeconds", 15), 1, 29),
            reserved_concurrency=None if reserved is None else as_int("lambdaReservedConcurrency", reserved, 1, 10000),
            provisioned_concurrency=(
                None if provisioned is None else as_int("lambdaProvisionedConcurrency", provisioned, 1, 1000)
            ),
        ),
        api=ApiSettings(
            throttle_rate_limit=as_float("apiRateLimit", values.get("apiRateLimit", 50), 1, 10000),
            throttle_burst_limit=as_int("apiBurstLimit", values.get("apiBurstLimit", 100), 1, 5000),
            quota_per_day=as_int("apiQuotaPerDay", values.get("apiQuotaPerDay", 100_000), 1, 100_000_000),
            waf_rate_limit_per_5min=as_int("wafRateLimit", values.get("wafRateLimit", 2000), 100, 2_000_000_000),
            latency_p99_threshold_ms=as_int("apiLatencyP99Ms", values.get("apiLatencyP99Ms", 3000), 50, 29_000),
        ),
        error_rate_threshold_percent=as_float(
            "errorRateThresholdPercent", values.get("errorRateThresholdPercent", 1), 0.01, 100
        ),
        alert_email=alert_email,
        budget_limit_usd=as_float("budgetLimitUsd", values.get("budgetLimitUsd", 100), 1, 1_000_000),
        nat_mode=nat_mode,
        activate_cost_allocation_tags=as_bool(
            "activateCostAllocationTags", values.get("activateCostAllocationTags", True)
        ),
        allowed_origins=_origins(values.get("allowedOrigins")),
        signing_key_rotation_days=as_int("signingKeyRotationDays", values.get("signingKeyRotationDays", 30), 1, 365),
        cost_anomaly_threshold_usd=as_float(
            "costAnomalyThresholdUsd", values.get("costAnomalyThresholdUsd", 20), 1, 1_000_000
        ),
        audit_backup_region=backup_region,
    )
    function = config.function
    if None not in (function.reserved_concurrency, function.provisioned_concurrency) and (
        (function.provisioned_concurrency or 0) > (function.reserved_concurrency or 0)
    ):
        raise ConfigError(
            "lambdaProvisionedConcurrency",
            function.provisioned_concurrency,
            f"at most lambdaReservedConcurrency ({function.reserved_concurrency}): warm environments come out of it",
        )
    return config


# The keys load_config reads. The CLI hands structured values (YAML lists, maps) to the program as JSON strings;
# parse_config decodes them, so one code path serves stack files and environment overrides alike.
CONFIG_KEYS = (
    "environment", "environmentSuffix", "regions", "owner", "costCenter", "vpcCidrs", "logRetentionDays",
    "lambdaMemoryMb", "lambdaTimeoutSeconds", "lambdaReservedConcurrency", "apiRateLimit", "apiBurstLimit",
    "apiQuotaPerDay", "wafRateLimit", "errorRateThresholdPercent", "alertEmail", "budgetLimitUsd", "natMode",
    "allowedOrigins", "apiLatencyP99Ms", "activateCostAllocationTags", "signingKeyRotationDays",
    "costAnomalyThresholdUsd", "auditBackupRegion", "lambdaProvisionedConcurrency",
)  # fmt: skip


def load_config(env: Mapping[str, str] | None = None) -> StackConfig:
    """Read the stack's config from the Pulumi runtime and validate it (raises ConfigError)."""
    import os  # noqa: PLC0415 - only the runtime path reads the process environment

    import pulumi  # noqa: PLC0415 - keep parse_config importable without the Pulumi runtime

    config = pulumi.Config()
    raw: dict[str, Any] = {}
    # Every key set under the project's namespace, so that a misspelt one is an error rather than silently unused.
    for key in _namespace_keys(pulumi.get_project()):
        value = config.get(key)
        if value is not None:
            raw[key] = value
    return parse_config(raw, pulumi.get_project(), os.environ if env is None else env)


def _namespace_keys(project: str) -> set[str]:
    """The keys set under `project:` (what the language host received), plus CONFIG_KEYS."""
    from pulumi.runtime import config as runtime_config  # noqa: PLC0415 - the runtime path only

    prefix = f"{project}:"
    given = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return set(CONFIG_KEYS) | {name[len(prefix) :] for name in given if name.startswith(prefix)}
