"""The workflows that run `pulumi preview/up` (deploy.yml, the pull request's preview job), read as GitHub reads them.

The program points each function at its built package (build/functions/<name>/), so a job that reaches the Pulumi
CLI without building it first fails with PackagingError before the engine sees a resource.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO_ROOT / ".github" / "workflows"
PULUMI_ACTION = "pulumi/actions@"
PULUMI_COMMANDS = ("preview", "up")
# What builds the packages: the build script itself, or the nox session that runs it.
BUILD_MARKERS = ("infrastructure/build_functions.py", "nox -s build")
ACCOUNT_CHECK_MARKER = "nox -s account"
_PULUMI_RUN = re.compile(r"^\s*pulumi\s+(preview|up)\b", re.MULTILINE)


def _workflow(name: str) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _pulumi_jobs() -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(workflow, job, steps) of every job with a step that runs `pulumi preview` or `pulumi up`."""
    found = []
    for path in sorted(WORKFLOWS.glob("*.y*ml")):
        for job_name, job in (_workflow(path.name).get("jobs") or {}).items():
            steps = job.get("steps") or []
            if any(_pulumi_command(step) for step in steps):
                found.append((path.name, job_name, steps))
    return found


def _pulumi_command(step: dict[str, Any]) -> str | None:
    if str(step.get("uses", "")).startswith(PULUMI_ACTION):
        command = (step.get("with") or {}).get("command")
        return command if command in PULUMI_COMMANDS else None
    # A command line of a script, not a message that mentions it (`echo "pulumi up ... skipped"`).
    invoked = _PULUMI_RUN.search(str(step.get("run", "")))
    return invoked.group(1) if invoked else None


def _first_index(steps: list[dict[str, Any]], markers: tuple[str, ...]) -> int | None:
    for index, step in enumerate(steps):
        if any(marker in str(step.get("run", "")) for marker in markers):
            return index
    return None


def test_both_pulumi_jobs_are_found() -> None:
    jobs = {(workflow, job) for workflow, job, _ in _pulumi_jobs()}
    assert jobs == {("deploy.yml", "deploy"), ("pull-request.yml", "preview")}


@pytest.mark.parametrize(
    ("workflow", "job", "steps"), [pytest.param(*found, id=f"{found[0]}:{found[1]}") for found in _pulumi_jobs()]
)
def test_the_function_packages_are_built_before_the_pulumi_cli_runs(
    workflow: str, job: str, steps: list[dict[str, Any]]
) -> None:
    """Issue 16.1: without the build, `pulumi preview/up` fails with PackagingError (empty DELIVERY_BUILD_DIR)."""
    build = _first_index(steps, BUILD_MARKERS)
    pulumi = next(index for index, step in enumerate(steps) if _pulumi_command(step))
    assert build is not None, f"{workflow} job {job} never builds the function packages"
    command = _pulumi_command(steps[pulumi])
    assert build < pulumi, f"{workflow} job {job} builds the packages only after `pulumi {command}`"
    # Same condition as the Pulumi step: a skipped build before a running preview would be the same failure.
    assert steps[build].get("if") == steps[pulumi].get("if")


def test_the_deployment_checks_the_api_gateway_account_setting_before_pulumi_up() -> None:
    """Issue 16.4: a fresh account without API Gateway's CloudWatch role fails the first `pulumi up` half-way."""
    steps = (_workflow("deploy.yml")["jobs"]["deploy"]).get("steps") or []
    check = _first_index(steps, (ACCOUNT_CHECK_MARKER,))
    pulumi = next(index for index, step in enumerate(steps) if _pulumi_command(step) == "up")
    assert check is not None, "deploy.yml never checks API Gateway's account setting (cloudwatchRoleArn)"
    assert check < pulumi
    # It runs with the deployment's AWS credentials: after configure-aws-credentials.
    credentials = next(
        index for index, step in enumerate(steps) if "configure-aws-credentials" in str(step.get("uses", ""))
    )
    assert credentials < check


@pytest.mark.parametrize(
    ("workflow", "job", "steps"), [pytest.param(*found, id=f"{found[0]}:{found[1]}") for found in _pulumi_jobs()]
)
def test_the_pack_gets_the_policy_config_generated_from_the_stack_config(
    workflow: str, job: str, steps: list[dict[str, Any]]
) -> None:
    """Issue 16.3: with `logRetentionDays: 30` the pack's 7-day default refused every log group of the stack."""
    pulumi = next(index for index, step in enumerate(steps) if _pulumi_command(step))
    config_file = (steps[pulumi].get("with") or {}).get("policyPackConfigs")
    assert config_file, f"{workflow} job {job} runs the pack without the stack's policy config"
    generate = _first_index(steps, ("infrastructure/policy_config.py",))
    assert generate is not None
    assert generate < pulumi
    script = str(steps[generate]["run"])
    assert f"--output {config_file}" in script
    assert steps[generate].get("if") == steps[pulumi].get("if")


def test_the_deployment_hands_the_code_to_the_pipeline_that_owns_it() -> None:
    """Issue 16.2: Pulumi creates each function from the local build, then ignores its code; main's code reaches the
    functions through the delivery pipeline, whose finished run the integration suite waits for."""
    steps = _workflow("deploy.yml")["jobs"]["deploy"].get("steps") or []
    pulumi_up = next(index for index, step in enumerate(steps) if _pulumi_command(step) == "up")
    deliver = _first_index(steps, ("pipeline_source",))
    suite = _first_index(steps, ("nox -s integration",))
    assert deliver is not None, "deploy.yml never hands the source to the delivery pipeline"
    assert suite is not None
    assert pulumi_up < deliver < suite
    script = str(steps[deliver]["run"])
    assert "git archive" in script
    assert "list-pipeline-executions" in script
