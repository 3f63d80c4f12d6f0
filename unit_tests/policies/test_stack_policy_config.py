"""The gate and `pulumi preview --policy-pack` judge a stack by its own retention (issue 16 point 3).

Both read the policy pack config that infrastructure/policy_config.py generates from the stack config; a copy of the
dev stack with `logRetentionDays: 30` must pass in both modes with it, and fails without it (the pack's default
standard is 7 days), which is what made the setting unusable before.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from policy_config import RETENTION_POLICY
from policy_config import main as write_policy_config

from unit_tests.policies.test_programs import gate
from unit_tests.preflight.dev_stack import dev_stack_copy, dev_stack_environment


def _mandatory(report: dict) -> list[str]:
    return [
        f"{v['policy']}: {v['resourceName']}"
        for v in report.get("violations", [])
        if v["enforcementLevel"] == "mandatory" and v["exemption"] is None
    ]


@pytest.mark.slow
@pytest.mark.parametrize("preview", [False, True], ids=["up", "preview"])
def test_a_thirty_day_stack_passes_with_its_generated_config(preview: bool, tmp_path: Path) -> None:
    program = dev_stack_copy(tmp_path / "program", logRetentionDays=30)
    config = tmp_path / "policy-config.json"
    assert write_policy_config(["--stack", "dev", "--program", str(program), "--output", str(config)]) == 0
    mode = ["--preview"] if preview else []
    with dev_stack_environment(tmp_path / "build"):
        code, report = gate(program, tmp_path, *mode, "--config", str(config))
        assert _mandatory(report) == []
        assert code == 0
        # Without the generated config the pack's 7-day default refuses every log group of the stack.
        code, report = gate(program, tmp_path, *mode)
    assert code == 1
    assert _mandatory(report)
    assert {finding.split(":")[0] for finding in _mandatory(report)} == {RETENTION_POLICY}
