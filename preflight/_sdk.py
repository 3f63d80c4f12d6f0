"""The one door to the Pulumi SDKs' internals: every private or underscore name preflight (and its tests and
benchmarks) uses from `pulumi`, `pulumi.runtime` or `pulumi_policy` is reached through this module.

The public SDK runs a program only under the CLI's language host, and runs a policy pack only behind its gRPC
server; running either in-process needs the names below. Each was checked against pulumi 3.272.0 and
pulumi-policy 1.21.0, the versions pyproject.toml pins (a narrow range, with a comment pointing here). When an
upgrade removes one, unit_tests/preflight/test_sdk.py fails naming it (`missing_names`).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, TypeVar

from pulumi.runtime import mocks, settings
from pulumi.runtime.stack import run_in_stack as _run_in_stack
from pulumi.runtime.sync_await import _sync_await

T = TypeVar("T")

CHECKED_PULUMI = "3.272.0"
CHECKED_PULUMI_POLICY = "1.21.0"


@dataclass(frozen=True)
class InternalName:
    """A dotted attribute path in an SDK module, and why preflight needs it."""

    module: str
    attribute: str
    why: str

    @property
    def dotted(self) -> str:
        return f"{self.module}.{self.attribute}"


REQUIRED_NAMES: tuple[InternalName, ...] = (
    InternalName(
        "pulumi.runtime.sync_await",
        "_sync_await",
        "runs the program's coroutine to completion on the SDK's own process-global event loop, as the language host's"
        " entry point does; asyncio.run would create a second loop the SDK's outputs are not bound to",
    ),
    InternalName(
        "pulumi.runtime.stack",
        "run_in_stack",
        "runs the program's main function inside the root Stack resource and waits for every pending RPC, as the "
        "language host does (pulumi.runtime does not document it)",
    ),
    InternalName(
        "pulumi.runtime.settings",
        "ROOT",
        "the root-resource context variable: set_mocks registers a throwaway root stack, reset so the program gets "
        "its own, as under the CLI",
    ),
    InternalName(
        "pulumi.runtime.settings",
        "SETTINGS.outputs",
        "the set of pending outputs the SDK waits for at the end of a run: outputs made between runs belong to a loop "
        "that never runs again and would block the next run forever",
    ),
    InternalName(
        "pulumi.runtime.mocks",
        "MockMonitor",
        "the SDK's mock resource monitor; preflight subclasses it to record each RegisterResourceRequest as sent",
    ),
    InternalName(
        "pulumi._types",
        "resource_types",
        "the typed property classes of a resource class: the Terraform-plan export's attribute shapes",
    ),
    InternalName(
        "pulumi._types",
        "output_type_types",
        "the typed property classes of a nested output type (the plan export's nested blocks)",
    ),
    InternalName("pulumi._types", "is_output_type", "tells a nested block class from a scalar (the plan export)"),
    InternalName(
        "pulumi_policy.policy",
        "_PolicyAnalyzerServicer",
        "the pack's Analyzer servicer without its gRPC server: the pack's robustness tests and the in-process "
        "benchmark baseline call it directly",
    ),
)

MockMonitor = mocks.MockMonitor


def sync_await(awaitable: Awaitable[T]) -> T:
    """Run `awaitable` to completion on the SDK's event loop (see REQUIRED_NAMES: _sync_await)."""
    result: T = _sync_await(awaitable)
    return result


def run_in_stack(main: Callable[[], None]) -> Awaitable[None]:
    """The coroutine running `main` inside the root Stack resource (see REQUIRED_NAMES: run_in_stack)."""
    awaitable: Awaitable[None] = _run_in_stack(main)
    return awaitable


def reset_between_runs() -> None:
    """Forget what set_mocks and earlier runs left in the SDK's globals: the throwaway root stack, pending outputs."""
    settings.ROOT.set(None)
    settings.SETTINGS.outputs = set()


def pulumi_types() -> ModuleType:
    """pulumi._types: the SDK's own property-type introspection, which it uses to translate properties."""
    return importlib.import_module("pulumi._types")


def policy_analyzer_servicer(name: str, version: str, policies: Sequence[Any], enforcement_level: Any) -> Any:
    """pulumi_policy's Analyzer servicer for `policies`, called in-process (needs the `policy` extra)."""
    servicer_class = getattr(importlib.import_module("pulumi_policy.policy"), "_PolicyAnalyzerServicer")  # noqa: B009
    return servicer_class(name, version, list(policies), enforcement_level)


def _resolve(name: InternalName) -> bool:
    try:
        value: Any = importlib.import_module(name.module)
    except ImportError:
        return False
    for part in name.attribute.split("."):
        if not hasattr(value, part):
            return False
        value = getattr(value, part)
    return True


def missing_names(names: Sequence[InternalName] = REQUIRED_NAMES) -> list[str]:
    """One line per name the installed SDKs no longer have: the dotted name, why it is needed, the checked versions."""
    return [
        f"{name.dotted} is missing from the installed SDK (checked against pulumi {CHECKED_PULUMI}, pulumi-policy "
        f"{CHECKED_PULUMI_POLICY}); preflight needs it: {name.why}"
        for name in names
        if not _resolve(name)
    ]
