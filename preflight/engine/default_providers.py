"""Default providers as the engine registers them (pkg/resource/deploy/default_providers.go).

A custom resource that names no provider gets the package's default provider: `pulumi:providers:<package>` named
`default` (or `default_<version>`), no parent, its inputs the stack config of the package's namespace. The config
key `pulumi:disable-default-providers` (a JSON list of package names, or `*`) makes that registration fail.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

from preflight.engine.urns import default_provider_name

DISABLE_KEY: Final = "pulumi:disable-default-providers"
# The packages the engine never denies (defaultProviders.shouldDenyRequest).
_ALWAYS_ALLOWED: Final = frozenset({"pulumi"})


class DefaultProviderError(Exception):
    """A default provider the engine would refuse (or a disable list it cannot read); the message is the engine's."""


def denied_message(package: str, subject: str) -> str:
    """sdk/go/common/diag/errors.go, GetDefaultProviderDenied, formatted with the package and the resource's URN
    (pkg/resource/deploy/step.go) or the invoked function's token (source_eval.go, getProviderFromSource)."""
    return f"Default provider for '{package}' disabled. '{subject}' must use an explicit provider."


def is_denied(package: str, config: Mapping[str, str]) -> bool:
    """default_providers.go, defaultProviders.shouldDenyRequest: the package (or `*`) is in the disable list."""
    if package in _ALWAYS_ALLOWED or DISABLE_KEY not in config:
        return False
    raw = config[DISABLE_KEY]
    if raw == "":
        return False
    try:
        barred = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise DefaultProviderError(f"Failed to parse {raw}: {exc}") from exc
    if not isinstance(barred, list):
        raise DefaultProviderError(f"Failed to parse {raw}: expected a JSON list of package names")
    for index, entry in enumerate(barred):
        if not isinstance(entry, str):
            raise DefaultProviderError(f"pulumi:disable-default-providers[{index}] must be a string")
        if entry.strip() in ("*", package):
            return True
    return False


# pkg/resource/deploy/target.go: the dynamic providers' packages.
DYNAMIC_PROVIDER_PACKAGES: Final = frozenset({"pulumi-nodejs", "pulumi-python"})


def package_config(package: str, config: Mapping[str, str]) -> dict[str, str]:
    """pkg/resource/deploy/target.go, Target.GetPackageConfig: the stack config of `package`'s namespace, keys
    without the namespace (what a default provider is configured with, e.g. `aws:region`); a dynamic provider gets
    the whole config, keys with their namespace."""
    if package in DYNAMIC_PROVIDER_PACKAGES:
        return dict(config)
    prefix = f"{package}:"
    return {key.removeprefix(prefix): value for key, value in config.items() if key.startswith(prefix)}


def default_provider_inputs(package: str, version: str, config: Mapping[str, str]) -> dict[str, str]:
    """default_providers.go, newRegisterDefaultProviderEvent: the package config, plus the version the SDK asked for
    (providers.SetProviderVersion)."""
    inputs = package_config(package, config)
    if version:
        inputs["version"] = version
    return inputs


def default_provider_key(package: str, version: str) -> tuple[str, str]:
    """One default provider per package and requested version (defaultProviders.handleRequest caches by request)."""
    return package, default_provider_name(version)
