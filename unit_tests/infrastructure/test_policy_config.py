"""infrastructure/policy_config.py: the policy pack config generated from a stack's own config (issue 16 point 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from policy_config import RETENTION_POLICY, RETENTION_PROPERTY, main, policy_config_for, read_stack_config

from delivery_policies.pack import POLICY_SPECS
from unit_tests.preflight.dev_stack import dev_stack_copy


def test_the_retention_standard_is_the_stacks_own(tmp_path: Path) -> None:
    config = read_stack_config(dev_stack_copy(tmp_path, logRetentionDays=30), "dev", env={})
    assert policy_config_for(config) == {RETENTION_POLICY: {RETENTION_PROPERTY: 30}}


def test_the_pack_has_the_policy_and_the_property_the_config_sets() -> None:
    """The generator names the pack's policy by its string name: a rename in the pack must fail here."""
    spec = next((spec for spec in POLICY_SPECS if spec.name == RETENTION_POLICY), None)
    assert spec is not None
    assert RETENTION_PROPERTY in spec.config_properties


def test_the_command_writes_the_file(tmp_path: Path) -> None:
    output = tmp_path / "out" / "dev.json"
    program = dev_stack_copy(tmp_path, logRetentionDays=90)
    assert main(["--stack", "dev", "--program", str(program), "--output", str(output)]) == 0
    assert json.loads(output.read_text(encoding="utf-8")) == {RETENTION_POLICY: {RETENTION_PROPERTY: 90}}


@pytest.mark.parametrize(("stack", "message"), [("dev", "logRetentionDays"), ("absent", "Pulumi.absent.yaml")])
def test_a_bad_stack_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stack: str, message: str
) -> None:
    program = dev_stack_copy(tmp_path, logRetentionDays=10)
    assert main(["--stack", stack, "--program", str(program)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ")
    assert message in error
