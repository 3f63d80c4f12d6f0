"""pulumi-policy's tests/integration/config through the gate: each step's policy-pack config (the CLI's
`--policy-pack-config`, the gate's `--config`) either passes, the pack asserting the config it receives, or fails
with exactly the CLI's `error: validating policy config: ...` lines (integration_test.go, TestConfig)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from preflight.exit_codes import EXIT_ERROR, EXIT_OK
from unit_tests.policies.conformance.scenarios import Scenario, Step
from unit_tests.policies.conformance.test_conformance import HERE, MODE_ARGUMENTS, STACK, _project

RESOURCE_POLICY = "resource-validation"
STACK_POLICY = "stack-validation"
ERROR_PREAMBLE = "error: validating policy config: config-policy 0.0.1  "


@dataclass(frozen=True)
class ConfigStep(Step):
    """A TestConfig step: the config file's content (None: no `--config`) and the error lines the CLI prints."""

    policy_config: dict[str, Any] | None = None
    errors: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        return EXIT_ERROR if self.errors else EXIT_OK


def _both(properties: dict[str, Any]) -> dict[str, Any]:
    """integration_test.go, TestConfig's `config`: the same properties for both policies."""
    return {RESOURCE_POLICY: properties, STACK_POLICY: properties}


def _want(*errors: str) -> tuple[str, ...]:
    """integration_test.go, TestConfig's `want`: each error once per policy, after the pack's preamble."""
    return tuple(
        ERROR_PREAMBLE + policy + ": " + error for error in errors for policy in (RESOURCE_POLICY, STACK_POLICY)
    )


CONFIG = Scenario(
    "config",
    (
        ConfigStep(1, policy_config=_both({"foo": "bar"})),
        ConfigStep(2),
        ConfigStep(3),
        ConfigStep(4, policy_config=_both({"foo": "overridden"})),
        ConfigStep(5),
        ConfigStep(6, errors=_want("foo is required")),
        ConfigStep(7, errors=_want("foo: Invalid type. Expected: string, given: integer")),
        ConfigStep(8, errors=_want("foo: String length must be less than or equal to 3")),
        ConfigStep(9, errors=_want("foo: String length must be greater than or equal to 50")),
        ConfigStep(10, errors=_want('foo: foo must be one of the following: "bar", "baz"')),
        ConfigStep(11, errors=_want('foo: foo does not match: "bar"')),
        ConfigStep(
            12, policy_config=_both({"foo": 1}), errors=_want("foo: Invalid type. Expected: string, given: integer")
        ),
        ConfigStep(
            13,
            policy_config=_both({"foo": "blah"}),
            errors=_want('foo: foo must be one of the following: "bar", "baz"'),
        ),
        ConfigStep(14, policy_config=_both({"foo": "blah"}), errors=_want('foo: foo does not match: "bar"')),
        ConfigStep(
            15,
            policy_config=_both({"foo": "this is too long", "bar": 3.14}),
            errors=_want(
                "bar: Invalid type. Expected: integer, given: number",
                "foo: String length must be less than or equal to 3",
            ),
        ),
        ConfigStep(16, policy_config=_both({"foo": 42})),
        ConfigStep(17, policy_config=_both({"foo": 3.14})),
        ConfigStep(18, policy_config=_both({"foo": 42})),
        ConfigStep(19, policy_config=_both({"foo": True})),
        ConfigStep(20, policy_config=_both({"foo": False})),
        ConfigStep(21, policy_config=_both({"foo": {"bar": "baz"}})),
        ConfigStep(22, policy_config=_both({"foo": ["a", "b", "c"]})),
        ConfigStep(23, policy_config=_both({"foo": None})),
        ConfigStep(24),
        ConfigStep(25, policy_config=_both({"foo": "overridden"})),
    ),
)


def _gate_with_config(tmp_path: Path, step: ConfigStep) -> subprocess.CompletedProcess[str]:
    """`pulumi up --policy-pack ... [--policy-pack-config FILE]` as the gate runs it, the file written as the Go test
    writes it (json.MarshalIndent, four spaces)."""
    project = _project(tmp_path, CONFIG, step)
    config_arguments = []
    if step.policy_config is not None:
        config_file = tmp_path / "policy-config.json"
        config_file.write_text(json.dumps(step.policy_config, indent=4), encoding="utf-8")
        config_arguments = ["--config", str(config_file)]
    pack = HERE / CONFIG.name / "policy-pack-python"
    command = [sys.executable, "-m", "preflight", "gate", "--program", str(project), "--stack", STACK]
    command += ["--pack", str(pack), "--format", "json", *config_arguments, *MODE_ARGUMENTS[step.mode]]
    environment = {**os.environ, "PULUMI_TEST_PROJECT": CONFIG.name, "PULUMI_TEST_STACK": STACK}
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=300, check=False)  # noqa: S603


def _error_lines(stderr: str) -> list[str]:
    """The CLI's `error: validating policy config: ...` lines, whatever the gate prints before the first."""
    marker = "error: validating policy config: "
    return [line[line.index(marker) :] for line in stderr.splitlines() if marker in line]


@pytest.mark.parametrize(
    "step",
    [pytest.param(step, id=f"config-{step.number}") for step in CONFIG.steps if isinstance(step, ConfigStep)],
)
def test_the_gate_validates_policy_config_as_the_cli_does(tmp_path: Path, step: ConfigStep) -> None:
    result = _gate_with_config(tmp_path, step)
    assert result.returncode == step.exit_code, result.stdout + result.stderr
    # update.go, loadPolicyPlugins: the lines sorted across the pack's policies, nothing else reported.
    assert _error_lines(result.stderr) == sorted(step.errors), result.stderr
    if not step.errors:
        # The pack asserts the config it receives; it reports nothing either way.
        assert json.loads(result.stdout)["violations"] == [], result.stdout
