"""preflight._sdk: the SDK internals preflight needs still exist, and nothing else reaches for them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from preflight import _sdk

REPO_ROOT = Path(__file__).resolve().parents[2]
SDK_PACKAGES = ("pulumi", "pulumi_policy")
# Modules of the SDKs whose names are internals as a whole (not part of the documented API).
INTERNAL_MODULES = ("pulumi.runtime.settings", "pulumi.runtime.stack", "pulumi.runtime.sync_await", "pulumi._types")
SCANNED = ("preflight", "unit_tests", "benchmarks", "integration_tests")


@pytest.mark.parametrize("name", _sdk.REQUIRED_NAMES, ids=lambda name: name.dotted)
def test_the_installed_sdk_has_every_internal_name_the_adapter_needs(name: _sdk.InternalName) -> None:
    assert _sdk.missing_names([name]) == [], "\n".join(_sdk.missing_names([name]))


def test_a_missing_name_is_reported_by_its_dotted_name_and_reason() -> None:
    gone = _sdk.InternalName("pulumi.runtime.settings", "SETTINGS.no_such_attribute", "stands in for a removed name")
    no_module = _sdk.InternalName("pulumi.no_such_module", "anything", "stands in for a removed module")
    messages = _sdk.missing_names([gone, no_module])
    assert len(messages) == 2
    assert messages[0].startswith("pulumi.runtime.settings.SETTINGS.no_such_attribute is missing")
    assert "pulumi 3.272.0" in messages[0]
    assert messages[0].endswith("stands in for a removed name")
    assert messages[1].startswith("pulumi.no_such_module.anything is missing")


def _private_sdk_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in SDK_PACKAGES:
            names = [alias.name for alias in node.names]
            if (
                node.module.startswith(INTERNAL_MODULES)
                or any(part.startswith("_") for part in node.module.split("."))
                or (node.module in ("pulumi.runtime", "pulumi") and set(names) & {"settings", "stack", "_types"})
            ):
                found.append(f"from {node.module} import {', '.join(names)}")
            else:
                found += [f"from {node.module} import {name}" for name in names if name.startswith("_")]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.startswith(INTERNAL_MODULES)]
    return found


def test_the_scan_sees_a_private_import(tmp_path: Path) -> None:
    module = tmp_path / "reaches_in.py"
    module.write_text(
        "from pulumi.runtime.sync_await import _sync_await\nfrom pulumi.runtime import settings\n"
        "from pulumi_policy.policy import _PolicyAnalyzerServicer\nimport pulumi._types\n"
        "from pulumi.runtime import mocks\n",
        encoding="utf-8",
    )
    assert _private_sdk_imports(module) == [
        "from pulumi.runtime.sync_await import _sync_await",
        "from pulumi.runtime import settings",
        "from pulumi_policy.policy import _PolicyAnalyzerServicer",
        "pulumi._types",
    ]


def test_only_the_adapter_imports_sdk_internals() -> None:
    adapter = REPO_ROOT / "preflight" / "_sdk.py"
    offenders = {
        str(path.relative_to(REPO_ROOT)): imports
        for folder in SCANNED
        for path in sorted((REPO_ROOT / folder).rglob("*.py"))
        if path != adapter and (imports := _private_sdk_imports(path))
    }
    assert offenders == {}, f"import these through preflight._sdk instead: {offenders}"
