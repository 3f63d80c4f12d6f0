"""Plans exported from the guard programs and the dev stack, scanned once by the real Checkov.

These tests run in `nox -s checkov`: Checkov lives in its own virtualenv (its pins clash with pulumi's), so the
session passes its executable in CHECKOV_BIN and runs these tests with the project's interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from preflight import load_project, run_program
from preflight.plan.export import capture_to_plan
from unit_tests.preflight.dev_stack import REPO_ROOT, dev_stack_environment

PROGRAMS = REPO_ROOT / "unit_tests" / "preflight" / "programs"
OFFLINE_ENV = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}


@dataclass
class ScannedPlan:
    """One exported plan and what Checkov made of it: check id -> resources, per outcome."""

    plan: dict[str, Any]
    passed: dict[str, set[str]] = field(default_factory=dict)
    failed: dict[str, set[str]] = field(default_factory=dict)
    # Resources a graph check reached through a connection (a bucket's separate encryption configuration).
    connected: dict[str, set[str]] = field(default_factory=dict)

    def evaluated_types(self) -> set[str]:
        """Types some check evaluated: the resources results are reported on and the ones they connect to."""
        outcomes = (self.passed, self.failed, self.connected)
        return {resource.split(".", 1)[0] for outcome in outcomes for group in outcome.values() for resource in group}

    def planned_types(self) -> set[str]:
        return {r["type"] for r in self.plan["planned_values"]["root_module"]["resources"]}


def _checkov_bin() -> str:
    candidate = os.environ.get("CHECKOV_BIN") or str(REPO_ROOT / ".nox" / "checkov" / "bin" / "checkov")
    if not Path(candidate).is_file():
        pytest.fail(f"Checkov not found at {candidate}: run these tests through `nox -s checkov` (it sets CHECKOV_BIN)")
    return candidate


@pytest.fixture(scope="session")
def dev_stack_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with dev_stack_environment(tmp_path_factory.mktemp("function-builds")) as build_root:
        yield build_root


@pytest.fixture(scope="session")
def scanned(tmp_path_factory: pytest.TempPathFactory, dev_stack_build: Path) -> dict[str, ScannedPlan]:
    """plan_insecure, plan_compliant_bucket and the dev stack, exported and scanned in one Checkov run."""
    directory = tmp_path_factory.mktemp("plans")
    projects = {
        "plan_insecure": load_project(PROGRAMS / "plan_insecure", "dev"),
        "plan_compliant_bucket": load_project(PROGRAMS / "plan_compliant_bucket", "dev"),
        "dev_stack": load_project(REPO_ROOT, "dev"),
    }
    plans: dict[str, ScannedPlan] = {}
    arguments: list[str] = []
    for name, project in projects.items():
        plan = capture_to_plan(run_program(project, preview=False))
        (directory / f"{name}.json").write_text(json.dumps(plan), encoding="utf-8")
        plans[name] = ScannedPlan(plan)
        arguments += ["--file", str(directory / f"{name}.json")]
    completed = subprocess.run(  # noqa: S603 - Checkov from the session's own virtualenv, fixed arguments
        [_checkov_bin(), *arguments, "--framework", "terraform_plan", "--skip-download", "--soft-fail",
         "--output", "json"],
        capture_output=True, text=True, env={**os.environ, **OFFLINE_ENV}, check=True, timeout=300,
    )  # fmt: skip
    reports = json.loads(completed.stdout)
    for report in reports if isinstance(reports, list) else [reports]:
        for outcome in ("passed", "failed"):
            for check in report.get("results", {}).get(f"{outcome}_checks", []):
                scanned_plan = plans[Path(check["file_path"]).stem]
                getattr(scanned_plan, outcome).setdefault(check["check_id"], set()).add(check["resource"])
                connected = (check.get("connected_node") or {}).get("resource")
                if connected:
                    scanned_plan.connected.setdefault(check["check_id"], set()).add(connected)
    return plans
