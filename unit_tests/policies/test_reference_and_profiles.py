"""The generated policy reference (docs/policies.md, the README's table) and the generic profile agree with the
pack's metadata, and the metadata every reference entry needs is there."""

from __future__ import annotations

import ast
import dataclasses
import json

import pytest

from delivery_policies import POLICY_SPECS
from delivery_policies.reference import (
    GENERIC_PROFILE,
    README,
    drifted,
    generic_profile,
    readme_table,
    reference_section,
)
from unit_tests.policies.pack_harness import PolicyGate

CONVENTIONS = {"required-tags", "resource-explicit-provider"}


def test_checked_in_reference_readme_table_and_profile_match_the_metadata() -> None:
    """Fails when docs/policies.md, the README's table or generic.json drift: run
    `python -m delivery_policies.reference` in policies/ and commit the result."""
    assert drifted() == []


def test_a_metadata_change_shows_in_the_generated_tables() -> None:
    changed = [
        dataclasses.replace(spec, checkov=("CKV_AWS_999",)) if spec.name == "required-tags" else spec
        for spec in POLICY_SPECS
    ]
    assert "CKV_AWS_999" in readme_table(changed)
    assert "CKV_AWS_999" not in README.read_text(encoding="utf-8")
    assert readme_table(changed) != readme_table()
    assert reference_section(changed) != reference_section()


@pytest.mark.parametrize("spec", POLICY_SPECS, ids=lambda spec: spec.name)
def test_every_policy_has_a_remediation_and_a_compilable_example(spec) -> None:  # type: ignore[no-untyped-def]
    assert len(spec.remediation) > 30
    ast.parse(spec.example)
    assert "aws." in spec.example


def test_generic_profile_turns_off_exactly_the_conventions() -> None:
    profile = json.loads(GENERIC_PROFILE.read_text(encoding="utf-8"))
    assert profile == generic_profile()
    assert {name for name, level in profile.items() if level == "disabled"} == CONVENTIONS
    assert {spec.name for spec in POLICY_SPECS if spec.category == "convention"} == CONVENTIONS
    assert profile["s3-bucket-no-legacy-inline-config"] == "advisory"
    assert profile["log-group-retention-standard"] == {"requireStandardRetention": False}
    # Everything else keeps the pack's default (mandatory).
    assert len(profile) == 4


def test_generic_profile_is_a_valid_policy_config_for_the_pack(policy_gate: PolicyGate) -> None:
    from preflight.gate.policy_config import load_policy_config, reconcile

    config = reconcile(policy_gate.analyzer_info(), load_policy_config(GENERIC_PROFILE))
    levels = {name: entry.enforcement_level for name, entry in config.entries.items()}
    assert {name for name, level in levels.items() if level == "disabled"} == CONVENTIONS
    assert {name for name, level in levels.items() if level == "mandatory"} == {
        spec.name for spec in POLICY_SPECS
    } - CONVENTIONS - {"s3-bucket-no-legacy-inline-config"}
